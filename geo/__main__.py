"""``python -m geo`` runs the gridhouse command."""

from geo.cli import run

run()

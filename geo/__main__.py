"""``python -m geo`` runs the gridhouse command."""

from geo.cli import run

if __name__ == "__main__":  # not when a worker process of a batch job imports it
    run()

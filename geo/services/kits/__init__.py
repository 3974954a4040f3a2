"""The field round trip: kits for each team (ODK, GeoPackage), their submissions imported as
visits (idempotent, conflicts to a review queue, late and strangers' ones refused), door
plates, and figures that count proven visits only beside all visits.

One module per job: :mod:`.issuing` (kits handed out), :mod:`.submissions` (submissions
and their newcomers imported), :mod:`.reviews` (the review queue), :mod:`.plates` (door
plates) and :mod:`.proven` (proof by back-check, proven coverage and progress)."""

from geo.services.kits.issuing import KIT_FORMATS, Kit, issue_kit
from geo.services.kits.plates import PLATE_REASONS, plate_unit, print_plates, revoke_plate
from geo.services.kits.proven import prove_by_backcheck, proven_coverage, proven_progress
from geo.services.kits.reviews import DECISIONS, decide_review, may_review, review_queue
from geo.services.kits.submissions import import_submissions

__all__ = [
    "DECISIONS",
    "KIT_FORMATS",
    "PLATE_REASONS",
    "Kit",
    "decide_review",
    "import_submissions",
    "issue_kit",
    "may_review",
    "plate_unit",
    "print_plates",
    "prove_by_backcheck",
    "proven_coverage",
    "proven_progress",
    "review_queue",
    "revoke_plate",
]

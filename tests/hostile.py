"""The hostile demo: a copy of the demo district whose every free-text field starts with text
that would run, build elements, fetch from outside or reorder what a user reads, were any
page to take it for markup.

Free text here: area names; unit addresses and rooms (the unit's and each stay's); person,
landlord and worksite names, worksite addresses and contacts; sweep and team names; visit
notes; upload file names; and one review item whose two held submissions carry a hostile
submitter and note (the demo has none, and the field results page shows them)."""

from __future__ import annotations

from tests import databases

HTML = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(2)</script>"
QUOTES = '"\'><b>粗</b><a href="javascript:alert(4)">链</a>'
MARKDOWN = (
    "![x](http://example.com/a.png)**粗体**[链接](javascript:alert(3)) "
    "www.example.com/b x@example.com "
)
CONTROL = "\x0b\x07"
BIDI = "\u202e\u2066"
HOSTILE = HTML + SCRIPT + QUOTES + MARKDOWN + CONTROL + BIDI
"""What every free-text field of the copy starts with."""
SHOWN = "onerror=alert(1)"
"""A piece of :data:`HOSTILE` that a page shows (as text) wherever it shows the field."""
INVISIBLE = CONTROL + BIDI
"""Characters no page may show: the markup helper drops them."""

PREFIXED = {
    "area": ("name",),
    "property": ("address", "room"),
    "residence": ("room",),
    "person": ("name",),
    "landlord": ("name",),
    "worksite": ("name", "address", "contact_name"),
    "sweep": ("name",),
    "team": ("name",),
    "visit": ("note",),
    "import_batch": ("filename",),
}
"""Table -> its free-text columns, each given the hostile prefix."""

REVIEW_DAY = "2026-11-27"


def make_hostile(database: str) -> dict[str, str]:
    """Turn the demo copy ``database`` hostile (SQLite or PostgreSQL); return a unit that
    has residents, visits and a room (``ref``) for the pages that need one."""
    for table, columns in PREFIXED.items():
        assignments = ", ".join(f"{c} = ? || coalesce({c}, '')" for c in columns)
        databases.execute(
            database, f"UPDATE {table} SET {assignments}", tuple(HOSTILE for _ in columns)
        )
    (property_id, ref), *_ = databases.rows(
        database,
        "SELECT p.id, p.external_ref FROM property p JOIN assignment a ON a.property_id = p.id "
        "WHERE a.sweep_id = 1 AND EXISTS (SELECT 1 FROM residence r WHERE r.property_id = p.id) "
        "AND EXISTS (SELECT 1 FROM visit v WHERE v.property_id = p.id) ORDER BY p.id LIMIT 1",
    )
    teams = [t for (t,) in databases.rows(database, "SELECT id FROM team WHERE sweep_id = 1")]
    databases.execute(
        database,
        "INSERT INTO review_item (sweep_id, property_id, day, status) VALUES (1, ?, ?, 'open')",
        (property_id, REVIEW_DAY),
    )
    for n, (team, at) in enumerate(zip(teams, ("09:30", "15:10"), strict=False), start=1):
        databases.execute(
            database,
            "INSERT INTO submission (submission_id, sweep_id, team_id, property_id, visited_at,"
            " submitted_at, submitter, outcome, residents_seen, confirmed, note, plate_matches,"
            " proven, status, imported_by, imported_at) VALUES (?, 1, ?, ?, ?, ?, ?,"
            " 'verified', 2, 1, ?, ?, ?, 'held', 'demo-registrar', ?)",
            (
                f"hostile-{n}",
                team,
                property_id,
                f"{REVIEW_DAY} {at}:00.000000",
                f"{REVIEW_DAY} {at}:30.000000",
                HOSTILE + "submitter",
                HOSTILE + "note",
                False,
                False,
                f"{REVIEW_DAY} 20:00:00.000000",
            ),
        )
    return {"ref": str(ref)}

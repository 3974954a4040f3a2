"""Reports within 3 working days: hand-computed cases around the 2026 Mid-Autumn Festival
and National Day (25-27 Sep and 1-7 Oct off; Sun 20 Sep and Sat 10 Oct worked)."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pandas as pd
import pytest

from geo.reporting import days_late, deadline, late_by_reporter, working_days_between
from geo.services import lists
from tests import databases
from tests.conftest import ADMIN, AS_OF


def late(event: date, reported: date | None, as_of: date = date(2026, 11, 29)) -> float:
    return float(
        days_late(pd.Series([event]), pd.Series([reported], dtype=object), as_of=as_of).iloc[0]
    )


@pytest.mark.parametrize(
    ("reported", "expected"),
    [
        (date(2026, 9, 24), 0),  # next day
        (date(2026, 9, 29), 0),  # Thu 24, Mon 28, Tue 29: the third working day
        (date(2026, 9, 30), 1),
        (date(2026, 10, 7), 1),  # the National Day week does not count
        (date(2026, 10, 8), 2),
        (date(2026, 10, 9), 3),
        (date(2026, 10, 10), 4),  # a Saturday worked in exchange
        (date(2026, 10, 11), 4),  # an ordinary Sunday
    ],
)
def test_a_move_in_on_23_september_2026(reported, expected):
    assert late(date(2026, 9, 23), reported) == expected


def test_a_friday_event_is_due_on_wednesday_and_sunday_20_september_was_a_working_day():
    assert deadline(date(2026, 11, 20)) == date(2026, 11, 25)
    assert late(date(2026, 11, 20), date(2026, 11, 26)) == 1
    assert (
        working_days_between(pd.Series([date(2026, 9, 19)]), pd.Series([date(2026, 9, 20)])).iloc[0]
        == 1
    )


def test_a_report_not_made_yet_is_late_by_today():
    assert late(date(2026, 11, 20), None, as_of=date(2026, 11, 29)) == 2  # 23-27 Nov
    assert late(date(2026, 11, 26), None, as_of=date(2026, 11, 29)) == 0  # not due yet


def test_late_reports_are_counted_per_reporter():
    reports = pd.DataFrame(
        {
            "reporter": ["A", "A", "A", "B"],
            "event": [date(2026, 9, 23)] * 4,
            "reported": [date(2026, 9, 24), date(2026, 10, 9), None, date(2026, 9, 29)],
        }
    )
    table = late_by_reporter(reports, as_of=date(2026, 10, 12))
    row = table.set_index("reporter").loc["A"]
    assert (row["reports"], row["late"], row["unreported"]) == (3, 2, 1)
    assert row["most_days_late"] == 5  # unreported by Mon 12 Oct: 30 Sep, 8, 9, 10, 12 Oct
    assert "B" not in set(table["reporter"])


def working_days_by_hand(start: date, end: date) -> int:
    """Day by day with the calendar package's own rule (a second implementation)."""
    return sum(
        chinese_calendar.is_workday(start + timedelta(days=i))
        for i in range(1, (end - start).days + 1)
    )


def test_the_demo_late_move_ins_and_move_outs_match_a_day_by_day_count(demo):
    table = lists.staff_list(demo, ADMIN, "late-reports", as_of=AS_OF)
    landlords = table.loc[table["kind"] == "landlord"]
    since = (AS_OF - timedelta(days=365)).isoformat()
    with databases.connect(demo.db.url) as conn:
        rows = conn.execute(
            "SELECT moved_in, reported_on FROM residence r JOIN property p ON p.id = "
            "r.property_id WHERE p.landlord_id IS NOT NULL AND moved_in >= ?",
            (since,),
        ).fetchall()
        leaving = conn.execute(
            "SELECT moved_out, moved_out_reported_on FROM residence r JOIN property p ON p.id = "
            "r.property_id WHERE p.landlord_id IS NOT NULL AND moved_out >= ?",
            (since,),
        ).fetchall()
    assert leaving and all(reported for _, reported in leaving)
    rows += leaving
    expected = 0
    for moved_in, reported in rows:
        made = date.fromisoformat(reported) if reported else AS_OF
        expected += working_days_by_hand(date.fromisoformat(moved_in), made) > 3
    assert landlords["late"].sum() == expected > 0

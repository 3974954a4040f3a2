"""The one overlap rule for stays (geo/stays.py): a stay covers [moved_in, moved_out)."""

from __future__ import annotations

from datetime import date

import pytest

from geo.stays import overlapping

JAN, FEB, MAR, APR = (date(2026, m, 1) for m in (1, 2, 3, 4))


def stay(moved_in: date, moved_out: date | None, unit: str = "A") -> dict[str, object]:
    return {"moved_in": moved_in, "moved_out": moved_out, "property_id": unit}


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (FEB, MAR, True),  # inside
        (MAR, APR, False),  # moved in on the day the other stay ended: no shared day
        (date(2025, 12, 1), JAN, False),  # ended on the day the other began
        (date(2025, 12, 1), date(2026, 1, 2), True),  # shares 1 January
        (date(2026, 2, 28), None, True),  # open, begins on the last day of the stay
        (MAR, None, False),  # open, begins the day after the last day
    ],
)
def test_a_closed_stay_covers_its_first_day_and_not_its_move_out_day(start, end, expected):
    assert bool(overlapping([stay(JAN, MAR)], start, end)) is expected


def test_an_open_stay_runs_on_into_any_later_day():
    open_stay = stay(FEB, None)
    assert overlapping([open_stay], date(2030, 5, 1), date(2030, 5, 2)) == [open_stay]
    assert overlapping([open_stay], JAN, FEB) == []


def test_only_the_stays_that_share_a_day_come_back_in_their_order():
    stays = [stay(JAN, FEB, "A"), stay(FEB, APR, "B"), stay(APR, None, "C")]
    found = overlapping(stays, date(2026, 1, 15), date(2026, 4, 2))
    assert [s["property_id"] for s in found] == ["A", "B", "C"]
    assert [s["property_id"] for s in overlapping(stays, MAR, APR)] == ["B"]

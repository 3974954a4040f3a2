"""ID numbers (GB 11643) and phones: one rule for uploads, forms and search."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from geo.errors import InputError
from geo.identifiers import (
    id_check_digit,
    id_number_checks,
    id_number_facts,
    normalise_id_number,
    normalise_phone,
    normalise_phones,
    phones_ok,
)
from geo.services import people
from geo.services.access import Actor
from geo.services.setup import open_database
from geo.services.uploads import import_upload
from geo.validation import check_record
from tests.conftest import ADMIN, AS_OF

TODAY = date(2026, 11, 29)
REGISTRAR = Actor(name="registrar", role="registrar")


def wide(text: str) -> str:
    """Digits and brackets as a phone keyboard in full-width mode types them."""
    return "".join(
        chr(ord(c) + 0xFEE0) if c.isdigit() or c in "()+-" else c.replace(" ", "\u3000")
        for c in text
    )


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        ("11010519491231002", "X"),
        ("44052418800101001", "4"),
        ("34052419800101001", "X"),
        ("33011019900307001", "9"),
    ],  # sums: 195, 189, 190 (mod 11: 8, 2, 3),
)
def test_check_digit_follows_gb11643(first17, check):
    assert id_check_digit(first17) == check


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("11010519491231002", "id_format"),
        ("1101051949123100X2", "id_format"),
        ("110105194902300024", "id_birth_date"),
        ("110105209901010023", "id_birth_date"),
        ("110105189912310021", "id_birth_date"),
        ("110105194912310021", "id_check_digit"),
    ],
)
def test_bad_id_numbers_say_what_is_wrong(raw, key):
    with pytest.raises(InputError) as caught:
        normalise_id_number(raw, as_of=TODAY)
    assert caught.value.key == key


@pytest.mark.parametrize(
    "raw", [" 11010519491231002x ", "11010519491231002X", wide("11010519491231002") + "\uff58"]
)
def test_lower_case_x_spaces_and_full_width_digits_are_one_id_number(raw):
    assert normalise_id_number(raw, as_of=TODAY) == "11010519491231002X"


def test_a_column_and_a_single_id_number_are_judged_alike():
    raws = ["11010519491231002x", "110105194912310021", "110105194902300024", "1101", ""]
    form, birth, check = id_number_checks(pd.Series(raws), as_of=TODAY)
    for i, raw in enumerate(raws):
        column_ok = bool(form[i] and birth[i] and check[i])
        try:
            normalise_id_number(raw, as_of=TODAY)
            single_ok = True
        except InputError:
            single_ok = False
        assert column_ok == single_ok, raw


MOBILES = [
    "13812345678",
    "+86 138 1234 5678",
    "+86-138-1234-5678",
    "8613812345678",
    "0086 13812345678",
    "138-1234-5678",
    "138 1234 5678",
    wide("138 1234 5678"),
    wide("+86 13812345678"),
]
LANDLINES = [
    "0571-87654321",
    "057187654321",
    "(0571)87654321",
    "（0571）8765 4321",
    wide("(0571) 8765-4321"),
    "+86 571 8765 4321",
    "+86 (0)571 87654321",
    "0086-571-87654321",
]


@pytest.mark.parametrize("raw", MOBILES)
def test_every_spelling_of_a_mobile_is_one_number(raw):
    assert normalise_phone(raw) == "13812345678"


@pytest.mark.parametrize("raw", LANDLINES)
def test_every_spelling_of_a_landline_is_one_number(raw):
    assert normalise_phone(raw) == "057187654321"


def test_beijing_landlines_keep_their_two_digit_area_code():
    assert normalise_phone("010-12345678") == normalise_phone("+86 10 1234 5678") == "01012345678"


@pytest.mark.parametrize(
    "raw",
    [
        "12800000000",  # no mobile starts 12
        "1380000000",  # ten digits
        "phone",
        "87654321",  # a landline without its area code
        "0571-87654321-123",  # extensions are not part of the rule
        "0571-87654321转123",
        "+1 415 555 0100",  # not a mainland number
    ],
)
def test_other_phone_numbers_are_refused(raw):
    with pytest.raises(InputError) as caught:
        normalise_phone(raw)
    assert caught.value.key == "phone_format"
    assert not phones_ok(normalise_phones(pd.Series([raw]))).iloc[0]


@pytest.mark.parametrize("raw", [*MOBILES, *LANDLINES, "0571-87654321-123", "12800000000"])
def test_a_form_and_an_upload_store_the_same_phone(raw):
    record = {"id_number": "34122119900101001x", "name": "甲", "phone": raw}
    record |= {"property_ref": "D00-P000100", "moved_in": "2026-03-01"}
    typed, problems = check_record(record, kind="residents", as_of=TODAY)
    try:
        single = normalise_phone(raw)
    except InputError:
        assert ("phone", "phone_format") in problems
    else:
        assert typed is not None and typed["phone"] == single
        assert typed["id_number"] == "34122119900101001X"


@pytest.fixture
def db(demo_copy):
    opened = open_database(demo_copy)
    yield opened
    opened.db.dispose()


def test_a_landline_uploaded_in_one_spelling_is_found_in_another(db):
    person = "34122119900101001x"  # check digit X, written in lower case
    text = "身份证号,姓名,联系电话,房屋编号,入住日期\n"
    text += f"{person},甲,（0571）8765 4321,D00-P000100,2026-03-01\n"
    result = import_upload(
        db, REGISTRAR, kind="residents", as_of=AS_OF, filename="r.csv", data=text.encode()
    )
    assert (result.summary["accepted"], result.summary["rejected"]) == (1, 0)
    for spelling in ("0571-87654321", "+86 571 8765 4321", wide("0571 87654321")):
        found = people.search_people(db, ADMIN, phone=spelling)
        assert found["name"].tolist() == ["甲"], spelling
    for spelling in (person, person.upper(), f" {person} "):
        found = people.search_people(db, ADMIN, id_number=spelling)
        assert found["name"].tolist() == ["甲"], spelling


def test_region_birth_year_and_sex_are_read_from_the_number():
    ids = pd.Series(["34052419800101001X", "330110199003070029"], index=[3, 9])
    facts = id_number_facts(ids)
    assert facts.index.tolist() == [3, 9]
    assert facts.to_dict("records") == [
        {"origin": "340524", "birth_year": 1980, "sex": "M"},
        {"origin": "330110", "birth_year": 1990, "sex": "F"},
    ]

"""The fields each upload kind accepts: names, header synonyms, types, limits and choices.

One :class:`Field` per column a registrar may send. Header synonyms are compared after
:func:`normalise_header` (lower case, no spaces, brackets or punctuation), so "经度(lon)",
"经度" and "Longitude" all find ``lon``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Final

from geo.i18n import CATALOGUE, message
from geo.vocabulary import (
    PROPERTY_KINDS,
    PROPERTY_STATUSES,
    SEXES,
    VISIT_OUTCOMES,
    WORKSITE_KINDS,
    Vocabulary,
)

FIELD_TYPES: Final = (
    "text",
    "int",
    "float",
    "date",
    "datetime",
    "enum",
    "id_number",
    "phone",
    "lon",
    "lat",
    "region",
)


@dataclass(frozen=True)
class Field:
    """One column of an upload."""

    name: str
    type: str
    synonyms: tuple[str, ...]
    required: bool = False
    max_length: int = 200
    minimum: float | None = None
    maximum: float | None = None
    vocabulary: Vocabulary | None = None
    """The values of an ``enum`` field (see geo.vocabulary)."""
    not_future: bool = False

    @property
    def choices(self) -> dict[str, str]:
        """Accepted spellings (folded by :func:`normalise_header`) -> stored code."""
        return {} if self.vocabulary is None else choices_of(self.vocabulary)


def normalise_header(text: object) -> str:
    """Fold a header for matching: NFKC, lower case, no spaces, brackets or punctuation.

    >>> normalise_header(" 经度（Lon） "), normalise_header("Landlord_Name")
    ('经度lon', 'landlordname')
    """
    folded = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"[\s_\-()\[\]{}（）【】:：/.,，、*#]+", "", folded)


@cache
def choices_of(vocabulary: Vocabulary) -> dict[str, str]:
    """Every accepted spelling of a vocabulary's values (folded) -> the stored code: the code
    itself, its labels in every language of the catalogue and the words people use.

    >>> choices = choices_of(PROPERTY_KINDS)
    >>> choices[normalise_header("整租")], choices[normalise_header("Group Rental")]
    ('flat', 'group_rental')
    """
    out: dict[str, str] = {}
    for code in vocabulary.codes:
        labels = CATALOGUE.get(vocabulary.label_key(code), ())
        for spelling in (code, *labels, *vocabulary.words(code)):
            out[normalise_header(spelling)] = code
    return out


def allowed_words(vocabulary: Vocabulary, lang: str) -> str:
    """The values a cell may hold, as a registrar reads them: each value's label in ``lang``
    with the words people use for it in that language (for the reason of a refused cell).

    >>> allowed_words(SEXES, "en")
    'male (m), female (f)'
    """
    chinese = lang == "zh"
    listed = []
    for code in vocabulary.codes:
        label = message(vocabulary.label_key(code), lang)
        words = [
            w
            for w in vocabulary.words(code)
            if _is_chinese(w) == chinese and normalise_header(w) != normalise_header(label)
        ]
        if not words:
            listed.append(label)
        elif chinese:
            listed.append(f"{label}（{'、'.join(words)}）")
        else:
            listed.append(f"{label} ({', '.join(words)})")
    return "；".join(listed) if chinese else ", ".join(listed)


def _is_chinese(word: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in word)


_REF = ("房屋编号", "房屋编码", "出租房屋编号", "房屋id", "propertyref", "property_ref", "ref")
_ADDRESS = ("地址", "详细地址", "房屋地址", "居住地址", "现住址", "address")
_ROOM = ("房间号", "房间", "房号", "室号", "room")
_LON = ("经度", "lon", "lng", "long", "longitude", "x")
_LAT = ("纬度", "lat", "latitude", "y")
_ID = ("身份证号", "身份证号码", "公民身份号码", "证件号码", "证件号", "idnumber", "idno", "idcard")
_NAME = ("姓名", "名字", "name")
_PHONE = ("手机号", "手机号码", "联系电话", "电话", "手机", "phone", "mobile")


def _f(name: str, type_: str, synonyms: tuple[str, ...], **options: object) -> Field:
    return Field(name, type_, (name, *synonyms), **options)  # type: ignore[arg-type]


FIELDS: Final[dict[str, tuple[Field, ...]]] = {
    "rentals": (
        _f("external_ref", "text", _REF, max_length=64),
        _f("address", "text", _ADDRESS, required=True, max_length=500),
        _f("room", "text", _ROOM, max_length=32),
        _f("lon", "lon", _LON),
        _f("lat", "lat", _LAT),
        _f(
            "kind",
            "enum",
            ("房屋类型", "出租类型", "类型", "type"),
            required=True,
            vocabulary=PROPERTY_KINDS,
        ),
        _f("rooms", "int", ("房间数", "间数", "出租间数"), minimum=1, maximum=500),
        _f(
            "floor_area_m2",
            "float",
            ("建筑面积", "面积", "出租面积", "floorarea", "aream2"),
            minimum=1,
            maximum=100_000,
        ),
        _f(
            "max_occupants",
            "int",
            ("核定人数", "最多居住人数", "限住人数"),
            minimum=1,
            maximum=5_000,
        ),
        _f(
            "landlord_name",
            "text",
            ("房东姓名", "房东", "出租人", "出租人姓名", "landlord"),
            max_length=100,
        ),
        _f("landlord_phone", "phone", ("房东电话", "房东手机", "出租人电话", "出租人联系电话")),
        _f("status", "enum", ("出租状态", "状态"), vocabulary=PROPERTY_STATUSES),
        _f("registered_on", "date", ("登记日期", "登记时间", "备案日期"), not_future=True),
        _f("worksite_ref", "text", ("单位编号", "所属单位编号", "worksite"), max_length=64),
    ),
    "residents": (
        _f("id_number", "id_number", _ID, required=True),
        _f("name", "text", _NAME, required=True, max_length=100),
        _f("sex", "enum", ("性别", "gender"), vocabulary=SEXES),
        _f("phone", "phone", _PHONE),
        _f("property_ref", "text", _REF, max_length=64),
        _f("address", "text", _ADDRESS, max_length=500),
        _f("room", "text", _ROOM, max_length=32),
        _f(
            "moved_in",
            "date",
            ("入住日期", "入住时间", "居住起始日期", "来本地日期"),
            required=True,
            not_future=True,
        ),
        _f("moved_out", "date", ("搬离日期", "离开日期", "迁出日期"), not_future=True),
        _f("reported_on", "date", ("登记日期", "申报日期", "登记时间"), not_future=True),
        _f(
            "moved_out_reported_on",
            "date",
            ("退租登记日期", "迁出登记日期", "搬离登记日期", "注销登记日期"),
            not_future=True,
        ),
        _f(
            "employer_name",
            "text",
            ("工作单位", "就业单位", "服务处所", "employer"),
            max_length=200,
        ),
        _f("origin", "region", ("户籍地代码", "户籍地区划代码", "户籍区划"), max_length=6),
        _f("permit_no", "text", ("居住证号", "居住证编号", "居住证号码"), max_length=64),
        _f("permit_expiry", "date", ("居住证有效期", "居住证到期日", "有效期至")),
    ),
    "worksites": (
        _f(
            "external_ref",
            "text",
            ("单位编号", "单位编码", "统一社会信用代码", "worksiteref"),
            max_length=64,
        ),
        _f("name", "text", ("单位名称", "名称", "企业名称", "name"), required=True, max_length=200),
        _f(
            "kind",
            "enum",
            ("单位类型", "行业", "类型", "type"),
            required=True,
            vocabulary=WORKSITE_KINDS,
        ),
        _f("address", "text", ("单位地址", "地址", "经营地址", "address"), max_length=500),
        _f("lon", "lon", _LON),
        _f("lat", "lat", _LAT),
        _f(
            "declared_workers",
            "int",
            ("从业人数", "员工人数", "职工人数", "workers"),
            minimum=0,
            maximum=100_000,
        ),
        _f("contact_name", "text", ("联系人", "负责人", "contact"), max_length=100),
        _f("contact_phone", "phone", ("联系电话", "联系人电话", "负责人电话", "电话", "phone")),
    ),
    "employment": (
        _f("id_number", "id_number", _ID, required=True),
        _f(
            "worksite_ref",
            "text",
            ("单位编号", "单位编码", "统一社会信用代码", "worksite"),
            required=True,
            max_length=64,
        ),
        _f(
            "since",
            "date",
            ("入职日期", "起始日期", "开始日期", "from"),
            required=True,
            not_future=True,
        ),
        _f("until", "date", ("离职日期", "结束日期", "to"), not_future=True),
        _f("reported_on", "date", ("登记日期", "申报日期"), not_future=True),
        _f("until_reported_on", "date", ("离职登记日期", "离职申报日期"), not_future=True),
    ),
    "visits": (
        _f("property_ref", "text", _REF, max_length=64),
        _f("unit_code", "text", ("核对码", "房屋核对码", "unit_code", "unitcode"), max_length=32),
        _f("address", "text", _ADDRESS, max_length=500),
        _f("room", "text", _ROOM, max_length=32),
        _f(
            "visited_at",
            "datetime",
            ("走访时间", "查验时间", "走访日期", "查验日期", "日期", "date"),
            required=True,
            not_future=True,
        ),
        _f(
            "outcome",
            "enum",
            ("走访结果", "查验结果", "结果", "result"),
            required=True,
            vocabulary=VISIT_OUTCOMES,
        ),
        _f("residents_seen", "int", ("见到人数", "在住人数", "实有人数"), minimum=0, maximum=5_000),
        _f("team", "text", ("走访组", "小组", "队伍", "team"), max_length=100),
        _f("note", "text", ("备注", "说明", "note", "remark"), max_length=1_000),
        _f("id_number", "id_number", _ID),
        _f("sweep", "int", ("任务编号", "清查任务", "sweep_id"), minimum=1, maximum=2**31),
    ),
}

ROW_RULES: Final[dict[str, tuple[str, ...]]] = {
    "rentals": ("coordinates",),
    "residents": ("property_given", "dates_ordered"),
    "worksites": ("coordinates",),
    "employment": ("dates_ordered",),
    "visits": ("property_given",),
}
"""Checks on more than one column, applied per kind (see geo.validation)."""


def fields_of(kind: str) -> dict[str, Field]:
    """The fields of an upload kind by name."""
    return {f.name: f for f in FIELDS[kind]}

"""The registry's vocabularies: every enumerated value, once, with the words people use for it.

One :class:`Vocabulary` per enumeration (area levels and kinds, rental dwelling kinds and
statuses, worksite kinds, visit outcomes, sexes, roles, upload kinds, batch and sweep
statuses). Everything else derives from here: the schema's CHECK constraints
(:mod:`geo.store.schema`), the upload fields' choices (:mod:`geo.fields`), the CLI's choices,
and the catalogue keys of the labels (``vocabulary.label_key(code)``; the zh and en texts are
in :mod:`geo.i18n`). The words are what registrars write in their tables (Chinese and
English); :mod:`geo.fields` folds them (NFKC, case, spaces and punctuation) and also accepts
each value's labels in both languages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Vocabulary:
    """One enumeration: its codes in order, the catalogue key of their labels and their words.

    >>> SEXES.codes, SEXES.label_key("F")
    (('M', 'F'), 'sex_F')
    """

    name: str
    """what the values are, in the code's words (``property_kind``)"""
    label: str
    """catalogue key of a value's label, ``{}`` standing for the code (``property_kind_{}``)"""
    terms: tuple[tuple[str, tuple[str, ...]], ...]
    """(code, the words people use for it) in the order the values are offered"""
    nullable: bool = False
    """the stored column may be empty (its CHECK allows NULL)"""

    @property
    def codes(self) -> tuple[str, ...]:
        """The stored values, in order."""
        return tuple(code for code, _ in self.terms)

    def label_key(self, code: str) -> str:
        """The catalogue key of ``code``'s label."""
        return self.label.replace("{}", code)

    def label_keys(self) -> tuple[str, ...]:
        """Every label key this vocabulary can ask the catalogue for."""
        return tuple(self.label_key(code) for code in self.codes)

    def words(self, code: str) -> tuple[str, ...]:
        """The words people use for ``code`` (the code itself and its labels not included)."""
        return dict(self.terms)[code]

    def __contains__(self, code: object) -> bool:
        return code in self.codes


def _vocabulary(
    name: str, label: str, terms: dict[str, tuple[str, ...]], *, nullable: bool = False
) -> Vocabulary:
    return Vocabulary(name, label, tuple(terms.items()), nullable=nullable)


AREA_LEVELS: Final = _vocabulary(
    "area_level", "level_{}", {"street": (), "community": (), "grid": ()}
)
"""Area levels from the top down. Villages (村) are stored at the community level with
``kind='village'``; both are the level that rental units and residents are counted in."""

AREA_KINDS: Final = _vocabulary(
    "area_kind",
    "area_kind_{}",
    {"street": (), "community": (), "village": (), "grid": ()},
)
"""What an area is: a community level area is an urban community (社区) or a village (村)."""

PROPERTY_KINDS: Final = _vocabulary(
    "property_kind",
    "property_kind_{}",
    {
        "flat": (
            "整套", "成套", "套房", "住宅", "公寓", "整租", "整套出租", "整户", "整屋",
            "whole flat", "entire flat", "entire home", "apartment", "whole",
        ),
        "room": (
            "单间", "房间", "合租", "合租房", "单间出租", "分租", "主卧", "次卧",
            "single room", "shared", "shared flat", "flat share", "bedroom",
        ),
        "dormitory": (
            "集体宿舍", "宿舍", "员工宿舍", "职工宿舍", "工人宿舍",
            "dorm", "staff dormitory",
        ),
        "self_built": (
            "自建房", "农民房", "私房", "民房", "自建", "农居房", "村民自建房",
            "self built", "village house",
        ),
        "group_rental": (
            "群租房", "群租", "隔断", "隔断间", "隔断房", "床位", "床位出租", "按床位出租",
            "partitioned", "partitioned room", "bed space", "bed",
        ),
    },
)  # fmt: skip
"""The kinds of rental dwelling (出租房屋). 隔断 and 床位 lettings are 群租 by the usual
rules (rooms partitioned or let by the bed), so they are stored as ``group_rental``."""

PROPERTY_STATUSES: Final = _vocabulary(
    "property_status",
    "unit_status_{}",
    {
        "active": ("在租", "出租中", "正常", "有效", "在用", "rented", "let"),
        "inactive": ("停租", "停用", "注销", "无效", "已注销", "不再出租", "withdrawn"),
    },
)
"""Whether a rental dwelling is still let."""

WORKSITE_KINDS: Final = _vocabulary(
    "worksite_kind",
    "kind_site_{}",
    {
        "factory": (
            "工厂", "厂", "企业", "加工厂", "厂房", "制造业", "生产企业",
            "plant", "manufacturer", "manufacturing",
        ),
        "building_site": (
            "工地", "建筑工地", "在建工地", "建筑", "建筑业", "施工", "施工工地",
            "construction", "construction site",
        ),
        "market": ("市场", "农贸市场", "菜市场", "批发市场", "wholesale market"),
        "restaurant": (
            "餐馆", "饭店", "餐饮", "餐厅", "饭馆", "小吃店", "餐饮业", "catering",
        ),
        "logistics": (
            "物流", "快递", "仓储", "物流园", "仓库", "快递站", "快递网点",
            "warehouse", "courier", "delivery",
        ),
        "shop": ("商店", "店铺", "商铺", "超市", "零售", "门店", "store", "retail", "supermarket"),
    },
)  # fmt: skip
"""The kinds of worksite (实有单位)."""

VISIT_OUTCOMES: Final = _vocabulary(
    "visit_outcome",
    "outcome_{}",
    {
        "verified": (
            "已核实", "核实", "正常", "已查验", "查验", "属实", "无变化", "信息无误",
            "ok", "checked", "confirmed", "no change",
        ),
        "changes_found": (
            "有变化", "变更", "信息变更", "有变动", "已变更", "信息有误",
            "changed", "changes", "updated",
        ),
        "nobody_home": (
            "无人", "无人在家", "未遇", "家中无人", "敲门无人", "不在家",
            "no answer", "not at home", "not home", "absent", "nobody",
        ),
        "refused": ("拒绝", "拒访", "拒绝配合", "不配合", "拒绝开门", "refusal", "declined"),
        "vacant": ("空置", "空房", "空关", "闲置", "无人居住", "empty", "unoccupied"),
        "not_found": ("查无此人", "未找到", "人户分离", "找不到", "missing", "not located"),
    },
)  # fmt: skip
"""What a visit found (coverage counts some of them as completed, see geo.coverage)."""

SEXES: Final = _vocabulary(
    "sex",
    "sex_{}",
    {"M": ("男", "男性", "male", "m"), "F": ("女", "女性", "female", "f")},
    nullable=True,
)
"""A resident's sex as registered (may be unknown)."""

ROLES: Final = _vocabulary(
    "role", "role_{}", {"admin": (), "planner": (), "registrar": (), "sweeper": ()}
)
"""What an account may do (see geo.services.access)."""

UPLOAD_KINDS: Final = _vocabulary(
    "upload_kind",
    "kind_{}",
    {"rentals": (), "residents": (), "worksites": (), "employment": (), "visits": ()},
)
"""The kinds of table a registrar uploads (fields in geo.fields)."""

BATCH_STATUSES: Final = _vocabulary(
    "batch_status", "batch_status_{}", {"committed": (), "undone": ()}
)
"""What became of an upload."""

SWEEP_STATUSES: Final = _vocabulary(
    "sweep_status", "sweep_status_{}", {"planned": (), "active": (), "closed": ()}
)
"""Where a sweep stands."""

VOCABULARIES: Final = (
    AREA_LEVELS,
    AREA_KINDS,
    PROPERTY_KINDS,
    PROPERTY_STATUSES,
    WORKSITE_KINDS,
    VISIT_OUTCOMES,
    SEXES,
    ROLES,
    UPLOAD_KINDS,
    BATCH_STATUSES,
    SWEEP_STATUSES,
)
"""Every vocabulary, for the checks that each label exists in both languages."""


def label_keys() -> set[str]:
    """Every catalogue key a vocabulary can build.

    >>> "outcome_vacant" in label_keys()
    True
    """
    return {key for vocabulary in VOCABULARIES for key in vocabulary.label_keys()}

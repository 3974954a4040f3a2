"""Sizes, names and shares the demo street office is drawn from (all invented)."""

from __future__ import annotations

from typing import Final

CENTRE_LON: Final = 119.95
CENTRE_LAT: Final = 30.05
METRIC_EPSG: Final = 4549  # CGCS2000 / 3-degree Gauss-Kruger CM 120E
LOCAL_REGION: Final = "330110"  # hukou region of the demo street's own residents
STREET_NAME: Final = "示范街道（合成数据）"

N_COMMUNITIES: Final = 19
N_VILLAGES: Final = 33
POPULATION: Final = 116_000
PROPERTIES: Final = 13_000
RESIDENTS: Final = 36_000
FLOATING: Final = 32_000
WORKSITES: Final = 450
NOT_FOUND: Final = 4_500
HOUSEHOLDS_PER_GRID: Final = 300
PERSONS_PER_HOUSEHOLD: Final = 2.8
COPY_SPACING_M: Final = 12_000.0

COMMUNITY_NAMES = [
    "东湖",
    "西溪",
    "南苑",
    "北港",
    "文昌",
    "和睦",
    "春晖",
    "金桥",
    "银湖",
    "翠苑",
    "清泉",
    "锦绣",
    "新华",
    "长乐",
    "永安",
    "太平",
    "仁和",
    "康宁",
    "瑞丰",
]
VILLAGE_NAMES = [
    "白鹭",
    "青山",
    "石桥",
    "塘湾",
    "柳岸",
    "梅林",
    "竹园",
    "桃源",
    "荷塘",
    "枫林",
    "杏坛",
    "李家",
    "王家",
    "张家",
    "陈家",
    "沈家",
    "周家",
    "徐家",
    "朱家",
    "何家",
    "高桥",
    "上河",
    "下河",
    "前山",
    "后山",
    "东庄",
    "西庄",
    "南庄",
    "北庄",
    "新塘",
    "溪口",
    "江口",
    "湖埠",
]
ROADS = [
    "文一",
    "文二",
    "学院",
    "天目山",
    "古墩",
    "余杭塘",
    "五常",
    "丰潭",
    "紫金港",
    "联胜",
    "荆长",
    "闲林",
    "留和",
    "龙舟",
]
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉鹏飞斌宇浩凯婷雪琳")
PRODUCTS = [
    "电子",
    "纺织",
    "服装",
    "机械",
    "五金",
    "包装",
    "塑料",
    "家具",
    "印刷",
    "食品",
    "汽配",
    "灯具",
]
WORKSITE_KINDS = {
    # kind: (count per street, median declared workers, name suffix)
    "factory": (190, 60, "厂"),
    "building_site": (35, 120, "项目工地"),
    "market": (20, 30, "农贸市场"),
    "restaurant": (110, 12, "餐馆"),
    "logistics": (45, 50, "物流园"),
    "shop": (50, 5, "商店"),
}
# Hukou origins of floating residents: (county code, weight). Provinces by first two digits.
ORIGINS = (
    ("341221", 6),
    ("341222", 5),
    ("341621", 4),
    ("341226", 3),  # Anhui
    ("411621", 4),
    ("411623", 4),
    ("411722", 3),
    ("411321", 3),  # Henan
    ("360730", 4),
    ("361121", 4),
    ("360428", 3),  # Jiangxi
    ("511321", 4),
    ("511621", 3),
    ("510921", 3),  # Sichuan
    ("520521", 5),
    ("520502", 4),  # Guizhou
    ("431122", 3),
    ("430524", 3),  # Hunan
    ("421221", 3),
    ("420982", 2),  # Hubei
    ("530621", 3),
    ("530623", 2),  # Yunnan
    ("330327", 3),
    ("331121", 2),
    ("330881", 1),  # Zhejiang, other cities
    ("450821", 3),
    ("500101", 3),
    ("320321", 2),
    ("371321", 2),
    ("620421", 1),
)


SWEEP_STARTED_DAYS_AGO: Final = 8
SWEEP_DAYS: Final = 30
SWEEP_UNITS_PER_DAY: Final = 20
"""Units a demo team visits a day (below the planning pace, as in real life)."""
SWEEP_TEAMS: Final = {"一组": ("demo-sweeper",), "二组": ("demo-registrar",)}
SWEEP_LIMIT: Final = 480
SWEEP_OUTCOMES: Final = (
    # (area-list label as a team writes it, share)
    ("已核实", 0.70),
    ("有变化", 0.08),
    ("无人在家", 0.13),
    ("拒绝", 0.04),
    ("空置", 0.05),
)

"""Every sentence and label a user reads, in Simplified Chinese (default) and English.

Pages, the CLI and error reports take text from here by key; nothing user-facing is written
anywhere else. ``{name}`` placeholders are filled from keyword arguments.
"""

from __future__ import annotations

from typing import Any, Final

LANGUAGES: Final = ("zh", "en")
DEFAULT_LANGUAGE: Final = "zh"

CATALOGUE: Final[dict[str, tuple[str, str]]] = {
    # --- errors (keys used by geo.errors subclasses)
    "file_not_found": ("找不到文件：{path}", "file not found: {path}"),
    "file_unreadable": ("无法读取文件：{path}", "cannot read the file: {path}"),
    "file_empty": ("文件中没有可用的记录", "the file holds no usable records"),
    "boundary_format": (
        "不支持的边界文件格式：{path}（支持 {formats}）",
        "unsupported boundary file: {path} (use {formats})",
    ),
    "crs_unknown": ("无法识别的坐标系：{crs}", "unknown coordinate system: {crs}"),
    "crs_missing": (
        "文件未注明坐标系，请用 --crs 指定（如 wgs84、gcj02、EPSG:4490）",
        "the file does not say its coordinate system; give --crs (e.g. wgs84, gcj02, EPSG:4490)",
    ),
    "level_unknown": (
        "未知的区域层级：{level}（可选 {levels}）",
        "unknown level: {level} (use {levels})",
    ),
    "field_missing": (
        "文件中没有字段“{field}”，现有字段：{columns}",
        "the file has no field '{field}'; it has: {columns}",
    ),
    "code_duplicate": ("区域编码重复：{codes}", "duplicate area codes: {codes}"),
    "parent_level_missing": (
        "请先导入上一级（{parent}）区域",
        "import the level above ({parent}) first",
    ),
    "database_not_empty": (
        "数据库中已有数据，演示数据只能载入空数据库：{url}",
        "the database already holds data; the demo loads into an empty one only: {url}",
    ),
    "database_empty": (
        "数据库尚未初始化或没有区域，请先运行 gridhouse init 或 gridhouse demo",
        "the database has no areas yet; run gridhouse init or gridhouse demo first",
    ),
    "database_unreachable": ("无法连接数据库：{url}", "cannot open the database: {url}"),
    "permission_denied": ("当前角色（{role}）无权执行：{action}", "role {role} may not {action}"),
    "id_format": (
        "身份证号应为18位（末位可为X）",
        "an ID number has 18 characters (the last may be X)",
    ),
    "id_birth_date": (
        "身份证号中的出生日期无效",
        "the birth date in the ID number is not a real date",
    ),
    "id_check_digit": ("身份证号校验位错误", "the ID number's check digit is wrong"),
    "phone_format": ("手机号应为11位，以1开头", "a mobile number has 11 digits starting with 1"),
    "value_invalid": ("参数无效：{name} = {value}", "invalid value: {name} = {value}"),
    # --- uploads: whole files
    "file_too_large": (
        "文件过大（{size_mb} MB，上限 {limit_mb} MB）",
        "the file is too large ({size_mb} MB; the limit is {limit_mb} MB)",
    ),
    "file_binary": ("这不是文本表格文件", "this is not a text table"),
    "file_encoding": (
        "无法识别文件编码，请另存为 UTF-8 或 GBK 的 CSV",
        "unknown text encoding; save the file as CSV in UTF-8 or GBK",
    ),
    "header_only": ("文件只有表头，没有数据行", "the file has a header but no data rows"),
    "too_many_rows": (
        "行数超过上限（{limit} 行），请分批上传",
        "more than {limit} rows; split the file",
    ),
    "xls_old": (
        "不支持旧版 .xls，请另存为 .xlsx 或 CSV",
        "old .xls files are not supported; save as .xlsx or CSV",
    ),
    "xlsx_invalid": ("不是有效的 Excel（.xlsx）文件", "not a valid Excel (.xlsx) file"),
    "xlsx_too_large": (
        "Excel 文件解压后过大（上限 {limit_mb} MB）",
        "the Excel file unpacks to more than {limit_mb} MB",
    ),
    "table_format": (
        "不支持的文件类型：{path}（支持 {formats}）",
        "unsupported file type: {path} (use {formats})",
    ),
    "kind_unknown": (
        "未知的上传类型：{kind}（可选 {kinds}）",
        "unknown upload kind: {kind} (use {kinds})",
    ),
    "columns_missing": (
        "缺少必填列：{fields}。文件中的列：{columns}",
        "required columns missing: {fields}. The file has: {columns}",
    ),
    "map_field_unknown": (
        "映射中的字段不存在：{field}（可选 {fields}）",
        "no such field in the mapping: {field} (use {fields})",
    ),
    "map_column_missing": (
        "映射中的列不在文件中：{column}",
        "the mapped column is not in the file: {column}",
    ),
    # --- uploads: rows and cells
    "row_too_many_fields": ("该行的列数多于表头", "this row has more cells than the header"),
    "not_a_point": ("几何不是点", "the geometry is not a point"),
    "required": ("必填项为空", "required value is empty"),
    "too_long": ("内容过长", "value too long"),
    "formula": ("内容像电子表格公式，已拒绝", "looks like a spreadsheet formula; refused"),
    "not_number": ("不是数字", "not a number"),
    "not_integer": ("应为整数", "not a whole number"),
    "out_of_range": ("数值超出合理范围", "number out of the allowed range"),
    "coord_range": ("坐标超出经纬度范围", "coordinate outside the valid range"),
    "coord_incomplete": ("经度和纬度只填了一个", "only one of longitude and latitude is given"),
    "coord_zero": ("坐标为 (0, 0)", "the coordinates are (0, 0)"),
    "coord_swapped": (
        "经纬度疑似填反（交换后位于辖区内），请核对",
        "longitude and latitude look swapped (swapped, the point is inside the jurisdiction); "
        "please check",
    ),
    "coord_outside": ("坐标不在辖区范围内", "the point is outside the jurisdiction"),
    "not_a_date": ("日期格式无法识别（如 2026-03-01）", "not a date (use e.g. 2026-03-01)"),
    "date_future": ("日期晚于今天", "the date is in the future"),
    "date_order": ("结束日期早于开始日期", "the end date is before the start date"),
    "not_in_choices": ("不是可选值", "not one of the allowed values"),
    "region_format": ("户籍地代码应为6位数字", "the hukou region code has 6 digits"),
    "property_missing": ("房屋编号和地址都为空", "neither property reference nor address is given"),
    "property_unknown": ("登记库中找不到该房屋", "no such property in the registry"),
    "worksite_unknown": ("登记库中找不到该单位", "no such worksite in the registry"),
    "person_unknown": ("登记库中找不到该人员", "no such person in the registry"),
    "duplicate_in_file": ("与文件中前面的行重复", "repeats an earlier row of this file"),
    "stay_overlap": ("与该人员已有的居住记录时间重叠", "overlaps a stay this person already has"),
    # --- uploads: batches
    "batch_not_found": ("找不到批次 {batch}", "no batch {batch}"),
    "batch_already_undone": ("批次 {batch} 已撤销", "batch {batch} is already undone"),
    "undo_conflict": (
        "批次 {batch} 之后的批次 {later} 修改了相同记录，请先撤销批次 {later}",
        "batch {later} changed the same records after batch {batch}; undo batch {later} first",
    ),
    "undo_blocked": (
        "批次 {batch} 新增的记录已被其他记录引用，请先撤销之后的批次",
        "records added by batch {batch} are used by later records; undo the later batches first",
    ),
    "internal_error": (
        "系统内部错误，已记录到日志（编号 {ref}），请联系管理员",
        "internal error, logged as {ref}; please tell your administrator",
    ),
    # --- application shell and pages
    "app_title": ("Gridhouse 以房管人", "Gridhouse rental registry"),
    "language": ("语言", "Language"),
    "nav_overview": ("总览", "Overview"),
    "overview_title": ("辖区总览", "District overview"),
    "overview_caption": (
        "按社区（村）统计出租房屋、居住人员与近{window}天查验覆盖率。",
        "Rental units, residents and visit coverage over the last {window} days, by community.",
    ),
    "demo_notice": (
        "当前为合成演示数据（示范街道），人员、证件与边界均为虚构。",
        "This is the synthetic demo district: people, ID numbers and boundaries are invented.",
    ),
    "demo_creating": ("首次启动：正在生成演示辖区……", "First start: creating the demo district…"),
    "level": ("层级", "Level"),
    "level_street": ("街道", "Street"),
    "level_community": ("社区/村", "Community/village"),
    "level_grid": ("网格", "Grid"),
    "metric": ("地图指标", "Map metric"),
    "window_days": ("统计窗口（天）", "Window (days)"),
    "map_legend": ("图例", "Legend"),
    "no_areas": ("尚无区域边界。", "No area boundaries yet."),
    "suppressed": ("<{threshold}", "<{threshold}"),
    # --- column labels
    "col_code": ("编码", "Code"),
    "col_name": ("名称", "Name"),
    "col_level": ("层级", "Level"),
    "col_parent_code": ("上级编码", "Parent code"),
    "col_area_km2": ("面积（平方公里）", "Area (km²)"),
    "col_population": ("户籍人口", "Registered population"),
    "col_rental_units": ("出租房屋", "Rental units"),
    "col_residents": ("居住人员", "Residents"),
    "col_floating_residents": ("流动人口", "Floating residents"),
    "col_worksites": ("单位", "Worksites"),
    "col_coverage": ("查验覆盖率", "Coverage"),
    "col_attempted_coverage": ("走访覆盖率", "Attempted coverage"),
    "col_overdue_units": ("逾期未查", "Overdue units"),
    "col_residents_per_km2": ("人口密度（人/平方公里）", "Residents per km²"),
}


def message(key: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """The text for ``key`` in ``lang`` with placeholders filled.

    >>> message("file_not_found", "en", path="a.csv")
    'file not found: a.csv'
    """
    zh, en = CATALOGUE[key]
    template = en if lang == "en" else zh
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template


def bilingual(key: str, **params: Any) -> str:
    """Chinese then English on one line, for the command line and logs."""
    return f"{message(key, 'zh', **params)} | {message(key, 'en', **params)}"

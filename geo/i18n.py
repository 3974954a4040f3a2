"""Every sentence and label a user reads, in Simplified Chinese (default) and English.

Pages, the CLI and error reports take text from here by key; nothing user-facing is written
anywhere else. ``{name}`` placeholders are filled from keyword arguments.
"""

from __future__ import annotations

import logging
from typing import Any, Final

LANGUAGES: Final = ("zh", "en")
DEFAULT_LANGUAGE: Final = "zh"
_log = logging.getLogger("gridhouse.i18n")

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
    # --- boundary files: containers, layers, coordinates, shapes, codes (issue 15)
    "boundary_zip_empty": (
        "压缩包 {path} 中没有边界文件（支持 {formats}）",
        "the archive {path} holds no boundary file (use {formats})",
    ),
    "layer_unknown": (
        "文件中没有图层“{layer}”，现有图层：{layers}",
        "the file has no layer '{layer}'; it has: {layers}",
    ),
    "layer_choose": (
        "{path} 中有多个图层：{layers}；请用 --layer 指定一个，或用 --levels 一次导入多级",
        "{path} holds several layers: {layers}; pick one with --layer, or load levels "
        "with --levels",
    ),
    "crs_degrees_as_metres": (
        "坐标看起来是经纬度（x {x}，y {y}），但文件声明的坐标系是投影坐标系 {declared}；"
        "若是经纬度请加 --crs {crs}（或 EPSG:4490）",
        "the coordinates look like degrees (x {x}, y {y}) but the file declares the projected "
        "{declared}; if they are degrees pass --crs {crs} (or EPSG:4490)",
    ),
    "crs_metres_as_degrees": (
        "坐标看起来是米（x {x}，y {y}），但文件声明的是经纬度 {declared}；请用 --crs 指定投影坐标系"
        "（如 CGCS2000 3度带 EPSG:4534-4554，中央经线 120°E 为 EPSG:4549）",
        "the coordinates look like metres (x {x}, y {y}) but the file declares degrees "
        "({declared}); give the projected CRS with --crs (e.g. CGCS2000 3-degree GK, "
        "EPSG:4534-4554; EPSG:4549 for central meridian 120E)",
    ),
    "crs_zone_mismatch": (
        "横坐标带有高斯-克吕格带号 {zone}（x {x}），与 {declared} 不符；请加 --crs {crs}（{name}）",
        "the eastings carry Gauss-Kruger zone number {zone} (x {x}), which {declared} does not "
        "fit; pass --crs {crs} ({name})",
    ),
    "crs_extent_mismatch": (
        "坐标范围（x {x}，y {y}）不在所声明坐标系 {declared} 的适用范围内；"
        "请用 --crs 指定正确的坐标系",
        "the coordinates (x {x}, y {y}) do not fall where the declared {declared} applies; "
        "give the right one with --crs",
    ),
    "areas_none_empty": (
        "文件中的图形都是空的，没有可导入的区域",
        "every shape in the file is empty; there is no area to import",
    ),
    "areas_none": (
        "没有可保存的区域：{open_lines} 条线首尾不相接（两端最远相距 {gap_m} 米），{points} 个点，"
        "{empty} 个空图形，{broken} 个无法修复的面；区域须是面，或首尾相接的线/轨迹",
        "no area to store: {open_lines} open lines (ends up to {gap_m} m apart), {points} points, "
        "{empty} empty shapes, {broken} polygons beyond repair; an area must be a polygon or a "
        "line/track that returns to its start",
    ),
    "code_missing": (
        "编码字段“{field}”有空值：{names}",
        "the code field '{field}' is empty for: {names}",
    ),
    "code_other_level": (
        "编码 {codes} 已属于{level}级区域（{names}），不能用于另一级；请检查编码字段",
        "the codes {codes} already belong to areas of level {level} ({names}); a code names "
        "one area: check the code field",
    ),
    "areas_levels_spelling": (
        "无法理解 --levels 中的“{value}”；写法为 层级=图层，如 community=社区",
        "cannot read '{value}' in --levels; write level=layer, e.g. community=communities",
    ),
    "note_crs_zone": (
        "横坐标带有高斯-克吕格带号 {zone}，已按 {crs}（{name}）读取（文件声明：{declared}）",
        "the eastings carry Gauss-Kruger zone {zone}: read as {crs} ({name}); the file "
        "declared: {declared}",
    ),
    "note_crs_zone_number_missing": (
        "横坐标没有带号，而文件声明的 {declared} 需要带号；"
        "已按同一带的中央经线坐标系 {crs}（{name}）读取",
        "the eastings lack the zone number that the declared {declared} expects: read in the "
        "same zone's central-meridian CRS {crs} ({name})",
    ),
    "crs_zone_number_missing": (
        "横坐标（x {x}）没有带号，与 {declared} 不符；请加 --crs {crs}（{name}）",
        "the eastings (x {x}) lack the zone number that {declared} expects; pass --crs {crs} "
        "({name})",
    ),
    "note_latlon_swapped": (
        "坐标写成了[纬度, 经度]（x {x}，y {y}），已交换为[经度, 纬度]",
        "the coordinates were written [lat, lon] (x {x}, y {y}); swapped to [lon, lat]",
    ),
    "note_closed_lines": (
        "{n} 个区域画成首尾相接的线或轨迹，已转为面",
        "{n} areas drawn as lines or tracks that return to their start were made polygons",
    ),
    "note_left_out_open_line": (
        "{n} 条线首尾不相接（两端最远相距 {gap_m} 米），不能作为区域，未导入：{names}",
        "{n} lines do not return to their start (ends up to {gap_m} m apart) and were not "
        "imported as areas: {names}",
    ),
    "note_left_out_point": (
        "{n} 个点不能作为区域，未导入：{names}",
        "{n} points cannot be areas and were not imported: {names}",
    ),
    "note_left_out_empty": (
        "{n} 个空图形未导入：{names}",
        "{n} empty shapes were not imported: {names}",
    ),
    "note_repaired": (
        "{n} 个面边界自相交或无效，已修复（make_valid）：{names}",
        "{n} polygons were invalid (e.g. self-intersecting) and were repaired "
        "(make_valid): {names}",
    ),
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
    "database_unreachable": (
        "无法连接数据库服务器：{url}；请确认服务器已启动，地址和端口无误",
        "cannot reach the database server: {url}; check that it is running and that the "
        "address and port are right",
    ),
    "database_folder_missing": (
        "文件夹不存在：{folder}，无法在其中打开或创建数据库 {path}",
        "folder does not exist: {folder}; no database can be opened or made at {path}",
    ),
    "database_is_folder": (
        "数据库路径是文件夹而不是文件：{path}",
        "the database path is a folder, not a file: {path}",
    ),
    "database_not_sqlite": (
        "该文件不是 SQLite 数据库：{path}",
        "not an SQLite database: {path}",
    ),
    "database_damaged": (
        "SQLite 数据库文件已损坏或不完整：{path}，请用 gridhouse restore 从备份恢复",
        "the SQLite database file is damaged or incomplete: {path}; "
        "restore it from a backup (gridhouse restore)",
    ),
    "database_unreadable": (
        "没有读取数据库文件的权限：{path}",
        "no permission to read the database file: {path}",
    ),
    "database_read_only": (
        "没有写入数据库文件或其所在文件夹的权限：{path}",
        "no permission to write the database file or its folder: {path}",
    ),
    "database_uninitialised": (
        "数据库尚未初始化：{url}，请先运行 gridhouse init（或用 gridhouse demo 载入演示数据）",
        "the database has no schema yet: {url}; run gridhouse init first "
        "(or gridhouse demo for the demo district)",
    ),
    "internal_error_log": (
        "系统内部错误，已记录到日志 {log}（编号 {ref}），请联系管理员",
        "internal error, logged as {ref} in {log}; please tell your administrator",
    ),
    "usage_choice": (
        "{argument} 的取值无效：{value}（可选 {choices}）；用法见 {prog} --help",
        "{argument}: invalid choice {value} (choose from {choices}); see {prog} --help",
    ),
    "usage_required": (
        "缺少参数：{arguments}；用法见 {prog} --help",
        "missing argument: {arguments}; see {prog} --help",
    ),
    "usage_value": (
        "{argument} 的值无效：{value}；用法见 {prog} --help",
        "{argument}: invalid value {value}; see {prog} --help",
    ),
    "usage_date": (
        "{argument} 应为日期 YYYY-MM-DD，而不是 {value}；用法见 {prog} --help",
        "{argument}: a date is written YYYY-MM-DD, not {value}; see {prog} --help",
    ),
    "usage_positive": (
        "{argument} 应为不小于 1 的整数，而不是 {value}；用法见 {prog} --help",
        "{argument}: a whole number >= 1 is needed, not {value}; see {prog} --help",
    ),
    "usage_unrecognized": (
        "无法识别的参数：{arguments}；用法见 {prog} --help",
        "unrecognised arguments: {arguments}; see {prog} --help",
    ),
    "usage_other": (
        "命令用法有误：{detail}；用法见 {prog} --help",
        "usage error: {detail}; see {prog} --help",
    ),
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
    "phone_format": (
        "电话应为11位手机号，或带区号的固定电话（如0571-87654321，不含分机）",
        "a phone is an 11-digit mobile or a landline with its area code "
        "(e.g. 0571-87654321, no extension)",
    ),
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
    # --- tables as registrars keep them (issue 16: layouts, sheets, coordinates, clean text)
    "too_many_columns": (
        "列数过多（{columns} 列，上限 {limit} 列），请只保留登记用的列",
        "too many columns ({columns}; the limit is {limit}); keep only the register's columns",
    ),
    "sheet_choose": (
        "工作簿有多个有数据的工作表（{sheets}），请选择一个（命令行用 --sheet 名称）",
        "the workbook has several sheets with data ({sheets}); choose one (--sheet NAME)",
    ),
    "sheet_unknown": (
        "没有名为“{sheet}”的可见工作表（可选：{sheets}）",
        "no visible sheet named '{sheet}' (choose from: {sheets})",
    ),
    "formula_no_value": (
        "公式单元格没有保存计算结果，请在 Excel/WPS 中打开并保存后再上传，或改为数值",
        "a formula cell without its calculated value; open and save the file in Excel or WPS,"
        " or type the value",
    ),
    "cell_error": (
        "单元格是错误值（如 #REF!、#N/A），请改正",
        "the cell holds an error value (such as #REF! or #N/A); correct it",
    ),
    "coord_unreadable": (
        "坐标无法识别：应为“经度,纬度”“纬度,经度”或 POINT(经度 纬度)",
        "coordinates not readable: use 'lng,lat', 'lat,lng' or POINT(lng lat)",
    ),
    "markup": (
        "名称中含有网页标记或链接（如 <…>、](…)），已拒绝",
        "the name holds markup or a link (such as <…> or ](…)); refused",
    ),
    "note_header_found": (
        "表头在第 {row} 行；跳过其上的标题行 {skipped}",
        "header found in row {row}; title rows above it skipped: {skipped}",
    ),
    "note_units_row": (
        "第 {row} 行是表头下的单位/说明行，已跳过",
        "row {row} holds units or notes under the header; skipped",
    ),
    "note_coordinates_split": (
        "“{column}”列按 {order} 顺序拆分为经度和纬度（{rows} 行）",
        "column '{column}' split into longitude and latitude as {order} ({rows} rows)",
    ),
    "note_text_cleaned": (
        "已从 {cells} 个单元格中去除 {characters} 个控制字符、零宽字符或方向控制字符",
        "{characters} control, zero-width or direction characters removed from {cells} cells",
    ),
    "field_coordinates": ("坐标（经度,纬度）", "Coordinates (lng,lat)"),
    "form_name_markup": (
        "姓名/名称中含有网页标记或链接（如 <…>、](…)），已拒绝",
        "the name holds markup or a link (such as <…> or ](…)); refused",
    ),
    "upload_sheet": ("工作表", "Sheet"),
    "upload_sheet_help": (
        "工作簿有多个有数据的工作表，请选择要导入的一个（隐藏的工作表不读）",
        "the workbook has several sheets with data; choose the one to import (hidden sheets"
        " are not read)",
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
    "not_in_choices": (
        "不是可选值；可填：{allowed}",
        "not one of the allowed values; use: {allowed}",
    ),
    "region_format": ("户籍地代码应为6位数字", "the hukou region code has 6 digits"),
    "property_missing": ("房屋编号和地址都为空", "neither property reference nor address is given"),
    "property_unknown": ("登记库中找不到该房屋", "no such property in the registry"),
    "sweep_unknown": ("没有这个走访任务编号", "no sweep with this number"),
    "worksite_unknown": ("登记库中找不到该单位", "no such worksite in the registry"),
    "person_unknown": ("登记库中找不到该人员", "no such person in the registry"),
    "outside_scope": ("不在您负责的区域内", "outside the areas you are responsible for"),
    "duplicate_in_file": ("与文件中前面的行重复", "repeats an earlier row of this file"),
    "stay_overlap": ("与该人员已有的居住记录时间重叠", "overlaps a stay this person already has"),
    "move_overlap": (
        "与该人员在 {property} 的居住记录（{moved_in} 至 {moved_out}）时间重叠；"
        "搬家请用“迁移”，或先登记搬离",
        "overlaps their stay at {property} ({moved_in} to {moved_out}); record a move, "
        "or the move-out first",
    ),
    "move_name_needed": (
        "系统中没有此人，新登记需要填写姓名",
        "a person not on record needs a name",
    ),
    "move_no_person": ("系统中没有此身份证号的人员", "nobody on record has this ID number"),
    "move_no_current_stay": (
        "此人目前没有（您管辖区域内的）居住记录",
        "this person has no current stay (in your areas)",
    ),
    "move_out_before_in": (
        "日期早于入住日期 {moved_in}",
        "the date is before the move-in {moved_in}",
    ),
    "move_same_unit": ("此人已住在 {property}", "this person already lives at {property}"),
    "property_inactive": ("房屋 {ref} 已停用", "property {ref} is inactive"),
    "outcome_verified": ("已核实", "verified"),
    "outcome_changes_found": ("有变化", "changes found"),
    "outcome_nobody_home": ("无人在家", "nobody home"),
    "outcome_refused": ("拒绝", "refused"),
    "outcome_vacant": ("空置", "vacant"),
    "outcome_not_found": ("查无此人", "not found"),
    "edit_invalid": ("{field}：{reason}", "{field}: {reason}"),
    "backup_other_backend": (
        "该备份来自 {made} 数据库，不能恢复到 {here} 数据库",
        "this backup is of a {made} database and cannot be restored into {here}",
    ),
    "backup_key_missing": (
        "找不到密钥文件 {path}：请先把备份数据库所用的密钥文件放到此处",
        "no key file at {path}: put the key file of the backed-up database there first",
    ),
    "backup_other_key": (
        "密钥文件 {path} 与备份不符，恢复后将无法解密证件号码；请使用原密钥文件",
        "the key file {path} is not the backup's: ID numbers could not be unsealed;"
        " use the original key file",
    ),
    "restore_would_overwrite": (
        "目标数据库已有数据；确认要用备份覆盖时请加 --replace",
        "the target database holds data; add --replace to overwrite it with the backup",
    ),
    "backup_unreadable": ("{path} 不是 Gridhouse 备份文件", "{path} is not a Gridhouse backup"),
    "backup_damaged": (
        "备份中的数据库已损坏：{detail}",
        "the backup's database is damaged: {detail}",
    ),
    "scheduler_unreachable": (
        "无法连接 Dask 调度器 {address}",
        "the Dask scheduler at {address} does not answer",
    ),
    "pg_tool_missing": (
        "未安装 PostgreSQL 客户端程序 {program}（Debian 软件包 postgresql-client）",
        "the PostgreSQL client program {program} is not installed (Debian: postgresql-client)",
    ),
    "pg_tool_failed": ("{program} 失败：{detail}", "{program} failed: {detail}"),
    "edited_meanwhile": (
        "房屋 {ref} 在您编辑期间已被他人修改（{fields}），本次修改未保存；"
        "页面已显示最新内容，请核对后重新提交",
        "Unit {ref} was changed by someone else while you edited it ({fields}); your changes"
        " were not saved. The page now shows the latest facts: check them and submit again",
    ),
    "edit_title": ("修改房屋信息", "Correct the unit's facts"),
    "edit_button": ("保存修改", "Save"),
    "edit_done": ("已保存：{fields}", "Saved: {fields}"),
    "edit_nothing": ("没有需要修改的内容", "Nothing to change"),
    "history_title": ("修改记录", "Changes"),
    "history_none": ("尚无修改记录。", "No changes yet."),
    "yes": ("是", "yes"),
    "worksite_file_workers": ("在册从业人员（{n} 人）", "Workers on record ({n})"),
    "worksite_file_visits": ("单位走访记录（{n} 次）", "Visits to the worksite ({n})"),
    "worksite_col_name": ("姓名", "Name"),
    "worksite_col_id_masked": ("身份证号", "ID number"),
    "worksite_col_phone_masked": ("手机号", "Phone"),
    "worksite_col_since": ("入职日期", "Since"),
    "worksite_col_external_ref": ("居住房屋", "Lives at"),
    "worksite_col_address": ("居住地址", "Address"),
    "worksite_col_crowded": ("居住拥挤", "Crowded home"),
    "move_in_title": ("登记入住", "Record a move-in"),
    "move_name": ("姓名（新登记人员必填）", "Name (needed for someone new)"),
    "move_in_button": ("登记入住", "Record the move-in"),
    "move_in_done": ("已登记入住 {property}", "Move-in recorded at {property}"),
    # --- uploads: batches
    "batch_not_found": ("找不到批次 {batch}", "no batch {batch}"),
    "batch_already_undone": ("批次 {batch} 已撤销", "batch {batch} is already undone"),
    "undo_conflict": (
        "批次 {batch} 之后的批次 {later}（{file}，{user}，{at}）修改或用到了相同记录，"
        "请先撤销批次 {later}",
        "batch {later} ({file}, by {user}, {at}) changed or built on the records of batch "
        "{batch} after it; undo batch {later} first",
    ),
    "col_monthly_inspection": ("月查验率", "Monthly inspection rate"),
    "inspection_window": ("本月 1 日至今（{days} 天）", "This month so far ({days} days)"),
    "inspection_title": (
        "出租房屋月查验率（目标 {target}）",
        "Monthly inspection rate (target {target})",
    ),
    "inspection_rate": ("月查验率", "Inspection rate"),
    "inspection_target": ("目标", "Target"),
    "inspection_met": ("达标（≥{target}）", "Met (≥{target})"),
    "inspection_near": ("接近（低于 {target}）", "Near (below {target})"),
    "inspection_below": ("未达标（低于 {low}）", "Below (under {low})"),
    "inspection_status_met": ("本月至今 {rate}，已达标", "This month so far {rate}: target met"),
    "inspection_status_near": (
        "本月至今 {rate}，接近目标",
        "This month so far {rate}: near the target",
    ),
    "inspection_status_below": (
        "本月至今 {rate}，未达标",
        "This month so far {rate}: below target",
    ),
    "inspection_status_none": ("没有出租房屋", "No rental units"),
    "lists_map_picked": ("已选中 {ref}：{address}", "Picked {ref}: {address}"),
    "lists_open_file": ("打开房屋档案", "Open its property file"),
    # --- sweeps
    "nav_sweeps": ("走访清查", "Sweeps"),
    "sweeps_title": ("走访清查", "Door-to-door sweeps"),
    "sweeps_new": ("新建清查任务", "New sweep"),
    "sweeps_name": ("任务名称", "Name"),
    "sweeps_areas": ("范围（街道、社区或网格）", "Areas (streets, communities or grids)"),
    "sweeps_from": ("开始日期", "Starts on"),
    "sweeps_to": ("结束日期", "Ends on"),
    "sweeps_teams": ("走访组（每行一个）", "Teams (one per line)"),
    "sweeps_teams_help": (
        "每行一个走访组，可写成员用户名：一组：zhangsan, lisi",
        "One team a line, members' user names after a colon: Team A: zhangsan, lisi",
    ),
    "sweeps_create": ("创建任务", "Create the sweep"),
    "sweeps_created": ("已创建任务 #{sweep}", "Sweep #{sweep} created"),
    "sweeps_none": ("还没有清查任务", "No sweep yet"),
    "sweeps_pick": ("清查任务", "Sweep"),
    "sweeps_summary": (
        "{teams} 个走访组，已分配 {units} 户",
        "{teams} teams, {units} units assigned",
    ),
    "sweeps_plan": ("制定计划：优先级与分组", "Plan: priority and teams"),
    "sweeps_weights_hint": (
        "每项因素折算为 0 至 1 分再乘以权重，得分高的优先；"
        "分组使各组工作量（走访与步行时间）相差不超过 10%。",
        "Each factor is scaled to 0 to 1 and multiplied by its weight; higher scores go first. "
        "Teams get workloads (visits plus walking) within 10 % of each other.",
    ),
    "sweeps_factor_overdue": ("逾期天数", "Days overdue"),
    "sweeps_factor_residents": ("在住人数", "Residents"),
    "sweeps_factor_crowded": ("群租", "Crowded"),
    "sweeps_factor_recent": ("新登记", "Newly registered"),
    "sweeps_factor_not_found": ("查无此人", "Residents not found"),
    "sweeps_limit": (
        "只安排优先级最高的前 N 户（0 为全部）",
        "Only the first N units by priority (0: all)",
    ),
    "sweeps_plan_button": ("制定计划", "Make the plan"),
    "sweeps_planning": ("正在分组并规划路线…", "Splitting among teams and routing…"),
    "sweeps_planned": (
        "计划已保存，各组工作量最大相差 {imbalance}",
        "Plan stored; workloads within {imbalance}",
    ),
    "sweeps_teams_title": ("各走访组", "Teams"),
    "sweeps_ranked_title": ("优先级（得分构成）", "Priority, factor by factor"),
    "sweeps_progress_title": ("进度", "Progress"),
    "sweeps_remaining": ("待走访（含未遇、拒绝）", "Still to visit (incl. nobody home, refused)"),
    "sweeps_days": ("预计还需工作日", "Working days still needed"),
    "sweeps_carry": ("转入下一轮的 {count} 户", "{count} units carried to the next list"),
    "sweeps_export_title": ("下发走访清单", "Area lists for the teams"),
    "sweeps_all_teams": ("全部走访组", "All teams"),
    "sweeps_format": ("格式", "Format"),
    "arealist_format_csv": ("CSV（逗号分隔）", "CSV"),
    "arealist_format_xlsx": ("Excel 工作簿（XLSX）", "Excel workbook (XLSX)"),
    "arealist_format_geojson": ("GeoJSON（地图软件）", "GeoJSON (GIS software)"),
    "arealist_format_kml": ("KML（奥维、Google 地球）", "KML (Ovital, Google Earth)"),
    "arealist_format_gpx": ("GPX（GPS 设备）", "GPX (GPS devices)"),
    "arealist_format_pdf": ("PDF（打印）", "PDF (to print)"),
    # issue 16 items 6-7: area lists that come back, files field devices accept
    "arealist_format_kmz": ("KMZ（奥维、Google 地球，压缩）", "KMZ (Ovital, Google Earth, zipped)"),
    "field_unit_code": ("核对码", "unit check code"),
    "note_list_rows_matched": (
        "房屋编号已被表格软件改写（如 3.30111E+19、去掉前导 0）的行：{code} 行按核对码、"
        "{address} 行按走访任务、地址和房间找到房屋",
        "Rows whose 房屋编号 a spreadsheet had retyped (3.30111E+19, leading zeros dropped): "
        "{code} found by their check code, {address} by the sweep, the address and the room",
    ),
    "sweeps_download": ("下载（{units} 户）", "Download ({units} units)"),
    "sweeps_backcheck_title": ("复核（顺查，LQAS 判定）", "Back-checks (record to field, LQAS)"),
    "sweeps_backcheck_rule": (
        "每个社区随机抽取 n 户由其他组复查；不一致不超过 d 户为合格。",
        "n units per community are re-checked by another team; a community passes with at most d "
        "disagreeing.",
    ),
    "sweeps_col_visits_recorded": ("本组录入走访", "Visits recorded"),
    "sweeps_rates_title": ("登记率（近 90 天走访与倒查）", "Registration rates (last 90 days)"),
    "sweeps_rates_rule": (
        "居住登记率：走访见到的人中已在该房屋登记的比例；出租房屋登记率：倒查实地发现的出租房屋中已登记的比例。",
        "Residence rate: of the residents seen on visits, the share registered at that unit. "
        "Rental rate: of the rental units found in field-to-record back-checks, the share on "
        "record.",
    ),
    "sweeps_col_residents_seen": ("见到人数", "Residents seen"),
    "sweeps_col_registered_seen": ("其中已登记", "Of them registered"),
    "sweeps_col_residence_rate": ("居住登记率", "Residence registration rate"),
    "sweeps_col_units_found": ("实地发现房屋", "Units found"),
    "sweeps_col_units_registered": ("其中已在册", "Of them on record"),
    "sweeps_col_rental_rate": ("出租房屋登记率", "Rental registration rate"),
    "sweeps_field_upload": (
        "倒查：上传实地发现的出租房屋（社区、地址、房间），与登记库比对",
        "Field to record: upload the units found on the ground (community, address, room)",
    ),
    "sweeps_state_open": ("未走访", "not visited"),
    "sweeps_state_not_reached": ("未遇/拒绝", "not reached"),
    "sweeps_state_done": ("已走访", "visited"),
    "sweeps_verdict_pass": ("合格", "pass"),
    "sweeps_verdict_fail": ("不合格", "fail"),
    "sweeps_verdict_pending": ("待复核", "pending"),
    "sweeps_col_team": ("走访组", "Team"),
    "sweeps_col_units": ("户数", "Units"),
    "sweeps_col_walk_km": ("步行公里", "Walk km"),
    "sweeps_col_workload_h": ("工作量（小时）", "Workload (h)"),
    "sweeps_col_days": ("工作日", "Days"),
    "sweeps_col_rank": ("排序", "Rank"),
    "sweeps_col_score": ("得分", "Score"),
    "sweeps_col_overdue_points": ("逾期分", "Overdue pts"),
    "sweeps_col_residents_points": ("人数分", "Residents pts"),
    "sweeps_col_crowded_points": ("群租分", "Crowded pts"),
    "sweeps_col_recent_points": ("新登记分", "New pts"),
    "sweeps_col_not_found_points": ("查无此人分", "Not found pts"),
    "sweeps_col_external_ref": ("房屋编号", "Unit"),
    "sweeps_col_address": ("地址", "Address"),
    "sweeps_col_residents": ("在住人数", "Residents"),
    "sweeps_col_days_overdue": ("逾期天数", "Days overdue"),
    "sweeps_col_position": ("走访顺序", "Order"),
    "sweeps_col_assigned": ("分配户数", "Assigned"),
    "sweeps_col_visited": ("已走访", "Visited"),
    "sweeps_col_completed": ("已核查", "Completed"),
    "sweeps_col_not_reached": ("未遇/拒绝", "Not reached"),
    "sweeps_col_open": ("未走访", "Open"),
    "sweeps_col_done_share": ("完成率", "Done"),
    "sweeps_col_community": ("社区", "Community"),
    "sweeps_col_room": ("房间", "Room"),
    "sweeps_col_state": ("状态", "State"),
    "sweeps_col_drawn": ("抽样户数", "Drawn"),
    "sweeps_col_checked": ("已复查", "Re-checked"),
    "sweeps_col_failures": ("不一致", "Disagreeing"),
    "sweeps_col_verdict": ("判定", "Verdict"),
    "sweep_incomplete": (
        "请填写任务名称、至少一个区域和至少一个走访组",
        "give the sweep a name, at least one area and at least one team",
    ),
    "sweep_teams_repeat": ("走访组名称不能重复", "team names must differ"),
    "sweep_window_order": ("结束日期早于开始日期", "the sweep ends before it starts"),
    "sweep_not_found": ("找不到走访任务 {sweep}", "no sweep {sweep}"),
    "team_not_found": ("该任务没有走访组 {team}", "the sweep has no team {team}"),
    "sweep_no_units": (
        "任务范围内没有可上图的出租房屋",
        "the sweep's areas hold no rental unit with a position",
    ),
    "list_format_unknown": (
        "不支持的格式 {format}（可用：{formats}）",
        "no format {format} (use {formats})",
    ),
    "pdf_font_missing": (
        "找不到中文字体，无法生成 PDF：请安装 fonts-noto-cjk，或用 {variable} 指定字体文件",
        "no Chinese font for the PDF: install fonts-noto-cjk, or name a font file in {variable}",
    ),
    "setting_invalid": (
        "配置项 {variable} 的值 {value} 无效：{rule}",
        "setting {variable}={value} is invalid: {rule}",
    ),
    "arealist_summary": (
        "共 {units} 户，按走访顺序排列；结果填：{outcomes}",
        "{units} units in walking order; outcome: {outcomes}",
    ),
    "arealist_route_note": (
        "走访路线：圆点为走访顺序号，上为正北",
        "Walking route: dots numbered in visiting order, north up",
    ),
    "arealist_north": ("北", "N"),
    "arealist_metres": ("{n} 米", "{n} m"),
    "arealist_km": ("{n} 公里", "{n} km"),
    "arealist_continued": ("{n}（续）", "{n} (cont.)"),
    "reference_missing": (
        "文件引用的 {parent} 记录已不存在（可能刚被撤销），请重新上传",
        "records this file refers to in {parent} no longer exist (perhaps just undone); "
        "upload the file again",
    ),
    "undo_blocked": (
        "批次 {batch} 新增的记录已被其他记录引用，请先撤销之后的批次",
        "records added by batch {batch} are used by later records; undo the later batches first",
    ),
    # --- sign-in
    "login_title": ("登录", "Sign in"),
    "login_name": ("用户名", "User name"),
    "login_password": ("密码", "Password"),
    "login_button": ("登录", "Sign in"),
    "login_failed": ("用户名或密码错误", "wrong user name or password"),
    "login_locked": (
        "连续输错次数过多，账号已锁定 {minutes} 分钟",
        "too many wrong passwords; the account is locked for {minutes} minutes",
    ),
    "login_demo_hint": (
        "演示库账号：demo-admin、demo-planner、demo-registrar、demo-sweeper，密码均为 demo。",
        "Demo accounts: demo-admin, demo-planner, demo-registrar, demo-sweeper; password demo.",
    ),
    "login_timeout": (
        "长时间未操作，已自动退出，请重新登录。",
        "Signed out after inactivity; please sign in again.",
    ),
    "logout": ("退出登录", "Sign out"),
    "signed_in_as": ("当前用户：{name}（{role}）", "Signed in as {name} ({role})"),
    "role_admin": ("管理员", "administrator"),
    "role_planner": ("规划人员", "planner"),
    "role_registrar": ("登记员", "registrar"),
    "role_sweeper": ("走访队员", "sweeper"),
    "password_short": ("密码至少 {length} 位", "a password has at least {length} characters"),
    "password_wrong": ("当前密码不正确", "the current password is wrong"),
    "login_no_account": (
        "统一身份认证已通过，但系统中没有启用的账号 {name}，请联系管理员",
        "signed in with the identity provider, but there is no active account {name}; "
        "ask an administrator",
    ),
    "login_sso_button": ("使用统一身份认证登录", "Sign in with single sign-on"),
    "last_admin": (
        "不能停用或降级最后一个启用的管理员",
        "the last active administrator cannot be deactivated or given another role",
    ),
    "user_not_found": ("找不到用户 {name}", "no user {name}"),
    "search_empty": (
        "请输入身份证号、手机号或姓名",
        "enter an ID number, a mobile number or a name",
    ),
    # --- navigation and pages: administration, my account, residents
    "nav_people": ("人员查询", "Residents"),
    "nav_property": ("房屋档案", "Property file"),
    "nav_lists": ("工作清单", "Lists"),
    "lists_title": ("工作清单", "Lists to act on"),
    "lists_pick": ("清单", "List"),
    "list_crowded": ("群租/拥挤房屋", "Crowded units"),
    "list_permits": ("居住证到期", "Permits due"),
    "list_not-found": ("查无此人", "Residents not found"),
    "list_stale": ("久未走访", "Not visited for long"),
    "list_crowded_rule": (
        "每间房超过 2 人，或人均建筑面积不足 5 平方米（可在配置中调整）。",
        "More than 2 residents per room, or under 5 m² each (configurable).",
    ),
    "list_permits_rule": (
        "现住人员中居住证已过期或 30 天内到期的。",
        "Current residents whose residence permit expired or expires within 30 days.",
    ),
    "list_not-found_rule": (
        "登记在此、最近一次走访结果为“查无此人”的现住人员。",
        "Registered here, and the latest visit did not find them.",
    ),
    "list_stale_rule": (
        "有人居住、但 180 天内没有任何走访的房屋。",
        "Occupied units with no visit of any outcome for 180 days.",
    ),
    "list_late-reports": ("迟报", "Late reports"),
    "list_late-reports_rule": (
        "近一年的入住登记（房东）和用工登记（单位）超过 3 个工作日才报送的"
        "（法定节假日不计，调休上班日计入）。",
        "Move-ins (landlords) and hires (employers) of the last year reported more than 3 "
        "working days late (public holidays off, make-up days on).",
    ),
    "list_unhoused-workers": ("有工无房", "Workers with no home here"),
    "list_unhoused-workers_rule": (
        "单位在册从业人员中，在辖区没有任何现住登记的（以业管人对账）。",
        "People on a worksite's roster who live in no unit on record (housing-work check).",
    ),
    "list_dormitory-outsiders": ("宿舍住外单位人员", "Dormitories housing outsiders"),
    "list_dormitory-outsiders_rule": (
        "单位集体宿舍中，不在该单位从业的现住人员。",
        "Residents of a worksite's dormitory who do not work for that worksite.",
    ),
    "list_unknown-employers": ("就业单位未登记", "Employers not on record"),
    "list_unknown-employers_rule": (
        "现住人员申报的工作单位在单位库中查无此名，且没有在册的从业记录（以业管人的缺口）。",
        "Residents whose declared employer is no worksite on record and who hold no job on "
        "record: a gap between housing and work.",
    ),
    "lists_col_employer_name": ("申报工作单位", "Declared employer"),
    "lists_col_worksite": ("单位", "Worksite"),
    "lists_col_since": ("入职日期", "Since"),
    "lists_col_dormitory_of": ("宿舍所属单位", "Dormitory of"),
    "lists_col_works_at": ("实际就业单位", "Works at"),
    "lists_col_kind": ("类别", "Who"),
    "lists_col_reporter": ("报送人/单位", "Landlord or employer"),
    "lists_col_reports": ("应报次数", "Reports due"),
    "lists_col_late": ("迟报次数", "Late"),
    "lists_col_unreported": ("未报", "Not reported"),
    "lists_col_most_days_late": ("最多迟报工作日", "Most working days late"),
    "lists_col_mean_days_late": ("平均迟报工作日", "Mean working days late"),
    "lists_rows": ("条数", "Rows"),
    "lists_map_hint": ("清单中的房屋（点击选中）", "listed units (click one)"),
    "lists_prepare_export": ("导出清单", "Export the list"),
    "lists_col_external_ref": ("房屋编号", "Property"),
    "lists_col_address": ("地址", "Address"),
    "lists_col_room": ("房间", "Room"),
    "lists_col_community": ("社区/村", "Community/village"),
    "lists_col_rooms": ("房间数", "Rooms"),
    "lists_col_floor_area_m2": ("建筑面积", "Floor area (m²)"),
    "lists_col_residents": ("现住人数", "Residents"),
    "lists_col_residents_per_room": ("每间人数", "Per room"),
    "lists_col_m2_per_resident": ("人均面积", "m² each"),
    "lists_col_last_visit": ("最近走访", "Last visit"),
    "lists_col_days_since": ("未走访天数", "Days since"),
    "lists_col_name": ("姓名", "Name"),
    "lists_col_id_masked": ("身份证号", "ID number"),
    "lists_col_phone_masked": ("手机号", "Phone"),
    "lists_col_permit_no": ("居住证号", "Permit"),
    "lists_col_permit_expiry": ("有效期至", "Valid until"),
    "lists_col_days_left": ("剩余天数", "Days left"),
    "lists_col_moved_in": ("入住日期", "Moved in"),
    "lists_col_visited_at": ("走访时间", "Visited"),
    "lists_col_lon": ("经度", "Longitude"),
    "lists_col_lat": ("纬度", "Latitude"),
    "lists_kind_landlord": ("房东", "Landlord"),
    "lists_kind_employer": ("用工单位", "Employer"),
    "lists_download_csv": ("下载 CSV", "Download CSV"),
    "lists_download_xlsx": ("下载 Excel（XLSX）", "Download Excel (XLSX)"),
    "lists_sheet": ("清单", "List"),
    "lists_export_format": ("导出格式", "Export format"),
    "lists_format_csv": ("CSV（逗号分隔）", "CSV"),
    "lists_format_xlsx": ("Excel 工作簿（XLSX）", "Excel workbook (XLSX)"),
    "property_title": ("房屋档案", "Property file"),
    "property_hint": (
        "输入房屋编号或地址中的字词查看档案。",
        "Enter a property reference or words of its address to open its file.",
    ),
    "property_search": ("房屋编号或地址", "Reference or address"),
    "property_none": ("没有找到符合的房屋。", "No unit matches."),
    "property_matches": ("找到 {n} 套房屋（最多显示 50 套）", "{n} units match (50 at most)"),
    "property_open": ("打开档案", "Open the file of"),
    "property_not_found": (
        "找不到房屋 {ref}（或不在您的管辖区域内）",
        "no property {ref} in your areas",
    ),
    "property_community": ("社区/村", "Community/village"),
    "property_grid": ("网格", "Grid"),
    "property_position": ("位置", "Position"),
    "property_batch": ("来自上传批次", "From upload batch"),
    "property_fact": ("项目", "Item"),
    "property_value": ("内容", "Value"),
    "property_this_unit": ("本房屋", "This unit"),
    "property_stays": ("居住人员（现住 {n} 人，含历史）", "Residents ({n} now, and before)"),
    "property_visits": ("走访记录（{n} 次）", "Visits ({n})"),
    "property_col_visited_at": ("走访时间", "Visited"),
    "property_col_outcome": ("结果", "Outcome"),
    "property_col_residents_seen": ("见到人数", "Residents seen"),
    "property_col_team": ("走访组", "Team"),
    "property_col_note": ("备注", "Note"),
    "property_kind_flat": ("整套", "flat"),
    "property_kind_room": ("单间", "room"),
    "property_kind_dormitory": ("集体宿舍", "dormitory"),
    "property_kind_self_built": ("自建房", "self-built house"),
    "property_kind_group_rental": ("群租房", "group rental"),
    "quality_open": ("打开档案", "Open"),
    "nav_clusters": ("流动人口聚集", "Clusters"),
    "nav_worksites": ("单位与从业人员", "Worksites"),
    "nav_quality": ("数据质量", "Data quality"),
    "clusters_title": ("流动人口聚集区", "Where floating residents cluster"),
    "clusters_caption": (
        "按居住房屋计算的密度聚类（距离以米计，在投影坐标系中测量）；也可改看 H3 六边形密度。",
        "Density clusters of homes (distances in metres, measured in a projected CRS); "
        "or the density per H3 hexagon.",
    ),
    "clusters_parameters": ("聚类参数", "Clustering"),
    "clusters_area": ("范围", "Where"),
    "clusters_area_all": ("全部辖区", "The whole jurisdiction"),
    "clusters_layer": ("图层", "Layer"),
    "clusters_layer_clusters": ("聚集区（DBSCAN）", "Clusters (DBSCAN)"),
    "clusters_layer_hexagons": ("六边形密度（H3）", "Hexagon density (H3)"),
    "clusters_eps": ("邻域半径（米）", "Neighbourhood radius (m)"),
    "clusters_min": ("核心点最少流动人口", "Floating residents to form a core"),
    "clusters_resolution": ("H3 分辨率", "H3 resolution"),
    "clusters_count": ("聚集区数量", "Clusters"),
    "clusters_floating": ("流动人口（已上图）", "Floating residents (mapped)"),
    "clusters_share": ("聚集区内占比", "Share inside clusters"),
    "clusters_legend": ("聚集区流动人口", "Floating residents per cluster"),
    "clusters_hex_legend": ("每个六边形的流动人口", "Floating residents per hexagon"),
    "clusters_table": ("聚集区列表", "Clusters"),
    "clusters_col_cluster": ("编号", "No."),
    "clusters_col_residents": ("流动人口", "Floating residents"),
    "clusters_col_units": ("出租房屋", "Rental units"),
    "clusters_col_origins": ("主要来源地", "Main regions of origin"),
    "clusters_col_worksites": ("主要就业单位", "Main worksites"),
    "clusters_prepare_export": ("导出聚集区列表", "Export the clusters"),
    "clusters_download": ("下载 CSV", "Download CSV"),
    "worksites_title": ("单位与从业人员居住地", "Worksites and where their workers live"),
    "worksites_pick": ("查看单位的从业人员居住地", "Show where a worksite's workers live"),
    "worksites_none": ("（不选）", "(none)"),
    "worksites_workers": ("在册从业人员", "Workers on record"),
    "worksites_declared": ("申报人数", "Declared workers"),
    "worksites_housed_here": ("居住在辖区内", "Living in the jurisdiction"),
    "worksites_crowded_share": ("居住在拥挤房屋的比例", "Share in crowded housing"),
    "worksites_crowded_rule": (
        "拥挤：每间房超过 2 人，或人均建筑面积不足 5 平方米。",
        "Crowded: more than 2 residents per room, or less than 5 m² of floor area each.",
    ),
    "worksites_homes_legend": ("从业人员居住地（每个六边形）", "Workers' homes (per hexagon)"),
    "worksites_legend": ("单位类型", "Kind of worksite"),
    "worksites_empty": ("尚无带坐标的单位。", "No worksites with a position yet."),
    "worksites_as_hexagons": (
        "共 {total} 家单位，超过 {limit} 家时按六边形汇总申报人数显示；"
        "选择单位可查看其从业人员居住地。",
        "{total} worksites: above {limit} they are summed per hexagon (declared workers); "
        "pick one to see where its workers live.",
    ),
    "worksites_hex_legend": ("每个六边形的申报从业人数", "Declared workers per hexagon"),
    "kind_site_factory": ("工厂", "factory"),
    "kind_site_building_site": ("建筑工地", "building site"),
    "kind_site_market": ("市场", "market"),
    "kind_site_restaurant": ("餐饮", "restaurant"),
    "kind_site_logistics": ("物流", "logistics"),
    "kind_site_shop": ("商铺", "shop"),
    "quality_title": ("数据质量", "Data quality"),
    "quality_mapped_overall": ("上图率", "Mapped share"),
    "quality_unplaced_units": ("未上图的出租房屋", "Rental units not on the map"),
    "quality_unplaced_worksites": ("未上图的单位", "Worksites not on the map"),
    "quality_mapped_share": (
        "各社区上图率（落入网格的房屋占比）",
        "Mapped share per community (units inside a grid)",
    ),
    "quality_in_grid": ("落入网格", "Inside a grid"),
    "quality_share": ("上图率", "Mapped share"),
    "quality_area_issues": ("边界重叠与缝隙", "Boundary overlaps and gaps"),
    "quality_no_area_issues": (
        "各级边界无重叠、无缝隙。",
        "No overlaps or gaps between boundaries.",
    ),
    "quality_records_hidden": (
        "记录明细仅对登记员和管理员显示。",
        "Record lists are shown to registrars and administrators only.",
    ),
    "quality_unplaced_list": ("无法上图的记录", "Records that cannot be mapped"),
    "quality_kind_property": ("出租房屋 {n} 条", "{n} rental units"),
    "quality_kind_worksite": ("单位 {n} 条", "{n} worksites"),
    "quality_no_coordinates": ("缺少坐标", "no coordinates"),
    "quality_outside_areas": ("不在任何区域内", "outside every area"),
    "quality_near_boundary": (
        "距网格边界 5 米以内的房屋（{n} 套，请核实归属）",
        "Units within 5 m of a grid boundary ({n}; check which grid they belong to)",
    ),
    "quality_col_open": ("档案", "File"),
    "quality_col_external_ref": ("编号", "Reference"),
    "quality_col_address": ("地址", "Address"),
    "quality_col_lon": ("经度", "Longitude"),
    "quality_col_lat": ("纬度", "Latitude"),
    "quality_col_batch_id": ("上传批次", "Upload batch"),
    "quality_col_reason": ("原因", "Reason"),
    "quality_col_grid": ("网格", "Grid"),
    "quality_col_distance_m": ("距边界（米）", "To the boundary (m)"),
    # --- data quality: boundary issues drawn (issue 15)
    "quality_issue_overlap": ("重叠", "Overlap"),
    "quality_issue_gap": ("缝隙", "Gap"),
    "quality_issue_sliver": ("狭缝", "Sliver"),
    "quality_issue_legend": ("边界问题", "Boundary issues"),
    "quality_col_issue": ("问题", "Issue"),
    "quality_col_level": ("层级", "Level"),
    "quality_col_area_m2": ("面积（平方米）", "Area (m²)"),
    "quality_col_width_m": ("平均宽度（米）", "Mean width (m)"),
    "quality_in_gaps": (
        "落在边界缝隙中的房屋和单位（{n}，不属于任何相邻区域）",
        "Units and worksites in a boundary gap ({n}; in none of the areas beside it)",
    ),
    "quality_point_property": ("出租房屋", "Rental unit"),
    "quality_point_worksite": ("单位", "Worksite"),
    "quality_gap_col_kind": ("类别", "Kind"),
    "quality_gap_col_external_ref": ("编号", "Reference"),
    "quality_gap_col_lon": ("经度", "Longitude"),
    "quality_gap_col_lat": ("纬度", "Latitude"),
    "quality_gap_col_level": ("层级", "Level"),
    "quality_gap_col_gap": ("问题", "Issue"),
    "quality_gap_col_codes": ("相邻区域编码", "Codes of the areas beside it"),
    # --- upload page: boundary files (issue 15)
    "areas_upload_title": ("导入区域边界", "Import area boundaries"),
    "areas_upload_caption": (
        "GeoJSON、GeoPackage、Shapefile（.zip）、KML/KMZ、FileGDB（.zip）；每个图层选一个层级，"
        "上级区域按包含关系自动匹配。先试算，可看到哪些房屋会换到别的区域。",
        "GeoJSON, GeoPackage, Shapefile (.zip), KML/KMZ, FileGDB (.zip); give each layer its "
        "level, parents are found by containment. Check first to see which units would move.",
    ),
    "areas_upload_file": ("边界文件", "Boundary file"),
    "areas_upload_layer_level": ("图层“{layer}”的层级", "Level of layer '{layer}'"),
    "areas_upload_name_field": ("名称字段", "Name field"),
    "areas_upload_code_field": ("编码字段（可不填）", "Code field (optional)"),
    "areas_upload_crs_file": ("按文件所注", "As the file says"),
    "areas_upload_pick_level": (
        "请为至少一个图层选择层级",
        "Choose the level of at least one layer",
    ),
    "areas_upload_commit": ("导入边界", "Import boundaries"),
    "areas_upload_dry": ("试算结果（未保存）", "Check only: nothing was kept"),
    "areas_upload_done": ("边界已导入", "Boundaries imported"),
    "areas_upload_level_summary": (
        "**{level}**：{areas} 个区域（新增 {added}，替换 {replaced}），"
        "编码 {encoding}，坐标系 {crs}",
        "**{level}**: {areas} areas ({added} added, {replaced} replaced), text in {encoding}, "
        "CRS {crs}",
    ),
    "areas_upload_moved": (
        "换到其他区域的出租房屋 {units} 处、单位 {worksites} 个",
        "{units} rental units and {worksites} worksites change area",
    ),
    "areas_issue_col_kind": ("问题", "Issue"),
    "areas_issue_col_codes": ("涉及区域", "Areas"),
    "areas_issue_col_area_m2": ("面积（平方米）", "Area (m²)"),
    "areas_issue_col_lon": ("经度", "Longitude"),
    "areas_issue_col_lat": ("纬度", "Latitude"),
    "areas_moved_col_level": ("层级", "Level"),
    "areas_moved_col_code": ("编码", "Code"),
    "areas_moved_col_name": ("名称", "Name"),
    "areas_moved_col_out": ("迁出", "Leaving"),
    "areas_moved_col_in": ("迁入", "Arriving"),
    "worksite_not_found": ("找不到单位 {worksite}", "no worksite {worksite}"),
    "nav_admin": ("系统管理", "Administration"),
    "nav_health": ("运行状态", "Health"),
    "health_title": ("运行状态", "Health"),
    "health_backend": ("数据库", "Database"),
    "health_schema": ("结构版本", "Schema"),
    "health_schema_old": (
        "{revision}（程序为 {code}，重启应用即升级）",
        "{revision} (code {code}; restart to upgrade)",
    ),
    "health_size": ("占用空间", "Size"),
    "health_audit": ("审计链", "Audit chain"),
    "health_audit_ok": ("完整", "intact"),
    "health_audit_broken": ("已被改动！", "tampered with!"),
    "health_rows": ("各表行数", "Rows per table"),
    "health_table": ("表", "table"),
    "health_count": ("行数", "rows"),
    "health_last_import": ("最近一次导入", "Last import"),
    "health_no_import": ("尚无导入", "no import yet"),
    "health_import_line": (
        "{at}（北京时间），{user} 导入 {kind}（{file}）：入库 {accepted} 行，退回 {rejected} 行",
        "{at} (China Standard Time), {user} imported {kind} ({file}): "
        "{accepted} rows in, {rejected} rejected",
    ),
    "health_backup_hint": (
        "备份：`gridhouse backup 文件名`；恢复：`gridhouse restore 文件名`（需原密钥文件）",
        "Back up: `gridhouse backup FILE`; restore: `gridhouse restore FILE` (needs the key file)",
    ),
    "nav_account": ("我的账户", "My account"),
    "admin_title": ("系统管理", "Administration"),
    "admin_users": ("用户", "Users"),
    "admin_audit": ("审计日志", "Audit log"),
    "admin_all_areas": ("全部区域", "all areas"),
    "admin_col_name": ("用户名", "User name"),
    "admin_col_role": ("角色", "Role"),
    "admin_col_areas": ("管辖区域", "Areas"),
    "admin_col_active": ("启用", "Active"),
    "admin_col_locked": ("已锁定", "Locked"),
    "admin_col_created_at": ("创建时间", "Created"),
    "admin_add_user": ("新增用户", "Add a user"),
    "admin_scope_hint": (
        "不选区域表示可查看全部区域；选中社区即包含其下所有网格。",
        "No area means all areas; a community includes all of its grids.",
    ),
    "admin_add_button": ("新增", "Add"),
    "admin_user_added": ("已新增用户 {name}", "User {name} added"),
    "admin_edit_user": ("修改用户", "Change a user"),
    "admin_unlock": ("解除锁定", "Unlock"),
    "admin_save_button": ("保存", "Save"),
    "admin_user_saved": ("已保存用户 {name}", "User {name} saved"),
    "admin_reset_password": ("重置密码", "Reset password"),
    "admin_one_time_password": (
        "{name} 的一次性密码：{password}（只显示这一次，请当面交给本人）",
        "One-time password for {name}: {password} (shown only this once; hand it over in person)",
    ),
    "admin_verify": ("校验审计日志", "Verify the audit log"),
    "admin_verify_ok": (
        "审计日志完整：{rows} 条记录均未被修改或删除",
        "The audit log holds: none of its {rows} rows was edited or deleted",
    ),
    "admin_filter_user": ("用户", "User"),
    "admin_filter_action": (
        "操作（前缀，如 import、login、unmask）",
        "Action (prefix, e.g. import)",
    ),
    "admin_filter_since": ("起始日期", "From"),
    "admin_filter_until": ("截止日期", "To"),
    "admin_audit_shown": ("显示最近 {n} 条", "Newest {n} entries"),
    "audit_col_id": ("序号", "No."),
    "audit_col_at": ("时间（北京时间）", "Time (China Standard Time)"),
    "audit_col_actor": ("用户", "User"),
    "audit_col_role": ("角色", "Role"),
    "audit_col_action": ("操作", "Action"),
    "audit_col_object_type": ("对象类型", "Object type"),
    "audit_col_object_id": ("对象", "Object"),
    "audit_col_count": ("数量", "Count"),
    "audit_col_detail": ("详情", "Detail"),
    "account_title": ("我的账户", "My account"),
    "account_areas": ("管辖区域：{areas}", "Areas: {areas}"),
    "account_change_password": ("修改密码", "Change password"),
    "account_old_password": ("当前密码", "Current password"),
    "account_new_password": ("新密码", "New password"),
    "account_repeat_password": ("再次输入新密码", "New password again"),
    "account_change_button": ("修改", "Change"),
    "account_passwords_differ": ("两次输入的新密码不一致", "the two new passwords differ"),
    "account_password_changed": ("密码已修改", "Password changed"),
    "people_title": ("人员查询", "Find a resident"),
    "people_caption": (
        "按身份证号或手机号精确查找，或按姓名开头查找；证件号和电话只显示脱敏结果。",
        "Exact ID or mobile number, or the start of a name; identifiers are shown masked.",
    ),
    "people_name_prefix": ("姓名（开头）", "Name (beginning)"),
    "people_search_button": ("查询", "Search"),
    "people_none": ("没有找到符合条件的人员。", "Nobody found."),
    "people_col_name": ("姓名", "Name"),
    "people_col_id_masked": ("身份证号", "ID number"),
    "people_col_phone_masked": ("手机号", "Phone"),
    "people_col_sex": ("性别", "Sex"),
    "sex_F": ("女", "female"),
    "sex_M": ("男", "male"),
    "table_empty": ("（暂无记录）", "(nothing to show)"),
    "choose_areas": ("选择区域", "Choose areas"),
    "page_not_allowed_title": ("无权访问", "Not allowed"),
    "page_not_allowed": (
        "您的角色不能打开此页面，请从左侧菜单选择。",
        "Your role may not open this page; choose one from the menu on the left.",
    ),
    "trend_month": ("月份", "Month"),
    "unit_status_active": ("在用", "in use"),
    "unit_status_inactive": ("停用", "no longer rented"),
    "people_col_birth_year": ("出生年份", "Born"),
    "people_col_property_ref": ("房屋编号", "Property"),
    "people_col_address": ("地址", "Address"),
    "people_col_room": ("房间", "Room"),
    "people_col_moved_in": ("入住日期", "Moved in"),
    "people_col_moved_out": ("搬离日期", "Moved out"),
    "people_col_community_name": ("社区", "Community"),
    "people_col_permit_expiry": ("居住证有效期至", "Permit valid until"),
    "people_unmask_pick": ("查看完整证件号的人员", "Person to show in clear"),
    "people_unmask_note": (
        "查看完整身份证号和电话会记入审计日志。",
        "Showing the full ID number and phone is written to the audit log.",
    ),
    "people_unmask_button": ("显示完整信息", "Show in clear"),
    "people_unmasked": (
        "{name}：身份证号 {id_number}，电话 {phone}（已记录审计）",
        "{name}: ID number {id_number}, phone {phone} (audited)",
    ),
    "user_exists": ("用户 {name} 已存在", "user {name} already exists"),
    "audit_broken": (
        "审计日志校验失败：第 {row} 条记录被修改或删除",
        "the audit log does not verify: row {row} was edited or deleted",
    ),
    "person_not_found": ("找不到人员 {person}", "no person {person}"),
    "area_not_found": ("找不到区域 {code}", "no area {code}"),
    "anonymised": ("（已匿名）", "(anonymised)"),
    "no_pages": ("当前角色没有可用的页面。", "This role has no pages yet."),
    # --- upload fields
    "field_external_ref": ("编号", "reference"),
    "field_address": ("地址", "address"),
    "field_room": ("房间号", "room"),
    "field_lon": ("经度", "longitude"),
    "field_lat": ("纬度", "latitude"),
    "field_kind": ("类型", "kind"),
    "field_rooms": ("房间数", "rooms"),
    "field_floor_area_m2": ("建筑面积（平方米）", "floor area (m²)"),
    "field_max_occupants": ("核定人数", "maximum occupants"),
    "field_landlord_name": ("房东姓名", "landlord"),
    "field_landlord_phone": ("房东电话", "landlord phone"),
    "field_status": ("状态", "status"),
    "field_registered_on": ("登记日期", "registered on"),
    "field_worksite_ref": ("单位编号", "worksite reference"),
    "field_id_number": ("身份证号", "ID number"),
    "field_name": ("姓名/名称", "name"),
    "field_sex": ("性别", "sex"),
    "field_phone": ("手机号", "phone"),
    "field_property_ref": ("房屋编号", "property reference"),
    "field_moved_in": ("入住日期", "moved in"),
    "field_moved_out": ("搬离日期", "moved out"),
    "field_reported_on": ("申报日期", "reported on"),
    "field_origin": ("户籍地代码", "hukou region"),
    "field_permit_no": ("居住证号", "residence permit"),
    "field_permit_expiry": ("居住证有效期", "permit expiry"),
    "field_declared_workers": ("从业人数", "declared workers"),
    "field_contact_name": ("联系人", "contact"),
    "field_contact_phone": ("联系电话", "contact phone"),
    "field_since": ("入职日期", "since"),
    "field_until": ("离职日期", "until"),
    "field_visited_at": ("走访时间", "visited at"),
    "field_outcome": ("走访结果", "outcome"),
    "field_residents_seen": ("见到人数", "residents seen"),
    "field_team": ("走访组", "team"),
    "field_note": ("备注", "note"),
    "field_dates": ("起止日期", "dates"),
    "field_moved_out_reported_on": ("退租登记日期", "move-out reported on"),
    "field_employer_name": ("工作单位", "employer"),
    "field_until_reported_on": ("离职登记日期", "leaving reported on"),
    "field_sweep": ("任务编号", "sweep number"),
    # --- upload page
    "nav_upload": ("数据上传", "Uploads"),
    "upload_title": ("登记数据上传", "Upload registrations"),
    "upload_caption": (
        "上传房东、社区采集的登记表（CSV 或 Excel，中文表头，UTF-8 或 GBK）。先试算，再提交；"
        "有问题的行会单独列出，可下载修改后重新上传。",
        "Upload what landlords and community staff collected (CSV or Excel, Chinese headers, "
        "UTF-8 or GBK). Check first, then commit; rejected rows are listed for download, "
        "fixing and uploading again.",
    ),
    "upload_kind": ("数据类型", "Kind"),
    "kind_rentals": ("出租房屋", "Rental units"),
    "kind_residents": ("实有人口（居住登记）", "Residents"),
    "kind_worksites": ("实有单位", "Worksites"),
    "kind_employment": ("从业登记", "Employment"),
    "kind_visits": ("走访结果", "Visit results"),
    "upload_crs": ("坐标来源", "Coordinates from"),
    "crs_wgs84": ("GPS（WGS-84）", "GPS (WGS-84)"),
    "crs_gcj02": ("高德/腾讯（GCJ-02）", "AMap/Tencent (GCJ-02)"),
    "crs_bd09": ("百度（BD-09）", "Baidu (BD-09)"),
    "crs_EPSG:4490": ("CGCS2000（EPSG:4490）", "CGCS2000 (EPSG:4490)"),
    "upload_file": ("选择文件", "Choose a file"),
    "upload_browse": ("浏览文件", "Browse files"),
    "upload_mapping": ("列的识别结果", "How the columns were understood"),
    "upload_column": ("文件中的列", "Column in the file"),
    "upload_field": ("对应字段", "Field"),
    "upload_use": ("处理", "Use"),
    "upload_use_field": ("使用", "used"),
    "upload_use_dropped": ("已删除（敏感信息，不予保存）", "dropped (sensitive, never stored)"),
    "upload_use_ignored": ("未使用", "not used"),
    "upload_dropped": (
        "以下列含有不得登记的敏感信息，已删除，不会保存：{columns}",
        "These columns carry data the registry never stores and were dropped: {columns}",
    ),
    "upload_preview": ("前几行预览", "First rows"),
    "upload_adjust_mapping": ("调整列映射（* 为必填）", "Adjust the mapping (* required)"),
    "upload_dry_run": ("试算（不保存）", "Check (keep nothing)"),
    "upload_commit": ("提交入库", "Commit"),
    "upload_result_dry": ("试算结果：未保存任何数据。", "Check only: nothing was stored."),
    "upload_result_done": ("已入库，批次 {batch}。", "Stored as batch {batch}."),
    "upload_result_duplicate": (
        "该文件已在批次 {batch} 上传过，本次未做任何更改。",
        "This file was already uploaded as batch {batch}; nothing changed.",
    ),
    "upload_rows": ("行数", "Rows"),
    "upload_accepted": ("通过", "Accepted"),
    "upload_rejected": ("有问题", "Rejected"),
    "upload_inserted": ("新增", "Added"),
    "upload_updated": ("更新", "Updated"),
    "upload_unchanged": ("未变", "Unchanged"),
    "upload_first_errors": ("有问题的行（前 {n} 条）", "Rejected rows (first {n})"),
    "upload_download_rejects": ("下载问题行报告（CSV）", "Download the rejected rows (CSV)"),
    "upload_history": ("上传批次", "Upload batches"),
    "upload_undo": ("撤销批次", "Undo batch"),
    "upload_undo_done": (
        "批次 {batch} 已撤销，数据已恢复到上传前。",
        "Batch {batch} undone: the data is as it was before it.",
    ),
    "upload_no_batches": ("还没有上传批次。", "No uploads yet."),
    "upload_batch": ("批次", "Batch"),
    "upload_file_help": (
        "CSV、Excel（.xlsx）或点图层（GeoJSON、GeoPackage、KML），每个文件不超过 {limit_mb} MB，"
        "最多 {rows} 行。",
        "CSV, Excel (.xlsx) or a point layer (GeoJSON, GeoPackage, KML), up to {limit_mb} MB "
        "and {rows} rows per file.",
    ),
    "upload_file_limit": (
        "选择文件（不超过 {limit_mb} MB）",
        "Choose a file (up to {limit_mb} MB)",
    ),
    "upload_batch_choice": (
        "批次 {batch}：{kind}，{file}，{rows} 行，{at}",
        "Batch {batch}: {kind}, {file}, {rows} rows, {at}",
    ),
    "upload_undo_confirm": (
        "确定撤销批次 {batch}（{file}，{rows} 行，{at} 上传）？该批次新增的记录将删除，"
        "修改过的记录恢复原样。",
        "Undo batch {batch} ({file}, {rows} rows, uploaded {at})? Records it added are "
        "removed and records it changed go back to what they were.",
    ),
    "upload_undo_yes": ("确认撤销", "Yes, undo it"),
    "upload_undo_cancel": ("取消", "Cancel"),
    "upload_download_rejects_xlsx": (
        "下载问题行（Excel）",
        "Download the rejected rows (Excel)",
    ),
    "upload_rejects_hint": (
        "下载的问题行保留原表头和原内容，前面加了行号和原因；改正后直接重新上传即可，"
        "行号和原因列会被忽略。",
        "The download holds your rows as you sent them, with the row number and the reason "
        "in front: correct them and upload the file again (those columns are ignored).",
    ),
    "rejects_col_row": ("原行号", "row"),
    "rejects_col_reason": ("问题原因", "reason"),
    "batch_status_committed": ("已入库", "committed"),
    "batch_status_undone": ("已撤销", "undone"),
    "progress_reading": ("读取文件……", "Reading the file…"),
    "progress_validating": ("逐行检查……", "Checking every row…"),
    "progress_writing": ("写入数据库……", "Writing to the database…"),
    "progress_done": ("完成", "Done"),
    "col_row": ("行号", "Row"),
    "col_column": ("列", "Column"),
    "col_value": ("值", "Value"),
    "col_reason": ("原因", "Reason"),
    "col_id": ("批次", "Batch"),
    "col_filename": ("文件", "File"),
    "col_kind": ("类型", "Kind"),
    "col_status": ("状态", "Status"),
    "col_created_at": ("上传时间", "Uploaded"),
    "col_user_name": ("上传人", "By"),
    "col_rows": ("行数", "Rows"),
    "col_accepted": ("通过", "Accepted"),
    "col_rejected": ("有问题", "Rejected"),
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
    "basemap": ("底图", "Basemap"),
    "basemap_none": ("无底图（离线）", "None (offline)"),
    "basemap_osm": ("OpenStreetMap（WGS-84）", "OpenStreetMap (WGS-84)"),
    "basemap_amap": ("高德地图（GCJ-02）", "AMap (GCJ-02)"),
    "overview_back": ("返回上一级", "Back one level"),
    "overview_click_hint": (
        "点击地图上的区域查看其下一级。",
        "Click an area on the map to see the areas inside it.",
    ),
    "headline_coverage": ("近 {window} 天查验覆盖率", "Coverage, last {window} days"),
    "trend_title": (
        "近 12 个月查验覆盖率（每月末，{window} 天窗口）",
        "Coverage over the last 12 months (at each month end, {window}-day window)",
    ),
    "window_days": ("统计窗口（天）", "Window (days)"),
    "map_legend": ("图例", "Legend"),
    "no_areas": ("尚无区域边界。", "No area boundaries yet."),
    "suppressed": ("<{threshold}", "<{threshold}"),
    # --- vocabulary: labels and the words of a file (geo.vocabulary, issue 16/18)
    "area_kind_street": ("街道", "street"),
    "area_kind_community": ("社区", "community"),
    "area_kind_village": ("村", "village"),
    "area_kind_grid": ("网格", "grid"),
    "sweep_status_planned": ("已计划", "planned"),
    "sweep_status_active": ("进行中", "in progress"),
    "sweep_status_closed": ("已结束", "closed"),
    "set_field_in_file": (
        "文件中已有「{field}」列，--set 只能为文件缺少的字段指定整份文件的取值",
        "the file already has a column for {field}; --set gives a value to a field the file lacks",
    ),
    "values_field_not_enum": (
        "「{field}」没有固定的可选值，不能映射取值（可映射：{fields}）",
        "{field} has no fixed set of values to map to (fields you can map: {fields})",
    ),
    "values_target_unknown": (
        "“{target}”不是「{field}」的可选值（可填：{allowed}）",
        "'{target}' is not a value of {field} (use: {allowed})",
    ),
    "upload_values_title": ("文件中的其他用词（共 {n} 个）", "Other words in the file ({n})"),
    "upload_values_caption": (
        "这些取值不是该字段的可选值。为每个选一个对应的值，本次上传即按所选处理；不选则该行被拒绝。",
        "These values are none of the field's words. Pick the value each stands for and this "
        "upload uses it; rows whose value is left unmapped are rejected.",
    ),
    "upload_values_field": ("字段", "Field"),
    "upload_values_value": ("文件中的取值", "Value in the file"),
    "upload_values_count": ("行数", "Rows"),
    "upload_values_target": ("对应为", "Stands for"),
    "upload_set_title": ("文件缺少的字段", "Fields the file lacks"),
    "upload_set_caption": (
        "为整份文件指定一个取值（每一行都用它）。",
        "Give one value for the whole file (every row gets it).",
    ),
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
    "col_floating_per_km2": ("流动人口密度（人/平方公里）", "Floating residents per km²"),
    "col_overdue_share": ("逾期未查占比", "Overdue share"),
    "col_not_found_residents": ("查无此人", "Residents not found"),
    # --- trust: keys, sealing, audit chain, sign-in (issue 17, issue 20 item 4)
    "key_other": (
        "此数据库是用另一把密钥加密的：请恢复原密钥文件 {path}（或把 GRIDHOUSE_KEY_FILE"
        " 指向它），不会为已有数据的数据库生成新密钥",
        "this database was sealed with another key; restore the key file {path} (or point"
        " GRIDHOUSE_KEY_FILE at it): no new key is made for a database that holds data",
    ),
    "key_missing": (
        "此数据库是用一把密钥加密的，但 {path} 处没有密钥文件：请恢复原密钥文件（或把"
        " GRIDHOUSE_KEY_FILE 指向它），不会为已有数据的数据库生成新密钥",
        "this database was sealed with a key that is not at {path}; restore the key file"
        " (or point GRIDHOUSE_KEY_FILE at it): no new key is made for a database that holds data",
    ),
    "keys_rotated": (
        "已换用新的加密密钥：{count} 个加密值已重新加密，密钥文件 {path} 已更新；请备份新密钥文件",
        "a new sealing key is in use: {count} sealed values re-sealed and the key file {path}"
        " updated; back up the new key file",
    ),
    "audit_chain_unanchored": (
        "审计链完整（{rows} 条记录），但密钥旁没有链头文件：无法确认最新记录未被删除",
        "the audit chain holds ({rows} rows) but there is no head file beside the key:"
        " removal of the newest rows cannot be ruled out",
    ),
    "backup_audit_head": (
        "备份中的审计记录与其清单中的链头不符：备份已被改动，未恢复",
        "the backup's audit rows do not hold the head its manifest names: the backup was"
        " altered and is not restored",
    ),
    "login_email_unverified": (
        "身份提供方未确认电子邮箱 {name} 已验证，不能用它登录",
        "the identity provider does not say the e-mail {name} is verified: it cannot sign in",
    ),
    "login_password_expired": (
        "一次性密码已过期：请管理员重新设置密码",
        "the one-time password has expired: ask an administrator for a new one",
    ),
    "login_must_change": (
        "这是一次性密码：请在下方设置新密码后登录",
        "this is a one-time password: choose a new password below to sign in",
    ),
    "login_new_password": (
        "新密码（一次性密码须更换）",
        "New password (replaces the one-time password)",
    ),
    "password_same": (
        "新密码不能与一次性密码相同",
        "the new password must differ from the one-time password",
    ),
    # --- disclosure: what planners may see (issue 17 item 3)
    "disclosure_as_of": (
        "数字截至 {day}（月末）；“{marker}”表示数字过小，或可据以推算出过小的数字，不予显示。",
        "Figures as of {day} (a month end); “{marker}” is withheld: a count below 5, "
        "or a figure from which one could be worked out.",
    ),
    "disclosure_cluster_bounds": (
        "聚集参数超出允许范围：距离 {low:.0f}-{high:.0f} 米，最少人数 {least}-{most}",
        "Cluster parameters out of bounds: distance {low:.0f}-{high:.0f} m, "
        "minimum residents {least}-{most}",
    ),
    "disclosure_withheld_note": (
        "“{marker}”表示数字过小，或可据以推算出过小的数字，不予显示。",
        "“{marker}” is withheld: a count below 5, or a figure from which one could be worked out.",
    ),
    # --- load, undo, scope and faults (issue 20 items 1-3, 5, 6; issue 17 item 4)
    "waiting_for_writer": (
        "正在等待其他导入完成（已等 {seconds} 秒），完成后自动继续",
        "waiting for another import ({seconds} s); this one goes on when it is done",
    ),
    "schema_upgraded": (
        "数据库结构已从 {before} 升级到 {after}",
        "the database schema was upgraded from {before} to {after}",
    ),
    "disk_full": (
        "磁盘已满（{path}），未保存任何内容；请释放空间后重试",
        "the disk is full ({path}); nothing was saved: free some space and try again",
    ),
    "database_io_error": (
        "读写数据库文件 {path} 时磁盘出错，未保存任何内容；请检查磁盘后重试，或从备份恢复",
        "the disk failed while reading or writing {path}; nothing was saved: check the disk "
        "and try again, or restore from a backup",
    ),
    "database_missing": (
        "数据库服务器上没有该数据库：{url}；请检查名称，或先创建它再运行 gridhouse init",
        "the server has no such database: {url}; check the name, or create it and run "
        "gridhouse init",
    ),
    "database_sign_in_refused": (
        "数据库服务器拒绝登录：{url}；请检查用户名和密码",
        "the database server refused the sign-in: {url}; check the user name and password",
    ),
    "database_server_full": (
        "数据库服务器空间不足（{url}），未保存任何内容；请管理员扩充磁盘后重试",
        "the database server is out of space ({url}); nothing was saved: ask its "
        "administrator to free or add disk, then try again",
    ),
    "value_too_long_db": (
        "有内容超过数据库字段允许的长度（{url}），未保存任何内容；请缩短后重试",
        "a value is longer than its database column allows ({url}); nothing was saved: "
        "shorten it and try again",
    ),
    "value_too_long": (
        "{table} 的“{column}”最长 {length} 个字符，“{value}…”超出，未保存任何内容；请缩短后重试",
        "{table} '{column}' holds at most {length} characters; '{value}…' is longer; nothing "
        "was saved: shorten it and try again",
    ),
    "layers_crs_mixed": (
        "文件中各图层的坐标系不同（{layers}），未导入任何内容；请统一为一种坐标系，或每次导入一个图层",
        "the layers of the file use different coordinate systems ({layers}); nothing was "
        "imported: save them in one system, or import one layer at a time",
    ),
    "undo_later_change": (
        "批次 {batch} 之后其记录又被修改：{action}（{user}，{at}）；撤销会覆盖这些修改。"
        "确需撤销请加 --force（页面上勾选“覆盖之后的修改”）",
        "after batch {batch} its records were changed: {action} ({user}, {at}); undo "
        "would override that. To undo anyway, add --force (on the page: tick 'override "
        "later changes')",
    ),
    "undo_used_later": (
        "批次 {batch} 新增的记录已被之后录入的{table}使用，撤销会删除它们；未撤销",
        "records added by batch {batch} are used by {table} entered since; undo would "
        "destroy them, so nothing was undone",
    ),
    "undo_later_elsewhere": (
        "批次 {batch} 之后，有不在您负责区域内的修改用到了它的记录；请联系管理员",
        "a later change not in your areas builds on batch {batch}; ask an administrator",
    ),
    "batch_outside_areas": (
        "批次 {batch} 不在您负责的区域内",
        "batch {batch} is not in your areas",
    ),
    "scope_blank": (
        "负责区域不能为空；不限区域请不填 --areas",
        "the area list is blank; leave --areas out for no limit",
    ),
    "scope_unknown_codes": (
        "没有这些区域编码：{codes}",
        "no area has these codes: {codes}",
    ),
    "move_home_elsewhere": (
        "此人目前的住处不在您负责的区域内",
        "this person's current home is not in your areas",
    ),
    "move_overlap_elsewhere": (
        "此人在该日期已有住处，但不在您负责的区域内；请联系该区域的登记员",
        "this person already has a home on that day, not in your areas; ask that area's registrar",
    ),
    "upload_result_again": (
        "此文件曾作为批次 {batch} 导入，当时有行未导入；本次导入了当时未导入的行，其余记为无变化",
        "this file was imported before as batch {batch} with rows left out; this time the "
        "rows not imported then were imported, the rest counted as unchanged",
    ),
    "upload_undo_force": (
        "覆盖之后的修改（更正、迁入迁出）",
        "Override later changes (corrections, moves)",
    ),
    "change_property.edit": ("房屋信息更正", "a correction on the property file"),
    "change_move.in": ("登记入住", "a move-in"),
    "change_move.out": ("登记搬离", "a move-out"),
    "change_move": ("登记迁移", "a move"),
    "change_retention": ("到期匿名化", "retention (anonymised)"),
    "rows_of_residence": ("居住记录", "stays"),
    "rows_of_employment": ("就业记录", "jobs"),
    "rows_of_visit": ("走访记录", "visits"),
    "rows_of_property": ("房屋", "units"),
    "rows_of_person": ("人员", "people"),
    "rows_of_assignment": ("清查分派", "sweep assignments"),
    # --- field kits, submissions, review queue, door plates, proven visits (issue 19)
    "kit_q_visit": ("入户走访", "Door-to-door visit"),
    "kit_q_unit": ("房屋（按走访顺序）", "Unit (in walking order)"),
    "kit_q_plate": ("扫描门牌二维码", "Scan the door plate"),
    "kit_q_gps": ("当前位置", "Where you are"),
    "kit_q_time": ("走访时间", "Time of the visit"),
    "kit_q_outcome": ("走访结果", "Outcome"),
    "kit_q_seen": ("见到人数", "People seen"),
    "kit_q_confirmed": ("核实在住的登记人员", "Registered residents confirmed"),
    "kit_q_new": ("新发现人员（人数）", "New residents found (how many)"),
    "kit_q_newcomer": ("新发现人员", "New resident"),
    "kit_q_newcomer_name": ("姓名", "Name"),
    "kit_q_newcomer_id": ("身份证号", "ID number"),
    "kit_q_note": ("备注", "Notes"),
    "kit_format_unknown": (
        "不支持的走访包格式：{format}（可选 {formats}）",
        "unknown kit format: {format} (use {formats})",
    ),
    "kit_form_invalid": ("走访表单无法转换：{reason}", "the kit's form does not convert: {reason}"),
    "kit_file_unreadable": (
        "无法读取回传文件：请上传 ODK Central 导出的 CSV 或 zip，或走访包的 GeoPackage",
        "cannot read the file: give ODK Central's CSV or zip export, or a kit's GeoPackage",
    ),
    "kit_no_units": (
        "走访组 {team} 还没有分到房屋，请先制定计划",
        "team {team} has no units yet; make the plan first",
    ),
    "kit_expiry_past": ("有效期 {day} 已过", "the expiry day {day} has passed"),
    "kit_submission_without_id": (
        "第 {row} 行没有提交编号（KEY 或 meta-instanceID）",
        "row {row} has no submission id (KEY or meta-instanceID)",
    ),
    "kit_refused_unknown_kit": ("不是本系统下发的走访包", "not from a kit this registry issued"),
    "kit_refused_late": ("走访时间晚于走访包有效期", "made after the kit's expiry day"),
    "kit_refused_not_in_share": ("该房屋不属于本走访组", "the unit is not in the team's share"),
    "kit_refused_no_unit": ("没有选择房屋", "no unit chosen"),
    "kit_refused_bad_outcome": ("走访结果无法识别", "the outcome cannot be read"),
    "kit_refused_bad_time": ("走访时间无法识别", "the time cannot be read"),
    "kit_refused_rejected_in_central": (
        "已在 ODK Central 审核中被驳回",
        "rejected by a reviewer in ODK Central",
    ),
    "kit_refused_outside_scope": ("该房屋不在您的辖区内", "the unit is outside your areas"),
    "review_decision_unknown": (
        "未知的复核决定：{decision}（可选 {choices}）",
        "unknown decision: {decision} (use {choices})",
    ),
    "review_not_found": ("找不到待复核事项 {review}", "no review item {review}"),
    "review_decided": ("事项 {review} 已处理", "review item {review} is already settled"),
    "review_keep_unknown": (
        "提交 {submission} 不属于该事项",
        "submission {submission} is not part of this item",
    ),
    "plate_reason_unknown": (
        "未知的作废原因：{reason}（可选 {choices}）",
        "unknown reason: {reason} (use {choices})",
    ),
    "plate_not_found": ("门牌无效或已作废", "the plate is unknown or revoked"),
    "review_title": ("走访冲突复核", "Review of conflicting visits"),
    "review_none": ("没有待复核的走访", "Nothing to review"),
    "review_item": (
        "{ref} {address} {room} · {day}：{count} 份提交意见不一",
        "{ref} {address} {room} · {day}: {count} submissions disagree",
    ),
    "review_accept_one": ("只采纳这一份", "Accept this one only"),
    "review_accept_both": ("全部采纳", "Accept both"),
    "review_accept_neither": ("都不采纳", "Accept neither"),
    "review_done": ("已记录决定：{decision}", "Decision recorded: {decision}"),
    "review_col_team": ("走访组", "Team"),
    "review_col_submitter": ("提交人", "Submitted by"),
    "review_col_time": ("走访时间", "Time"),
    "review_col_outcome": ("走访结果", "Outcome"),
    "review_col_seen": ("见到人数", "People seen"),
    "review_col_confirmed": ("核实人数", "Confirmed"),
    "review_col_proven": ("已证实", "Proven"),
    "review_col_note": ("备注", "Notes"),
    "kits_title": ("走访包（手机离线采集）", "Field kits (phones, offline)"),
    "kits_team": ("走访组", "Team"),
    "kits_format_odk": ("ODK（ODK Collect / ODK Central）", "ODK (ODK Collect / ODK Central)"),
    "kits_format_gpkg": ("GeoPackage（QField / Mergin Maps）", "GeoPackage (QField / Mergin Maps)"),
    "kits_make": ("生成走访包", "Make the kit"),
    "kits_download": (
        "下载走访包（{units} 户，有效期至 {day}）",
        "Download the kit ({units} units, valid until {day})",
    ),
    "kits_import": (
        "导入回传结果（ODK Central 导出的 CSV/zip，或 GeoPackage）",
        "Import results (ODK Central's CSV/zip export, or the GeoPackage)",
    ),
    "kits_imported": (
        "已采纳 {accepted} 条，待复核 {held} 条，拒收 {refused} 条，此前已导入 {known} 条",
        "{accepted} accepted, {held} held for review, {refused} refused, {known} imported before",
    ),
    "kits_refusal": ("第 {row} 行：{reason}", "row {row}: {reason}"),
    "proven_title": ("已证实的走访（门牌 + 定位）", "Proven visits (door plate + GPS)"),
    "proven_col_coverage": ("覆盖率（全部走访）", "Coverage (all visits)"),
    "proven_col_proven_coverage": ("覆盖率（已证实）", "Coverage (proven)"),
    "proven_col_inspection_rate": ("月查验率（全部）", "Monthly inspection (all)"),
    "proven_col_proven_inspection_rate": ("月查验率（已证实）", "Monthly inspection (proven)"),
    "proven_col_team": ("走访组", "Team"),
    "proven_col_assigned": ("分配户数", "Units"),
    "proven_col_name": ("区域", "Area"),
    "proven_col_visited": ("已走访", "Visited"),
    "proven_col_proven": ("已证实", "Proven"),
    "kits_import_button": ("导入", "Import"),
    "nav_review": ("走访复核", "Field results"),
    "plates_title": ("门牌二维码", "Door plates"),
    "plates_print": ("生成门牌（尚无门牌的房屋）", "Make plates (units without one)"),
    "plates_download": ("下载门牌打印页（{count} 张）", "Download the plate sheet ({count})"),
    "plates_revoke": ("作废并重新生成本房屋门牌", "Revoke and reissue this unit's plate"),
}


def message(key: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """The text for ``key`` in ``lang`` with placeholders filled.

    A key the catalogue lacks never raises: the key itself comes back, and a warning is
    logged once per key.

    >>> message("file_not_found", "en", path="a.csv")
    'file not found: a.csv'
    >>> missing = "no_such_key"
    >>> message(missing)
    'no_such_key'
    """
    entry = CATALOGUE.get(key)
    if entry is None:
        _missing(key)
        return key
    zh, en = entry
    template = en if lang == "en" else zh
    shown = {k: message(v, lang) if isinstance(v, Term) else v for k, v in params.items()}
    try:
        return template.format(**shown)
    except (KeyError, IndexError):
        return template


class Term(str):
    """A parameter that is itself a catalogue key, shown in the message's language.

    >>> message("edit_invalid", "en", field=Term("field_phone"), reason=Term("date_future"))
    'phone: the date is in the future'
    """

    __slots__ = ()


_reported: set[str] = set()


def _missing(key: str) -> None:
    """Log a key the catalogue lacks, once per key (the page shows the key itself)."""
    if key not in _reported:
        _reported.add(key)
        _log.warning("no catalogue entry for %r; showing the key", key)


def bilingual(key: str, **params: Any) -> str:
    """Chinese then English on one line, for the command line and logs."""
    return f"{message(key, 'zh', **params)} | {message(key, 'en', **params)}"

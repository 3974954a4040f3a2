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
    "outside_scope": ("不在您负责的区域内", "outside the areas you are responsible for"),
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
    "nav_admin": ("系统管理", "Administration"),
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
    "audit_col_at": ("时间（UTC）", "Time (UTC)"),
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

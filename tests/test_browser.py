"""The real app in headless Chromium with the outside network blocked."""

from __future__ import annotations

import re
import time

import pytest

from tests import databases
from tests.browser import (
    map_frame,
    offline_page,
    open_page,
    save_screenshot,
    streamlit_server,
    wait_for_tiles,
    wait_until_idle,
)
from tests.conftest import ROOT

pytestmark = pytest.mark.usefixtures("browser_turn")


@pytest.fixture(scope="module")
def app_url(demo_master, tmp_path_factory):
    # A copy, so the browser session cannot change the shared demo database.
    directory = tmp_path_factory.mktemp("browser")
    copy = databases.copy_database(demo_master, directory, per_test=False)
    with streamlit_server(copy) as url:
        yield url


def test_overview_map_draws_every_community_and_a_legend_offline(app_url):
    with offline_page(app_url) as (page, blocked):
        page.get_by_text("登录").first.wait_for(timeout=60_000)
        sign_in(page, "demo-planner")
        page.get_by_text("辖区总览").wait_for(timeout=60_000)
        frame = map_frame(page)
        assert len(frame.query_selector_all(".leaflet-overlay-pane path")) == 52
        legend = frame.query_selector(".gridhouse-legend")
        assert legend is not None
        assert "出租房屋" in legend.inner_text()
        wait_until_idle(page)
        save_screenshot(page, "overview")
        assert page.query_selector("[data-testid='stException']") is None
        assert page.query_selector("[data-testid='stAlertContentError']") is None
    assert blocked == []


def sign_in(page, name: str) -> None:
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill("demo")
    page.get_by_role("button", name="登录").click()


def test_a_registrar_uploads_a_sample_file_through_the_page(app_url):
    with offline_page(app_url) as (page, blocked):
        page.get_by_text("登录").first.wait_for(timeout=60_000)
        sign_in(page, "demo-registrar")
        open_page(page, "数据上传", "登记数据上传")
        page.locator("input[type=file]").set_input_files(
            str(ROOT / "data" / "samples" / "rentals.csv")
        )
        page.get_by_text("列的识别结果").wait_for(timeout=30_000)
        wait_until_idle(page)  # a click during the file's rerun would be lost
        page.get_by_role("button", name="提交入库").click()
        page.get_by_text(re.compile(r"^已入库，批次 \d+。$")).wait_for(timeout=60_000)
        save_screenshot(page, "upload")
        assert page.query_selector("[data-testid='stException']") is None
    assert blocked == []


ID_OR_PHONE = re.compile(r"\d{17}[\dXx]|(?<!\d)1[3-9]\d{9}(?!\d)|\d{6}\*{8}|1\d{2}\*{4}\d{4}")


def personal_names(database) -> set[str]:
    with databases.connect(database) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM person WHERE length(name) = 3")}
        names |= {r[0] for r in conn.execute("SELECT name FROM landlord WHERE length(name) = 3")}
        areas = " ".join(r[0] for r in conn.execute("SELECT name FROM area"))
    return {n for n in names if n not in areas}


CHINESE = re.compile(r"[\u3400-\u9fff]{3}")  # a three-character Chinese name
CHINESE_RUN = re.compile(r"[\u3400-\u9fff]{3,}")


def chinese_words(text: str) -> set[str]:
    """Every run of three Chinese characters in ``text`` (the names checked are three
    characters long): one set to look names up in, instead of a scan of the text per name."""
    found: set[str] = set()
    for run in CHINESE_RUN.findall(text):
        found.update(run[i : i + 3] for i in range(len(run) - 2))
    return found


def test_a_planners_pages_show_no_name_id_number_or_phone(app_url, demo_url):
    names = personal_names(demo_url)
    assert len(names) > 1000
    with offline_page(app_url) as (page, blocked):
        page.get_by_text("登录").first.wait_for(timeout=60_000)
        sign_in(page, "demo-planner")
        page.get_by_text("辖区总览").wait_for(timeout=60_000)
        map_frame(page)
        links = [a.inner_text() for a in page.query_selector_all("[data-testid='stSidebarNav'] a")]
        assert "我的账户" in links and "人员查询" not in links and "系统管理" not in links
        seen = []
        for link in links:
            page.get_by_role("link", name=link).click()
            wait_until_idle(page)
            page.wait_for_load_state("networkidle")
            seen.append(page.content())
            for frame in page.frames:
                try:
                    seen.append(frame.content())
                except Exception:  # a frame navigating away while we read
                    continue
        text = "\n".join(seen)
        assert "出租房屋" in text  # the overview was read, not an empty page
        assert ID_OR_PHONE.search(text) is None
        words = chinese_words(text)
        assert "出租房" in words  # the words are the pages' own
        shown = [n for n in names if (n in words if CHINESE.fullmatch(n) else n in text)]
        assert shown == []
    assert blocked == []


def no_errors(page) -> None:
    assert page.query_selector("[data-testid='stException']") is None
    assert page.query_selector("[data-testid='stAlertContentError']") is None


def test_the_clusters_page_draws_one_hull_per_listed_cluster_offline(app_url):
    with offline_page(app_url) as (page, blocked):
        page.get_by_text("登录").first.wait_for(timeout=60_000)
        sign_in(page, "demo-planner")
        open_page(page, "流动人口聚集", "流动人口聚集区")
        frame = map_frame(page)
        listed = int(page.get_by_test_id("stMetricValue").first.inner_text().replace(",", ""))
        assert listed >= 5
        paths = frame.query_selector_all(".leaflet-overlay-pane path")
        assert len(paths) == listed + 52  # the hulls over the 52 community and village outlines
        assert "聚集区流动人口" in frame.query_selector(".gridhouse-legend").inner_text()
        wait_until_idle(page)
        save_screenshot(page, "clusters")
        no_errors(page)
    assert blocked == []


def test_the_worksites_page_draws_every_worksite_and_a_kind_legend_offline(app_url, demo_url):
    with databases.connect(demo_url) as conn:
        expected = conn.execute(
            "SELECT count(*) FROM worksite WHERE status = 'active' AND lon IS NOT NULL"
        ).fetchone()[0]
    with offline_page(app_url) as (page, blocked):
        page.get_by_text("登录").first.wait_for(timeout=60_000)
        sign_in(page, "demo-planner")
        open_page(page, "单位与从业人员", "单位与从业人员居住地")
        frame = map_frame(page)
        paths = frame.query_selector_all(".leaflet-overlay-pane path")
        assert len(paths) == expected + 52  # a circle each, over 52 community and village outlines
        assert "工厂" in frame.query_selector(".gridhouse-legend").inner_text()
        wait_until_idle(page)
        save_screenshot(page, "worksites")
        no_errors(page)
    assert blocked == []


def test_the_data_quality_page_shows_mapped_shares(app_url):
    with offline_page(app_url) as (page, blocked):
        page.get_by_text("登录").first.wait_for(timeout=60_000)
        sign_in(page, "demo-registrar")
        open_page(page, "数据质量", "各社区上图率")
        page.get_by_text("距网格边界 5 米以内").first.wait_for(timeout=30_000)
        wait_until_idle(page)
        save_screenshot(page, "quality")
        no_errors(page)
    assert blocked == []


def test_with_a_chinese_basemap_blocked_the_map_still_draws_every_layer(app_url):
    with offline_page(app_url) as (page, blocked):
        page.get_by_text("登录").first.wait_for(timeout=60_000)
        sign_in(page, "demo-planner")
        page.get_by_text("辖区总览").wait_for(timeout=60_000)
        map_frame(page)
        page.get_by_test_id("stSelectbox").filter(has_text="底图").click()
        page.get_by_role("option", name="高德地图（GCJ-02）").click()
        wait_until_idle(page)
        wait_for_tiles(page)
        frame = map_frame(page)
        assert len(frame.query_selector_all(".leaflet-overlay-pane path")) == 52
        assert frame.query_selector(".gridhouse-legend") is not None
        no_errors(page)
    assert blocked and all("autonavi.com" in url for url in blocked)


def wait_until_the_session_expires(page, url: str, *, timeout_s: float = 60) -> None:
    """Wait until the browser holds the session cookie, then until the server says the
    session it names no longer stands (GET /api/session with that cookie is not activity)."""
    deadline = time.monotonic() + timeout_s
    while not (cookies := [c for c in page.context.cookies() if c["name"] == "gridhouse_session"]):
        assert time.monotonic() < deadline, "the session cookie was never set"
        page.wait_for_timeout(200)
    cookie = {"Cookie": f"gridhouse_session={cookies[0]['value']}"}
    while page.request.get(url + "api/session", headers=cookie).status == 204:
        assert time.monotonic() < deadline, "the session did not expire"
        page.wait_for_timeout(500)


def test_an_idle_session_ends_and_the_sign_in_page_says_why(demo_copy):
    with (
        streamlit_server(demo_copy, GRIDHOUSE_IDLE_MINUTES="0.1") as url,
        offline_page(url) as (page, blocked),
    ):
        page.get_by_text("登录").first.wait_for(timeout=60_000)
        sign_in(page, "demo-planner")
        page.get_by_text("辖区总览").wait_for(timeout=60_000)
        wait_until_the_session_expires(page, url)  # the 6 idle seconds allowed here
        page.get_by_role("link", name="我的账户").click()
        page.get_by_text("长时间未操作，已自动退出").wait_for(timeout=30_000)
        page.get_by_label("用户名").wait_for(timeout=30_000)
    assert blocked == []
    with databases.connect(demo_copy) as conn:
        actions = [
            r[0] for r in conn.execute("SELECT action FROM audit WHERE actor = 'demo-planner'")
        ]
    assert actions[-2:] == ["login", "logout.timeout"]


def test_a_registrar_opens_a_property_file_records_a_move_in_and_sees_it(demo_copy):
    from geo.identifiers import id_check_digit

    with databases.connect(demo_copy) as conn:
        ref, living = conn.execute(
            "SELECT p.external_ref, count(r.id) FROM property p JOIN residence r ON "
            "r.property_id = p.id AND r.moved_out IS NULL GROUP BY p.id LIMIT 1"
        ).fetchone()
    newcomer = "51102119950101002"
    newcomer += id_check_digit(newcomer)
    with (
        streamlit_server(demo_copy) as url,
        offline_page(url) as (page, blocked),
    ):
        page.get_by_text("登录").first.wait_for(timeout=60_000)
        sign_in(page, "demo-registrar")
        open_page(page, "房屋档案", "输入房屋编号或地址")
        page.get_by_label("房屋编号或地址").fill(ref)
        page.get_by_label("房屋编号或地址").press("Enter")
        page.get_by_text(f"现住 {living} 人").wait_for(timeout=60_000)
        map_frame(page)  # the unit is drawn on its grid
        wait_until_idle(page)  # a field filled during a rerun would be drawn anew, empty
        page.get_by_text("登记入住").first.click()
        wait_until_idle(page)
        page.get_by_label("身份证号").fill(newcomer)
        page.get_by_label("姓名（新登记人员必填）").fill("浏览器测试")
        page.get_by_role("button", name="登记入住").click()
        page.get_by_text(f"已登记入住 {ref}").wait_for(timeout=60_000)
        page.get_by_text(f"现住 {living + 1} 人").wait_for(timeout=30_000)
        save_screenshot(page, "property")
        no_errors(page)
    assert blocked == []
    with databases.connect(demo_copy) as conn:
        assert conn.execute("SELECT count(*) FROM person WHERE name = '浏览器测试'").fetchone() == (
            1,
        )


def test_the_listed_units_are_drawn_on_a_map_offline(app_url):
    with offline_page(app_url) as (page, blocked):
        page.get_by_text("登录").first.wait_for(timeout=60_000)
        sign_in(page, "demo-registrar")
        open_page(page, "工作清单", "群租/拥挤房屋")  # the first list
        frame = map_frame(page)
        listed = int(page.get_by_test_id("stMetricValue").first.inner_text().replace(",", ""))
        assert len(frame.query_selector_all(".leaflet-overlay-pane path")) == listed
        no_errors(page)
    assert blocked == []


@pytest.mark.parametrize("viewport", [(1366, 768), (1400, 900)], ids=["1366x768", "1400x900"])
def test_clicking_a_community_on_the_overview_map_drills_down_to_its_grids(
    app_url, demo_url, viewport
):
    from playwright.sync_api import expect

    grids = databases.read_sql(
        demo_url,
        "SELECT c.name, count(g.id) AS grids FROM area c JOIN area g ON g.parent_id = c.id "
        "WHERE c.level = 'community' GROUP BY c.name",
    )
    grids_of = dict(zip(grids["name"], grids["grids"].astype(int), strict=True))
    width, height = viewport
    with offline_page(app_url) as (page, blocked):
        page.set_viewport_size({"width": width, "height": height})
        page.get_by_text("登录").first.wait_for(timeout=60_000)
        sign_in(page, "demo-planner")
        page.get_by_text("辖区总览").wait_for(timeout=60_000)
        drawn = page.frame_locator("iframe[title*='st_folium']")
        shapes = drawn.locator(".leaflet-overlay-pane path")
        expect(shapes).to_have_count(52, timeout=60_000)
        # Plain-text attribution (no flag, no link) and a scale in metres only.
        expect(drawn.locator(".leaflet-control-attribution")).to_have_text("Leaflet")
        expect(
            drawn.locator(".leaflet-control-attribution svg, .leaflet-control-attribution a")
        ).to_have_count(0)
        expect(drawn.locator(".leaflet-control-scale-line")).to_have_count(1)
        expect(drawn.locator(".leaflet-control-scale-line")).to_have_text(re.compile(r"^\d+ k?m$"))
        # As a user on a laptop meets it: the map runs below the fold, and the community
        # clicked is the lowest one in sight (its middle its own, not a neighbour's).
        iframe = page.locator("iframe[title*='st_folium']").bounding_box()
        assert iframe is not None and iframe["y"] + iframe["height"] > height
        frame = shapes.first.element_handle().owner_frame()
        found = frame.wait_for_function(
            """(limit) => {
                const paths = [...document.querySelectorAll(".leaflet-overlay-pane path")];
                let best = -1, bestY = -1;
                paths.forEach((path, i) => {
                    const box = path.getBoundingClientRect();
                    const x = box.left + box.width / 2, y = box.top + box.height / 2;
                    if (y < limit && y > bestY && document.elementFromPoint(x, y) === path) {
                        best = i;
                        bestY = y;
                    }
                });
                return best + 1;  // 0 (not laid out yet) keeps Playwright waiting
            }""",
            arg=height - iframe["y"] - 20,
            timeout=30_000,
        )
        lowest = int(found.json_value()) - 1
        shapes.nth(lowest).click()  # one real click: mouse moved there, pressed, released
        page.get_by_role("button", name="返回上一级").wait_for(timeout=30_000)
        crumb = page.locator("h3").filter(has_text=re.compile("|".join(grids_of))).first
        name = crumb.inner_text().strip()
        assert name in grids_of
        expect(shapes).to_have_count(grids_of[name], timeout=30_000)
        assert 0 < grids_of[name] < 52  # the grids of one community, not the 52 communities
        no_errors(page)
    assert blocked == []


def test_the_sweeps_page_draws_one_route_per_team_offline(demo_copy):
    from datetime import date

    from geo.services import sweeps
    from geo.services.access import Actor
    from geo.services.setup import open_database

    handle = open_database(demo_copy)
    admin = Actor(name="setup", role="admin")
    made = sweeps.create_sweep(
        handle, admin, name="十二月清查", starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 20),
        areas=["330110901201", "330110901202"], teams=["一组", "二组", "三组"],
    )  # fmt: skip
    sweeps.plan_sweep(handle, admin, made, as_of=date(2026, 11, 29))
    handle.db.dispose()
    with (
        streamlit_server(demo_copy) as url,
        offline_page(url) as (page, blocked),
    ):
        page.get_by_text("登录").first.wait_for(timeout=60_000)
        sign_in(page, "demo-registrar")
        open_page(page, "走访清查", "走访清查")
        frame = map_frame(page)
        routes = frame.query_selector_all(".leaflet-overlay-pane path")
        assert len(routes) == 3
        legend = frame.query_selector(".gridhouse-legend").inner_text()
        assert all(team in legend for team in ("一组", "二组", "三组"))
        wait_until_idle(page)
        save_screenshot(page, "sweeps")
        no_errors(page)
    assert blocked == []


def test_a_unit_clicked_on_the_list_map_opens_its_file_and_takes_a_move_in(demo_copy):
    from geo.identifiers import id_check_digit

    newcomer = "51102119950202003"
    newcomer += id_check_digit(newcomer)
    with (
        streamlit_server(demo_copy) as url,
        offline_page(url) as (page, blocked),
    ):
        page.get_by_text("登录").first.wait_for(timeout=60_000)
        sign_in(page, "demo-registrar")
        open_page(page, "工作清单", "群租/拥挤房屋")
        frame = map_frame(page)
        # A click event on one drawn unit (Leaflet reads it as a click on that feature).
        frame.locator(".leaflet-overlay-pane path").nth(10).dispatch_event("click")
        picked = page.get_by_text(re.compile(r"^已选中 "))
        picked.wait_for(timeout=30_000)
        ref = picked.inner_text().removeprefix("已选中 ").split("：")[0]
        page.get_by_role("button", name="打开房屋档案").click()
        living = page.get_by_text(re.compile(r"现住 \d+ 人"))
        living.first.wait_for(timeout=60_000)
        assert page.get_by_label("房屋编号或地址").input_value() == ref
        before = int(re.search(r"\d+", living.first.inner_text()).group())
        wait_until_idle(page)
        page.get_by_text("登记入住").first.click()
        wait_until_idle(page)
        page.get_by_label("身份证号").fill(newcomer)
        page.get_by_label("姓名（新登记人员必填）").fill("地图点选")
        page.get_by_role("button", name="登记入住").click()
        page.get_by_text(f"已登记入住 {ref}").wait_for(timeout=60_000)
        page.get_by_text(f"现住 {before + 1} 人").wait_for(timeout=30_000)
        no_errors(page)
    assert blocked == []


def test_the_field_round_trip_in_the_browser_kit_review_queue_and_plates(demo_copy):
    """The sweeps page hands out a team's kit, the 走访复核 page shows a conflict waiting
    for a registrar, and a printed sheet of door plates (the README's "In the field")."""
    from datetime import date, datetime

    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from geo.services import kits
    from geo.services.access import Actor
    from geo.services.setup import open_database
    from tests.fieldwork import odk_export

    handle = open_database(demo_copy)
    admin = Actor(name="setup", role="admin")
    kit = kits.issue_kit(handle, admin, 1, team="一组", as_of=date(2026, 11, 29))
    unit = int(kit.files["units.csv"].decode().splitlines()[1].split(",")[0])
    day = datetime(2026, 11, 29, 9, 30)
    rows = [
        {"key": "uuid:shot-1", "unit": unit, "outcome": "verified", "at": day, "seen": 2,
         "lat": 30.0, "lon": 120.0},
        {"key": "uuid:shot-2", "unit": unit, "outcome": "vacant", "at": day.replace(hour=15),
         "seen": 0, "who": "collect-02", "note": "门口贴有招租"},
    ]  # fmt: skip
    export = odk_export(kit.files["form.xml"].decode(), rows)
    assert kits.import_submissions(handle, admin, data=export, filename="c.csv")["reviews"] == 1
    ((grid, _),) = databases.rows(
        handle.db.url,
        "SELECT a.code, count(*) FROM property p JOIN area a ON a.id = p.grid_id"
        " WHERE p.status = 'active' GROUP BY a.code HAVING count(*) BETWEEN 4 AND 8"
        " ORDER BY a.code LIMIT 1",
    )
    sheet, made, _ = kits.print_plates(handle, admin, grid)
    assert made >= 4
    handle.db.dispose()
    with (
        streamlit_server(demo_copy, GRIDHOUSE_TODAY="2026-11-29") as url,
        offline_page(url) as (page, blocked),
    ):
        page.get_by_text("登录").first.wait_for(timeout=60_000)
        sign_in(page, "demo-registrar")
        open_page(page, "走访清查", "走访清查")
        download = page.get_by_role("button", name=re.compile("下载走访包"))
        for attempt in range(3):  # a click landing while the page still reruns is lost
            wait_until_idle(page)
            page.get_by_role("button", name="生成走访包").click()
            try:
                download.wait_for(timeout=30_000)
                break
            except PlaywrightTimeout:
                if attempt == 2:
                    raise
        wait_until_idle(page)
        page.get_by_text("走访包（手机离线采集）").evaluate(
            "e => e.scrollIntoView({block: 'center'})"
        )
        save_screenshot(page, "fieldkit")
        no_errors(page)
        open_page(page, "走访复核", "走访冲突复核")
        page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=60_000)
        page.get_by_role("button", name="都不采纳").wait_for(timeout=30_000)
        wait_until_idle(page)
        save_screenshot(page, "review")
        no_errors(page)
        printed = page.context.new_page()
        printed.set_viewport_size({"width": 794, "height": 560})  # A4's width at 96 dpi
        printed.set_content(sheet.decode("utf-8"))
        printed.emulate_media(media="print")
        assert printed.locator(".plate img").count() == made
        save_screenshot(printed, "plates")
    assert blocked == []

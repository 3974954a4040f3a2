"""The Streamlit app, run for real by AppTest on the demo database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.store.database import database_url
from tests import databases
from tests.conftest import ROOT


@pytest.fixture
def app(demo_url, monkeypatch):
    monkeypatch.setenv("GRIDHOUSE_DATABASE_URL", database_url(demo_url))
    monkeypatch.chdir(ROOT)
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def sign_in(app: AppTest, name: str, password: str = "demo") -> AppTest:
    app.run()
    app.text_input(key="login_name").input(name)
    app.text_input(key="login_password").input(password)
    app.button[0].click().run()
    return app


def test_the_app_asks_for_sign_in_and_names_the_demo_accounts(app):
    app.run()
    assert not app.exception
    assert app.title[0].value == "登录"
    assert "demo-registrar" in app.info[0].value
    assert not app.dataframe


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(app):
    sign_in(app, "demo-planner", "wrong")
    assert app.error[0].value == "用户名或密码错误"
    assert app.title[0].value == "登录"


def test_overview_shows_the_area_table_and_the_map_in_chinese(app):
    sign_in(app, "demo-planner")
    assert not app.exception
    assert not app.error
    assert app.title[0].value == "辖区总览"
    assert "合成演示数据" in app.info[0].value
    table = app.dataframe[0].value
    assert len(table) == 52
    assert "出租房屋" in table.columns
    assert "查验覆盖率" in table.columns


def test_overview_switches_to_english(app):
    sign_in(app, "demo-planner")
    app.sidebar.radio[0].set_value("en").run()
    assert not app.exception
    assert app.title[0].value == "District overview"
    assert "Rental units" in app.dataframe[0].value.columns


def test_overview_drills_down_to_grids(app):
    sign_in(app, "demo-planner")
    app.selectbox(key="overview_level").select("grid").run()
    assert not app.exception
    table = app.dataframe[0].value
    assert len(table) > 100
    assert table["编码"].str.len().eq(14).all()


def test_planner_view_hides_small_counts(app):
    sign_in(app, "demo-planner")
    app.selectbox(key="overview_level").select("grid").run()
    floating = app.dataframe[0].value["流动人口"]
    assert (floating == "*").any()  # withheld (geo.disclosure)
    assert not floating.isin(["1", "2", "3", "4"]).any()


def test_a_registrar_sees_the_upload_page_and_a_planner_does_not(app):
    sign_in(app, "demo-registrar")
    app.switch_page("pages/upload.py").run()
    assert not app.exception
    assert app.title[0].value == "登记数据上传"
    planner = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    sign_in(planner, "demo-planner")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        planner.switch_page("pages/upload.py")  # not in a planner's navigation


@pytest.fixture
def own_app(demo_copy, monkeypatch):
    """The app on a copy of the demo database, for tests that change it."""
    monkeypatch.setenv("GRIDHOUSE_DATABASE_URL", database_url(demo_copy))
    monkeypatch.chdir(ROOT)
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def test_an_admin_adds_a_scoped_user_on_the_admin_page(own_app):
    sign_in(own_app, "demo-admin")
    own_app.switch_page("pages/admin.py").run()
    assert not own_app.exception and not own_app.error
    assert own_app.title[0].value == "系统管理"
    users = own_app.dataframe[0].value
    assert set(users["用户名"]) == {"demo-admin", "demo-planner", "demo-registrar", "demo-sweeper"}
    own_app.text_input(key="add_name").input("cun-02")
    own_app.selectbox(key="add_role").select("registrar")
    own_app.multiselect(key="add_areas").select("330110901201")
    own_app.text_input(key="add_password").input("long enough")
    own_app.button(key="FormSubmitter:add_user-新增").click().run()
    assert not own_app.exception and not own_app.error
    assert "已新增用户 cun-02" in own_app.success[0].value
    users = own_app.dataframe[0].value.set_index("用户名")
    assert users.loc["cun-02", "管辖区域"] == "330110901201"
    assert users.loc["cun-02", "角色"] == "登记员"


def test_the_audit_log_on_the_admin_page_shows_the_sign_in_and_verifies(own_app):
    sign_in(own_app, "demo-admin")
    own_app.switch_page("pages/admin.py").run()
    entries = own_app.dataframe[1].value
    assert entries.iloc[0]["操作"] == "login" and entries.iloc[0]["用户"] == "demo-admin"
    own_app.button(key="verify_audit").click().run()
    assert "审计日志完整" in own_app.success[0].value


def test_a_registrar_finds_residents_masked_and_cannot_unmask(own_app):
    sign_in(own_app, "demo-registrar")
    own_app.switch_page("pages/people.py").run()
    own_app.text_input(key="search_name").input("王")
    own_app.button(key="FormSubmitter:people_search-查询").click().run()
    assert not own_app.exception and not own_app.error
    found = own_app.dataframe[0].value
    assert len(found) > 0 and found["姓名"].str.startswith("王").all()
    assert found["身份证号"].str.contains(r"\*{8}").all()
    assert not [b for b in own_app.button if b.key == "unmask"]


def test_an_admin_unmasks_one_resident_and_it_is_audited(own_app):
    sign_in(own_app, "demo-admin")
    own_app.switch_page("pages/people.py").run()
    own_app.text_input(key="search_name").input("王")
    own_app.button(key="FormSubmitter:people_search-查询").click().run()
    own_app.button(key="unmask").click().run()
    assert not own_app.exception and not own_app.error
    shown = own_app.warning[0].value
    assert "已记录审计" in shown and "*" not in shown.split("身份证号")[1].split("，")[0]
    url = os.environ["GRIDHOUSE_DATABASE_URL"]
    with databases.connect(url) as conn:
        last = conn.execute("SELECT actor, action FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    assert last == ("demo-admin", "unmask")


def test_a_user_changes_their_password_on_my_account(own_app):
    sign_in(own_app, "demo-sweeper")
    own_app.switch_page("pages/account.py").run()
    assert own_app.title[0].value == "我的账户"
    fields = own_app.text_input
    fields[0].input("demo")
    fields[1].input("a new secret")
    fields[2].input("a new secret")
    own_app.button[0].click().run()
    assert not own_app.exception
    assert own_app.success[0].value == "密码已修改"


def test_a_planner_has_no_residents_or_admin_pages(app):
    sign_in(app, "demo-planner")
    for page in ("pages/people.py", "pages/admin.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            app.switch_page(page)  # not in a planner's navigation


def test_the_overview_shows_new_data_on_the_next_rerun(own_app):
    from geo.services.access import Actor
    from geo.services.setup import open_database
    from geo.services.uploads import import_upload

    sign_in(own_app, "demo-admin")
    before = own_app.dataframe[0].value["出租房屋"].astype(int).sum()
    url = os.environ["GRIDHOUSE_DATABASE_URL"]
    handle = open_database(url)
    result = import_upload(
        handle,
        Actor(name="other-session", role="admin"),
        kind="rentals",
        data=(ROOT / "data" / "samples" / "rentals.csv").read_bytes(),
        filename="rentals.csv",
        crs="gcj02",
        as_of=date(2026, 11, 29),
    )
    handle.db.dispose()
    own_app.run()
    after = own_app.dataframe[0].value["出租房屋"].astype(int).sum()
    assert result.summary["inserted"] > 0
    assert after - before == result.summary["inserted"] - result.summary["outside_areas"]


def test_single_sign_on_is_offered_only_when_configured(app):
    app.run()
    assert not [b for b in app.button if b.key == "sso"]
    app.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "x" * 32,
        "client_id": "gridhouse",
        "client_secret": "s",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
    app.run()
    assert [b.label for b in app.button if b.key == "sso"] == ["使用统一身份认证登录"]


@pytest.mark.parametrize(
    ("page", "title"),
    [
        ("pages/clusters.py", "流动人口聚集区"),
        ("pages/worksites.py", "单位与从业人员居住地"),
        ("pages/quality.py", "数据质量"),
    ],
)
def test_each_planner_page_opens_without_errors(app, page, title):
    sign_in(app, "demo-planner")
    app.switch_page(page).run()
    assert not app.exception and not app.error
    assert app.title[0].value == title


def test_the_cluster_table_lists_clusters_with_origins_and_worksites(app):
    sign_in(app, "demo-planner")
    app.switch_page("pages/clusters.py").run()
    table = app.dataframe[0].value
    assert len(table) >= 5
    assert table["主要来源地"].str.contains("%").all()
    counts = pd.to_numeric(table["流动人口"])
    assert (counts > 0).all() and counts.is_monotonic_decreasing  # largest first


def test_clicking_a_community_drills_down_to_its_grids(app):
    sign_in(app, "demo-planner")
    first = app.dataframe[0].value.iloc[0]
    app.session_state["overview_trail"] = [(first["编码"], "community", first["名称"])]
    app.run()  # what a click on the community does
    assert not app.exception and not app.error
    grids = app.dataframe[0].value
    assert len(grids) > 1 and grids["编码"].str.startswith(first["编码"]).all()
    assert first["名称"] in app.subheader[0].value
    headline_units = int(app.metric[0].value.replace(",", ""))
    assert headline_units == int(first["出租房屋"])  # the headline is the community's own
    app.button(key="overview_back").click().run()
    assert len(app.dataframe[0].value) == 52


def test_a_planner_sees_shares_but_no_record_lists_on_data_quality(app):
    sign_in(app, "demo-planner")
    app.switch_page("pages/quality.py").run()
    assert "仅对登记员和管理员显示" in app.info[0].value
    assert len(app.dataframe) == 1  # the per-community shares only
    registrar = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    sign_in(registrar, "demo-registrar")
    registrar.switch_page("pages/quality.py").run()
    assert not registrar.exception
    assert len(registrar.dataframe) >= 3


def test_a_registrar_opens_a_property_file_from_a_link(app, demo_url):
    with databases.connect(demo_url) as conn:
        ref, address, living = conn.execute(
            "SELECT p.external_ref, p.address, count(r.id) FROM property p JOIN residence r "
            "ON r.property_id = p.id AND r.moved_out IS NULL GROUP BY p.id LIMIT 1"
        ).fetchone()
    sign_in(app, "demo-registrar")
    app.switch_page("pages/property.py")
    app.query_params["ref"] = ref
    app.run()
    assert not app.exception and not app.error
    assert app.subheader[0].value.startswith(address)
    assert f"现住 {living} 人" in app.subheader[1].value
    stays = app.dataframe[1].value
    assert stays["身份证号"].str.contains(r"\*{8}").all()


def test_idle_time_past_the_limit_signs_the_user_out_and_says_so(own_app, monkeypatch):
    sign_in(own_app, "demo-planner")
    assert own_app.title[0].value == "辖区总览"
    monkeypatch.setenv("GRIDHOUSE_IDLE_MINUTES", "0")  # any pause is too long now
    own_app.run()
    assert not own_app.dataframe  # nothing of the page is shown any more
    url = os.environ["GRIDHOUSE_DATABASE_URL"]
    with databases.connect(url) as conn:
        last = conn.execute("SELECT actor, action FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    assert last == ("demo-planner", "logout.timeout")


def test_a_deactivated_users_open_session_ends_at_the_next_click(own_app):
    from geo.services.access import Actor
    from geo.services.accounts import update_account
    from geo.services.setup import open_database

    sign_in(own_app, "demo-registrar")
    assert own_app.title[0].value == "辖区总览"
    handle = open_database(os.environ["GRIDHOUSE_DATABASE_URL"])
    update_account(handle, Actor(name="boss", role="admin"), "demo-registrar", active=False)
    handle.db.dispose()
    own_app.run()
    assert not own_app.dataframe  # nothing of the page is shown any more
    url = os.environ["GRIDHOUSE_DATABASE_URL"]
    with databases.connect(url) as conn:
        last = conn.execute("SELECT actor, action FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    assert last == ("demo-registrar", "logout.account_changed")


def test_choosing_a_worksite_shows_where_its_workers_live(app, demo_url):
    sign_in(app, "demo-planner")
    app.switch_page("pages/worksites.py").run()
    biggest = databases.scalar(  # a worksite whose figures a planner may see (geo.disclosure)
        demo_url,
        "SELECT worksite_id FROM employment WHERE until IS NULL "
        "GROUP BY worksite_id ORDER BY count(*) DESC LIMIT 1",
    )
    app.selectbox(key="worksite_pick").set_value(int(biggest)).run()
    assert not app.exception and not app.error
    workers, here, crowded = (m.value for m in app.metric[:3])
    assert int(workers.replace(",", "")) >= int(here.replace(",", "")) >= 0
    assert crowded.endswith("%")


@pytest.mark.parametrize(
    "name",
    [
        "crowded",
        "permits",
        "not-found",
        "stale",
        "late-reports",
        "unhoused-workers",
        "dormitory-outsiders",
    ],
)
def test_each_list_opens_with_counts_per_community(app, name):
    sign_in(app, "demo-registrar")
    app.switch_page("pages/lists.py").run()
    app.radio(key="list_name").set_value(name).run()
    assert not app.exception and not app.error
    rows = int(app.metric[0].value.replace(",", ""))
    assert rows > 0 or name == "unhoused-workers"  # in the demo every worker lives here
    if rows:
        assert rows == len(app.dataframe[1].value)
    else:  # an empty list is said in words, not drawn as an empty grid
        assert len(app.dataframe) == 1 and "（暂无记录）" in [c.value for c in app.caption]
    assert pd.to_numeric(app.dataframe[0].value["条数"]).sum() == rows


def test_a_unit_is_found_by_words_of_its_address_and_opened(app, demo_url):
    with databases.connect(demo_url) as conn:
        (address,) = conn.execute("SELECT address FROM property LIMIT 1").fetchone()
    sign_in(app, "demo-registrar")
    app.switch_page("pages/property.py").run()
    app.text_input(key="property_ref").input(address[:3]).run()
    assert not app.exception and not app.error
    assert "套房屋" in app.caption[0].value
    assert len(app.selectbox[0].options) > 1  # pick one of the matches
    app.text_input(key="property_ref").input(address).run()
    assert app.subheader[0].value.startswith(address)


def test_a_registrar_corrects_a_unit_on_its_file_and_sees_the_change_listed(own_app, demo_url):
    with databases.connect(demo_url) as conn:
        ref, rooms = conn.execute("SELECT external_ref, rooms FROM property LIMIT 1").fetchone()
    sign_in(own_app, "demo-registrar")
    own_app.switch_page("pages/property.py")
    own_app.query_params["ref"] = ref
    own_app.run()
    rooms_box = next(w for w in own_app.text_input if w.label == "房间数")
    rooms_box.input(str(rooms + 1))
    own_app.button(key="FormSubmitter:edit_unit-保存修改").click().run()
    assert not own_app.exception and not own_app.error
    assert own_app.success[0].value == "已保存：房间数"
    assert "demo-registrar" in own_app.dataframe[-1].value.to_string()


def test_an_edit_over_facts_another_session_changed_is_refused_and_names_them(own_app):
    from geo.services import properties
    from geo.services.access import Actor
    from geo.services.setup import open_database

    url = os.environ["GRIDHOUSE_DATABASE_URL"]
    ref, rooms = databases.rows(url, "SELECT external_ref, rooms FROM property LIMIT 1")[0]
    sign_in(own_app, "demo-registrar")
    own_app.switch_page("pages/property.py")
    own_app.query_params["ref"] = ref
    own_app.run()
    handle = open_database(url)  # meanwhile, someone else corrects the same unit
    properties.edit_unit(handle, Actor(name="other", role="registrar"), ref, {"rooms": "9"})
    handle.db.dispose()
    next(w for w in own_app.text_input if w.label == "房间数").input(str(rooms + 1))
    own_app.button(key="FormSubmitter:edit_unit-保存修改").click().run()
    assert not own_app.exception
    refused = own_app.error[0].value
    assert "未保存" in refused and "房间数" in refused and ref in refused
    assert databases.scalar(url, "SELECT rooms FROM property WHERE external_ref = ?", (ref,)) == 9


def test_a_registrar_sees_the_chosen_worksites_workers_masked(app):
    sign_in(app, "demo-registrar")
    app.switch_page("pages/worksites.py").run()
    app.selectbox(key="worksite_pick").select_index(1).run()
    assert not app.exception and not app.error
    workers = app.dataframe[0].value
    assert "在册从业人员" in app.subheader[0].value
    assert len(workers) > 0 and workers["身份证号"].str.contains(r"\*{8}").all()


def test_a_planner_creates_and_plans_a_sweep_and_sees_teams_not_units(own_app):
    sign_in(own_app, "demo-planner")
    own_app.switch_page("pages/sweeps.py").run()
    assert not own_app.exception and not own_app.error
    assert own_app.title[0].value == "走访清查"
    own_app.text_input[0].input("十二月清查")
    own_app.multiselect[0].select("330110901201")
    own_app.button(key="FormSubmitter:sweep_new-创建任务").click().run()
    assert not own_app.exception and not own_app.error
    assert "已创建任务" in own_app.success[0].value
    own_app.button(key="sweep_plan").click().run()
    assert not own_app.exception and not own_app.error
    teams = own_app.dataframe[0].value
    assert teams["走访组"].tolist() == ["一组", "二组", "三组"]
    assert teams["户数"].astype(int).sum() > 0
    headers = {c for frame in own_app.dataframe for c in frame.value.columns}
    assert "房屋编号" not in headers and "地址" not in headers  # aggregates only
    assert not [b for b in own_app.button if b.key == "sweep_export"]


def test_a_registrar_exports_a_team_list_from_the_sweeps_page(own_app):
    from geo.services import sweeps
    from geo.services.access import Actor
    from geo.services.setup import open_database

    url = os.environ["GRIDHOUSE_DATABASE_URL"]
    handle = open_database(url)
    admin = Actor(name="setup", role="admin")
    made = sweeps.create_sweep(
        handle, admin, name="村清查", starts_on=date(2026, 11, 29), ends_on=date(2026, 12, 9),
        areas=["330110901201"], teams=["一组", "二组"],
    )  # fmt: skip
    sweeps.plan_sweep(handle, admin, made, as_of=date(2026, 11, 29))
    handle.db.dispose()
    sign_in(own_app, "demo-registrar")
    own_app.switch_page("pages/sweeps.py").run()
    assert not own_app.exception and not own_app.error
    own_app.button(key="sweep_export").click().run()
    assert not own_app.exception and not own_app.error
    progress = own_app.dataframe[0].value
    assert set(progress["走访组"]) == {"一组", "二组"}
    # No visit yet: the back-check says there is nothing to judge instead of an empty grid.
    assert "判定" not in own_app.dataframe[-1].value.columns
    assert "（暂无记录）" in [c.value for c in own_app.caption]


def test_the_overview_colours_the_monthly_inspection_rate_against_its_target(app):
    sign_in(app, "demo-planner")
    app.selectbox(key="overview_metric").select("monthly_inspection").run()
    assert not app.exception and not app.error
    assert "出租房屋月查验率（目标 80%）" in [h.value for h in app.subheader]
    assert any("本月 1 日至今" in c.value for c in app.caption)
    assert any(c.value.startswith("本月至今") for c in app.caption)


only_sqlite = pytest.mark.skipif(
    databases.POSTGIS, reason="the first start builds an SQLite file of its own"
)


@only_sqlite
def test_a_first_start_builds_the_demo_under_a_progress_bar_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDHOUSE_DATABASE_URL", database_url(str(tmp_path / "new.sqlite")))
    monkeypatch.delenv("GRIDHOUSE_KEY_FILE", raising=False)  # a new file's key beside it
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    app.run()
    assert not app.exception and not app.error
    assert app.success[0].value.startswith("演示辖区已生成，数据库已就绪")
    assert "demo-registrar" in app.info[0].value  # the demo's accounts, on the sign-in form
    app.run()
    assert not app.success  # said once


@only_sqlite
def test_make_run_readies_the_database_saying_each_step_and_never_builds_twice(tmp_path):
    env = {**os.environ, "GRIDHOUSE_DATABASE_URL": str(tmp_path / "new.sqlite")}
    env.pop("GRIDHOUSE_KEY_FILE", None)

    def first_start() -> list[str]:
        done = subprocess.run(
            [sys.executable, "first_start.py"], capture_output=True, text=True, cwd=ROOT,
            env=env, timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout.splitlines()

    built = first_start()
    assert built[0].startswith("gridhouse: [  0%] 正在打开数据库")
    assert any("正在升级数据库结构：upgrade 0001 -> 0002" in line for line in built)
    assert any(line.startswith("gridhouse: [ 10%] 首次启动：正在生成演示辖区") for line in built)
    steps = [line[:17] for line in built if "| writing to the database" in line
             or "| planning the demo sweep" in line]  # fmt: skip
    assert steps == ["gridhouse: [ 35%]", "gridhouse: [ 90%]"], built
    assert built[-1].startswith("gridhouse: [100%] 演示辖区已生成")
    again = first_start()
    assert len(again) == 2 and again[-1].startswith("gridhouse: [100%] 数据库已就绪，无需生成")


@pytest.mark.parametrize("page", ["pages/sweeps.py", "pages/overview.py"])
def test_a_planner_reads_withheld_rates_as_percentages_beside_the_marker(app, page):
    """A column of rates that holds the withheld marker is text; its numbers are written as
    percentages (94.3%), never as the raw fraction 0.9428571428571428."""
    sign_in(app, "demo-planner")
    app.switch_page(page).run()
    assert not app.exception and not app.error
    raw = []
    for frame in (d.value for d in app.dataframe):
        for column in frame.columns:
            values = frame[column]
            if values.map(lambda v: v == "*").any():
                raw += [v for v in values if isinstance(v, float) and not pd.isna(v)]
                raw += [v for v in values if isinstance(v, str) and re.fullmatch(r"0\.\d{5,}", v)]
    assert raw == []

"""The Streamlit app, run for real by AppTest on the demo database."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


@pytest.fixture
def app(demo_dir, monkeypatch):
    monkeypatch.setenv("GRIDHOUSE_DATABASE_URL", f"sqlite:///{demo_dir / 'demo.sqlite'}")
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
    app.selectbox(key="overview_level").select_index(1).run()  # grid
    assert not app.exception
    table = app.dataframe[0].value
    assert len(table) > 100
    assert table["编码"].str.len().eq(14).all()


def test_planner_view_hides_small_counts(app):
    sign_in(app, "demo-planner")
    app.selectbox(key="overview_level").select_index(1).run()
    worksites = app.dataframe[0].value["单位"]
    assert (worksites == "<5").any()
    assert not worksites.isin(["1", "2", "3", "4"]).any()


def test_a_registrar_sees_the_upload_page_and_a_planner_does_not(app):
    sign_in(app, "demo-registrar")
    app.switch_page("pages/upload.py").run()
    assert not app.exception
    assert app.title[0].value == "登记数据上传"
    planner = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    sign_in(planner, "demo-planner")
    with pytest.raises(Exception):  # noqa: B017 - the page is not in a planner's menu
        planner.switch_page("pages/upload.py").run()

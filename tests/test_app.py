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


def test_overview_shows_the_area_table_and_the_map_in_chinese(app):
    app.run()
    assert not app.exception
    assert not app.error
    assert app.title[0].value == "辖区总览"
    assert "合成演示数据" in app.info[0].value
    table = app.dataframe[0].value
    assert len(table) == 52
    assert "出租房屋" in table.columns
    assert "查验覆盖率" in table.columns


def test_overview_switches_to_english(app):
    app.run()
    app.sidebar.radio[0].set_value("en").run()
    assert not app.exception
    assert app.title[0].value == "District overview"
    assert "Rental units" in app.dataframe[0].value.columns


def test_overview_drills_down_to_grids(app):
    app.run()
    app.selectbox(key="overview_level").select_index(1).run()  # grid
    assert not app.exception
    table = app.dataframe[0].value
    assert len(table) > 100
    assert table["编码"].str.len().eq(14).all()


def test_planner_view_hides_small_counts(app):
    app.run()
    app.selectbox(key="overview_level").select_index(1).run()  # grid
    worksites = app.dataframe[0].value["单位"]
    assert (worksites == "<5").any()
    assert not worksites.isin(["1", "2", "3", "4"]).any()

"""Page scripts draw only what they mean to: Streamlit's "magic" writes any bare value on a
line of its own to the page, so a string meant as a constant's docstring showed as text
above the overview's map (and pushed it below the fold)."""

from __future__ import annotations

import ast

from tests.conftest import ROOT


def test_no_page_script_has_a_bare_value_streamlit_would_draw():
    from app import pages_in_order

    scripts = [ROOT / "app.py", *(ROOT / script for script, _title, _rule in pages_in_order())]
    assert len(scripts) > 10
    drawn = []
    for path in scripts:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for index, node in enumerate(tree.body):
            if index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                continue  # the module's own docstring (not drawn)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                drawn.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert drawn == []

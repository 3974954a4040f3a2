"""The examples in the docstrings of geo/ are run, so they stay true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import geo

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(geo.__path__, prefix="geo.")
    if ".migrations" not in m.name and m.name != "geo.__main__"
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    failed, _attempted = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failed == 0

"""Stored text is made inert for the two kinds of sink that draw it: HTML (maps) and
Markdown (pages). Pure functions, no app."""

from __future__ import annotations

import re

import pytest

from geo.markup import LINK_BREAK, MARKDOWN_SPECIALS, clean, html_text, markdown_text
from geo.text import clean_text

HOSTILE = [
    "<img src=x onerror=alert(1)>号",
    "</script><script>alert(2)</script>",
    "\"'><svg onload=alert(3)>",
    "![x](http://example.com/a.png) 1号",
    "**粗体**[链接](javascript:alert(3))",
    "<https://example.com/b.png>",
    "见 www.example.com/c 或 x@example.com",
    "`code` ~~del~~ | a | b | $x^2$ :red[红] &lt;b&gt; \\*",
]
INVISIBLE = (
    "\u202e\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200b\u200d\ufeff"
)


def test_clean_drops_control_zero_width_and_bidirectional_characters():
    assert clean(f"东湖{INVISIBLE}社区\x00\x07\x1b\x7f\x9b") == "东湖社区"
    assert clean("1号\n2号\t3号\r\n4号\u20285号") == "1号 2号 3号  4号 5号"
    assert clean(None) == "" and clean(12) == "12" and clean(2.5) == "2.5"


def test_html_text_escapes_markup_and_quotes():
    assert html_text("<img src=x onerror=alert(1)>号") == "&lt;img src=x onerror=alert(1)&gt;号"
    assert html_text("</script>") == "&lt;/script&gt;"
    assert html_text("\"a\" & 'b'") == "&quot;a&quot; &amp; &#x27;b&#x27;"
    assert html_text("a\u202eb") == "ab"
    assert html_text(1234) == "1234" and html_text(0.25) == "0.25"


@pytest.mark.parametrize("text", HOSTILE)
def test_html_text_leaves_no_tag_and_no_quote(text):
    shown = html_text(text)
    assert not re.search(r"[<>\"']", shown)


def _unescape_markdown(text: str) -> str:
    """What CommonMark shows for text made by markdown_text: backslash escapes and the two
    entities resolved, the invisible link breaks left out."""
    text = text.replace(LINK_BREAK, "")
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)
    return text.replace("&lt;", "<").replace("&amp;", "&")


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_text_escapes_every_special_and_reads_back_as_written(text):
    shown = markdown_text(text)
    assert "<" not in shown
    for special in MARKDOWN_SPECIALS:
        # every special in the result is escaped (preceded by an odd run of backslashes)
        for match in re.finditer(re.escape(special), shown):
            run = len(shown[: match.start()]) - len(shown[: match.start()].rstrip("\\"))
            assert special == "\\" or run % 2 == 1, (special, shown)
    assert _unescape_markdown(shown) == text


def test_markdown_text_breaks_images_links_and_emphasis():
    image = markdown_text("![x](http://example.com/a.png) 1号")
    assert "![" not in image and "](" not in image
    assert "\\!\\[x\\]\\(" in image
    link = markdown_text("**粗体**[链接](javascript:alert(3))")
    assert "**" not in link and "](" not in link
    assert markdown_text("<img src=x>") == "&lt;img src=x\\>"
    assert markdown_text("a & b") == "a &amp; b"
    assert markdown_text("&lt;") == "&amp;lt;"  # an entity in the data stays as typed


def test_markdown_text_breaks_bare_links_and_block_starts():
    # Streamlit finds bare links after escapes are resolved: a zero-width joiner breaks them.
    assert markdown_text("www.example.com") == f"www{LINK_BREAK}\\.example.com"
    assert markdown_text("见 https://example.com") == f"见 https{LINK_BREAK}\\://example.com"
    assert markdown_text("x@example.com") == f"x@{LINK_BREAK}example.com"
    assert markdown_text("# 标题") == "\\# 标题"
    assert markdown_text("- 1号楼") == "\\- 1号楼"
    assert markdown_text("+ 1号楼") == "\\+ 1号楼"
    assert markdown_text("12. 单元") == "12\\. 单元"
    assert markdown_text("12号楼-3单元 5.5平") == "12号楼-3单元 5.5平"  # only at the start
    assert markdown_text("> 引用") == "\\> 引用"
    assert markdown_text("1号\n# 2号") == "1号 \\# 2号"  # no new line, no new block


def test_markdown_text_drops_bidirectional_overrides():
    assert markdown_text("房东\u202e号1") == "房东号1"


def test_plain_chinese_text_and_numbers_are_unchanged():
    for text in ("东湖社区", "杭州市西湖区文一路100号3幢2单元", "A-0001", "一组"):
        assert markdown_text(text) == text
        assert html_text(text) == text


def test_what_a_page_shows_is_cleaned_exactly_as_an_upload_is_cleaned():
    """One list of invisible characters (geo.text): the display's own shorter list, without
    the Mongolian vowel separator, lost to it."""
    every = "".join(chr(c) for c in range(0x3000) if not 0xD800 <= c <= 0xDFFF)
    assert clean(every) == clean_text(every)
    assert clean("a\u180eb") == "ab"

"""Stored text made inert for the places that draw it: HTML (map tooltips, popups, legends)
and Markdown (page titles, captions, notes, widget labels).

Whatever a user uploaded or typed (an address, a worksite's or an area's name, a file name,
a team) is data: it must read as the characters it holds, never as markup, a script, an
image to fetch or a link. Every map sink goes through :func:`html_text` (``geo.maps``) and
every Markdown sink of the pages through :func:`markdown_text` (``pages.texts``: ``t()``
and ``plain()``). Both first drop the characters that change how text looks without being
seen: control characters (line breaks become spaces), zero-width and bidirectional
formatting characters (a right-to-left override can make ``exe.pdf`` read ``fdp.exe``), the
very characters an upload cleans away (:func:`geo.text.clean_text`).

Pure functions on strings; no Streamlit, no folium.
"""

from __future__ import annotations

import html
import re
from typing import Final

from geo.text import clean_text

MARKDOWN_SPECIALS: Final = "\\`*_[]()!#>|~$"
"""Characters with a meaning in Streamlit's Markdown (CommonMark, GitHub tables and
strikethrough, ``$`` maths, ``:colour[...]`` directives), escaped with a backslash; ``&`` and
``<`` become entities (no HTML, no autolink, no character reference from the data)."""
_MARKDOWN_ESCAPES: Final = {
    ord("&"): "&amp;",
    ord("<"): "&lt;",
    **{ord(c): "\\" + c for c in MARKDOWN_SPECIALS},
}
_BLOCK_START: Final = re.compile(r"^(\s*)([-+=]|\d+(?=[.)]))")
"""What makes a list, a rule or a heading at the start of a line."""
_BARE_LINK: Final = re.compile(r"(?i)(www|https?|ftp|mailto|xmpp)([.:])|(@)")
"""The starts of GitHub's bare links (``www.``, ``https:``, an e-mail's ``@``). Streamlit
finds them in the text *after* Markdown escapes are resolved, so a backslash alone does not
break them: an invisible :data:`LINK_BREAK` goes in as well."""
LINK_BREAK: Final = "\u2060"
"""WORD JOINER (U+2060): zero width and not a letter, so ``http``, joiner, ``://`` or ``@``,
joiner, ``example.com`` no longer reads as a link (the one character :func:`markdown_text`
adds to what it shows; :func:`clean` drops it from the data first)."""


def clean(value: object) -> str:
    """``value`` as text without control, zero-width or bidirectional formatting characters
    (line breaks and tabs become spaces): :func:`geo.text.clean_text`, the one list of
    those characters, for any value. ``None`` is empty.

    >>> clean("a\\u202eb\\u200bc\\x00d\\ne")
    'abcd e'
    >>> clean(None), clean(12)
    ('', '12')
    """
    if value is None:
        return ""
    return clean_text(str(value))


def html_text(value: object) -> str:
    """``value`` as HTML text: cleaned, then ``& < > " '`` escaped, so that it reads as the
    characters it holds in an element or an attribute (numbers come back as written).

    >>> html_text('<img src=x onerror=alert(1)>号')
    '&lt;img src=x onerror=alert(1)&gt;号'
    >>> html_text(1234.5)
    '1234.5'
    """
    return html.escape(clean(value), quote=True)


def markdown_text(value: object) -> str:
    """``value`` as Markdown that shows exactly its characters: no image, link, emphasis,
    heading, list, table, maths or HTML comes out of it.

    >>> markdown_text("![x](http://example.com/a.png) 1号")
    '\\\\!\\\\[x\\\\]\\\\(http\\u2060\\\\://example.com/a.png\\\\) 1号'
    >>> markdown_text("**粗体** <b>&")
    '\\\\*\\\\*粗体\\\\*\\\\* &lt;b\\\\>&amp;'
    >>> markdown_text("- 1号楼"), markdown_text("3. 单元")
    ('\\\\- 1号楼', '3\\\\. 单元')
    """
    text = clean(value).translate(_MARKDOWN_ESCAPES)
    text = _BARE_LINK.sub(_break_link, text)
    return _BLOCK_START.sub(_escape_block_start, text, count=1)


def _break_link(match: re.Match[str]) -> str:
    if match.group(3):  # an e-mail address: nothing after the @ reads as its domain
        return "@" + LINK_BREAK
    return match.group(1) + LINK_BREAK + "\\" + match.group(2)


def _escape_block_start(match: re.Match[str]) -> str:
    space, marker = match.group(1), match.group(2)
    if marker.isdigit():  # "3." or "3)": escape the punctuation after the number
        return f"{space}{marker}\\"
    return f"{space}\\{marker}"

"""A hostile comment corpus renders inert: the stored HTML, read back with an HTML parser, has no script-capable
element, no event handler or style attribute, and no link other than http, https or mailto."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Final
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Comment
from app.lib import markdown
from tests.integration.comments.conftest import Crew, say

CORPUS: Final = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1)  )",
    "[click](&#106;avascript:alert(1))",
    "[click](&#x6A;&#x61;&#x76;&#x61;script:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](javascript:alert(1))",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)"/>',
    "<a href=\"javascript:alert(1)\">x</a>",
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    "<object data=javascript:alert(1)></object>",
    "<style>body{display:none}</style>",
    '<p style="position:fixed;top:0">cover</p>',
    "<div><b>unclosed <i>tags <a href='javascript:x'",
    "<<script>script>alert(1)<</script>/script>",
    "<!-- <script>alert(1)</script> -->",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "[[nested](javascript:alert(1))](https://ok.example)",
    "[a](https://ok.example \"title\" onmouseover=alert(1))",
    "[a](<javascript:alert(1)>)",
    "<javascript:alert(1)>",
    "<mailto:a@example.com>",
    "[ok](https://ok.example) and [mail](mailto:a@example.com)",
    "```html\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "| a | b |\n|---|---|\n| <script>x</script> | [x](javascript:y) |",
    "~~<svg/onload=alert(1)>~~",
    "@role:QA<script>alert(1)</script>",
    "[x](https://ok.example)<img src=x onerror=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<a href=https://ok.example/\" onclick=\"alert(1)>x</a>",
    "[x](https://ok.example/\"onmouseover=\"alert(1))",
]
ALLOWED: Final = markdown.TAGS
SCHEMES: Final = frozenset({"http", "https", "mailto"})


class Inspector(HTMLParser):
    """Collects every problem an HTML fragment has for a browser that would render it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED:
            self.problems.append(f"element <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "src", "srcdoc", "formaction", "action", "xlink:href"):
                self.problems.append(f"attribute {name} on <{tag}>")
            if name == "href":
                scheme = urlsplit((value or "").strip()).scheme.lower()
                if scheme not in SCHEMES:
                    self.problems.append(f"href {value!r}")
            if name == "class" and not all(part.startswith("mention") for part in (value or "").split()):
                self.problems.append(f"class {value!r}")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def problems(fragment: str) -> list[str]:
    inspector = Inspector()
    inspector.feed(fragment)
    inspector.close()
    return inspector.problems


def test_the_inspector_sees_what_it_must() -> None:
    assert problems("<script>x</script>") == ["element <script>"]
    assert problems('<a href="javascript:x" onclick="y">z</a>') == ["href 'javascript:x'", "attribute onclick on <a>"]
    assert problems('<p><a href="https://ok.example" rel="x">ok</a></p>') == []


async def test_the_hostile_corpus_is_stored_inert(db: AsyncSession, crew: Crew) -> None:
    for body in CORPUS:
        comment = await say(db, crew.cody, body)
        assert problems(comment.body_html) == [], (body, comment.body_html)
        assert "<script" not in comment.body_html.lower()  # as text it is escaped: &lt;script
    await db.rollback()
    for html_text in await db.scalars(select(Comment.body_html)):
        assert problems(html_text) == []


async def test_safe_markdown_still_renders(db: AsyncSession, crew: Crew) -> None:
    comment = await say(db, crew.cody, "[ok](https://ok.example) **bold** and [mail](mailto:a@example.com)")
    assert '<a href="https://ok.example" rel="noopener noreferrer nofollow">ok</a>' in comment.body_html
    assert '<a href="mailto:a@example.com" rel="noopener noreferrer nofollow">mail</a>' in comment.body_html
    assert "<strong>bold</strong>" in comment.body_html


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([
    "<", ">", "/", "script", "svg", "img", "a", " href=", " onerror=", " onload=", "javascript:", "JaVaScRiPt:",
    "data:", "&#106;", "&#x3C;", '"', "'", "[", "]", "(", ")", "!", "`", "*", "_", "~~", "\n", "|", "-", "@role:QA",
    "https://ok.example", "mailto:", "=", "style", " ", "<!--", "-->", "&", ";", "\\", "#",
]), max_size=40).map("".join))
def test_any_mix_of_hostile_pieces_renders_inert(source: str) -> None:
    rendered = markdown.render(source, markdown.mentions_in(source))
    assert problems(rendered) == [], (source, rendered)

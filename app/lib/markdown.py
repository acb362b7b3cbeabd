"""Markdown for text people write (comments): CommonMark with tables and strikethrough, then sanitized.

Rendering is two layers deep on purpose. markdown-it-py parses with raw HTML off (``<script>`` stays text) and drops
links it considers unsafe; nh3 (ammonia) then keeps only a small set of tags and attributes and only http, https and
mailto URLs, so whatever slips past the first layer is removed by the second. Images are not rendered (no tracking
pixels, no ``data:`` URLs), headings move down three levels (``#`` becomes ``<h4>``) so that a comment never breaks
the outline of the page that shows it, and relative links are dropped.

Mentions (``@alice``, ``@alice@example.com``, ``@role:QA``, ``@team:frontend``) are recognised by an inline rule,
so that text in code spans and code blocks is never a mention. :func:`parse` lists them; :func:`render` shows those
the caller resolved as badges and leaves the others as the text they were.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

__all__ = ["Mention", "MentionKind", "Rendered", "mentions_in", "parse", "render", "sanitize"]

MentionKind = Literal["user", "role", "team"]

_ROLE: Final = re.compile(r"role:([A-Za-z]{1,40})")
_TEAM: Final = re.compile(r"team:([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)")
_USER: Final = re.compile(r"([A-Za-z0-9][A-Za-z0-9._+-]{0,63})(@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+)?")
# A mention starts a word: "bob@example.com" is an address, not a mention of "example".
_WORD_BEFORE: Final = re.compile(r"[A-Za-z0-9._%+-]")
_LOCAL_TRAILER: Final = "._+-"

TAGS: Final = frozenset({
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "span",
})
_CLEANER: Final = nh3.Cleaner(
    tags=set(TAGS),
    attributes={"a": {"href", "title"}, "ol": {"start"}},
    allowed_classes={"span": {"mention", "mention-user", "mention-role", "mention-team", "mention-unknown"}},
    link_rel="noopener noreferrer nofollow",
    url_schemes={"http", "https", "mailto"},
    url_relative="deny",
    strip_comments=True,
)


@dataclass(frozen=True, slots=True)
class Mention:
    """A mention as written: ``kind`` and the normalised ``value`` (lower-case user or team, role as written)."""

    kind: MentionKind
    value: str

    @property
    def text(self) -> str:
        """How the mention is written: ``@alice``, ``@role:QA``, ``@team:frontend``."""
        return f"@{self.value}" if self.kind == "user" else f"@{self.kind}:{self.value}"


@dataclass(frozen=True, slots=True)
class Rendered:
    """A parsed text: its mentions in order of appearance (each once) and the tokens to render."""

    mentions: tuple[Mention, ...]
    tokens: Sequence[Token]


def _match_mention(src: str, start: int) -> tuple[Mention, int] | None:
    """The mention whose ``@`` is at ``start - 1``, and where it ends."""
    for kind, pattern in (("role", _ROLE), ("team", _TEAM)):
        found = pattern.match(src, start)
        if found is not None:
            value = found.group(1) if kind == "role" else found.group(1).lower()
            return Mention(kind, value), found.end()  # type: ignore[arg-type]
    found = _USER.match(src, start)
    if found is None:
        return None
    local, domain = found.group(1), found.group(2)
    if domain is None:
        local = local.rstrip(_LOCAL_TRAILER)  # "thanks @alice." mentions alice
        if not local:
            return None
        return Mention("user", local.lower()), start + len(local)
    return Mention("user", (local + domain).lower()), found.end()


def _mention_rule(state: StateInline, silent: bool) -> bool:
    pos = state.pos
    if state.src[pos] != "@" or (pos > 0 and _WORD_BEFORE.match(state.src[pos - 1])):
        return False
    matched = _match_mention(state.src, pos + 1)
    if matched is None:
        return False
    mention, end = matched
    if not silent:
        token = state.push("mention", "", 0)
        token.content = state.src[pos:end]
        token.meta = {"kind": mention.kind, "value": mention.value}
    state.pos = end
    return True


def _render_mention(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict,
                    env: EnvType) -> str:
    del self, options
    token = tokens[idx]
    known: frozenset[Mention] = env.get("mentions", frozenset())
    mention = Mention(token.meta["kind"], token.meta["value"])
    if mention not in known:
        return html.escape(token.content)
    return f'<span class="mention mention-{mention.kind}">{html.escape(token.content)}</span>'


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.disable(["image", "html_block", "html_inline"])
    md.inline.ruler.before("emphasis", "mention", _mention_rule)
    md.add_render_rule("mention", _render_mention)
    return md


_MD: Final = _parser()


def _walk(tokens: Iterable[Token]) -> Iterable[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def parse(source: str) -> Rendered:
    """Parse Markdown ``source``: its mentions (outside code) and the tokens :func:`render` turns into HTML."""
    tokens = _MD.parse(source, {})
    seen: dict[Mention, None] = {}
    for token in _walk(tokens):
        if token.type == "mention":
            seen.setdefault(Mention(token.meta["kind"], token.meta["value"]), None)
        elif token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1:]) + 3)}"
    return Rendered(mentions=tuple(seen), tokens=tokens)


def mentions_in(source: str) -> tuple[Mention, ...]:
    """The mentions of ``source`` in order of appearance, each once."""
    return parse(source).mentions


def render(parsed: Rendered | str, known: Iterable[Mention] = ()) -> str:
    """Safe HTML for parsed Markdown (or a source string); mentions in ``known`` become badges."""
    if isinstance(parsed, str):
        parsed = parse(parsed)
    env: dict[str, Any] = {"mentions": frozenset(known)}
    return sanitize(_MD.renderer.render(list(parsed.tokens), _MD.options, env))


def sanitize(fragment: str) -> str:
    """Keep only the allowed tags, attributes and URL schemes of an HTML fragment."""
    return _CLEANER.clean(fragment)

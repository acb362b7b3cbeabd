"""The browser stream's HTML: a project's live events (the JSON the hub carries) turned into the SSE messages htmx's SSE
extension swaps into one page (``templates/live/_fragments.html.j2``).

Rendering happens here, at the edge, so the services stay framework-free. A message depends on the event, the page
(which item it shows), the language and only whether the event is the viewer's own, so it is rendered once per event
and reused for every viewer alike: 1,000 viewers of a page cost one render, not 1,000.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote, urlencode

import jinja2
import msgspec
from litestar.response.sse import ServerSentEventMessage

from app.domain.live.presence import Viewer
from app.domain.live.schemas import LiveEntity
from app.lib import i18n
from app.lib.i18n import gettext as _
from app.lib.i18n import ngettext

__all__ = ["FRAGMENTS", "FragmentRenderer", "LivePage"]

FRAGMENTS: Final = "live/_fragments.html.j2"
_CACHE_SIZE: Final = 512


class _Wire(msgspec.Struct, frozen=True):
    type: str
    entity: LiveEntity | None = None
    data: dict[str, Any] = {}
    id: int | None = None


_decode = msgspec.json.Decoder(_Wire).decode


@dataclass(frozen=True, slots=True)
class LivePage:
    """One open page: its project (``org`` when its links name the organization), the item it shows
    (``"microstep:ms-1"``, ``""`` for the plan page) and who is looking."""

    key: str
    org: str | None
    entity: str
    viewer: Viewer

    def comment_url(self, comment_id: str, event: str, part: str) -> str:
        """Where a loader fetches the comment (or its thread) rendered for this viewer."""
        query = {"event": event, "part": part, **({"org": self.org} if self.org else {})}
        return f"/p/{quote(self.key, safe='')}/c/{quote(comment_id, safe='')}/live?{urlencode(query)}"


Messages = tuple[ServerSentEventMessage, ...]


class FragmentRenderer:
    """Renders (and remembers, for the next viewers) the messages of an event for a page."""

    def __init__(self, environment: jinja2.Environment) -> None:
        """Render with the app's Jinja ``environment`` (autoescaping, ``_()`` bound to the request's locale)."""
        self._environment = environment
        self._cache: OrderedDict[tuple[Any, ...], Messages] = OrderedDict()

    def messages(self, item: bytes, page: LivePage) -> Messages:
        """The SSE messages ``item`` (an encoded live event) makes for ``page``; none when it does not concern it."""
        event = _decode(item)
        mine = _actor(event) == page.viewer.user_id
        typing_self = event.type == "presence" and any(
            t.get("user_id") == page.viewer.user_id for t in event.data.get("typing", ()))
        key = (item, page.key, page.org, page.entity, mine, typing_self and page.viewer.user_id,
               i18n.current_locale())
        cached = self._cache.get(key)
        if cached is None:
            cached = self._render(event, page, mine=mine)
            self._cache[key] = cached
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return cached

    def missed(self) -> Messages:
        """The notice that events were lost beyond the kept history: reload."""
        return (ServerSentEventMessage(event="revision", data=self._module().missed()),)

    def _module(self) -> Any:
        return self._environment.get_template(FRAGMENTS).module

    def _render(self, event: _Wire, page: LivePage, *, mine: bool) -> Messages:
        if event.type.startswith("comment."):
            return self._comment(event, page, mine=mine)
        if event.type == "plan.revision":
            return self._revision(event, page, mine=mine)
        if event.type == "presence":
            return self._presence(event, page, mine=mine)
        return ()

    def _comment(self, event: _Wire, page: LivePage, *, mine: bool) -> Messages:
        # The author's own page already shows the change (their form's answer); other items' pages do not show it.
        if mine or event.entity is None or f"{event.entity.type}:{event.entity.id}" != page.entity:
            return ()
        comment_id, thread_id = str(event.data.get("comment_id")), str(event.data.get("thread_id"))
        if event.type == "comment.created":
            kind = "thread" if comment_id == thread_id else "reply"
        elif event.type in ("comment.resolved", "comment.reopened"):
            kind = "refresh-thread"
        else:
            kind = "comment"
        part = "comment" if kind in {"reply", "comment"} else "thread"
        url = page.comment_url(comment_id, event.type, "reply" if kind == "reply" else part)
        data = self._module().comment(kind, url, thread_id, comment_id)
        return (ServerSentEventMessage(event="comment", id=event.id, data=data),)

    def _revision(self, event: _Wire, page: LivePage, *, mine: bool) -> Messages:
        changes: dict[str, dict[str, str]] = event.data.get("status_changes") or {}
        kind, _sep, item = page.entity.partition(":")
        shown = [(name, change.get("to", "")) for name, change in changes.items()
                 if not page.entity or (kind == "microstep" and name == item)]
        module = self._module()
        messages: list[ServerSentEventMessage] = []
        if shown:
            messages.append(ServerSentEventMessage(event="status", id=event.id, data=module.statuses(shown)))
        if mine:  # who saved the revision already sees it
            return tuple(messages)
        number = event.data.get("revision")
        messages.append(ServerSentEventMessage(event="revision", id=None if shown else event.id,
                                               data=module.revision(number)))
        if kind == "microstep" and shown:
            # The microstep page's status sits in its own polite region (atomic "Current status: Done"), which
            # announces the swapped badge; a second announcement here would read the change twice.
            return tuple(messages)
        text = _("The plan was updated to revision %(revision)s.") % {"revision": number}
        messages.append(ServerSentEventMessage(event="announce", data=text))
        return tuple(messages)

    def _presence(self, event: _Wire, page: LivePage, *, mine: bool) -> Messages:
        viewers = [Viewer(**v) for v in event.data.get("viewers", ())]
        here = [v for v in viewers if not page.entity or v.entity == page.entity]
        names = sorted({v.user_id: v for v in here}.values(), key=lambda v: v.name.casefold())
        typing = [Viewer(**t) for t in event.data.get("typing", ())
                  if t.get("entity") == page.entity and t.get("user_id") != page.viewer.user_id]
        messages = [ServerSentEventMessage(event="presence", data=self._module().presence(names, typing))]
        change = event.data.get("change") or {}
        if not mine and change.get("entity") == page.entity:
            text = _announcement(str(change.get("kind")), str(change.get("name")))
            if text:
                messages.append(ServerSentEventMessage(event="announce", data=text))
        return tuple(messages)


def _actor(event: _Wire) -> str | None:
    """Who caused the event: a comment's or revision's actor, the person whose presence changed."""
    actor = (event.data.get("change") or {}).get("user_id") if event.type == "presence" else event.data.get("actor_id")
    return None if actor is None else str(actor)


def _announcement(kind: str, name: str) -> str:
    if kind == "join":
        return _("%(name)s is viewing this page.") % {"name": name}
    if kind == "leave":
        return _("%(name)s left this page.") % {"name": name}
    if kind == "typing":
        return ngettext("%(names)s is typing…", "%(names)s are typing…", 1) % {"names": name}
    return ""

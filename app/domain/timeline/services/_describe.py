"""A ledger entry of a project as a timeline event: its kind, what it is about (with a link), and a sentence.

Targets are ``<org>/<KEY>/<collection>/<id>`` (``revisions/12``, ``microsteps/ms-132``, ``approvals/<uuid>``,
``conflicts/<uuid>``, ``policy``), and a comment's is its plan item's with ``#comment-<uuid>``. Statuses stay ids in
the sentences (``done``), as in the governance messages: the word people type, the same in every language.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final
from urllib.parse import quote, urlencode

import msgspec

from app.domain.governance.services import transition_label
from app.domain.timeline.schemas import EntityRef, EventKind, TimelineEvent
from app.lib.i18n import gettext as _
from app.lib.i18n import ngettext

__all__ = ["LedgerRow", "Links", "describe", "item_ids", "kind_of"]

_decode = msgspec.json.Decoder(dict[str, Any]).decode
# The collection a target names → the kind of entity it holds.
_ENTITY_KINDS: Final = {"revisions": "revision", "microsteps": "microstep", "steps": "step", "milestones": "milestone",
                        "approvals": "approval", "conflicts": "conflict", "policy": "policy"}
PLAN_ITEMS: Final = frozenset({"microstep", "step", "milestone"})
# Comment actions as recorded (``comment.delete``) or as their events are named (``comment.deleted``).
_AREAS: Final[dict[str, EventKind]] = {"comment": "comment", "approval": "approval", "conflict": "conflict"}
_COMMENT_VERBS: Final = {"create": "created", "edit": "edited", "delete": "deleted", "resolve": "resolved",
                         "reopen": "reopened", "promote": "promoted"}


class LedgerRow(msgspec.Struct, frozen=True, kw_only=True):
    """The columns of an entry the timeline reads."""

    seq: int
    created_at: datetime
    actor: str
    action: str
    target: str
    payload: str


class Links:
    """URLs of a project's pages; they carry ``?org=`` when the request named the organization."""

    def __init__(self, key: str, org: str | None) -> None:
        """Links of project ``key`` (``org``: the slug to keep in them, if any)."""
        self.base = f"/p/{quote(key, safe='')}"
        self.org = org

    def __call__(self, suffix: str, **params: Any) -> str:
        """The URL of the page ``suffix`` (``/history``) with ``params``."""
        query = {**({"org": self.org} if self.org else {}), **params}
        return f"{self.base}{suffix}" + (f"?{urlencode(query)}" if query else "")

    def entity(self, kind: str, ident: str) -> str | None:
        """The page of an entity, if it has one."""
        pages = {"microstep": "/m/", "approval": "/approvals/", "conflict": "/conflicts/"}
        if kind in pages:
            return self(pages[kind] + quote(ident, safe=""))
        if kind == "policy":
            return self("/policy")
        if kind == "revision" and ident.isdigit():
            number = int(ident)
            return self("/diff", **{"from": number - 1, "to": number}) if number > 1 else self("/history")
        return None


def kind_of(action: str, payload: Mapping[str, Any]) -> EventKind | None:
    """The event kind of a ledger action (``None``: not a timeline event)."""
    if action == "plan.revision":
        return "sync" if payload.get("via") == "sync" else "revision"
    fixed: dict[str, EventKind] = {"plan.status_change": "status", "policy.change": "policy"}
    if action in fixed:
        return fixed[action]
    return _AREAS.get(action.partition(".")[0])


def _split(target: str, prefix: str) -> tuple[str, str, str]:
    """``(entity kind, id, comment id)`` of a target under ``prefix``."""
    path, _sep, fragment = target.removeprefix(prefix).partition("#")
    collection, _slash, ident = path.partition("/")
    return _ENTITY_KINDS.get(collection, collection), ident, fragment.removeprefix("comment-")


def item_ids(targets: list[str], prefix: str) -> set[str]:
    """The plan item ids the targets name (to look their titles up)."""
    return {ident for target in targets for kind, ident, _c in [_split(target, prefix)] if kind in PLAN_ITEMS}


def _payload(row: LedgerRow) -> dict[str, Any]:
    try:
        return _decode(row.payload)
    except msgspec.DecodeError:
        return {}  # an altered entry; verification names it, the timeline shows what it can


def describe(row: LedgerRow, *, prefix: str, links: Links, actor_name: str,
             titles: Mapping[str, str]) -> TimelineEvent | None:
    """The event of ``row`` (``None`` when its action is not a timeline event)."""
    payload = _payload(row)
    kind = kind_of(row.action, payload)
    if kind is None:
        return None
    entity_kind, ident, comment = _split(row.target, prefix)
    entity = EntityRef(kind=entity_kind, id=ident or entity_kind, url=links.entity(entity_kind, ident),
                       title=titles.get(ident) if entity_kind in PLAN_ITEMS else None)
    words = {"actor": actor_name, "item": entity.id}
    summary = _SENTENCES[kind](row.action, payload, words)
    url = links(f"/c/{quote(comment, safe='')}") if kind == "comment" and comment else entity.url
    note = payload.get("message") if kind in ("revision", "sync") else None
    return TimelineEvent(seq=row.seq, kind=kind, action=row.action, actor=row.actor, actor_name=actor_name,
                         created_at=row.created_at, entity=entity, summary=summary, url=url,
                         note=note if isinstance(note, str) else "", details=payload)


def _number(payload: Mapping[str, Any], name: str) -> int:
    value = payload.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _status(action: str, payload: Mapping[str, Any], words: dict[str, Any]) -> str:
    del action
    return _("%(actor)s moved %(item)s from %(from)s to %(to)s") % {
        **words, "from": payload.get("from", "?"), "to": payload.get("to", "?")}


def _revision(action: str, payload: Mapping[str, Any], words: dict[str, Any]) -> str:
    del action
    number, changes = _number(payload, "revision"), _number(payload, "status_changes")
    values = {**words, "number": number, "num": changes}
    if payload.get("via") == "sync":
        if changes:
            return ngettext("%(actor)s synced revision %(number)d (%(num)d status change)",
                            "%(actor)s synced revision %(number)d (%(num)d status changes)", changes) % values
        return _("%(actor)s synced revision %(number)d") % values
    if payload.get("first_revision"):
        return _("%(actor)s uploaded the first revision of the plan") % values
    if changes:
        return ngettext("%(actor)s saved revision %(number)d (%(num)d status change)",
                        "%(actor)s saved revision %(number)d (%(num)d status changes)", changes) % values
    return _("%(actor)s saved revision %(number)d") % values


def _comment(action: str, payload: Mapping[str, Any], words: dict[str, Any]) -> str:
    del payload
    verb = action.partition(".")[2]
    sentences = {
        "created": _("%(actor)s commented on %(item)s"),
        "edited": _("%(actor)s edited a comment on %(item)s"),
        "deleted": _("%(actor)s deleted a comment on %(item)s"),
        "resolved": _("%(actor)s resolved a discussion on %(item)s"),
        "reopened": _("%(actor)s reopened a discussion on %(item)s"),
        "promoted": _("%(actor)s turned a comment on %(item)s into a microstep"),
    }
    sentence = sentences.get(_COMMENT_VERBS.get(verb, verb), _("%(actor)s changed a comment on %(item)s"))
    return sentence % words


def _approval(action: str, payload: Mapping[str, Any], words: dict[str, Any]) -> str:
    transition, about = str(payload.get("transition", "")), str(payload.get("target", ""))
    if transition == "policy_change":
        about = about[:12]  # a proposed policy's hash
    values = {**words, "what": transition_label(transition), "target": about}
    if action == "approval.request":
        return _("%(actor)s asked for approval of %(what)s (%(target)s)") % values
    if action == "approval.approve":
        if payload.get("final") is False:
            return _("%(actor)s approved %(what)s (%(target)s); more approvals are needed") % values
        return _("%(actor)s approved %(what)s (%(target)s)") % values
    if action == "approval.deny":
        return _("%(actor)s denied %(what)s (%(target)s)") % values
    if action == "approval.withdraw":
        return _("%(actor)s withdrew the request for %(what)s (%(target)s)") % values
    return _("%(actor)s changed the request for %(what)s (%(target)s)") % values


def _policy(action: str, payload: Mapping[str, Any], words: dict[str, Any]) -> str:
    del action
    if payload.get("approval"):
        return _("%(actor)s changed the policy, as approved") % words
    return _("%(actor)s changed the policy") % words


def _conflict(action: str, payload: Mapping[str, Any], words: dict[str, Any]) -> str:
    count = _number(payload, "conflicts")
    values = {**words, "num": count, "head": _number(payload, "head"), "number": _number(payload, "revision")}
    if action == "conflict.resolved" and payload.get("by_push"):
        return _("%(actor)s settled a logged conflict by pushing revision %(number)d") % values
    if action == "conflict.resolved" and not count:
        return _("%(actor)s resolved a conflict in revision %(number)d") % values
    if action == "conflict.resolved":
        return ngettext("%(actor)s resolved %(num)d conflict in revision %(number)d",
                        "%(actor)s resolved %(num)d conflicts in revision %(number)d", count) % values
    return ngettext("%(actor)s pushed a change that conflicts with revision %(head)d (%(num)d conflict)",
                    "%(actor)s pushed changes that conflict with revision %(head)d (%(num)d conflicts)",
                    count) % values


_SENTENCES: Final = {"status": _status, "revision": _revision, "sync": _revision, "comment": _comment,
                     "approval": _approval, "policy": _policy, "conflict": _conflict}

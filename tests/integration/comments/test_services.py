"""The comment services on SQLite and PostgreSQL: threads, edits and history, deletion, resolve and reopen (audited),
mentions of each kind, watching, events, and input that is refused without changing anything."""

from __future__ import annotations

from uuid import UUID

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AuditEntry, Comment, CommentMention, CommentVersion
from app.domain.comments.schemas import AttachmentCreate, CommentCreate
from app.domain.comments.services import CommentService, CommentTooLarge, ThreadService, WatchService
from app.lib.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.integration.comments.conftest import Crew, Recorder, say
from tests.integration.conftest import make_user

MS = ("microstep", "ms-212")


async def count(db: AsyncSession, model: type) -> int:
    await db.rollback()
    return await db.scalar(select(func.count()).select_from(model)) or 0


async def test_threads_hold_roots_and_replies_oldest_first(db: AsyncSession, crew: Crew) -> None:
    first = await say(db, crew.alice, "First **thought**")
    second = await say(db, crew.bob, "Another topic")
    reply = await say(db, crew.carol, "Agreed", parent=first.id)
    nested = await say(db, crew.cody, "Me too", parent=reply.id)  # a reply to a reply joins the root's thread
    assert nested.parent_id == first.id and reply.parent_id == first.id
    page = await CommentService(db).threads(crew.dan, "WEB", *MS)  # a Viewer reads
    assert [thread.root.id for thread in page.threads] == [first.id, second.id]
    assert [r.id for r in page.threads[0].replies] == [reply.id, nested.id]
    assert page.total == 2 and page.entity_title
    assert page.threads[0].root.body_html == "<p>First <strong>thought</strong></p>\n"
    assert page.threads[0].root.author == "alice@example.com"
    second_page = await CommentService(db).threads(crew.dan, "WEB", *MS, limit=1, offset=1)
    assert [thread.root.id for thread in second_page.threads] == [second.id] and second_page.total == 2


async def test_milestones_and_steps_have_threads_too(db: AsyncSession, crew: Crew) -> None:
    await say(db, crew.alice, "On the milestone", entity_type="milestone", entity_id="m-2")
    await say(db, crew.alice, "On the step", entity_type="step", entity_id="st-21")
    milestone = await CommentService(db).threads(crew.bob, "WEB", "milestone", "m-2")
    step = await CommentService(db).threads(crew.bob, "WEB", "step", "st-21")
    assert [t.root.body for t in milestone.threads] == ["On the milestone"]
    assert [t.root.body for t in step.threads] == ["On the step"]
    with pytest.raises(NotFound):
        await CommentService(db).threads(crew.bob, "WEB", "step", "m-2")  # m-2 is a milestone, not a step


async def test_editing_keeps_every_earlier_body(db: AsyncSession, crew: Crew, recorder: Recorder) -> None:
    comment = await say(db, crew.bob, "Version one")
    comments = CommentService(db)
    await comments.edit(crew.bob, "WEB", comment.id, "Version two")
    edited = await comments.edit(crew.bob, "WEB", comment.id, "Version *three*")
    assert edited.edit_count == 2 and edited.edited_by == "bob@example.com" and edited.edited_at is not None
    assert edited.body_html == "<p>Version <em>three</em></p>\n"
    unchanged = await comments.edit(crew.bob, "WEB", comment.id, "Version *three*\n")
    assert unchanged.edit_count == 2  # the same text is no new version
    history = await ThreadService(db).history(crew.dan, "WEB", comment.id)
    assert [v.body for v in history.versions] == ["Version *three*", "Version two", "Version one"]
    assert [v.current for v in history.versions] == [True, False, False]
    assert all(v.editor == "bob@example.com" for v in history.versions)
    assert recorder.names() == ["comment.created", "comment.edited", "comment.edited"]


async def test_only_the_author_edits(db: AsyncSession, crew: Crew) -> None:
    comment = await say(db, crew.cody, "Mine")
    for other in (crew.alice, crew.bob, crew.carol):  # a PM or TechLead moderates by deleting, never by rewording
        with pytest.raises(PermissionDenied):
            await CommentService(db).edit(other, "WEB", comment.id, "Theirs")
    assert await count(db, CommentVersion) == 0


async def test_deleting_leaves_a_placeholder(db: AsyncSession, crew: Crew, recorder: Recorder) -> None:
    root = await say(db, crew.cody, "Root with @bob")
    reply = await say(db, crew.carol, "Reply", parent=root.id)
    await CommentService(db).edit(crew.cody, "WEB", root.id, "Root with @bob, edited")
    await ThreadService(db).attach(crew.cody, "WEB", root.id,
                                   AttachmentCreate(kind="pr", url="https://git.example.com/pr/1"))
    with pytest.raises(PermissionDenied):
        await CommentService(db).delete(crew.carol, "WEB", root.id)  # QA may not delete others' comments
    deleted = await CommentService(db).delete(crew.bob, "WEB", root.id)  # a TechLead moderates
    assert deleted.deleted and deleted.deleted_by == "bob@example.com"
    assert deleted.body == deleted.body_html == "" and not deleted.mentions and not deleted.attachments
    page = await CommentService(db).threads(crew.dan, "WEB", *MS)
    assert page.threads[0].root.deleted and [r.id for r in page.threads[0].replies] == [reply.id]
    assert await count(db, CommentVersion) == 0  # the earlier text goes too
    history = await ThreadService(db).history(crew.dan, "WEB", root.id)
    assert history.versions == []
    own = await CommentService(db).delete(crew.carol, "WEB", reply.id)  # authors delete their own
    assert own.deleted
    with pytest.raises(Conflict):
        await CommentService(db).edit(crew.cody, "WEB", root.id, "Back again")
    entries = list(await db.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
    assert entries.count("comment.delete") == 2
    assert recorder.names()[-2:] == ["comment.deleted", "comment.deleted"]


async def test_comments_resolve_and_reopen_are_recorded(db: AsyncSession, crew: Crew, recorder: Recorder) -> None:
    root = await say(db, crew.alice, "Should we?")
    reply = await say(db, crew.cody, "Yes", parent=root.id)
    threads = ThreadService(db)
    resolved = await threads.resolve(crew.cody, "WEB", reply.id)  # resolving from a reply resolves the thread
    assert resolved.id == root.id and resolved.resolved and resolved.resolved_by == "cody@example.com"
    again = await threads.resolve(crew.alice, "WEB", root.id)
    assert again.resolved_by == "cody@example.com"  # no change, nothing recorded
    reopened = await threads.reopen(crew.carol, "WEB", root.id)
    assert not reopened.resolved and reopened.resolved_at is None
    with pytest.raises(PermissionDenied):
        await threads.resolve(crew.dan, "WEB", root.id)  # a Viewer only reads
    await db.rollback()
    rows = (await db.execute(select(AuditEntry.action, AuditEntry.actor, AuditEntry.target)
                             .where(AuditEntry.action.like("comment.%")).order_by(AuditEntry.seq))).all()
    assert [(action, actor) for action, actor, _ in rows] == [
        ("comment.create", "alice@example.com"), ("comment.create", "cody@example.com"),
        ("comment.resolve", "cody@example.com"), ("comment.reopen", "carol@example.com")]
    assert rows[2][2] == f"acme/WEB/microsteps/ms-212#comment-{root.id}"
    assert recorder.names() == ["comment.created", "comment.created", "comment.resolved", "comment.reopened"]


async def test_mentions_of_each_kind_name_the_right_people(db: AsyncSession, crew: Crew) -> None:
    body = ("Hi @bob and @carol@example.com, see @role:QA, @team:frontend; `@dan` in code is not one, "
            "nor is dan@example.com or @nobody or @team:nope or @role:Boss.")
    comment = await say(db, crew.alice, body)
    mentioned = {(m.email, m.via) for m in comment.mentions}
    assert mentioned == {("bob@example.com", "@bob"), ("carol@example.com", "@carol@example.com"),
                         ("cody@example.com", "@team:frontend")}
    assert comment.body_html.count('class="mention') == 4
    for text in ("@nobody", "@team:nope", "@role:Boss", "<code>@dan</code>"):
        assert text in comment.body_html
    viewers = await say(db, crew.bob, "Ping @role:viewer and @role:PM")
    assert {m.email for m in viewers.mentions} == {"dan@example.com", "alice@example.com"}
    own_team = await say(db, crew.bob, "Ping @team:frontend")  # the author is never among the mentioned
    assert {m.email for m in own_team.mentions} == {"cody@example.com"}


async def test_mentions_reach_only_people_of_the_project(db: AsyncSession, crew: Crew) -> None:
    comment = await say(db, crew.alice, "Ping @eve and @eve@example.com")  # eve is in another organization
    assert comment.mentions == [] and 'class="mention' not in comment.body_html


async def test_an_ambiguous_mention_is_refused(db: AsyncSession, crew: Crew) -> None:
    await make_user(db, "bob@other.example", "Other Bob")
    from app.domain.orgs.services import OrgService  # noqa: PLC0415

    await OrgService(db).add_member(crew.alice, "acme", "bob@other.example", "member")
    before = await count(db, Comment)
    with pytest.raises(ValidationFailed, match=r"@bob@example\.com") as refused:
        await say(db, crew.alice, "Hello @bob")
    assert refused.value.field == "body"
    assert await count(db, Comment) == before
    exact = await say(db, crew.alice, "Hello @bob@other.example")
    assert [m.email for m in exact.mentions] == ["bob@other.example"]


async def test_commenting_and_being_mentioned_watch_the_item(db: AsyncSession, crew: Crew,
                                                              recorder: Recorder) -> None:
    watches = WatchService(db)
    assert await watches.watchers(crew.alice, "WEB", *MS) == []
    await say(db, crew.cody, "Hey @carol")
    assert set(await watches.watchers(crew.alice, "WEB", *MS)) == {crew.cody.user_id, crew.carol.user_id}
    state = await watches.watch(crew.dan, "WEB", *MS)  # a Viewer may watch
    assert state.watching and state.watchers == 3
    assert (await watches.watch(crew.dan, "WEB", *MS)).watchers == 3  # twice is once
    state = await watches.unwatch(crew.carol, "WEB", *MS)
    assert not state.watching and state.watchers == 2
    await say(db, crew.bob, "Update")
    event = recorder.seen[-1]
    assert event.name == "comment.created" and event.author_id == crew.bob.user_id
    assert set(event.watcher_ids) == {crew.cody.user_id, crew.dan.user_id, crew.bob.user_id}
    with pytest.raises(NotFound):
        await watches.watch(crew.eve, "WEB", *MS)


async def test_events_carry_the_facts(db: AsyncSession, crew: Crew, recorder: Recorder) -> None:
    comment = await say(db, crew.alice, "For @role:QA and @bob")
    created = recorder.seen[0]
    assert created.name == "comment.created" and created.comment_id == comment.id == created.thread_id
    assert created.entity_type == "microstep" and created.entity_id == "ms-212" and created.project_key == "WEB"
    assert set(created.mentioned_user_ids) == set(created.new_mention_ids) == {crew.carol.user_id, crew.bob.user_id}
    assert set(created.watcher_ids) == {crew.alice.user_id, crew.carol.user_id, crew.bob.user_id}
    await CommentService(db).edit(crew.alice, "WEB", comment.id, "For @role:QA, @bob and @cody")
    edited = recorder.seen[1]
    assert edited.new_mention_ids == (crew.cody.user_id,)
    assert set(edited.mentioned_user_ids) == {crew.carol.user_id, crew.bob.user_id, crew.cody.user_id}


async def test_a_failing_subscriber_never_breaks_the_request(db: AsyncSession, crew: Crew,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    from app.lib import events  # noqa: PLC0415

    async def broken(event: events.DomainEvent) -> None:
        raise RuntimeError("subscriber bug")

    unsubscribe = events.subscribe(broken, prefix="comment.")
    try:
        comment = await say(db, crew.alice, "Still saved")
    finally:
        unsubscribe()
    assert comment.body == "Still saved"
    assert "subscriber" in caplog.text and "comment.created" in caplog.text


@pytest.mark.parametrize(("body", "field", "error"), [
    ("", "body", ValidationFailed), ("   \n\t ", "body", ValidationFailed), ("a\x00b", "body", ValidationFailed),
    ("x" * 100_001, "body", CommentTooLarge), ("é" * 50_001, "body", CommentTooLarge),
])
async def test_bad_bodies_are_refused_and_change_nothing(db: AsyncSession, crew: Crew, body: str, field: str,
                                                          error: type[ValidationFailed]) -> None:
    with pytest.raises(error) as refused:
        await say(db, crew.alice, body)
    assert refused.value.field == field
    assert await count(db, Comment) == 0 and await count(db, CommentMention) == 0


async def test_unknown_and_foreign_items_are_not_found(db: AsyncSession, crew: Crew) -> None:
    from app.domain.projects.services import PlanService, ProjectService  # noqa: PLC0415
    from tests.integration.conftest import plan_bytes  # noqa: PLC0415

    await ProjectService(db).create(crew.alice, "acme", "API", "Another project")
    await PlanService(db).save(crew.alice, "API", plan_bytes(), expected_revision=0)
    other = await CommentService(db).create(crew.alice, "API", CommentCreate(
        entity_type="microstep", entity_id="ms-212", body="In API"))
    with pytest.raises(NotFound):
        await say(db, crew.alice, "Nowhere", entity_id="ms-999")
    with pytest.raises(NotFound):  # a comment of another project is not a parent here
        await say(db, crew.alice, "Reply", parent=other.id)
    with pytest.raises(NotFound):
        await CommentService(db).get(crew.alice, "WEB", other.id)
    with pytest.raises(ValidationFailed) as bad_type:
        await CommentService(db).threads(crew.alice, "WEB", "task", "ms-212")
    assert bad_type.value.field == "entity_type"
    with pytest.raises(NotFound):  # another organization's project does not exist for eve
        await say(db, crew.eve, "Hello")
    with pytest.raises(PermissionDenied):  # a Viewer reads but does not write
        await say(db, crew.dan, "Hello")
    mine = await say(db, crew.alice, "Here")
    with pytest.raises(ValidationFailed) as elsewhere:
        await say(db, crew.alice, "Reply on another item", entity_id="ms-211", parent=mine.id)
    assert elsewhere.value.field == "parent_id"
    assert await count(db, Comment) == 2


async def test_attachments_take_http_links_only(db: AsyncSession, crew: Crew) -> None:
    comment = await CommentService(db).create(crew.cody, "WEB", CommentCreate(
        entity_type="microstep", entity_id="ms-212", body="See links",
        attachments=[AttachmentCreate(kind="test_result", url=" https://ci.example.com/run/7 ", title="CI run")]))
    assert [(a.kind, a.url, a.title) for a in comment.attachments] == [
        ("test_result", "https://ci.example.com/run/7", "CI run")]
    threads = ThreadService(db)
    for url in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "ftp://x.example", "/relative",
                "https://exa mple.com", "http://"):
        with pytest.raises(ValidationFailed) as refused:
            await threads.attach(crew.cody, "WEB", comment.id, AttachmentCreate(kind="link", url=url))
        assert refused.value.field == "url", url
    added = await threads.attach(crew.alice, "WEB", comment.id, AttachmentCreate(kind="file", url="http://f.example/a"))
    with pytest.raises(PermissionDenied):
        await threads.attach(crew.carol, "WEB", comment.id, AttachmentCreate(kind="file", url="http://f.example/b"))
    removed = await threads.detach(crew.cody, "WEB", comment.id, added.attachments[-1].id)
    assert len(removed.attachments) == 1
    with pytest.raises(NotFound):
        await threads.detach(crew.cody, "WEB", comment.id, UUID(int=5))

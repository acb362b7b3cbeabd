"""DeliveryService on SQLite and PostgreSQL: scheduling with deduplication, each channel's real wire format,
retries with backoff, permanent failures, and the claim that lets one worker at a time send a delivery."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.models import Delivery, OutboxMail
from app.domain.deliveries.services import (
    DeliveryConfig,
    DeliveryMessage,
    DeliveryService,
    backoff,
    configure,
    message_id,
)
from app.lib import clock
from app.lib.errors import ValidationFailed
from tests.integration.conftest import Inbox
from tests.integration.deliveries.conftest import SECRET, Hooks

MESSAGE = DeliveryMessage(subject="Bob mentioned you", text="On *S1*: please look", url="https://br.example/WEB/S1",
                          priority="high")


async def _schedule(db: AsyncSession, channel: str, target: str, key: str) -> UUID:
    assert await DeliveryService(db).schedule(channel=channel, target=target, message=MESSAGE, dedup_key=key)
    await db.commit()
    return (await db.scalars(select(Delivery.id).where(Delivery.dedup_key == key))).one()


async def _row(db: AsyncSession, delivery_id: UUID) -> Delivery:
    db.expire_all()
    return (await db.scalars(select(Delivery).where(Delivery.id == delivery_id))).one()


def _later(seconds: float) -> None:
    moved = clock.now() + timedelta(seconds=seconds)
    clock.set_clock(lambda: moved)


@pytest.fixture(autouse=True)
def _real_clock() -> object:
    yield None
    clock.set_clock(None)


async def test_schedule_twice_inserts_one_row_and_sends_one_email(
        db: AsyncSession, delivery_config: DeliveryConfig, smtp: tuple[str, Inbox]) -> None:
    service = DeliveryService(db)
    assert await service.schedule(channel="email", target="ann@example.com", message=MESSAGE, dedup_key="n:1:email")
    assert not await service.schedule(channel="email", target="ann@example.com", message=MESSAGE,
                                      dedup_key="n:1:email")
    await db.commit()
    rows = (await db.scalars(select(Delivery))).all()
    assert len(rows) == 1 and rows[0].status == "pending" and rows[0].payload["priority"] == "high"
    assert (await service.attempt(rows[0].id)).outcome == "sent"
    assert (await service.attempt(rows[0].id)).outcome == "skipped"  # already sent: never twice
    [mail] = smtp[1].to("ann@example.com")
    assert mail["Subject"] == "[high] Bob mentioned you" and mail["Message-ID"] == message_id("n:1:email")
    assert "https://br.example/WEB/S1" in mail.get_payload()
    row = await _row(db, rows[0].id)
    assert row.status == "sent" and row.attempts == 1 and row.sent_at is not None
    assert (await db.scalars(select(OutboxMail.sent_at))).one() is not None  # the record of what was sent


async def test_schedule_is_rolled_back_with_the_callers_transaction(db: AsyncSession,
                                                                     delivery_config: DeliveryConfig) -> None:
    assert await DeliveryService(db).schedule(channel="email", target="ann@example.com", message=MESSAGE,
                                              dedup_key="n:2:email")
    await db.rollback()
    assert (await db.scalars(select(Delivery))).all() == []


@pytest.mark.parametrize(("channel", "target", "field"), [
    ("sms", "ann@example.com", "channel"), ("email", "not an address", "target"),
    ("slack", "ftp://hooks.example/x", "target"), ("discord", "hooks.example/x", "target"),
])
async def test_bad_input_names_the_field_and_inserts_nothing(db: AsyncSession, delivery_config: DeliveryConfig,
                                                             channel: str, target: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        await DeliveryService(db).schedule(channel=channel, target=target, message=MESSAGE, dedup_key="k")
    assert raised.value.field == field
    with pytest.raises(ValidationFailed):
        await DeliveryService(db).schedule(channel="email", target="a@b.c", dedup_key="k",
                                           message=DeliveryMessage(subject="s", text="t", priority="asap"))
    assert (await db.scalars(select(Delivery))).all() == []


async def test_slack_gets_text_and_blocks_and_the_url_is_stored_encrypted(
        db: AsyncSession, delivery_config: DeliveryConfig, hooks: Hooks) -> None:
    url = f"{hooks.base}/services/T000/B000/XXXX"
    delivery_id = await _schedule(db, "slack", url, "n:3:slack")
    stored = (await _row(db, delivery_id)).target
    assert "XXXX" not in stored and stored.startswith("enc:v1:")
    assert (await DeliveryService(db).attempt(delivery_id)).outcome == "sent"
    [body] = hooks.bodies("/services/T000/B000/XXXX")
    assert body["text"].startswith("*[high] Bob mentioned you*")
    assert [block["type"] for block in body["blocks"]] == ["header", "section", "actions"]
    assert body["blocks"][1]["text"] == {"type": "mrkdwn", "text": "On *S1*: please look"}
    assert body["blocks"][2]["elements"][0]["url"] == "https://br.example/WEB/S1"


async def test_discord_gets_content_and_an_embed_and_its_429_retry_after_is_respected(
        db: AsyncSession, delivery_config: DeliveryConfig, hooks: Hooks) -> None:
    path = "/api/webhooks/123/discord-token"
    hooks.answers[path] = [(429, {"message": "You are being rate limited.", "retry_after": 7.5, "global": False},
                            {"Content-Type": "application/json"})]
    delivery_id = await _schedule(db, "discord", hooks.base + path, "n:4:discord")
    service = DeliveryService(db)
    before = clock.now()
    attempt = await service.attempt(delivery_id)
    assert attempt.outcome == "retry" and attempt.retry_at is not None
    assert timedelta(seconds=7) <= attempt.retry_at - before <= timedelta(seconds=60)
    assert (await service.attempt(delivery_id)).outcome == "skipped"  # not due yet
    _later(8)
    assert (await service.attempt(delivery_id)).outcome == "sent"
    first, second = hooks.bodies(path)
    assert first == second and second["content"] == "**[high] Bob mentioned you**"
    assert second["embeds"][0]["title"] == "[high] Bob mentioned you"
    assert second["embeds"][0]["url"] == "https://br.example/WEB/S1"
    assert second["allowed_mentions"] == {"parse": []}
    row = await _row(db, delivery_id)
    assert row.status == "sent" and row.attempts == 2 and row.last_error is None


async def test_a_webhook_4xx_fails_for_good_at_once(db: AsyncSession, delivery_config: DeliveryConfig,
                                                     hooks: Hooks) -> None:
    hooks.answers["/gone"] = [(404, "no_service", {})]
    delivery_id = await _schedule(db, "slack", hooks.base + "/gone", "n:5:slack")
    assert (await DeliveryService(db).attempt(delivery_id)).outcome == "failed"
    row = await _row(db, delivery_id)
    assert row.status == "failed" and row.attempts == 1 and "404" in (row.last_error or "")


async def test_5xx_is_retried_with_growing_backoff_then_fails_after_max_attempts(
        db: AsyncSession, delivery_config: DeliveryConfig, hooks: Hooks) -> None:
    hooks.answers["/flaky"] = [(503, "busy", {})] * 3
    delivery_id = await _schedule(db, "slack", hooks.base + "/flaky", "n:6:slack")
    service = DeliveryService(db)
    delays = []
    _later(0)  # a frozen clock: the delays are exactly what the backoff chose
    for _ in range(2):
        now = clock.now()
        attempt = await service.attempt(delivery_id)
        assert attempt.outcome == "retry" and attempt.retry_at is not None
        delays.append((attempt.retry_at - now).total_seconds())
        _later(delays[-1] + 1)
    assert 5 <= delays[0] <= 15 and 10 <= delays[1] <= 30  # base 10 s doubled, ±50 % jitter
    assert (await service.attempt(delivery_id)).outcome == "failed"  # max_attempts = 3
    row = await _row(db, delivery_id)
    assert row.status == "failed" and row.attempts == 3 and "503" in (row.last_error or "")
    assert len(hooks.bodies("/flaky")) == 3


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    for attempts, low, high in ((1, 15, 45), (2, 30, 90), (3, 60, 180), (20, 1800, 5400)):
        assert all(low <= backoff(attempts, 30, 3600) <= high for _ in range(50))


async def test_an_smtp_outage_is_retried(db: AsyncSession, smtp: tuple[str, Inbox]) -> None:
    configure(DeliveryConfig(secret_key=SECRET, smtp_url="smtp://127.0.0.1:9", max_attempts=3,
                             smtp_timeout_seconds=2))
    try:
        delivery_id = await _schedule(db, "email", "ann@example.com", "n:7:email")
        attempt = await DeliveryService(db).attempt(delivery_id)
        assert attempt.outcome == "retry"
        assert "SMTP" in ((await _row(db, delivery_id)).last_error or "")
    finally:
        configure(None)


async def test_embedded_mode_without_smtp_keeps_the_mail_in_the_dev_mailbox(db: AsyncSession) -> None:
    configure(DeliveryConfig(secret_key=SECRET, smtp_url=None))
    try:
        delivery_id = await _schedule(db, "email", "ann@example.com", "n:8:email")
        assert (await DeliveryService(db).attempt(delivery_id)).outcome == "sent"
        mail = (await db.scalars(select(OutboxMail))).one()
        assert mail.recipient == "ann@example.com" and mail.subject == "[high] Bob mentioned you"
        assert mail.sent_at is None
    finally:
        configure(None)


async def test_concurrent_attempts_send_once_and_a_dead_workers_claim_is_taken_back_after_the_lease(
        db: AsyncSession, database_url: str, delivery_config: DeliveryConfig, smtp: tuple[str, Inbox]) -> None:
    delivery_id = await _schedule(db, "email", "ann@example.com", "n:9:email")
    maker = async_sessionmaker(db.bind, expire_on_commit=False)

    async def attempt() -> str:
        async with maker() as session:
            return (await DeliveryService(session).attempt(delivery_id)).outcome

    outcomes = await asyncio.gather(*(attempt() for _ in range(4)))
    assert sorted(outcomes) == ["sent", "skipped", "skipped", "skipped"]
    assert len(smtp[1].to("ann@example.com")) == 1
    # A worker that claimed a row and died: the row is claimable again only after the lease.
    other = await _schedule(db, "email", "bob@example.com", "n:10:email")
    claimed = clock.now()
    await db.execute(Delivery.__table__.update().where(Delivery.id == other)
                     .values(status="sending", claimed_at=claimed, attempts=1))
    await db.commit()
    assert (await DeliveryService(db).due()) == []
    assert (await DeliveryService(db).attempt(other)).outcome == "skipped"
    _later(delivery_config.lease_seconds + 1)
    assert (await DeliveryService(db).due()) == [(other, 1)]
    assert (await DeliveryService(db).attempt(other)).outcome == "sent"
    assert (await _row(db, other)).attempts == 2

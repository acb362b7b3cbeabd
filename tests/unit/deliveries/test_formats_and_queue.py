"""Channel payloads, job settings, and the in-process queue (dedup by key, retries, drain on stop)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from croniter import croniter

from app.domain.deliveries.services import DeliveryConfig, DeliveryMessage, discord_payload, message_id, slack_payload
from app.lib import clock
from app.server.jobs import JobContext, runtime
from app.server.jobs._embedded import InProcessQueue
from app.server.jobs._saq import SaqJobQueue, sweep_cron
from app.server.settings import Settings

MESSAGE = DeliveryMessage(subject="Deploy approved", text="Step *S2* may ship", priority="urgent")


def test_payloads_without_a_url() -> None:
    slack = slack_payload(MESSAGE)
    assert [block["type"] for block in slack["blocks"]] == ["header", "section"]
    assert slack["text"] == "*[URGENT] Deploy approved*\nStep *S2* may ship"
    discord = discord_payload(MESSAGE)
    assert discord["embeds"][0]["color"] == 0xE74C3C and "url" not in discord["embeds"][0]


def test_message_id_is_stable_per_key_and_fits_one_header_line() -> None:
    assert message_id("a") == message_id("a") != message_id("b")
    assert len("Message-ID: " + message_id("x" * 400)) <= 78


def test_webhook_urls_are_sealed_with_a_key_of_the_secret() -> None:
    sealed = DeliveryConfig(secret_key="one" * 12).seal("https://hooks.slack.com/services/T/B/secret")
    assert "secret" not in sealed
    assert DeliveryConfig(secret_key="one" * 12).unseal(sealed) == "https://hooks.slack.com/services/T/B/secret"
    assert DeliveryConfig(secret_key="one" * 12).unseal("ann@example.com") == "ann@example.com"
    try:
        DeliveryConfig(secret_key="two" * 12).unseal(sealed)
    except ValueError as exc:
        assert "BR_SECRET_KEY" in str(exc)
    else:
        raise AssertionError("another key must not decrypt")


def test_job_settings_are_explicit_never_saqs_defaults(tmp_path: Any) -> None:
    settings = Settings.from_env({"BR_DATA_DIR": str(tmp_path), "BR_SECRET_KEY": "k" * 40,
                                  "BR_REDIS_URL": "redis://127.0.0.1:6379/0", "BR_JOB_TIMEOUT_SECONDS": "90"})
    options = SaqJobQueue(settings).job_options
    assert options["timeout"] == 90 and options["retries"] == 3 and options["heartbeat"] == 30
    assert options["retry_backoff"] and options["retry_delay"] > 0
    assert DeliveryConfig.from_settings(settings).lease_seconds == 180  # outlives a job's timeout


def test_sweep_cron() -> None:
    start = clock.now()
    assert croniter(sweep_cron(5), start).get_next() - start.timestamp() <= 5
    assert sweep_cron(60) == "*/1 * * * *" and sweep_cron(300) == "*/5 * * * *"


async def test_in_process_queue_dedups_retries_and_drains_on_stop() -> None:
    calls: list[tuple[str, Any]] = []
    flaky = {"left": 1}

    async def record(ctx: dict[str, Any], *, value: int) -> int:
        assert isinstance(runtime(ctx), JobContext)
        calls.append(("record", value))
        return value

    async def fails_once(ctx: dict[str, Any]) -> None:
        calls.append(("fails_once", flaky["left"]))
        if flaky["left"]:
            flaky["left"] -= 1
            raise RuntimeError("transient")

    async def sweep(ctx: dict[str, Any]) -> None:
        calls.append(("sweep", None))

    queue = InProcessQueue({"record": record, "fails_once": fails_once, "sweep": sweep}, timeout=5, retries=3,
                           sweep_task="sweep", sweep_seconds=3600)
    queue.context = JobContext(sessions=None, queue=queue)  # type: ignore[arg-type]
    await queue.start()
    await queue.enqueue("record", key="same", value=1)
    await queue.enqueue("record", key="same", value=2)  # same key while queued: ignored
    await queue.enqueue("record", key="later", at=clock.now() + timedelta(hours=1), value=3)
    await queue.enqueue("fails_once", key="flaky")
    while ("fails_once", 0) not in calls:
        await asyncio.sleep(0.05)
    await queue.stop()
    assert ("record", 1) in calls and ("record", 2) not in calls and ("record", 3) not in calls
    assert ("sweep", None) in calls  # once at start
    stats = await queue.stats()
    assert stats["retried"] == 1 and stats["failed"] == 0

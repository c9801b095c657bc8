"""One report → exactly one ticket and one card across crashes; SLA aging; `modbot queue`."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from helpers_complaints import (
    MODERATOR,
    QUEUE,
    TG_GROUP,
    Recorder,
    message,
    private,
    recorders,
    render,
    report,
    ticket,
    tickets,
)

from bot.app import App, create_app
from bot.cli import main
from bot.config import LoadedConfig
from bot.core.actions import ActionResult, AnyAction, EditMessage, NotifyQueue, SendMessage
from bot.core.clock import FakeClock


class Crash(BaseException):
    """Stands in for the process being killed: nothing in the pipeline may swallow it."""


class CrashingExecutor:
    platform = "telegram"

    def __init__(self) -> None:
        self.calls = 0

    async def execute(self, action: AnyAction) -> ActionResult:
        self.calls += 1
        raise Crash


async def _no_drain(limit: int = 100) -> int:
    return 0


async def test_card_stored_but_not_sent_is_sent_once_after_restart(
        basic_config: LoadedConfig, clock: FakeClock) -> None:
    event = report("spam", user="5")
    first = await create_app(basic_config, clock=clock, instance_id="a")
    first.pipeline.drain = _no_drain  # type: ignore[method-assign]
    assert await first.pipeline.process(event) is True
    await first.close()

    second = await create_app(basic_config, clock=clock, instance_id="b")
    try:
        telegram, _vk = recorders(second)
        assert await second.pipeline.process(event) is False  # the platform redelivers
        await second.pipeline.drain()
        assert len(telegram.cards()) == 1
        assert [a.text.key for a in telegram.of(SendMessage)] == ["complaints.ack"]
        assert (await ticket(second, 1)).card_message_id is not None
        assert await second.pipeline.drain() == 0
        assert len(await tickets(second)) == 1
    finally:
        await second.close()


async def test_killed_while_sending_the_card_delivers_it_after_restart(
        basic_config: LoadedConfig, clock: FakeClock) -> None:
    event = report("spam", user="5")
    first = await create_app(basic_config, clock=clock, instance_id="a")
    crashing = CrashingExecutor()
    first.router.add(crashing)
    with pytest.raises(Crash):
        await first.pipeline.process(event)
    assert crashing.calls == 1
    await first.close()

    clock.advance(timedelta(minutes=6))  # the dead instance's claim on the outbox expires
    second = await create_app(basic_config, clock=clock, instance_id="b")
    try:
        telegram, _vk = recorders(second)
        await second.pipeline.drain()
        assert await second.pipeline.process(event) is False
        assert len(telegram.cards()) == 1
        assert [a.text.key for a in telegram.of(SendMessage)] == ["complaints.ack"]
        stored = await ticket(second, 1)
        assert (stored.card_state, stored.card_message_id) == ("delivered", "500")
        assert len(await tickets(second)) == 1
    finally:
        await second.close()


async def test_ticket_changed_before_its_card_was_sent_is_edited_once_delivered(
        basic_config: LoadedConfig, clock: FakeClock) -> None:
    first = await create_app(basic_config, clock=clock, instance_id="a")
    first.pipeline.drain = _no_drain  # type: ignore[method-assign]
    await first.pipeline.process(report(user="5"))
    await first.pipeline.process(report(user="6"))
    assert (await ticket(first, 1)).card_state == "stale"
    await first.close()

    second = await create_app(basic_config, clock=clock, instance_id="b")
    try:
        telegram, _vk = recorders(second)
        await second.pipeline.drain()
        assert len(telegram.cards()) == 1
        [edit] = telegram.of(EditMessage)
        assert (edit.chat, edit.message_id) == (QUEUE, "500")
        assert "reports: 2" in render(second, edit.text)
        assert (await ticket(second, 1)).card_state == "delivered"
    finally:
        await second.close()


async def test_the_same_source_event_never_files_twice(app: App) -> None:
    """Defence in depth below the pipeline's dedup: the unique source_event is checked."""
    event = private("/complaint the admin was rude", user="5")
    decided = []
    for _ in range(2):
        async with app.uow_factory() as uow:
            decided.append(await app.core.handle(event, uow))
            await uow.commit()
    assert len(await tickets(app)) == 1
    assert len(decided[0]) == 2 and decided[1] == []  # no second card, no second ack


async def test_failed_card_is_recorded(app: App) -> None:
    class Refusing(Recorder):
        async def execute(self, action: AnyAction) -> ActionResult:
            if isinstance(action, NotifyQueue):
                return ActionResult(ok=False, error="bot was kicked", permanent=True)
            return await super().execute(action)

    app.router.add(Refusing())
    await app.pipeline.process(report(user="5"))
    assert (await ticket(app, 1)).card_state == "failed"


async def test_unclaimed_ticket_is_reannounced_once_after_the_sla(
        app: App, clock: FakeClock) -> None:
    telegram, _vk = recorders(app)
    sla = app.config.app.community[0].complaints.sla
    await app.pipeline.process(report(user="5", target="80"))
    await app.pipeline.process(report(user="6", target="81"))
    await app.pipeline.process(message("/take 2", user=MODERATOR, chat=QUEUE))
    clock.advance(sla - timedelta(minutes=1))
    await app.pipeline.tick()
    assert len(telegram.of(NotifyQueue)) == 2  # just the two cards
    clock.advance(timedelta(minutes=2))
    await app.pipeline.tick()
    await app.pipeline.tick()
    overdue = [a for a in telegram.of(NotifyQueue) if a.text.key == "complaints.sla_overdue"]
    assert len(overdue) == 1
    assert overdue[0].queue == QUEUE and overdue[0].text.params["number"] == 1
    assert "31m" in render(app, overdue[0].text)
    assert (await ticket(app, 1)).sla_announced

    await app.pipeline.process(message("/resolve 1", user=MODERATOR, chat=QUEUE))
    await app.pipeline.process(message("/reopen 1", user=MODERATOR, chat=QUEUE))
    clock.advance(sla)
    await app.pipeline.tick()
    overdue = [a for a in telegram.of(NotifyQueue) if a.text.key == "complaints.sla_overdue"]
    assert [a.text.params["number"] for a in overdue] == [1, 1]  # reopened: the clock restarts


async def test_queue_lists_open_tickets_oldest_first(app: App, clock: FakeClock) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(report(user="5", target="80"))
    clock.advance(timedelta(minutes=10))
    await app.pipeline.process(report(user="6", target="81"))
    await app.pipeline.process(report(user="7", target="82"))
    await app.pipeline.process(message("/reject 2", user=MODERATOR, chat=QUEUE))
    await app.pipeline.process(message("/queue", user=MODERATOR, chat=TG_GROUP))
    listing = [a for a in telegram.of(SendMessage) if a.text.key == "complaints.queue_list"]
    text = render(app, listing[0].text)
    assert text.index("#1 · 10m") < text.index("#3 · 0s")
    assert "#2" not in text and "Open tickets: 2" in text


def test_modbot_queue_lists_tickets(basic_config: LoadedConfig, clock: FakeClock,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    async def file_tickets() -> None:
        app = await create_app(basic_config, clock=clock, instance_id="cli")
        try:
            recorders(app)
            await app.pipeline.process(report("spam", user="5", target="80"))
            await app.pipeline.process(report(user="6", target="81"))
            await app.pipeline.process(message("/resolve 2", user=MODERATOR, chat=QUEUE))
        finally:
            await app.close()

    asyncio.run(file_tickets())
    capsys.readouterr()

    def run(*argv: str) -> tuple[int, list[str], str]:
        code = main(["queue", "--config", str(basic_config.path), *argv])
        captured = capsys.readouterr()
        return code, captured.out.splitlines(), captured.err

    code, lines, _err = run("--community", "demo")
    assert code == 0
    assert lines[0].startswith("#1\tnew\t") and lines[-1] == "1 ticket(s)"
    columns = lines[0].split("\t")
    assert columns[6] == "telegram:66" and columns[-2:] == ["reporter=telegram:5", "reason=spam"], columns
    code, lines, _err = run("--community", "demo", "--state", "all")
    assert [line.split("\t")[0] for line in lines[:-1]] == ["#1", "#2"]
    code, lines, err = run("--community", "nope")
    assert code == 1 and "no community named 'nope'" in err

"""Filing reports: /report and private complaints, merging, the rate limit, the abuse guard."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from helpers_complaints import (
    MODERATOR,
    QUEUE,
    TG_GROUP,
    VK_CHAT,
    message,
    private,
    recorders,
    render,
    report,
    ticket,
    tickets,
)

from bot.app import App, create_app
from bot.config import load_config
from bot.core.actions import NotifyQueue, SendMessage
from bot.core.chats import ChatRef
from bot.core.clock import FakeClock


def acks(actions: list, chat: ChatRef = TG_GROUP) -> list[SendMessage]:
    return [a for a in actions if isinstance(a, SendMessage) and a.chat == chat]


async def test_report_files_a_ticket_with_a_card_and_one_self_deleting_ack(app: App) -> None:
    telegram, _vk = recorders(app)
    event = message("/report spam links", user="5", reply_to="77", reply_author="66",
                    reply_text="buy cheap stuff", link="https://t.me/c/1/78")
    await app.pipeline.process(event)
    stored = await ticket(app, 1)
    assert (stored.chat, stored.message_id, stored.reported_user, stored.reporter) == (
        "telegram:-1001", "77", "telegram:66", "telegram:5")
    assert stored.card_state == "delivered"
    [card] = telegram.cards()
    assert card.queue == QUEUE
    shown = render(app, card.text)
    for part in ("#1", "demo", "telegram:-1001", "user5", "user66", "buy cheap stuff",
                 "https://t.me/c/1/78", "spam links", "new", "reports: 1"):
        assert part in shown, part
    assert [b.data for row in card.buttons for b in row] == [
        f"t:{k}:{stored.id}" for k in ("claim", "resolve", "reject", "del", "ban")]
    [ack] = acks(telegram.actions)
    assert ack.text.key == "complaints.ack" and ack.text.params["number"] == 1
    assert ack.reply_to == event.message_id
    assert ack.delete_after == app.config.app.community[0].complaints.ack_ttl


async def test_tickets_are_numbered_per_community(app: App) -> None:
    recorders(app)
    for target in ("71", "72", "73"):
        await app.pipeline.process(report(target=target))
    assert [t.number for t in await tickets(app)] == [1, 2, 3]


async def test_report_without_reply_gets_usage_and_no_ticket(app: App) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(message("/report", user="5"))
    assert [a.text.key for a in acks(telegram.actions)] == ["complaints.report_usage"]
    assert await tickets(app) == []


async def test_reporting_ones_own_message_is_refused_without_a_ticket(app: App) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(message("/report", user="5", reply_to="77", reply_author="5",
                                       reply_text="my own words"))
    assert [a.text.key for a in acks(telegram.actions)] == ["complaints.report_own"]
    assert await tickets(app) == []


async def test_vk_bang_report_works(app: App) -> None:
    telegram, vk = recorders(app)
    await app.pipeline.process(report("rude", chat=VK_CHAT, prefix="!"))
    assert (await ticket(app, 1)).chat == "vk:2000000001"
    assert len(telegram.cards()) == 1
    assert [a.text.key for a in acks(vk.actions, VK_CHAT)] == ["complaints.ack"]


async def test_private_complaint_in_one_message_and_in_two(app: App) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(private("/complaint the admin of the club was rude", user="8"))
    first = await ticket(app, 1)
    assert (first.chat, first.reporter, first.message_text) == (
        None, "telegram:8", "the admin of the club was rude")
    await app.pipeline.process(private("/complaint", user="9"))
    assert len(await tickets(app)) == 1
    await app.pipeline.process(private("someone is selling spam in the chat", user="9"))
    second = await ticket(app, 2)
    assert second.message_text == "someone is selling spam in the chat"
    await app.pipeline.process(private("and a follow-up question", user="9"))
    assert len(await tickets(app)) == 2  # the waiting state was used up
    keys = [a.text.key for a in telegram.of(SendMessage) if a.chat.is_private]
    assert keys == ["complaints.ack", "complaints.private_prompt", "complaints.ack"]
    cards = telegram.cards()
    assert len(cards) == 2 and "private message" in render(app, cards[0].text)
    assert [b.data for row in cards[0].buttons for b in row] == [
        f"t:claim:{first.id}", f"t:resolve:{first.id}", f"t:reject:{first.id}"]


async def test_waiting_for_a_complaint_expires(app: App, clock: FakeClock) -> None:
    recorders(app)
    await app.pipeline.process(private("/complaint", user="9"))
    clock.advance(timedelta(hours=2))
    await app.pipeline.process(private("hello?", user="9"))
    assert await tickets(app) == []


async def test_reports_on_one_message_merge_and_each_reporter_counts_once(app: App) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(report(user="5"))
    await app.pipeline.process(report(user="6"))
    await app.pipeline.process(report(user="7"))
    await app.pipeline.process(report(user="6"))
    [only] = await tickets(app)
    assert only.reporters_count == 3
    assert [a.text.key for a in acks(telegram.actions)] == [
        "complaints.ack", "complaints.ack_merged", "complaints.ack_merged",
        "complaints.ack_duplicate"]
    assert len(telegram.cards()) == 1
    edits = [a for a in telegram.actions if type(a).__name__ == "EditMessage"]
    assert len(edits) == 2 and "reports: 3" in render(app, edits[-1].text)
    async with app.uow_factory() as uow:
        audit = await uow.audit.since("demo", app.clock.now() - timedelta(days=1))
    assert [(r.action, r.actor, r.details.get("merged", False)) for r in audit] == [
        ("ticket.report", "telegram:5", False), ("ticket.report", "telegram:6", True),
        ("ticket.report", "telegram:7", True)]


async def test_a_closed_ticket_does_not_absorb_new_reports(app: App) -> None:
    recorders(app)
    await app.pipeline.process(report(user="5"))
    await app.pipeline.process(message("/resolve 1", user=MODERATOR, chat=QUEUE))
    await app.pipeline.process(report(user="6"))
    assert [t.number for t in await tickets(app)] == [1, 2]


async def test_rate_limit_per_reporter(app: App, clock: FakeClock) -> None:
    telegram, _vk = recorders(app)
    limit = app.config.app.community[0].complaints.rate_limit
    for n in range(limit + 1):
        await app.pipeline.process(report(user="5", target=str(200 + n)))
    assert len(await tickets(app)) == limit
    assert acks(telegram.actions)[-1].text.key == "complaints.rate_limited"
    await app.pipeline.process(report(user="6", target="300"))  # others are unaffected
    assert len(await tickets(app)) == limit + 1
    clock.advance(app.config.app.community[0].complaints.rate_window)
    await app.pipeline.process(report(user="5", target="301"))
    assert len(await tickets(app)) == limit + 2


async def test_abusive_reporter_is_acknowledged_neutrally_and_ignored(app: App) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(report(user="5", target="80"))
    await app.pipeline.process(message("/abuse 1", user=MODERATOR, chat=QUEUE))
    await app.pipeline.process(report(user="5", target="81"))
    assert len(await tickets(app)) == 1
    assert acks(telegram.actions)[-1].text.key == "complaints.ack_neutral"
    assert len(telegram.cards()) == 1
    await app.pipeline.process(message("/unabuse telegram:5", user=MODERATOR, chat=QUEUE))
    await app.pipeline.process(report(user="5", target="82"))
    assert len(await tickets(app)) == 2
    queue_replies = [a.text.key for a in telegram.of(SendMessage) if a.chat == QUEUE]
    assert queue_replies == ["complaints.abuse_marked", "complaints.abuse_unmarked"]
    async with app.uow_factory() as uow:
        audit = await uow.audit.since("demo", app.clock.now() - timedelta(days=1))
    assert [(r.action, r.target) for r in audit if not r.action.startswith("ticket.")] == [
        ("reporter_abusive", "telegram:5"), ("reporter_trusted", "telegram:5")]
    # the two filed reports are in the audit; the one ignored while marked is not
    assert [r.details["ticket"] for r in audit if r.action == "ticket.report"] == [1, 2]


async def test_members_cannot_mark_abuse(app: App) -> None:
    recorders(app)
    await app.pipeline.process(report(user="5", target="80"))
    await app.pipeline.process(message("/abuse 1", user="6", chat=TG_GROUP))
    await app.pipeline.process(report(user="5", target="81"))
    assert len(await tickets(app)) == 2


async def test_report_against_a_moderator_is_marked(app: App) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(report(user="5", reported=MODERATOR))
    stored = await ticket(app, 1)
    assert stored.against_moderator
    [card] = telegram.cards()
    assert "about a moderator" in render(app, card.text)
    assert "t:ban:" not in str([b.data for row in card.buttons for b in row])


async def test_no_queue_tells_the_reporter_and_keeps_the_ticket(
        write_config: Callable[[str], Path], clock: FakeClock) -> None:
    from conftest import BASIC_CONFIG

    config = load_config(write_config(BASIC_CONFIG.replace('queue = "telegram:-2002"\n', "")))
    app = await create_app(config, clock=clock, instance_id="noq")
    try:
        telegram, _vk = recorders(app)
        await app.pipeline.process(report())
        assert [a.text.key for a in acks(telegram.actions)] == ["complaints.ack_no_queue"]
        assert not any(isinstance(a, NotifyQueue) for a in telegram.actions)
        assert (await ticket(app, 1)).card_state == "none"
    finally:
        await app.close()


async def test_at_admin_in_reply_files_a_report_with_the_rest_as_reason(app: App) -> None:
    """Rose's "@admin": members who never learnt /report call the admins by name."""
    telegram, _vk = recorders(app)
    event = message("@admin this is a scam", user="5", reply_to="77", reply_author="66",
                    reply_text="send me your card number")
    await app.pipeline.process(event)
    stored = await ticket(app, 1)
    assert (stored.reported_user, stored.reporter, stored.reason) == (
        "telegram:66", "telegram:5", "this is a scam")
    assert [a.text.key for a in acks(telegram.actions)] == ["complaints.ack"]


async def test_at_admins_inside_a_sentence_counts_and_lookalikes_do_not(app: App) -> None:
    recorders(app)
    await app.pipeline.process(message("look at this, @Admins!", user="5", reply_to="77",
                                       reply_author="66", reply_text="spam"))
    await app.pipeline.process(message("Scam again, please look @admin.", user="7",
                                       reply_to="79", reply_author="67", reply_text="scam"))
    assert len(await tickets(app)) == 2
    for text in ("ask @admin_bot", "mail admin@example.com", "@administration hello",
                 "write to @admin.ru"):
        await app.pipeline.process(message(text, user="6", reply_to="78", reply_author="66",
                                           reply_text="spam"))
    assert len(await tickets(app)) == 2


async def test_at_admin_without_reply_teaches_report_and_files_nothing(app: App) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(message("@admin help", user="5"))
    assert [a.text.key for a in acks(telegram.actions)] == ["complaints.report_usage"]
    assert await tickets(app) == []

"""Only moderators work tickets (commands and buttons); card actions hit the right network."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers_complaints import (
    MODERATOR,
    QUEUE,
    TG_GROUP,
    VK_CHAT,
    message,
    press,
    recorders,
    report,
    ticket,
)

from bot.app import App
from bot.core.actions import AnswerCallback, Ban, DeleteMessage, EditMessage, SendMessage
from bot.core.chats import ChatRef, UserRef


@pytest.mark.parametrize("command", ["/take 1", "/resolve 1", "/reject 1 nope", "/queue"])
async def test_members_cannot_work_tickets_by_command(app: App, command: str) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(report(user="5"))
    await app.pipeline.process(message(command, user="6", chat=TG_GROUP))
    assert (await ticket(app, 1)).state == "new"
    refusals = [a for a in telegram.of(SendMessage) if a.text.key == "common.not_moderator"]
    assert len(refusals) == 1
    assert not telegram.of(EditMessage)


@pytest.mark.parametrize("kind", ["claim", "resolve", "reject", "del", "ban"])
async def test_members_cannot_press_card_buttons(app: App, kind: str) -> None:
    telegram, vk = recorders(app)
    await app.pipeline.process(report(user="5"))
    tid = (await ticket(app, 1)).id
    await app.pipeline.process(press(f"t:{kind}:{tid}", user="6"))
    [answer] = telegram.of(AnswerCallback)
    assert answer.text.key == "common.not_moderator" and answer.alert
    assert (await ticket(app, 1)).state == "new"
    assert not telegram.of(EditMessage) + telegram.of(Ban) + telegram.of(DeleteMessage)
    assert not vk.actions


async def test_admin_of_the_queue_chat_counts_as_moderator(app: App) -> None:
    recorders(app)

    class Admins:
        async def admin_ids(self, chat: ChatRef) -> frozenset[str]:
            return frozenset({"31"}) if chat == QUEUE else frozenset()

    app.admin_cache.set_source(Admins())
    await app.pipeline.process(report(user="5"))
    tid = (await ticket(app, 1)).id
    await app.pipeline.process(press(f"t:claim:{tid}", user="31"))
    assert (await ticket(app, 1)).claimed_by == "telegram:31"


async def test_buttons_outside_the_communitys_chats_are_refused(app: App) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(report(user="5"))
    tid = (await ticket(app, 1)).id
    await app.pipeline.process(press(f"t:claim:{tid}", chat=ChatRef("telegram", "-777")))
    assert telegram.of(AnswerCallback)[-1].text.key == "complaints.button_unknown"
    assert (await ticket(app, 1)).state == "new"


async def test_delete_and_ban_buttons_act_where_the_message_lives_and_are_audited(
        app: App) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(report(user="5", target="77", reported="66"))
    tid = (await ticket(app, 1)).id
    await app.pipeline.process(press(f"t:del:{tid}"))
    await app.pipeline.process(press(f"t:ban:{tid}"))
    assert telegram.of(DeleteMessage)[0] == DeleteMessage(TG_GROUP, "77", None, ref="ticket-delete:1")
    assert telegram.of(Ban) == [Ban(TG_GROUP, UserRef("telegram", "66"), None, ref="ticket-ban:1")]
    async with app.uow_factory() as uow:
        audit = await uow.audit.since("demo", app.clock.now() - timedelta(days=1))
    assert [(r.action, r.actor, r.target, r.chat) for r in audit] == [
        ("ticket.report", "telegram:5", "telegram:66", "telegram:-1001"),
        ("delete", "telegram:900", "telegram:66", "telegram:-1001"),
        ("ban", "telegram:900", "telegram:66", "telegram:-1001"),
        ("ticket.resolve", "telegram:900", "telegram:66", "telegram:-1001"),
    ]
    assert [a.text.key for a in telegram.of(AnswerCallback)] == [
        "complaints.done_del", "complaints.done_ban"]
    assert len(telegram.of(DeleteMessage)) == 1  # the ban does not delete the message again
    assert (await ticket(app, 1)).state == "resolved"


async def test_ban_button_refuses_to_ban_a_moderator(app: App) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(report(user="5", reported=MODERATOR))
    tid = (await ticket(app, 1)).id
    await app.pipeline.process(press(f"t:ban:{tid}"))
    assert not telegram.of(Ban)
    assert telegram.of(AnswerCallback)[-1].text.key == "complaints.refused_protected"


async def test_vk_report_goes_to_the_telegram_queue_and_ban_acts_on_vk(app: App) -> None:
    telegram, vk = recorders(app)
    await app.pipeline.process(report("scam", user="3001", chat=VK_CHAT, target="45",
                                      reported="4002", prefix="!"))
    [card] = telegram.cards()
    assert card.queue == QUEUE
    assert not vk.cards()
    stored = await ticket(app, 1)
    assert stored.card_chat == "telegram:-2002" and stored.card_message_id is not None
    await app.pipeline.process(press(f"t:ban:{stored.id}"))
    # "Ban author" also deletes the message and closes the ticket, telling the reporter
    assert vk.of(Ban) == [Ban(VK_CHAT, UserRef("vk", "4002"), None, ref="ticket-ban:1")]
    assert vk.of(DeleteMessage) == [DeleteMessage(VK_CHAT, "45", None, ref="ticket-delete:1")]
    assert not telegram.of(Ban)
    assert (await ticket(app, 1)).state == "resolved"
    outcome = [a for a in vk.of(SendMessage) if a.chat == ChatRef("vk", "3001")]
    assert len(outcome) == 1 and outcome[0].text.key == "complaints.outcome_resolved"
    # a stale card's button does nothing twice
    await app.pipeline.process(press(f"t:del:{stored.id}"))
    assert len(vk.of(DeleteMessage)) == 1
    answers = telegram.of(AnswerCallback)
    assert len(answers) == 2 and answers[1].text.key == "complaints.refused_closed"


async def test_ban_button_bans_a_channel_sender_as_a_sender_chat(app: App) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(report(user="5", reported="-1005550"))
    await app.pipeline.process(press(f"t:ban:{(await ticket(app, 1)).id}"))
    assert telegram.of(Ban) == [Ban(TG_GROUP, UserRef("telegram", "-1005550"), None,
                                    sender_chat=True, ref="ticket-ban:1")]


async def test_reject_or_resolve_while_the_cards_ban_is_on_its_way_is_refused(app: App) -> None:
    """Ban author and Reject pressed in the same second: the reporter must not hear "no
    action" about an author being banned; the ban decides the ticket when it lands."""
    from bot.core.complaints.desk import act_on_message, work
    from bot.core.complaints.lifecycle import TicketAction

    recorders(app)
    await app.pipeline.process(report(user="5", target="77", reported="66"))
    community = app.config.app.community[0]
    async with app.uow_factory() as uow:
        first = await ticket(app, 1)
        banned = await act_on_message(uow, community, first, "ban", "telegram:900",
                                      app.clock.now())
        assert banned.refused is None
        for action in (TicketAction.REJECT, TicketAction.RESOLVE):
            late = await work(uow, community, first, action, "telegram:901", "", app.clock.now())
            assert late.refused == "ban_pending"
        await uow.commit()
    assert (await ticket(app, 1)).state == "new"

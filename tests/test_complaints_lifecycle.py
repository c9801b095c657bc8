"""Ticket lifecycle: new → claimed → resolved/rejected → reopened, by command and by button."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from helpers_complaints import (
    MODERATOR,
    QUEUE,
    TG_GROUP,
    Recorder,
    history,
    message,
    press,
    recorders,
    render,
    report,
    ticket,
)

from bot.app import App, create_app
from bot.config import load_config
from bot.core.actions import (
    ActionResult,
    AnswerCallback,
    AnyAction,
    Ban,
    EditMessage,
    NotifyQueue,
    SendMessage,
)
from bot.core.chats import ChatRef, UserRef
from bot.core.clock import FakeClock
from bot.core.complaints.cards import card_text
from bot.core.complaints.lifecycle import (
    Moved,
    Refused,
    TicketAction,
    TicketState,
    transition,
)
from bot.core.events import Author, IncomingMessage, ReplyTarget, SenderKind
from bot.runtime.executor import TransientError

N, C, RS, RJ = TicketState.NEW, TicketState.CLAIMED, TicketState.RESOLVED, TicketState.REJECTED


@pytest.mark.parametrize(("state", "action", "claimed_by", "expected"), [
    (N, TicketAction.CLAIM, None, Moved(C, "a")),
    (C, TicketAction.CLAIM, "b", Moved(C, "a")),  # takeover
    (C, TicketAction.CLAIM, "a", Refused("already_yours")),
    (N, TicketAction.RESOLVE, None, Moved(RS, "a")),  # resolve straight from new
    (C, TicketAction.RESOLVE, "b", Moved(RS, "a")),  # the card names who closed it
    (C, TicketAction.REJECT, "b", Moved(RJ, "a")),
    (RS, TicketAction.REJECT, "b", Refused("closed")),
    (RJ, TicketAction.CLAIM, "b", Refused("closed")),
    (RS, TicketAction.RESOLVE, "b", Refused("closed")),
    (RS, TicketAction.REOPEN, "b", Moved(N, None)),
    (RJ, TicketAction.REOPEN, "b", Moved(N, None)),
    (N, TicketAction.REOPEN, None, Refused("already_open")),
    (C, TicketAction.REOPEN, "b", Refused("already_open")),
    (C, TicketAction.RELEASE, "b", Moved(N, None)),  # a claim taken by mistake, given back
    (N, TicketAction.RELEASE, None, Refused("not_claimed")),
    (RS, TicketAction.RELEASE, "b", Refused("closed")),
])
def test_transition_table(state: TicketState, action: TicketAction, claimed_by: str | None,
                          expected: Moved | Refused) -> None:
    assert transition(state, action, "a", claimed_by) == expected


def mod(text: str, chat: ChatRef = QUEUE) -> object:
    return message(text, user=MODERATOR, chat=chat)


async def test_full_lifecycle_by_commands_is_stored_and_shown_on_the_card(app: App) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(report("insults"))
    card = telegram.cards()[0]
    assert "#1" in render(app, card.text)
    assert (await ticket(app, 1)).card_message_id == "500"

    await app.pipeline.process(mod("/take 1"))
    assert (await ticket(app, 1)).state == "claimed"
    await app.pipeline.process(mod("/resolve #1 removed the insult"))
    done = await ticket(app, 1)
    assert (done.state, done.claimed_by, done.resolution) == ("resolved", "telegram:900",
                                                             "removed the insult")
    await app.pipeline.process(mod("/reopen 1"))
    reopened = await ticket(app, 1)
    assert (reopened.state, reopened.claimed_by) == ("new", None)
    await app.pipeline.process(mod("/reject 1 not a violation"))
    assert (await ticket(app, 1)).state == "rejected"

    steps = [(e.action, e.actor, e.note) for e in await history(app, 1)]
    assert steps == [
        ("opened", "telegram:5", "insults"),
        ("claim", "telegram:900", ""),
        ("resolve", "telegram:900", "removed the insult"),
        ("reopen", "telegram:900", ""),
        ("reject", "telegram:900", "not a violation"),
    ]
    edits = telegram.of(EditMessage)
    assert len(edits) == 4
    assert all(e.chat == QUEUE and e.message_id == "500" for e in edits)
    assert "claimed by user900 (telegram:900)" in render(app, edits[0].text)
    assert "resolved" in render(app, edits[1].text) and "removed the insult" in render(
        app, edits[1].text)
    assert [b.data for row in edits[1].buttons for b in row] == [f"t:reopen:{done.id}"]
    assert "rejected" in render(app, edits[3].text)


async def test_reporter_is_told_the_outcome_privately(app: App) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(report(user="5"))
    await app.pipeline.process(report(user="6"))
    await app.pipeline.process(mod("/resolve 1 banned them"))
    private = [a for a in telegram.of(SendMessage) if a.chat.chat_id in ("5", "6")]
    assert sorted(a.chat.chat_id for a in private) == ["5", "6"]
    rendered = render(app, private[0].text)
    assert "#1" in rendered and "resolved" in rendered and "banned them" in rendered


async def test_a_reporter_who_is_a_chat_gets_no_public_outcome_notice(app: App) -> None:
    """An anonymous admin reports as the group itself: its "private" notice would be public."""
    telegram, _vk = recorders(app)
    await app.pipeline.process(report(user="-1001"))
    await app.pipeline.process(mod("/resolve 1"))
    outcomes = [a for a in telegram.of(SendMessage)
                if a.text.key.startswith("complaints.outcome_")]
    assert outcomes == []


async def test_failed_outcome_notice_is_harmless(app: App) -> None:
    telegram, _vk = recorders(app)
    original = telegram.execute

    async def refuse_private(action):  # the reporter never started the bot
        from bot.core.actions import ActionResult
        if isinstance(action, SendMessage) and action.chat == ChatRef("telegram", "5"):
            return ActionResult(ok=False, error="Forbidden: bot can't initiate", permanent=True)
        return await original(action)

    telegram.execute = refuse_private  # type: ignore[method-assign]
    await app.pipeline.process(report(user="5"))
    await app.pipeline.process(mod("/reject 1"))
    assert (await ticket(app, 1)).state == "rejected"


async def test_illegal_transitions_are_refused_politely(app: App) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(report())
    await app.pipeline.process(mod("/reopen 1"))
    await app.pipeline.process(mod("/resolve 1"))
    await app.pipeline.process(mod("/reject 1"))
    await app.pipeline.process(mod("/take 1"))
    await app.pipeline.process(mod("/take 99"))
    await app.pipeline.process(mod("/take"))
    replies = [a.text.key for a in telegram.of(SendMessage) if a.chat == QUEUE]
    assert replies == [
        "complaints.refused_already_open", "complaints.done_resolve",
        "complaints.refused_closed", "complaints.refused_closed", "complaints.not_found",
        "complaints.usage",
    ]
    assert (await ticket(app, 1)).state == "resolved"


async def test_commands_work_in_the_community_chat_and_by_replying_to_the_card(app: App) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(report())
    await app.pipeline.process(mod("/take #1", chat=TG_GROUP))
    assert (await ticket(app, 1)).state == "claimed"
    reply_to_card = message("/resolve fixed", user=MODERATOR, chat=QUEUE, reply_to="500",
                            reply_author=None)
    await app.pipeline.process(reply_to_card)
    done = await ticket(app, 1)
    assert (done.state, done.resolution) == ("resolved", "fixed")
    in_chat = [a for a in telegram.of(SendMessage) if a.chat == TG_GROUP
               and a.text.key == "complaints.done_claim"]
    assert in_chat and in_chat[0].delete_after is not None  # notices clean themselves up


async def test_buttons_drive_the_lifecycle_and_answer_the_press(app: App) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(report())
    tid = (await ticket(app, 1)).id
    await app.pipeline.process(press(f"t:claim:{tid}"))
    await app.pipeline.process(press(f"t:reject:{tid}"))
    await app.pipeline.process(press(f"t:resolve:{tid}"))
    answers = telegram.of(AnswerCallback)
    assert [a.text.key for a in answers] == [
        "complaints.done_claim", "complaints.done_reject", "complaints.refused_closed"]
    assert answers[2].alert
    assert (await ticket(app, 1)).state == "rejected"
    await app.pipeline.process(press("t:claim:9999"))
    assert telegram.of(AnswerCallback)[-1].text.key == "complaints.button_unknown"


async def test_untake_gives_a_mistaken_claim_back_to_the_queue_and_the_reminder(
        app: App) -> None:
    """/take on the wrong ticket at 2 a.m.: /untake (or /release) returns it to "new", so the
    SLA reminder can still fire and another moderator picks it up."""
    telegram, _vk = recorders(app)
    await app.pipeline.process(report("insults"))
    await app.pipeline.process(mod("/take 1"))
    before = len(telegram.of(SendMessage))
    await app.pipeline.process(mod("/untake 1"))
    released = await ticket(app, 1)
    assert (released.state, released.claimed_by, released.sla_announced) == ("new", None, False)
    replies = [render(app, s.text) for s in telegram.of(SendMessage)[before:]]
    assert replies == ["Ticket #1 is back in the queue, unclaimed."], replies
    await app.pipeline.process(mod("/release 1"))
    replies = [render(app, s.text) for s in telegram.of(SendMessage)[before:]]
    assert replies[-1] == "Ticket #1 is not claimed by anyone.", replies
    assert ("release", "telegram:900", "") in [(e.action, e.actor, e.note)
                                              for e in await history(app, 1)]


class CardOnItsWay(Recorder):
    """The queue's network took the card but its answer (the card's message id) has not been
    stored yet: the first card send is reported as a transient failure and retried later."""

    def __init__(self) -> None:
        super().__init__("telegram", 500)
        self.held = False

    async def execute(self, action: AnyAction) -> ActionResult:
        if (not self.held and isinstance(action, NotifyQueue) and action.ref
                and action.ref.startswith("ticket-card:")):
            self.held = True
            raise TransientError("answer not stored yet", retry_after=60)
        return await super().execute(action)


def reply_to_bot(text: str, replied_text: str, replied_id: str = "4242",
                 kind: SenderKind = SenderKind.BOT) -> IncomingMessage:
    sent = message(text, user=MODERATOR, chat=QUEUE)
    by = Author(UserRef("telegram", "123456"), "modbot", kind=kind)
    return replace(sent, reply_to=ReplyTarget(message_id=replied_id, author=by,
                                              text=replied_text))


async def test_a_reply_to_a_card_whose_id_is_not_stored_yet_still_means_its_ticket(
        app: App) -> None:
    """The card went out from one network's loop and the moderator's reply is read by the
    other's a moment before the card's id is stored: "#N" on the card's first line says
    which ticket it is."""
    telegram = CardOnItsWay()
    app.router.add(telegram)
    await app.pipeline.process(report())
    assert (await ticket(app, 1)).card_message_id is None
    card = render(app, card_text(await ticket(app, 1)))
    await app.pipeline.process(reply_to_bot("/resolve spam", card))
    done = await ticket(app, 1)
    assert (done.state, done.resolution) == ("resolved", "spam")


@pytest.mark.parametrize("kind", [SenderKind.MEMBER, SenderKind.FORWARDED])
async def test_a_member_message_naming_a_ticket_is_not_its_card(app: App,
                                                                kind: SenderKind) -> None:
    telegram = CardOnItsWay()
    app.router.add(telegram)
    await app.pipeline.process(report())
    card = render(app, card_text(await ticket(app, 1)))
    await app.pipeline.process(reply_to_bot("/resolve spam", card, kind=kind))
    assert (await ticket(app, 1)).state == "new"


async def test_a_bot_message_naming_a_ticket_whose_card_is_known_is_not_its_card(
        app: App) -> None:
    """Once the card's id is stored, only that message (or a reminder that took over) is
    the card: an older message of the bot quoting "#1" is not."""
    telegram, _vk = recorders(app)
    await app.pipeline.process(report())
    assert (await ticket(app, 1)).card_message_id is not None
    card = render(app, card_text(await ticket(app, 1)))
    await app.pipeline.process(reply_to_bot("/resolve spam", card, replied_id="4242"))
    assert (await ticket(app, 1)).state == "new"
    assert telegram.of(SendMessage)[-1].text.key == "complaints.usage"


async def test_ban_in_reply_to_a_card_whose_id_is_not_stored_yet_bans_its_author(
        app: App) -> None:
    telegram = CardOnItsWay()
    app.router.add(telegram)
    await app.pipeline.process(report(reported="66"))
    card = render(app, card_text(await ticket(app, 1)))
    await app.pipeline.process(reply_to_bot("/ban 1d spam", card))
    bans = telegram.of(Ban)
    assert [(b.chat, b.user) for b in bans] == [(TG_GROUP, UserRef("telegram", "66"))]


async def test_two_claims_in_one_moment_the_second_is_told_a_later_one_takes_over(
        write_config: Callable[[str], Path], clock: FakeClock) -> None:
    """Two moderators press Claim on one card at 2 a.m.: the first was just told "Ticket #1 is
    yours", so the second press must not take it away from under them; it is told who holds
    it. A minute later the same press is a hand-over (the first may have gone to bed): the
    ticket moves, the new holder is told from whom, and the queue chat hears it."""
    from conftest import BASIC_CONFIG

    config = load_config(write_config(BASIC_CONFIG.replace(
        'moderators = ["telegram:900"]', 'moderators = ["telegram:900", "telegram:901"]')))
    app = await create_app(config, clock=clock, instance_id="race")
    try:
        telegram, _vk = recorders(app)
        await app.pipeline.process(report("spam"))
        tid = (await ticket(app, 1)).id
        await app.pipeline.process(press(f"t:claim:{tid}"))
        await app.pipeline.process(press(f"t:claim:{tid}", user="901"))
        answers = [render(app, a.text) for a in telegram.of(AnswerCallback)]
        assert answers == ["Ticket #1 is yours.",
                           "user900 just claimed ticket #1. To take it over, claim it "
                           "again in a minute."], answers
        assert (await ticket(app, 1)).claimed_by == "telegram:900"

        clock.advance(timedelta(seconds=59))
        await app.pipeline.process(message("/take 1", user="901", chat=QUEUE))
        assert (await ticket(app, 1)).claimed_by == "telegram:900"

        clock.advance(timedelta(seconds=2))
        before = len(telegram.of(SendMessage))
        await app.pipeline.process(message("/take 1", user="901", chat=QUEUE))
        assert (await ticket(app, 1)).claimed_by == "telegram:901"
        said = [render(app, s.text) for s in telegram.of(SendMessage)[before:]]
        assert "Ticket #1 is yours now: you took it over from user900." in said, said
        assert [t for t in said if "took it over from user900" in t and "user901" in t], said
        steps = [(e.action, e.actor) for e in await history(app, 1)]
        assert steps == [("opened", "telegram:5"), ("claim", "telegram:900"),
                         ("claim", "telegram:901")], steps
    finally:
        await app.close()

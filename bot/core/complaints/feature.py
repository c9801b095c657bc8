"""ComplaintsFeature: the Core's entry points for the human queue.

Members report with `/report [reason]` (in reply, in a community chat; `!report` on VK) or in a
private chat with `/complaint text` (or `/complaint`, then the text as the next message).
Moderators work tickets with buttons on the queue card or with `/take N`, `/resolve N [note]`,
`/reject N [reason]`, `/reopen N`, list them with `/queue`, and mark a reporter whose reports
should be ignored with `/abuse N` (the reporter of #N, or a user like telegram:123; undo with
`/unabuse`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.core.actions import (
    ActionResult,
    AnswerCallback,
    AnyAction,
    EditMessage,
    NotifyQueue,
    SendMessage,
)
from bot.core.chats import ChatRef, ChatRefError, UserRef
from bot.core.commands import CommandSpec, ParsedCommand, Where, parse_command
from bot.core.complaints.cards import card_buttons, card_text, parse_number, queue_text, sla_text
from bot.core.complaints.desk import (
    BAN_REF,
    CARD_REF,
    DELETE_REF,
    GONE_KEPT,
    GONE_PREFIX,
    NOTICE_REF,
    Worked,
    act_on_message,
    ban_settled,
    delete_settled,
    message_gone,
    ticket_of_card,
    tickets_of,
    work,
)
from bot.core.complaints.lifecycle import OPEN_STATES, TicketAction
from bot.core.complaints.ports import NewTicket, TicketRecord
from bot.core.complaints.reports import Filed, file_report
from bot.core.context import MessageContext
from bot.core.directory import Directory, Role
from bot.core.events import Author, CallbackPressed, ReplyTarget, SenderKind
from bot.core.feature import BaseFeature
from bot.core.permissions import Permissions
from bot.core.ports import UnitOfWork
from bot.core.settings import CommunitySettings
from bot.core.texts import Text

log = logging.getLogger(__name__)

FORGET_EVERY = timedelta(hours=1)
#: what records a platform's answer to a card's action on its ticket (desk.py)
Settle = Callable[[UnitOfWork, CommunitySettings, TicketRecord, ActionResult, datetime],
                  Awaitable[list[AnyAction]]]
CARDS_RESENT_EVERY = timedelta(hours=1)
AWAIT_WINDOW = timedelta(minutes=30)  # how long "/complaint" waits for the text that follows
QUEUE_SHOWN = 25
CALLBACK_PREFIX = "t:"
_LIFECYCLE = {action.value: action for action in TicketAction}

CommandHandler = Callable[[MessageContext, ParsedCommand], Awaitable[list[AnyAction]]]


def _await_key(ctx: MessageContext) -> str:
    return f"complaints:await:{ctx.community.name}:{ctx.event.author.ref}"


# Replies that repeat themselves when a member insists (said once per refusal_cooldown).
_SAID_ONCE = frozenset({"complaints.ack_duplicate", "complaints.rate_limited",
                        "complaints.ack_neutral", "complaints.report_usage",
                        "complaints.report_own"})


async def _said(ctx: MessageContext, key: str, ttl: timedelta | None,
                **params: Any) -> list[AnyAction]:
    """The reply ``key``; one of ``_SAID_ONCE`` at most once per member and refusal_cooldown."""
    if key in _SAID_ONCE:
        said = f"report-said:{ctx.community.name}:{ctx.event.author.ref}:{key}"
        last = await ctx.uow.state.get(said)
        cooldown = ctx.community.moderation.refusal_cooldown
        if last and ctx.now - datetime.fromisoformat(last) < cooldown:
            return []
        await ctx.uow.state.put(said, ctx.now.isoformat(), ctx.now)
    return [ctx.reply(key, delete_after=ttl, **params)]


class ComplaintsFeature(BaseFeature):
    name = "complaints"

    def __init__(self, directory: Directory, permissions: Permissions) -> None:
        self._directory = directory
        self._permissions = permissions
        self._forgot_at: datetime | None = None
        self._cards_resent_at: datetime | None = None

    def commands(self) -> Sequence[CommandSpec]:
        member = Where.CHAT | Where.PRIVATE
        return (
            CommandSpec("report", self._report, moderator_only=False, where=member,
                        aliases=("complaint",), runs_when_removed=True, budgeted=False),
            CommandSpec("cancel", self._cancel, moderator_only=False, where=Where.PRIVATE),
            CommandSpec("take", self._lifecycle(TicketAction.CLAIM), aliases=("claim",)),
            CommandSpec("resolve", self._lifecycle(TicketAction.RESOLVE)),
            CommandSpec("reject", self._lifecycle(TicketAction.REJECT)),
            CommandSpec("reopen", self._lifecycle(TicketAction.REOPEN)),
            CommandSpec("untake", self._lifecycle(TicketAction.RELEASE),
                        aliases=("release", "unclaim")),
            CommandSpec("queue", self._queue, aliases=("tickets",)),
            CommandSpec("abuse", self._abuse),
            CommandSpec("unabuse", self._unabuse),
        )

    # --- reporting -------------------------------------------------------------------------

    async def _report(self, ctx: MessageContext, cmd: ParsedCommand) -> list[AnyAction]:
        if ctx.role is Role.PRIVATE:
            if not cmd.args and ctx.event.reply_to is None:
                await ctx.uow.state.put(_await_key(ctx), ctx.now.isoformat(), ctx.now)
                return [ctx.reply("complaints.private_prompt")]
            return await self._private_complaint(ctx, cmd.args)
        target = ctx.event.reply_to
        ttl = ctx.community.complaints.ack_ttl
        if target is None:
            return await _said(ctx, "complaints.report_usage", ttl)
        event = ctx.event
        reported = target.author
        if reported is not None and reported.ref == event.author.ref:
            return await _said(ctx, "complaints.report_own", ttl)
        against = reported is not None and await self._against_moderator(ctx, reported)
        # A bot's message (ours above all: a prank report on the /help answer) may be reported
        # and deleted, but a bot is nobody to ban: without an author the card offers no Ban.
        banable = reported is not None and reported.kind is not SenderKind.BOT
        report = NewTicket(
            community=ctx.community.name, source_event=event.event_id,
            reporter=str(event.author.ref), reporter_name=event.author.card_name,
            reason=cmd.args, message_text=target.text or _media_text(target),
            chat=str(event.chat), message_id=target.message_id, thread_id=event.thread_id,
            message_link=target.link or event.link,
            reported_user=str(reported.ref) if reported and banable else None,
            reported_name=reported.card_name if reported else "",
            against_moderator=against, chat_title=event.chat_title,
        )
        filed = await file_report(ctx.uow, ctx.community, report, ctx.now)
        return await self._acknowledged(ctx, filed, ttl)

    async def _cancel(self, ctx: MessageContext, cmd: ParsedCommand) -> list[AnyAction]:
        """A member who sent a bare /complaint changes their mind: the prompt is withdrawn and
        nothing goes to the moderators (/cancel, as in every step-by-step bot dialogue)."""
        key = _await_key(ctx)
        waiting = await ctx.uow.state.get(key)
        if not waiting or ctx.now - datetime.fromisoformat(waiting) > AWAIT_WINDOW:
            return [ctx.reply("complaints.nothing_to_cancel")]
        await ctx.uow.state.put(key, "", ctx.now)
        return [ctx.reply("complaints.private_cancelled")]

    async def _against_moderator(self, ctx: MessageContext, reported: Author,
                                 chat: ChatRef | None = None) -> bool:
        """A moderator, or a sender speaking for the owners: an anonymous admin, the group's
        linked channel (its posts and comments). Their cards offer no Ban."""
        where = chat or ctx.event.chat
        if reported.kind is SenderKind.BOT:
            return False
        if await self._permissions.is_moderator(ctx.community, where, reported):
            return True
        return reported.kind is not SenderKind.MEMBER and await self._permissions.is_protected(
            ctx.community, where, reported)

    async def _private_complaint(self, ctx: MessageContext, text: str) -> list[AnyAction]:
        """A complaint written to the bot; with a forwarded message (VK's way to point at one
        from a private dialog) the ticket is about that message and its author."""
        event = ctx.event
        target = event.reply_to
        if target is not None and target.chat is not None:
            owner = self._directory.place(target.chat).community
            if owner is not None and owner is not ctx.community:
                # the forwarded message is another community's (the reporter was last seen
                # there): its moderators must get the ticket, merged with reports there
                ctx = replace(ctx, community=owner)
        if target is not None:
            reported = target.author
            origin = target.chat if target.chat in ctx.community.chats else None
            report = NewTicket(
                community=ctx.community.name, source_event=event.event_id,
                reporter=str(event.author.ref), reporter_name=event.author.card_name,
                reason=text, message_text=target.text or _media_text(target),
                chat=str(origin) if origin else None,
                message_id=target.message_id if origin else None,
                message_link=target.link,
                reported_user=(str(reported.ref) if reported is not None
                               and reported.kind is not SenderKind.BOT else None),
                reported_name=reported.card_name if reported else "",
                against_moderator=reported is not None and origin is not None
                and await self._against_moderator(ctx, reported, origin),
            )
            filed = await file_report(ctx.uow, ctx.community, report, ctx.now)
            return await self._acknowledged(ctx, filed, None)
        report = NewTicket(
            community=ctx.community.name, source_event=event.event_id,
            reporter=str(event.author.ref), reporter_name=event.author.card_name,
            reason="", message_text=text, message_link=event.link,
        )
        filed = await file_report(ctx.uow, ctx.community, report, ctx.now)
        return await self._acknowledged(ctx, filed, None)

    @staticmethod
    async def _acknowledged(ctx: MessageContext, filed: Filed,
                            ttl: timedelta | None) -> list[AnyAction]:
        """Exactly one acknowledgement per report (none for a redelivered one). "Already
        reported" and "too many reports" are said once per cooldown: thirty repeats of a
        report must not become thirty messages in the group."""
        if filed.ack is None:
            return list(filed.actions)
        return [*filed.actions, *await _said(ctx, filed.ack, ttl, **filed.params)]

    async def screen_command(self, ctx: MessageContext) -> list[AnyAction] | None:
        """Any command in private ends a bare `/complaint`'s wait: the member moved on
        (/faq, /help), and the message after it is not the complaint."""
        if ctx.role is not Role.PRIVATE or not await ctx.uow.state.get(_await_key(ctx)):
            return None
        command = parse_command(ctx.event.text, ctx.event.chat.platform)
        if command is None or command.name != "cancel":  # /cancel says what it cancelled
            await ctx.uow.state.put(_await_key(ctx), "", ctx.now)
        return None

    async def on_message(self, ctx: MessageContext) -> list[AnyAction] | None:
        """The text that follows a bare `/complaint` in a private chat becomes the complaint
        (a command, even one the bot does not know, is not: /stop files nothing)."""
        if ctx.role is not Role.PRIVATE:
            return None
        key = _await_key(ctx)
        since = await ctx.uow.state.get(key)
        if not since:
            return None
        await ctx.uow.state.put(key, "", ctx.now)
        if ctx.now - datetime.fromisoformat(since) > AWAIT_WINDOW:
            return None
        if parse_command(ctx.event.text, ctx.event.chat.platform) is not None:
            return None
        text = ctx.event.text.strip() or ("[photo]" if ctx.event.photo else "")
        if not text:
            return None
        return await self._private_complaint(ctx, text)

    # --- working tickets by command ----------------------------------------------------------

    async def _find(self, ctx: MessageContext, words: list[str]) -> tuple[TicketRecord | None,
                                                                          list[str], bool]:
        """The ticket named by `17`/`#17`, or by replying to its card; (ticket, rest, named)."""
        repo = tickets_of(ctx.uow)
        if words and (number := parse_number(words[0])) is not None:
            return await repo.by_number(ctx.community.name, number), words[1:], True
        target = ctx.event.reply_to
        if target is not None:
            ticket = await ticket_of_card(ctx.uow, ctx.configured_chat, target,
                                          ctx.community.name)
            if ticket is not None and ticket.community == ctx.community.name:
                return ticket, words, True
        return None, words, False

    def _say(self, ctx: MessageContext, key: str, **params: Any) -> SendMessage:
        """Confirmations stay in the queue chat but clean themselves up in community chats."""
        if ctx.role is Role.QUEUE:
            return ctx.reply(key, **params)
        return ctx.notice(key, **params)

    def _lifecycle(self, action: TicketAction) -> CommandHandler:
        async def handler(ctx: MessageContext, cmd: ParsedCommand) -> list[AnyAction]:
            ticket, rest, named = await self._find(ctx, cmd.words)
            if ticket is None:
                if named:
                    return [self._say(ctx, "complaints.not_found", number=cmd.words[0])]
                return [self._say(ctx, "complaints.usage", command=f"/{cmd.name}")]
            actor = str(ctx.event.author.ref)
            worked = await work(ctx.uow, ctx.community, ticket, action, actor, " ".join(rest),
                                ctx.now, ctx.event.author.display)
            return self._worked_reply(ctx, worked, action)
        return handler

    def _worked_reply(self, ctx: MessageContext, worked: Worked,
                      action: TicketAction) -> list[AnyAction]:
        number = worked.ticket.number
        if worked.refused is not None:
            return [self._say(ctx, f"complaints.refused_{worked.refused}", number=number,
                              who=_holder(worked.ticket))]
        if worked.taken_from:
            return [*worked.actions, self._say(ctx, "complaints.done_takeover", number=number,
                                               who=worked.taken_from)]
        return [*worked.actions, self._say(ctx, f"complaints.done_{action.value}", number=number)]

    async def _queue(self, ctx: MessageContext, cmd: ParsedCommand) -> list[AnyAction]:
        tickets = await tickets_of(ctx.uow).in_states(ctx.community.name, OPEN_STATES, 10_000)
        text = queue_text(tickets[:QUEUE_SHOWN], len(tickets), ctx.now)
        # In a community chat members can read along, so the list does not stay there.
        ttl = None if ctx.role is Role.QUEUE else ctx.community.moderation.notice_ttl
        return [SendMessage(ctx.chat, text, ctx.lang, reply_to=ctx.event.message_id,
                            thread_id=ctx.event.thread_id, delete_after=ttl)]

    async def _abuse_target(self, ctx: MessageContext,
                            cmd: ParsedCommand) -> tuple[str | None, int | None]:
        """`/abuse 17` (the reporter of #17), `/abuse telegram:123`, or in reply to a card."""
        words = cmd.words
        if words and ":" in words[0]:
            try:
                return str(UserRef.parse(words[0])), None
            except ChatRefError:
                return None, None
        ticket, _rest, _named = await self._find(ctx, words)
        if ticket is None:
            return None, None
        return ticket.reporter, ticket.number

    def _abuse_miss(self, ctx: MessageContext, cmd: ParsedCommand) -> SendMessage:
        """A ticket number that matches nothing is "not found", like /take; else the usage."""
        if cmd.words and parse_number(cmd.words[0]) is not None:
            return self._say(ctx, "complaints.not_found", number=cmd.words[0])
        # the id example in the network the moderator is on (a VK-only community has no
        # telegram: ids)
        return self._say(ctx, "complaints.abuse_usage", platform=ctx.chat.platform)

    async def _abuse(self, ctx: MessageContext, cmd: ParsedCommand) -> list[AnyAction]:
        reporter, number = await self._abuse_target(ctx, cmd)
        if reporter is None:
            return [self._abuse_miss(ctx, cmd)]
        actor = str(ctx.event.author.ref)
        if not await tickets_of(ctx.uow).mark_abusive(ctx.community.name, reporter, actor,
                                                      ctx.now):
            return [self._say(ctx, "complaints.abuse_already", who=reporter)]
        audit = await ctx.audit("reporter_abusive", actor=actor, target=reporter,
                                reason=f"ticket #{number}" if number else "")
        return [*audit, self._say(ctx, "complaints.abuse_marked", who=reporter)]

    async def _unabuse(self, ctx: MessageContext, cmd: ParsedCommand) -> list[AnyAction]:
        reporter, _number = await self._abuse_target(ctx, cmd)
        if reporter is None:
            return [self._abuse_miss(ctx, cmd)]
        if not await tickets_of(ctx.uow).unmark_abusive(ctx.community.name, reporter):
            return [self._say(ctx, "complaints.abuse_not_marked", who=reporter)]
        actor = str(ctx.event.author.ref)
        audit = await ctx.audit("reporter_trusted", actor=actor, target=reporter)
        return [*audit, self._say(ctx, "complaints.abuse_unmarked", who=reporter)]

    # --- buttons on the card -----------------------------------------------------------------

    async def on_callback(self, event: CallbackPressed, uow: UnitOfWork,
                          now: datetime) -> list[AnyAction] | None:
        if not event.data.startswith(CALLBACK_PREFIX):
            return None
        _prefix, _sep, rest = event.data.partition(":")
        kind, _sep, raw_id = rest.partition(":")
        valid = raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= 9  # data can be forged
        ticket = await tickets_of(uow).get(int(raw_id)) if valid else None
        community = self._directory.by_name(ticket.community) if ticket else None
        # a queue Telegram upgraded to a supergroup presses from its new id
        pressed_in = self._directory.configured(event.chat)
        if ticket is None or community is None or not _near(community, ticket, pressed_in):
            placed = self._directory.place(event.chat).community
            lang = placed.language if placed is not None else self._directory.default_language
            return [_answer(event, "complaints.button_unknown", lang, alert=True)]
        lang = community.language
        # judged where the ticket is, unless pressed in the queue (community-wide): a side
        # group's admin forging a card button in their own group gains no power in the main one
        where = pressed_in if pressed_in == community.queue or ticket.chat is None \
            else ChatRef.parse(ticket.chat)
        if not await self._permissions.is_moderator(community, where, event.author):
            return [_answer(event, "common.not_moderator", lang, alert=True,
                            command=Text(f"complaints.btn_{_label(kind)}"))]
        actor = str(event.author.ref)
        if kind in _LIFECYCLE:
            action = _LIFECYCLE[kind]
            worked = await work(uow, community, ticket, action, actor, "", now,
                                event.author.display)
            done = f"complaints.done_{action.value}"
        elif kind in ("del", "ban"):
            # a ban closes the ticket when the platform confirms it (on_result); "Delete
            # message" alone is often a first step, so it leaves the ticket open
            worked = await act_on_message(uow, community, ticket, kind, actor, now,
                                          event.author.display, event.author.plain_name)
            done = f"complaints.done_{kind}"
        else:
            return [_answer(event, "complaints.button_unknown", lang, alert=True)]
        if worked.refused is not None:
            return [_answer(event, f"complaints.refused_{worked.refused}", lang, alert=True,
                            number=ticket.number, who=_holder(ticket))]
        if worked.taken_from:
            return [*worked.actions, _answer(event, "complaints.done_takeover", lang,
                                             number=ticket.number, who=worked.taken_from)]
        return [*worked.actions, _answer(event, done, lang, number=ticket.number)]

    # --- results and periodic work -----------------------------------------------------------

    async def on_result(self, ref: str, result: ActionResult, uow: UnitOfWork,
                        now: datetime) -> list[AnyAction]:
        if ref.startswith(NOTICE_REF):
            return [] if result.ok else await self._reporter_not_told(ref, result, uow)
        if ref.startswith(BAN_REF):
            return await self._settled(ref.removeprefix(BAN_REF), result, uow, now, ban_settled)
        if ref.startswith(DELETE_REF):
            return await self._settled(ref.removeprefix(DELETE_REF), result, uow, now,
                                       delete_settled)
        if not ref.startswith(CARD_REF) or not ref.removeprefix(CARD_REF).isdigit():
            return []
        repo = tickets_of(uow)
        ticket = await repo.get(int(ref.removeprefix(CARD_REF)))
        if ticket is None:
            return []
        if not (result.ok and result.message_id):
            log.error("event=complaints.card_failed community=%s ticket=%s error=%s",
                      ticket.community, ticket.number, result.error)
            await repo.save(_with_card(ticket, ticket.card_message_id, "failed"))
            return []
        stale = ticket.card_state == "stale"
        previous = ticket.card_message_id
        if previous and _earlier(result.message_id, previous) and ticket.card_chat:
            # the late result of an earlier send (a card sent twice around a crash or a
            # handover): the newer card stays the card; this copy keeps its text, no buttons
            await repo.retire_card(ticket.id, ticket.card_chat, result.message_id, now)
            community = self._directory.by_name(ticket.community)
            return [] if community is None else [EditMessage(
                ChatRef.parse(ticket.card_chat), result.message_id, card_text(ticket),
                community.language)]
        ticket = _with_card(ticket, result.message_id, "delivered")
        await repo.save(ticket)
        community = self._directory.by_name(ticket.community)
        if community is None or not ticket.card_chat:
            return []
        card_chat = ChatRef.parse(ticket.card_chat)
        out: list[AnyAction] = []
        if previous and previous != result.message_id:
            # a reminder took over as the card: the old one keeps its text, not its buttons,
            # and a reply to it still means this ticket
            await repo.retire_card(ticket.id, ticket.card_chat, previous, now)
            out.append(EditMessage(card_chat, previous, card_text(ticket), community.language))
        if stale:
            out.append(EditMessage(card_chat, result.message_id, card_text(ticket),
                                   community.language, card_buttons(ticket)))
        return out

    async def _settled(self, raw_id: str, result: ActionResult, uow: UnitOfWork,
                       now: datetime, settle: Settle) -> list[AnyAction]:
        """A card's ban or delete was answered: ``settle`` records it on its ticket."""
        ticket = await tickets_of(uow).get(int(raw_id)) if raw_id.isdigit() else None
        community = self._directory.by_name(ticket.community) if ticket else None
        if ticket is None or community is None:
            return []
        return await settle(uow, community, ticket, result, now)

    async def _reporter_not_told(self, ref: str, result: ActionResult,
                                 uow: UnitOfWork) -> list[AnyAction]:
        """The platform would not carry the outcome to the reporter (never wrote to the bot,
        blocked it; VK error 901 is the usual case): the queue hears it, so nobody believes
        the reporter was told."""
        ticket_id, _, reporter = ref.removeprefix(NOTICE_REF).partition(":")
        log.info("event=complaints.notice_failed ticket_id=%s error=%s", ticket_id, result.error)
        ticket = await tickets_of(uow).get(int(ticket_id)) if ticket_id.isdigit() else None
        community = self._directory.by_name(ticket.community) if ticket else None
        if ticket is None or community is None or community.queue is None:
            return []
        name = ticket.reporter_name if reporter == ticket.reporter else None
        if not name:
            # a reporter merged into the ticket later: named as the bot last saw them
            known = await uow.users.get(reporter)
            if known is not None:
                name = Author(UserRef.parse(reporter), known.name, known.username).display
        shown = f"{name} ({reporter})" if name else reporter
        return [NotifyQueue(community.queue, Text("complaints.reporter_not_told", {
            "number": ticket.number, "reporter": shown}), community.language)]

    async def on_gone(self, chat: ChatRef, message_id: str, uow: UnitOfWork,
                      now: datetime) -> list[AnyAction]:
        community = self._directory.place(chat).community
        if community is None:
            return []
        return await message_gone(uow, community, chat, message_id, now)

    async def tick(self, uow: UnitOfWork, now: datetime) -> list[AnyAction]:
        """Re-announce, once, each ticket nobody claimed within the community's SLA; hourly,
        forget the deleted messages no report will come about any more."""
        if self._forgot_at is None or now - self._forgot_at >= FORGET_EVERY:
            self._forgot_at = now
            await uow.state.forget(GONE_PREFIX, now - GONE_KEPT)
        repo = tickets_of(uow)
        out: list[AnyAction] = []
        if self._cards_resent_at is None or now - self._cards_resent_at >= CARDS_RESENT_EVERY:
            self._cards_resent_at = now
            out.extend(await self._resend_failed_cards(uow))
        for ticket in await repo.unannounced_new():
            community = self._directory.by_name(ticket.community)
            if community is None or community.queue is None:
                continue
            if now - ticket.opened_at < community.complaints.sla:
                continue
            announced = replace(ticket, sla_announced=True)
            await repo.save(announced)
            await repo.add_event(ticket.id, "sla_announced", "bot", "", now)
            log.warning("event=complaints.sla_overdue community=%s ticket=%s",
                        community.name, ticket.number)
            # the reminder becomes the ticket's card (the newest message in the queue is
            # where moderators act); the old card loses its buttons once it is delivered
            assert community.queue is not None
            out.append(NotifyQueue(community.queue, sla_text(announced, now), community.language,
                                   card_buttons(announced), ref=f"{CARD_REF}{ticket.id}"))
        return out


    async def _resend_failed_cards(self, uow: UnitOfWork) -> list[AnyAction]:
        """A card the queue chat refused (the bot was out of it, the token revoked, an outage
        longer than the retries) is sent again at the first tick after a start and hourly
        after, while its ticket is open: the owner's fix (a new token, the bot added back)
        brings the complaint to the queue without anyone remembering to ask for it."""
        repo = tickets_of(uow)
        out: list[AnyAction] = []
        for ticket in await repo.failed_cards():
            community = self._directory.by_name(ticket.community)
            if community is None or community.queue is None:
                continue
            moved = ticket.card_chat != str(community.queue)
            # a card in another chat (the owner moved the queue meanwhile) is not this one's
            ticket = replace(ticket, card_chat=str(community.queue), card_state="pending",
                             card_message_id=None if moved else ticket.card_message_id)
            await repo.save(ticket)
            log.info("event=complaints.card_resent community=%s ticket=%s", community.name,
                     ticket.number)
            out.append(NotifyQueue(community.queue, card_text(ticket), community.language,
                                   card_buttons(ticket), ref=f"{CARD_REF}{ticket.id}"))
        return out


def _near(community: CommunitySettings, ticket: TicketRecord, chat: ChatRef) -> bool:
    """Buttons work where the ticket's card lives: the queue (or the chat its card was posted
    in, should the queue have moved since)."""
    return chat == community.queue or str(chat) == ticket.card_chat


def _holder(ticket: TicketRecord) -> str:
    return ticket.claimed_name or ticket.claimed_by or "-"


def _label(kind: str) -> str:
    return {"del": "delete", "claim": "claim", "resolve": "resolve", "reject": "reject",
            "reopen": "reopen", "ban": "ban"}.get(kind, "claim")


def _answer(event: CallbackPressed, key: str, lang: str, *, alert: bool = False,
            **params: object) -> AnswerCallback:
    return AnswerCallback(event.callback_id, event.chat, Text(key, params), lang, alert)


def _with_card(ticket: TicketRecord, message_id: str | None, state: str) -> TicketRecord:
    return replace(ticket, card_message_id=message_id, card_state=state)


def _media_text(target: ReplyTarget) -> str:
    """What a reported message without text was, for the card: "[sticker 🖕]", "[photo]"."""
    if target.media:
        return f"[{target.media}]"
    return "[photo]" if target.photo else ""


def _earlier(message_id: str, than: str) -> bool:
    """Message ids grow within a chat (Telegram message ids, VK conversation ids)."""
    return message_id.isdigit() and than.isdigit() and int(message_id) < int(than)

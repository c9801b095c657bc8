"""Working a ticket: transitions and moderator actions, shared by text commands and buttons.

Every change is stored as a ticket event (who, what, when), and the queue card is edited in
place. A card whose message id has not come back yet (still in the outbox) is marked stale
instead, and `ComplaintsFeature.on_result` edits it as soon as the id is known.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.core import auditing
from bot.core.actions import ActionResult, AnyAction, Ban, DeleteMessage, EditMessage, SendMessage
from bot.core.chats import ChatRef, UserRef
from bot.core.complaints.cards import card_buttons, card_number, card_text
from bot.core.complaints.lifecycle import (
    OPEN_STATES,
    Moved,
    TicketAction,
    TicketState,
    transition,
)
from bot.core.complaints.ports import TicketRecord, TicketRepo
from bot.core.events import ReplyTarget, SenderKind
from bot.core.moderation.bans import NO_END, ban_end_in, is_banned_in
from bot.core.ports import UnitOfWork
from bot.core.records import AuditRecord
from bot.core.settings import CommunitySettings
from bot.core.texts import Text

log = logging.getLogger(__name__)

NOTICE_REF = "ticket-notice:"
CARD_REF = "ticket-card:"
BAN_REF = "ticket-ban:"
DELETE_REF = "ticket-delete:"
#: messages the bot deleted, so a report that comes after the delete files a card that says so
GONE_PREFIX = "gone:"
#: members report what they saw minutes ago, not days
GONE_KEPT = timedelta(days=2)
#: how long a pressed "Ban author" holds the button while the platform answers: the outbox
#: retries for minutes at most, and a crash must not leave the button refused for good
BAN_PATIENCE = timedelta(minutes=15)
#: a claim younger than this is not taken over: two moderators pressing Claim on one card in
#: the same moment are a race, not a hand-over, and the first was just told the ticket is theirs
CLAIM_SETTLE = timedelta(minutes=1)


def tickets_of(uow: UnitOfWork) -> TicketRepo:
    """The typed view of `uow.tickets` (the shared UnitOfWork port declares it as Any)."""
    repo: TicketRepo = uow.tickets
    return repo


@dataclass(frozen=True, slots=True)
class Worked:
    """The result of working a ticket: a refusal key, or the new ticket and its actions."""

    ticket: TicketRecord
    actions: list[AnyAction] = field(default_factory=list)
    refused: str | None = None
    taken_from: str = ""  # a claim that took the ticket over: who had held it


async def ticket_of_card(uow: UnitOfWork, chat: ChatRef, reply: ReplyTarget,
                         community: str) -> TicketRecord | None:
    """The ticket whose card a reply in the queue chat answers.

    A card's message id is stored when the network confirms the send, and a moderator can
    reply before that: the card went out from one network's loop and the reply is read by the
    other's a moment later. So a reply to the bot's own message whose first line names "#N"
    also means ticket N, while that ticket's card id in this chat is still unknown."""
    repo = tickets_of(uow)
    ticket = await repo.by_card(str(chat), reply.message_id)
    if ticket is not None:
        return ticket
    if reply.author is None or reply.author.kind is not SenderKind.BOT:
        return None
    number = card_number(reply.text)
    if number is None:
        return None
    ticket = await repo.by_number(community, number)
    if ticket is None or ticket.card_chat != str(chat) or ticket.card_message_id:
        return None
    return ticket


def card_refresh(ticket: TicketRecord, lang: str) -> tuple[TicketRecord, list[AnyAction]]:
    """Edit the delivered card, or remember that the queued one is out of date."""
    if ticket.card_chat and ticket.card_message_id:
        edit = EditMessage(ChatRef.parse(ticket.card_chat), ticket.card_message_id,
                           card_text(ticket), lang, card_buttons(ticket))
        return ticket, [edit]
    if ticket.card_state == "pending":
        return replace(ticket, card_state="stale"), []
    return ticket, []


def _ban(chat: ChatRef, reported: str, ref: str) -> Ban:
    """A Telegram author with a negative id posted as a channel: ban that sender chat."""
    user = UserRef.parse(reported)
    sender_chat = user.platform == "telegram" and user.user_id.startswith("-")
    return Ban(chat, user, None, sender_chat=sender_chat, ref=ref)


async def _outcome_notices(repo: TicketRepo, ticket: TicketRecord,
                           lang: str) -> list[AnyAction]:
    """Tell every reporter how their report ended; a platform may refuse (logged, fine)."""
    note = (Text("complaints.outcome_note", {"note": ticket.resolution})
            if ticket.resolution else Text.raw(""))
    text = Text(f"complaints.outcome_{ticket.state}", {"number": ticket.number, "note": note})
    notices: list[AnyAction] = []
    for reporter in await repo.reporters(ticket.id):
        chat = UserRef.parse(reporter).private_chat()
        if chat is None:
            continue
        notices.append(SendMessage(chat, text, lang,
                                   ref=f"{NOTICE_REF}{ticket.id}:{reporter}"))
    return notices


def _holder_name(ticket: TicketRecord, holder: str | None, actor: str, actor_name: str) -> str:
    if holder is None:
        return ""
    if holder == actor and holder != ticket.claimed_by:
        return actor_name
    return ticket.claimed_name


async def work(uow: UnitOfWork, community: CommunitySettings, ticket: TicketRecord,
               action: TicketAction, actor: str, note: str, now: datetime,
               actor_name: str = "") -> Worked:
    """Apply one lifecycle step, record it, refresh the card, notify reporters on closing."""
    outcome = transition(TicketState(ticket.state), action, actor, ticket.claimed_by)
    if not isinstance(outcome, Moved):
        if outcome.reason == "closed" and ticket.claimed_by not in (None, actor) \
                and now - ticket.updated_at < CLAIM_SETTLE:
            # a verdict race: the loser hears who decided and how, not an invitation to
            # reopen a ticket whose reporter was just told the outcome
            return Worked(ticket, refused=f"just_{ticket.state}")
        return Worked(ticket, refused=outcome.reason)
    if action is TicketAction.CLAIM and ticket.claimed_by not in (None, actor) \
            and now - ticket.updated_at < CLAIM_SETTLE:
        return Worked(ticket, refused="just_claimed")
    if action in (TicketAction.RESOLVE, TicketAction.REJECT) \
            and await _ban_pending(uow, ticket, now):
        # "Ban author" pressed a moment earlier decides the ticket when the network confirms
        # it: a Reject now would tell the reporter "no action" about a banned author
        return Worked(ticket, refused="ban_pending")
    if action is TicketAction.REJECT and await _author_banned_here(uow, ticket, now):
        # reopened after its "Ban author": "no action" would be untrue while the ban stands
        return Worked(ticket, refused="author_banned")
    repo = tickets_of(uow)
    changed = replace(ticket, state=outcome.state.value, claimed_by=outcome.claimed_by,
                      claimed_name=_holder_name(ticket, outcome.claimed_by, actor, actor_name),
                      updated_at=now)
    if action in (TicketAction.RESOLVE, TicketAction.REJECT):
        changed = replace(changed, resolution=note)
    elif action is TicketAction.REOPEN:
        changed = replace(changed, resolution="", opened_at=now, sla_announced=False)
        if ticket.chat and ticket.message_id and not ticket.message_deleted \
                and await was_deleted(uow, ticket.chat, ticket.message_id):
            # deleted while the ticket was closed (a /del after the verdict): the reopened
            # card must not offer to delete a message that is gone
            changed = replace(changed, message_deleted=True)
    elif action is TicketAction.RELEASE:
        changed = replace(changed, sla_announced=False)  # waiting again: remind again
    changed, actions = card_refresh(changed, community.language)
    await repo.save(changed)
    await repo.add_event(ticket.id, action.value, actor, note, now)
    # The audit names every step too, so `modbot audit` shows who worked which ticket.
    await uow.audit.add(AuditRecord(
        community=community.name, at=now, actor=actor, action=f"ticket.{action.value}",
        target=ticket.reported_user, chat=ticket.chat, reason=note,
        details={"ticket": ticket.number}))
    log.info("event=complaints.%s community=%s ticket=%s actor=%s", action.value,
             community.name, ticket.number, actor)
    if not TicketState(changed.state).is_open:
        actions += await _outcome_notices(repo, changed, community.language)
    taken_from = ""
    if action is TicketAction.CLAIM and ticket.claimed_by and ticket.claimed_by != actor:
        # Taking over keeps the queue moving when a moderator is away; the one who held the
        # ticket hears it in the queue chat instead of finding out from the card.
        taken_from = ticket.claimed_name or ticket.claimed_by
        if community.queue is not None:
            actions.append(SendMessage(community.queue, Text("complaints.taken_over", {
                "number": ticket.number, "who": actor_name or actor, "from": taken_from}),
                community.language))
    return Worked(changed, actions, taken_from=taken_from)


async def act_on_message(uow: UnitOfWork, community: CommunitySettings, ticket: TicketRecord,
                         kind: str, actor: str, now: datetime, actor_name: str = "",
                         audit_name: str = "") -> Worked:
    """"Delete message" / "Ban author" (which also deletes the message) from the card, on the
    network the message lives on (a VK complaint worked in a Telegram queue acts on VK). Both
    are audited. A ban resolves the ticket once the platform confirms it (``ban_settled``);
    until then the same button is refused, so two presses ban once. ``actor_name`` names the
    moderator on the card (their @handle on its own network), ``audit_name`` on the audit line
    (their name, as a typed command's line reads)."""
    if ticket.state not in OPEN_STATES:  # a stale card's button: the verdict was given
        return Worked(ticket, refused="closed")
    if not ticket.chat:
        return Worked(ticket, refused="no_message")
    chat = ChatRef.parse(ticket.chat)
    if chat not in community.chats:
        # the owner took the chat out of the config: the bot no longer acts there
        return Worked(ticket, refused="chat_gone")
    action: AnyAction
    if kind == "del":
        if not ticket.message_id:
            return Worked(ticket, refused="no_message")
        if ticket.message_deleted:  # a stale card's button: the message is gone already
            return Worked(ticket, refused="already_deleted")
        if await _delete_pending(uow, ticket, now):
            return Worked(ticket, refused="delete_pending")
        action = _delete(chat, ticket, ticket.message_id)
        audit_action = "delete"
    else:
        if not ticket.reported_user:
            return Worked(ticket, refused="no_author")
        if ticket.against_moderator:
            return Worked(ticket, refused="protected")
        action = _ban(chat, ticket.reported_user, f"{BAN_REF}{ticket.id}")
        audit_action = "ban"
    repo = tickets_of(uow)
    if kind == "ban":
        if await _ban_pending(uow, ticket, now):
            return Worked(ticket, refused="ban_pending")
        if await _author_banned_here(uow, ticket, now):
            # a reopened ticket: the ban it gave still runs; a second one would only add a
            # second record (and a delete of a message long gone)
            return Worked(ticket, refused="already_banned")
        if await ban_end_in(uow, chat, UserRef.parse(ticket.reported_user or ""), now) == NO_END:
            # a moderator's /ban (or another ticket's) without an end already holds: a second
            # ban would change nothing but add a second record to the audit
            message_left = bool(ticket.message_id) and not ticket.message_deleted
            return Worked(ticket, refused="banned_for_good_message_left" if message_left
                          else "banned_for_good")
        await uow.state.put(_ban_key(ticket), f"{now.isoformat()}|{actor}|{actor_name}", now)
    actions: list[AnyAction] = [action]
    if kind == "ban" and ticket.message_id and not ticket.message_deleted:
        # as with Rose's /dban the reported message goes with its author, unless already gone
        deleted = any(e.action in ("delete", "ban") for e in await repo.events(ticket.id))
        if not deleted:
            actions.append(_delete(chat, ticket, ticket.message_id))
    if isinstance(actions[-1], DeleteMessage):
        await uow.state.put(_delete_key(ticket), now.isoformat(), now)
    await repo.add_event(ticket.id, audit_action, actor, "", now)
    actions += await auditing.record(
        uow, community, now, audit_action, actor=actor, chat=ticket.chat,
        chat_title=ticket.chat_title, actor_name=audit_name or actor_name,
        target=ticket.reported_user, target_name=ticket.reported_name, reason=f"ticket #{ticket.number}",
        ticket=ticket.number, message_id=ticket.message_id or "")
    log.info("event=complaints.%s community=%s ticket=%s actor=%s chat=%s", audit_action,
             community.name, ticket.number, actor, ticket.chat)
    return Worked(ticket, actions)


async def _author_banned_here(uow: UnitOfWork, ticket: TicketRecord, now: datetime) -> bool:
    """The ticket's own "Ban author" went through and the ban still runs."""
    if not ticket.reported_user or not ticket.chat:
        return False
    events = [event.action for event in await tickets_of(uow).events(ticket.id)]
    if "ban" not in events or events[-1] == "ban_failed":
        return False
    return await is_banned_in(uow, ChatRef.parse(ticket.chat), UserRef.parse(ticket.reported_user),
                              now)


def _delete(chat: ChatRef, ticket: TicketRecord, message_id: str) -> DeleteMessage:
    """The reported message's delete, with a ref: its result marks the card (`delete_settled`)."""
    return DeleteMessage(chat, message_id, ticket.thread_id, ref=f"{DELETE_REF}{ticket.id}")


def _delete_key(ticket: TicketRecord) -> str:
    return f"{DELETE_REF}{ticket.id}"


async def _delete_pending(uow: UnitOfWork, ticket: TicketRecord, now: datetime) -> bool:
    """A card's delete is on its way (a second moderator, or a phone showing the old card,
    pressed too): one call is enough. Held no longer than ``BAN_PATIENCE``, as a ban is."""
    pending = await uow.state.get(_delete_key(ticket))
    return bool(pending) and now - datetime.fromisoformat(pending or "") < BAN_PATIENCE


async def message_gone(uow: UnitOfWork, community: CommunitySettings, chat: ChatRef,
                       message_id: str, now: datetime) -> list[AnyAction]:
    """Whoever deleted it (the filter, /del, /purge, the card), the message is gone: its
    ticket's card says so and stops offering "Delete message", and a report that comes later
    (the reporter's screen still showed it) files a card that says so from the start. A ticket
    closed in the same moment (/del and /resolve together) says so too: the platform confirms
    the delete after the verdict, and the closed card must not show the message as there."""
    await uow.state.put(_gone_key(chat, message_id), now.isoformat(), now)
    repo = tickets_of(uow)
    ticket = await repo.open_for_message(community.name, str(chat), message_id) \
        or await repo.latest_for_message(community.name, str(chat), message_id)
    if ticket is None or ticket.message_deleted:
        return []
    await repo.add_event(ticket.id, "message_gone", "", "", now)
    return await _marked_deleted(uow, community, ticket)


async def _marked_deleted(uow: UnitOfWork, community: CommunitySettings,
                          ticket: TicketRecord) -> list[AnyAction]:
    """Mark the ticket's message gone and show it on the card. The ticket is read again
    after the mark: what another result changed meanwhile (a ban resolving it) stays."""
    repo = tickets_of(uow)
    await repo.mark_message_deleted(ticket.id)
    fresh = await repo.get(ticket.id)
    if fresh is None:
        return []
    refreshed, actions = card_refresh(fresh, community.language)
    if refreshed != fresh:  # the card not delivered yet: marked stale, edited when it is
        await repo.save(refreshed)
    return actions


async def was_deleted(uow: UnitOfWork, chat: str, message_id: str) -> bool:
    """The bot deleted this message (within ``GONE_KEPT``)."""
    return bool(await uow.state.get(_gone_key(ChatRef.parse(chat), message_id)))


def _gone_key(chat: ChatRef, message_id: str) -> str:
    return f"{GONE_PREFIX}{chat}|{message_id}"


async def delete_settled(uow: UnitOfWork, community: CommunitySettings, ticket: TicketRecord,
                         result: ActionResult, now: datetime) -> list[AnyAction]:
    """The platform answered the card's delete: when it went (or the message was gone
    already), the card says so and stops offering "Delete message"; when it was refused
    (no right to delete, a VK message past its day), the button stays for another try and
    the failure itself is said where failures are (failures.py)."""
    await uow.state.put(_delete_key(ticket), "", now)
    repo = tickets_of(uow)
    if not result.ok:
        await repo.add_event(ticket.id, "delete_failed", "", result.error or "", now)
        return []
    if ticket.message_deleted:
        return []
    return await _marked_deleted(uow, community, ticket)


def _ban_key(ticket: TicketRecord) -> str:
    return f"{BAN_REF}{ticket.id}"


async def _ban_pending(uow: UnitOfWork, ticket: TicketRecord, now: datetime) -> bool:
    """A card's ban is on its way to the network (and not older than ``BAN_PATIENCE``, after
    which a lost answer no longer holds the ticket)."""
    pending = await uow.state.get(_ban_key(ticket))
    if not pending:
        return False
    return now - datetime.fromisoformat(pending.split("|", 2)[0]) < BAN_PATIENCE


async def ban_settled(uow: UnitOfWork, community: CommunitySettings, ticket: TicketRecord,
                      result: ActionResult, now: datetime) -> list[AnyAction]:
    """The platform answered the card's ban: only now is the ticket resolved and the reporter
    told. A refused ban (the bot lost its rights) leaves the ticket open with its buttons, so
    the next moderator does not read "resolved" while the spammer is still in the group; the
    failure itself is said in the chat and the queue (failures.py)."""
    pending = await uow.state.get(_ban_key(ticket))
    await uow.state.put(_ban_key(ticket), "", now)
    _at, actor, actor_name = (pending or "||").split("|", 2)
    if not result.ok:
        await tickets_of(uow).add_event(ticket.id, "ban_failed", actor, result.error or "", now)
        log.warning("event=complaints.ban_failed community=%s ticket=%s error=%s",
                    community.name, ticket.number, result.error)
        return []
    closed = await work(uow, community, ticket, TicketAction.RESOLVE, actor or "bot", "", now,
                        actor_name)
    return closed.actions

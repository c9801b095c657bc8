"""Filing a report: the abuse guard, the rate limit, merging, and the new ticket's card.

Filing happens inside the pipeline's transaction, so the ticket, its card (a NotifyQueue in the
outbox) and the reporter's acknowledgement are committed together with the event's id: a crash
at any point leaves either nothing (the update is redelivered) or everything (the outbox
delivers the card after a restart). `source_event` is unique, so a report cannot file twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.core.actions import AnyAction, NotifyQueue
from bot.core.complaints.cards import card_buttons, card_text
from bot.core.complaints.desk import CARD_REF, card_refresh, tickets_of, was_deleted
from bot.core.complaints.ports import NewTicket, TicketRecord
from bot.core.ports import UnitOfWork
from bot.core.records import AuditRecord
from bot.core.settings import CommunitySettings
from bot.core.texts import clip

log = logging.getLogger(__name__)
#: a private complaint's text, as its audit line's reason: one line of `modbot audit`
AUDIT_REASON_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Filed:
    """What filing decided: the acknowledgement (a catalog key) and actions for the queue.

    `ack` is None only for a redelivered event that already filed its ticket, which must not
    be acknowledged twice.
    """

    ack: str | None
    params: dict[str, Any] = field(default_factory=dict)
    actions: list[AnyAction] = field(default_factory=list)
    ticket: TicketRecord | None = None


async def file_report(uow: UnitOfWork, community: CommunitySettings, report: NewTicket,
                      now: datetime) -> Filed:
    repo = tickets_of(uow)
    if await repo.by_source_event(report.source_event) is not None:
        return Filed(ack=None)
    if await repo.is_abusive(community.name, report.reporter):
        log.info("event=complaints.ignored_abusive community=%s reporter=%s",
                 community.name, report.reporter)
        return Filed(ack="complaints.ack_neutral")
    settings = community.complaints
    recent = await repo.reports_since(community.name, report.reporter, now - settings.rate_window)
    if recent >= settings.rate_limit:
        log.info("event=complaints.rate_limited community=%s reporter=%s count=%s",
                 community.name, report.reporter, recent)
        return Filed(ack="complaints.rate_limited")
    if report.chat and report.message_id:
        existing = await repo.open_for_message(community.name, report.chat, report.message_id)
        if existing is not None:
            return await _merge(uow, community, existing, report, now)
    return await _create(uow, community, report, now)


async def _merge(uow: UnitOfWork, community: CommunitySettings, ticket: TicketRecord,
                 report: NewTicket, now: datetime) -> Filed:
    """Another report on a message with an open ticket: count the reporter, once."""
    repo = tickets_of(uow)
    params = {"number": ticket.number}
    if not await repo.add_reporter(ticket.id, community.name, report.reporter, report.reason, now):
        return Filed(ack="complaints.ack_duplicate", params=params, ticket=ticket)
    merged = replace(ticket, reporters_count=ticket.reporters_count + 1, updated_at=now)
    merged, actions = card_refresh(merged, community.language)
    await repo.save(merged)
    await repo.add_event(ticket.id, "merged", report.reporter, report.reason, now)
    await _audit(uow, community, merged, report, now, merged=True)
    log.info("event=complaints.merged community=%s ticket=%s reports=%s", community.name,
             ticket.number, merged.reporters_count)
    return Filed(ack="complaints.ack_merged", params=params, actions=actions, ticket=merged)


async def _create(uow: UnitOfWork, community: CommunitySettings, report: NewTicket,
                  now: datetime) -> Filed:
    repo = tickets_of(uow)
    queue = community.queue
    report = replace(report, card_chat=str(queue) if queue else None,
                     card_state="pending" if queue else "none")
    ticket = await repo.create(report, now)
    if ticket.chat and ticket.message_id and await was_deleted(uow, ticket.chat,
                                                                ticket.message_id):
        # the filter or a moderator was quicker than the reporter: the card says so
        await repo.mark_message_deleted(ticket.id)
        ticket = replace(ticket, message_deleted=True)
    await repo.add_event(ticket.id, "opened", report.reporter, report.reason, now)
    await _audit(uow, community, ticket, report, now)
    params = {"number": ticket.number}
    if queue is None:
        log.warning("event=complaints.no_queue community=%s ticket=%s", community.name,
                    ticket.number)
        return Filed(ack="complaints.ack_no_queue", params=params, ticket=ticket)
    log.info("event=complaints.filed community=%s ticket=%s chat=%s", community.name,
             ticket.number, ticket.chat or "private")
    card = NotifyQueue(queue, card_text(ticket), community.language, card_buttons(ticket),
                       ref=f"{CARD_REF}{ticket.id}")
    return Filed(ack="complaints.ack", params=params, actions=[card], ticket=ticket)


async def _audit(uow: UnitOfWork, community: CommunitySettings, ticket: TicketRecord,
                 report: NewTicket, now: datetime, *, merged: bool = False) -> None:
    """Filing is a step of the ticket like claiming it: `modbot audit` shows who reported
    what, so a ticket's history there starts where it started."""
    # a private complaint's text is its reason ("/complaint" then what happened)
    reason = report.reason or ("" if ticket.chat else clip(" ".join(report.message_text.split()),
                                                           AUDIT_REASON_LIMIT))
    await uow.audit.add(AuditRecord(
        community=community.name, at=now, actor=report.reporter, action="ticket.report",
        target=ticket.reported_user, chat=ticket.chat, reason=reason,
        details={"ticket": ticket.number, **({"merged": True} if merged else {})}))

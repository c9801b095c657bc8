"""Tickets, their history, reporters and the abuse list (implements core TicketRepo)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.complaints.ports import NewTicket, TicketEventRecord, TicketRecord
from bot.db import locks
from bot.db.models import AbusiveReporter, Ticket, TicketEvent, TicketReporter
from bot.db.repos.runtime import SqlStateStore

_MUTABLE = ("state", "claimed_by", "claimed_name", "resolution", "reporters_count", "card_chat",
            "card_message_id", "card_state", "sla_announced", "updated_at", "opened_at")


def _record(row: Ticket) -> TicketRecord:
    return TicketRecord(
        id=row.id, community=row.community, number=row.number, state=row.state,
        source_event=row.source_event, chat=row.chat, message_id=row.message_id,
        thread_id=row.thread_id, message_text=row.message_text, message_link=row.message_link,
        reported_user=row.reported_user, reported_name=row.reported_name, reporter=row.reporter,
        reporter_name=row.reporter_name, reason=row.reason,
        against_moderator=row.against_moderator, reporters_count=row.reporters_count,
        claimed_by=row.claimed_by, claimed_name=row.claimed_name, resolution=row.resolution,
        card_chat=row.card_chat, card_message_id=row.card_message_id, card_state=row.card_state,
        sla_announced=row.sla_announced, created_at=row.created_at, updated_at=row.updated_at,
        opened_at=row.opened_at, chat_title=row.chat_title,
        message_deleted=row.message_deleted,
    )


class SqlTicketRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def create(self, new: NewTicket, now: datetime) -> TicketRecord:
        """Numbers are max+1 per community; SQLite's BEGIN IMMEDIATE (and the unique
        (community, number) constraint elsewhere) keeps two instances from sharing a number;
        on PostgreSQL a per-community lock makes the second instance wait for the first."""
        await locks.hold(self._s, f"tickets:{new.community}")
        last = await self._s.scalar(
            select(func.max(Ticket.number)).where(Ticket.community == new.community))
        row = Ticket(
            community=new.community, number=(last or 0) + 1, state="new",
            source_event=new.source_event, chat=new.chat, message_id=new.message_id,
            thread_id=new.thread_id, message_text=new.message_text,
            message_link=new.message_link, reported_user=new.reported_user,
            reported_name=new.reported_name, reporter=new.reporter,
            reporter_name=new.reporter_name, reason=new.reason,
            against_moderator=new.against_moderator, reporters_count=1, claimed_by=None,
            claimed_name="", resolution="", card_chat=new.card_chat, card_message_id=None,
            card_state=new.card_state, sla_announced=False, created_at=now, updated_at=now,
            opened_at=now, chat_title=new.chat_title[:255],
        )
        self._s.add(row)
        await self._s.flush()
        self._s.add(TicketReporter(ticket_id=row.id, community=new.community,
                                   reporter=new.reporter, reason=new.reason, created_at=now))
        await self._s.flush()
        return _record(row)

    async def _one(self, *where: ColumnElement[bool]) -> TicketRecord | None:
        row = (await self._s.execute(select(Ticket).where(*where).limit(1))).scalar_one_or_none()
        return _record(row) if row else None

    async def get(self, ticket_id: int) -> TicketRecord | None:
        row = await self._s.get(Ticket, ticket_id)
        return _record(row) if row else None

    async def by_number(self, community: str, number: int) -> TicketRecord | None:
        return await self._one(Ticket.community == community, Ticket.number == number)

    async def by_source_event(self, event_id: str) -> TicketRecord | None:
        return await self._one(Ticket.source_event == event_id)

    async def by_card(self, card_chat: str, card_message_id: str) -> TicketRecord | None:
        current = await self._one(Ticket.card_chat == card_chat,
                                  Ticket.card_message_id == card_message_id)
        if current is not None:
            return current
        retired = await SqlStateStore(self._s).get(_retired_key(card_chat, card_message_id))
        return await self.get(int(retired)) if retired is not None else None

    async def retire_card(self, ticket_id: int, card_chat: str, card_message_id: str,
                          at: datetime) -> None:
        await SqlStateStore(self._s).put(_retired_key(card_chat, card_message_id),
                                         str(ticket_id), at)

    async def open_for_message(self, community: str, chat: str,
                               message_id: str) -> TicketRecord | None:
        return await self._one(Ticket.community == community, Ticket.chat == chat,
                               Ticket.message_id == message_id,
                               Ticket.state.in_(("new", "claimed")))

    async def latest_for_message(self, community: str, chat: str,
                                 message_id: str) -> TicketRecord | None:
        row = (await self._s.execute(
            select(Ticket).where(Ticket.community == community, Ticket.chat == chat,
                                 Ticket.message_id == message_id)
            .order_by(Ticket.id.desc()).limit(1))).scalar_one_or_none()
        return _record(row) if row else None

    async def add_reporter(self, ticket_id: int, community: str, reporter: str, reason: str,
                           now: datetime) -> bool:
        exists = await self._s.scalar(select(TicketReporter.id).where(
            TicketReporter.ticket_id == ticket_id, TicketReporter.reporter == reporter))
        if exists is not None:
            return False
        self._s.add(TicketReporter(ticket_id=ticket_id, community=community, reporter=reporter,
                                   reason=reason, created_at=now))
        await self._s.flush()
        return True

    async def reporters(self, ticket_id: int) -> list[str]:
        rows = await self._s.scalars(select(TicketReporter.reporter)
                                     .where(TicketReporter.ticket_id == ticket_id)
                                     .order_by(TicketReporter.id))
        return list(rows)

    async def reports_since(self, community: str, reporter: str, since: datetime) -> int:
        count = await self._s.scalar(select(func.count(TicketReporter.id)).where(
            TicketReporter.community == community, TicketReporter.reporter == reporter,
            TicketReporter.created_at > since))
        return int(count or 0)

    async def save(self, ticket: TicketRecord) -> None:
        row = await self._s.get(Ticket, ticket.id)
        if row is None:
            raise LookupError(f"ticket {ticket.id} does not exist")
        for name in _MUTABLE:
            setattr(row, name, getattr(ticket, name))
        await self._s.flush()

    async def mark_message_deleted(self, ticket_id: int) -> None:
        """One column, not the whole record: a ban's result saving the ticket at the same
        moment (another delivery lane) must not undo it, nor this undo the ban's."""
        await self._s.execute(update(Ticket).where(Ticket.id == ticket_id)
                              .values(message_deleted=True))
        await self._s.flush()
        row = await self._s.get(Ticket, ticket_id)
        if row is not None:
            await self._s.refresh(row, ["message_deleted"])

    async def add_event(self, ticket_id: int, action: str, actor: str, note: str,
                        at: datetime) -> None:
        self._s.add(TicketEvent(ticket_id=ticket_id, action=action, actor=actor, note=note, at=at))
        await self._s.flush()

    async def events(self, ticket_id: int) -> list[TicketEventRecord]:
        rows = await self._s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                                     .order_by(TicketEvent.id))
        return [TicketEventRecord(ticket_id=r.ticket_id, action=r.action, actor=r.actor,
                                  note=r.note, at=r.at) for r in rows]

    async def in_states(self, community: str, states: Sequence[str],
                        limit: int) -> list[TicketRecord]:
        rows = await self._s.scalars(select(Ticket).where(
            Ticket.community == community, Ticket.state.in_(tuple(states)))
            .order_by(Ticket.created_at, Ticket.id).limit(limit))
        return [_record(r) for r in rows]

    async def unannounced_new(self) -> list[TicketRecord]:
        """Locked until the caller commits (PostgreSQL; SQLite serialises writers anyway), and
        skipped by another instance meanwhile: one SLA reminder, not one per instance."""
        rows = await self._s.scalars(select(Ticket).where(
            Ticket.state == "new", Ticket.sla_announced.is_(False)).order_by(Ticket.opened_at)
            .with_for_update(skip_locked=True))
        return [_record(r) for r in rows]

    async def failed_cards(self) -> list[TicketRecord]:
        """Locked as `unannounced_new` is: one instance sends each card again."""
        rows = await self._s.scalars(select(Ticket).where(
            Ticket.state.in_(("new", "claimed")), Ticket.card_state == "failed")
            .order_by(Ticket.id).with_for_update(skip_locked=True))
        return [_record(r) for r in rows]

    async def mark_abusive(self, community: str, reporter: str, by: str, at: datetime) -> bool:
        if await self.is_abusive(community, reporter):
            return False
        self._s.add(AbusiveReporter(community=community, reporter=reporter, marked_by=by, at=at))
        await self._s.flush()
        return True

    async def unmark_abusive(self, community: str, reporter: str) -> bool:
        result = await self._s.execute(delete(AbusiveReporter).where(
            AbusiveReporter.community == community, AbusiveReporter.reporter == reporter))
        return bool(getattr(result, "rowcount", 0))

    async def is_abusive(self, community: str, reporter: str) -> bool:
        found = await self._s.scalar(select(AbusiveReporter.id).where(
            AbusiveReporter.community == community, AbusiveReporter.reporter == reporter))
        return found is not None


def _retired_key(card_chat: str, card_message_id: str) -> str:
    return f"card:{card_chat}:{card_message_id}"

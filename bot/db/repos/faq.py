"""FAQ entries edited in chat, answers given and gaps (implements `bot.core.faq.store.FaqRepo`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.faq.entries import FaqEntry
from bot.core.faq.store import SOURCE_CHAT, FaqAnswerRecord, FaqEditRecord, FaqGapRecord
from bot.db.models import FaqAnswer, FaqEntryRow, FaqGap

GAP_TEXT_LIMIT = 1000


def _edit(row: FaqEntryRow) -> FaqEditRecord:
    return FaqEditRecord(faq_id=row.faq_id, lang=row.lang, questions=tuple(row.questions),
                         answer=row.answer, deleted=row.deleted, source=row.source,
                         updated_by=row.updated_by, updated_at=row.updated_at)


class SqlFaqRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def revision(self, community: str) -> str:
        count, total = (await self._s.execute(
            select(func.count(FaqEntryRow.id), func.coalesce(func.sum(FaqEntryRow.version), 0))
            .where(FaqEntryRow.community == community)
        )).one()
        return f"{count}:{total}"

    async def edits(self, community: str) -> list[FaqEditRecord]:
        rows = (await self._s.execute(
            select(FaqEntryRow).where(FaqEntryRow.community == community).order_by(FaqEntryRow.id)
        )).scalars().all()
        return [_edit(r) for r in rows]

    async def _row(self, community: str, faq_id: str) -> FaqEntryRow | None:
        return (await self._s.execute(
            select(FaqEntryRow).where(FaqEntryRow.community == community,
                                      FaqEntryRow.faq_id == faq_id)
        )).scalar_one_or_none()

    async def _write(self, community: str, entry: FaqEntry, *, by: str, at: datetime,
                     source: str, deleted: bool) -> None:
        row = await self._row(community, entry.id)
        if row is None:
            self._s.add(FaqEntryRow(community=community, faq_id=entry.id, lang=entry.lang,
                                    questions=list(entry.questions), answer=entry.answer,
                                    source=source, deleted=deleted, version=1, updated_by=by,
                                    updated_at=at))
        else:
            row.lang, row.questions, row.answer = entry.lang, list(entry.questions), entry.answer
            row.source, row.deleted, row.updated_by, row.updated_at = source, deleted, by, at
            row.version = row.version + 1
        await self._s.flush()

    async def put(self, community: str, entry: FaqEntry, *, by: str, at: datetime,
                  source: str = SOURCE_CHAT) -> None:
        await self._write(community, entry, by=by, at=at, source=source, deleted=False)

    async def delete(self, community: str, entry: FaqEntry, *, by: str, at: datetime) -> None:
        await self._write(community, entry, by=by, at=at, source=SOURCE_CHAT, deleted=True)

    async def add_answer(self, community: str, chat: str, faq_id: str, at: datetime) -> int:
        row = FaqAnswer(community=community, chat=chat, faq_id=faq_id, answered_at=at)
        self._s.add(row)
        await self._s.flush()
        return row.id

    async def set_answer_message(self, answer_id: int, message_id: str) -> None:
        row = await self._s.get(FaqAnswer, answer_id)
        if row is not None:
            row.message_id = message_id
            await self._s.flush()

    async def answer_message(self, answer_id: int) -> str | None:
        row = await self._s.get(FaqAnswer, answer_id)
        return row.message_id if row is not None else None

    async def drop_answer(self, answer_id: int) -> None:
        await self._s.execute(delete(FaqAnswer).where(FaqAnswer.id == answer_id))

    async def forget_answer_message(self, chat: str, message_id: str) -> None:
        await self._s.execute(delete(FaqAnswer).where(
            FaqAnswer.message_id == message_id,
            (FaqAnswer.chat == chat) | FaqAnswer.chat.startswith(f"{chat}#")))

    async def forget_answers(self, community: str, faq_id: str) -> None:
        await self._s.execute(delete(FaqAnswer).where(FaqAnswer.community == community,
                                                      FaqAnswer.faq_id == faq_id))

    async def last_answer(self, community: str, chat: str, faq_id: str,
                          since: datetime) -> FaqAnswerRecord | None:
        row = (await self._s.execute(
            select(FaqAnswer).where(FaqAnswer.community == community, FaqAnswer.chat == chat,
                                    FaqAnswer.faq_id == faq_id, FaqAnswer.answered_at >= since)
            .order_by(FaqAnswer.answered_at.desc(), FaqAnswer.id.desc()).limit(1)
        )).scalar_one_or_none()
        if row is None:
            return None
        return FaqAnswerRecord(id=row.id, chat=row.chat, faq_id=row.faq_id,
                               message_id=row.message_id, answered_at=row.answered_at)

    async def add_gap(self, community: str, chat: str, text: str, author: str | None,
                      best_faq_id: str | None, score: float, at: datetime) -> None:
        self._s.add(FaqGap(community=community, chat=chat, text=text[:GAP_TEXT_LIMIT],
                           author=author, best_faq_id=best_faq_id, score=score, created_at=at))
        await self._s.flush()

    async def gaps(self, community: str, since: datetime) -> list[FaqGapRecord]:
        rows = (await self._s.execute(
            select(FaqGap).where(FaqGap.community == community, FaqGap.created_at >= since)
            .order_by(FaqGap.created_at, FaqGap.id)
        )).scalars().all()
        return [FaqGapRecord(id=r.id, chat=r.chat, text=r.text, author=r.author,
                             best_faq_id=r.best_faq_id, score=r.score, created_at=r.created_at)
                for r in rows]

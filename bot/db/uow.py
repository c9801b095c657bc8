"""The SQLAlchemy unit of work: one session, one transaction, every repository on it."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.repos.complaints import SqlTicketRepo
from bot.db.repos.faq import SqlFaqRepo
from bot.db.repos.moderation import SqlAuditLog, SqlKnownUsers, SqlWarnings
from bot.db.repos.runtime import SqlLeases, SqlOutbox, SqlProcessedEvents, SqlStateStore
from bot.db.repos.schedule import SqlScheduleRepo


class SqlUnitOfWork:
    """`async with uow:` opens a session; leaving without `commit()` rolls back."""

    processed: SqlProcessedEvents
    state: SqlStateStore
    leases: SqlLeases
    outbox: SqlOutbox
    audit: SqlAuditLog
    warnings: SqlWarnings
    users: SqlKnownUsers
    faq: SqlFaqRepo
    tickets: SqlTicketRepo
    schedule: SqlScheduleRepo

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        session = self._sessions()
        self._session = session
        self.processed = SqlProcessedEvents(session)
        self.state = SqlStateStore(session)
        self.leases = SqlLeases(session)
        self.outbox = SqlOutbox(session)
        self.audit = SqlAuditLog(session)
        self.warnings = SqlWarnings(session)
        self.users = SqlKnownUsers(session)
        self.faq = SqlFaqRepo(session)
        self.tickets = SqlTicketRepo(session)
        self.schedule = SqlScheduleRepo(session)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        assert self._session is not None
        try:
            await self._session.rollback()
        finally:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> AsyncSession:
        assert self._session is not None, "use `async with uow:` first"
        return self._session

    async def commit(self) -> None:
        await self.users.flush()
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()


class SqlUnitOfWorkFactory:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions)

"""Tickets, their history, reporters and the abuse list."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


class SqlTicketRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

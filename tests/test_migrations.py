"""Migrations bring an empty database to head, and agree with the models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.db.engine import make_engine
from bot.db.migrate import current_revision, upgrade
from bot.db.models import Base


async def test_upgrade_empty_sqlite_to_head(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    try:
        await upgrade(engine)
        assert await current_revision(engine) is not None
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        assert set(Base.metadata.tables) <= tables
        await upgrade(engine)  # a second run is a no-op
    finally:
        await engine.dispose()


async def test_models_and_migrations_agree(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'diff.db'}")
    try:
        await upgrade(engine)
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata)
            )
        assert diff == []
    finally:
        await engine.dispose()


async def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'wal.db'}")
    try:
        async with engine.connect() as conn:
            mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
            keys = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar()
        assert (mode, keys) == ("wal", 1)
    finally:
        await engine.dispose()


async def test_upgrade_and_agree_on_postgresql(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        await upgrade(engine)
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata)
            )
        assert diff == []
    finally:
        await engine.dispose()


async def test_a_database_from_the_first_release_keeps_its_tickets(tmp_path: Path) -> None:
    """0002 adds the chat title to tickets: a ticket filed before it reads back with none."""
    from datetime import UTC, datetime

    from sqlalchemy.ext.asyncio import async_sessionmaker

    from bot.db.repos.complaints import SqlTicketRepo

    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await upgrade(engine, "0001")
        now = datetime(2026, 1, 1, tzinfo=UTC).isoformat(" ")
        async with engine.begin() as conn:
            await conn.exec_driver_sql(
                "INSERT INTO tickets (community, number, state, source_event, chat, message_text,"
                " reported_name, reporter, reporter_name, reason, against_moderator,"
                " reporters_count, claimed_name, resolution, card_state, sla_announced,"
                " created_at, updated_at, opened_at) VALUES ('demo', 1, 'new', 'e1',"
                " 'telegram:-1001', 'spam', '', 'telegram:5', 'Ann', '', 0, 1, '', '',"
                f" 'pending', 0, '{now}', '{now}', '{now}')")
        await upgrade(engine)
        assert await current_revision(engine) == "0005"
        async with async_sessionmaker(engine)() as session:
            ticket = await SqlTicketRepo(session).by_number("demo", 1)
        assert ticket is not None
        assert (ticket.number, ticket.chat, ticket.chat_title, ticket.message_deleted) == (
            1, "telegram:-1001", "", False)
    finally:
        await engine.dispose()


async def test_sqlite_migrations_run_with_foreign_keys_off_and_leave_them_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch migration rebuilds a table (copy, drop, rename): with foreign keys on, the drop
    would cascade to a ticket's reporters and history. The migration sees them off; the
    connection is handed back with them on."""
    from alembic import command

    from bot.db import migrate

    seen: list[int] = []

    def probe(config: Any, revision: str) -> None:
        seen.append(config.attributes["connection"].exec_driver_sql(
            "PRAGMA foreign_keys").scalar())

    monkeypatch.setattr(command, "upgrade", probe)
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'fk.db'}")
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            after = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar()
    finally:
        await engine.dispose()
    assert seen == [0]
    assert after == 1

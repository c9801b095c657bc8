"""Migrations bring an empty database to head, and agree with the models."""

from __future__ import annotations

from pathlib import Path

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

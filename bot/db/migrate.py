"""Apply Alembic migrations to the configured database (on start and by `modbot db upgrade`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


#: the advisory lock two instances starting at once on one PostgreSQL database share, so
#: the second waits for the first's migrations instead of creating the same tables twice
MIGRATION_LOCK = 0x6D6F64626F74  # "modbot"


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade inside the caller's event loop by handing Alembic a ready connection.

    On SQLite foreign keys are off while migrating: a batch migration rebuilds a table by
    copying it, dropping the old one and renaming the copy, and with foreign keys on the drop
    would cascade to the rows that refer to it (a ticket's reporters and history). SQLite
    ignores the pragma inside a transaction, so it is set on the driver's connection before
    SQLAlchemy begins one (engine.py makes every begin a BEGIN IMMEDIATE)."""
    async with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            await conn.run_sync(_foreign_keys, False)
        try:
            async with conn.begin():
                if conn.dialect.name == "postgresql":
                    await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                       {"key": MIGRATION_LOCK})
                await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))
        finally:
            if sqlite:
                await conn.run_sync(_foreign_keys, True)


def _foreign_keys(connection: Connection, on: bool) -> None:
    """Set SQLite's foreign_keys pragma on the driver's connection, outside any transaction."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    finally:
        cursor.close()


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    async with engine.connect() as conn:
        return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())

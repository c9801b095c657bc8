"""Telling "the database is unreachable" from "this piece of work is bad".

An outage is said in one log line naming the database, and the work waits for it to pass;
anything else is a bug worth its traceback.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError


def storage_down(exc: BaseException) -> bool:
    """Whether an error means "the database is unreachable", not "this update is bad".

    SQLite says so with OperationalError (locked, disk); PostgreSQL through asyncpg with a
    connection SQLAlchemy invalidated, or with the driver's or the socket's own errors when a
    new connection cannot be made. An update that met any of these must not be confirmed.
    """
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OSError | TimeoutError):
        return True
    return type(exc).__module__.startswith("asyncpg")


def first_line(exc: BaseException) -> str:
    """The error's first line (a driver's message runs on with the SQL and a link)."""
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__

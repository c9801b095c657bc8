"""bans per chat

Bans are remembered per chat (`banned-in:<chat>|<member>`: a mute in a chat where the member is
banned would let them back in on Telegram), but the first release kept them per member only
(`banned:<member>`). Its running bans are carried over as bans in any chat
(`banned-in:*|<member>`), so after an upgrade a /mute of a banned member still says "is banned
here" and a shorter /ban does not cut a permanent one.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 11:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT key, value, updated_at FROM state_values "
        "WHERE key LIKE 'banned:%' AND value <> ''")).fetchall()
    for key, value, updated_at in rows:
        member = key.removeprefix("banned:")
        per_chat = connection.execute(sa.text(
            "SELECT 1 FROM state_values WHERE key LIKE :pattern AND key <> :any LIMIT 1"),
            {"pattern": f"banned-in:%|{member}", "any": f"banned-in:*|{member}"}).first()
        if per_chat is not None:  # recorded by a release that keeps bans per chat
            continue
        connection.execute(sa.text(
            "INSERT INTO state_values (key, value, updated_at) VALUES (:key, :value, :at)"),
            {"key": f"banned-in:*|{member}", "value": value, "at": updated_at})


def downgrade() -> None:
    op.execute("DELETE FROM state_values WHERE key LIKE 'banned-in:*|%'")

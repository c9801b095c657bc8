"""ticket chat title

A ticket card and its audit lines name the group by its title ("Котики (telegram:-1001)"):
a moderator working the queue from the other network cannot resolve a raw id. Old tickets
keep an empty title and show the id, as before.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 02:10:07.342812
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chat_title', sa.String(length=255), server_default='',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('chat_title')

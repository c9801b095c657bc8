"""ticket message deleted

A ticket's card says when the reported message is gone (its "Delete message" or "Ban author"
went through) and stops offering "Delete message": the next moderator sees at a glance that
nobody needs to remove it, and a press on a stale card does not delete twice. Old tickets
read as not deleted, as before.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 10:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ADD COLUMN (SQLite has it): no table rebuild, whose cascade would empty the
    # tickets' reporters and history
    op.add_column('tickets', sa.Column('message_deleted', sa.Boolean(), server_default=sa.false(),
                                       nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('message_deleted')

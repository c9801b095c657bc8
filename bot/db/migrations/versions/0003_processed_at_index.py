"""processed events indexed by time

Processed-event ids are kept only as long as a platform may deliver an update again; the hourly
sweep deletes older ones by `processed_at`, which without an index would read the whole table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 04:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_processed_events_processed_at', 'processed_events', ['processed_at'])


def downgrade() -> None:
    op.drop_index('ix_processed_events_processed_at', table_name='processed_events')

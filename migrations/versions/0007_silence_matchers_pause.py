"""silence.matchers (Alertmanager-style =, !=, =~, !~ on topic, source, receiver, kind);
source.paused_at/pause_reason (`pressmon sources pause ID`: the daemon does not claim it)

Revision ID: 0007_silence_matchers_pause
Revises: 0006_search_index
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007_silence_matchers_pause'
down_revision: str | None = '0006_search_index'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('silence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('matchers', sa.JSON(), nullable=True))
    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paused_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('pause_reason', sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.drop_column('pause_reason')
        batch_op.drop_column('paused_at')
    with op.batch_alter_table('silence', schema=None) as batch_op:
        batch_op.drop_column('matchers')

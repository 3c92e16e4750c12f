"""poll_log.encoding: the text encoding each fetch was read with

Revision ID: 0004_poll_log_encoding
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004_poll_log_encoding'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('poll_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('encoding', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('poll_log', schema=None) as batch_op:
        batch_op.drop_column('encoding')

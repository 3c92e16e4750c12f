"""outbox: count of unconfirmed sends (bounded duplicates for receivers that cannot be reconciled)

Revision ID: 0005_outbox_unconfirmed
Revises: 0004_poll_log_encoding
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005_outbox_unconfirmed'
down_revision: str | None = '0004_poll_log_encoding'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unconfirmed', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('unconfirmed')

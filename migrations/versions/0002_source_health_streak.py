"""source health streak

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
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

    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failing_since', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('health_alerted', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:

    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.drop_column('health_alerted')
        batch_op.drop_column('failing_since')



"""digest_run: count of unconfirmed sends (a digest is mailed at most twice without a confirmed answer)

Revision ID: 0011_digest_unconfirmed
Revises: 0010_story_index
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011_digest_unconfirmed'
down_revision: str | None = '0010_story_index'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('digest_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unconfirmed', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('digest_run', schema=None) as batch_op:
        batch_op.drop_column('unconfirmed')

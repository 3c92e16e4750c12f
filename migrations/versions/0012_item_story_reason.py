"""item: why the story decision put it where it is (the story joined and on what evidence, or the closest miss)

Revision ID: 0012_item_story_reason
Revises: 0011_digest_unconfirmed
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012_item_story_reason'
down_revision: str | None = '0011_digest_unconfirmed'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('story_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_column('story_reason')

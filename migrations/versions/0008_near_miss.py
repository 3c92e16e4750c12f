"""near_miss: topics an item almost matched, and why (shown in digests and `topics misses`, never alerted)

Revision ID: 0008_near_miss
Revises: 0007_silence_matchers_pause
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008_near_miss'
down_revision: str | None = '0007_silence_matchers_pause'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('near_miss',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['revision_id'], ['revision.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('revision_id', 'topic_id', name='uq_near_miss_revision_topic')
    )
    with op.batch_alter_table('near_miss', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_near_miss_revision_id'), ['revision_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_near_miss_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('near_miss', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_near_miss_created_at'))
        batch_op.drop_index(batch_op.f('ix_near_miss_revision_id'))
    op.drop_table('near_miss')

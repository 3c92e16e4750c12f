"""story index: item signature and primary flag, story_key side table

Revision ID: 0010_story_index
Revises: 0009_maintenance
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010_story_index'
down_revision: str | None = '0009_maintenance'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('story_key',
    sa.Column('key', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('first_seen_at', sa.DateTime(), nullable=False),
    sa.Column('item_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], ),
    sa.PrimaryKeyConstraint('key', 'first_seen_at', 'item_id')
    )
    # Plain ADD COLUMN on every dialect: a batch rebuild of `item` on SQLite would drop a table that
    # revisions and mentions reference.
    op.add_column('item', sa.Column('signature', sa.JSON(), nullable=True))
    op.add_column('item', sa.Column('primary_source', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    op.drop_table('story_key')
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite >= 3.35 drops a plain column in place; a batch rebuild of `item` would have to drop a
        # table that revisions and mentions reference, which foreign keys forbid once there is data.
        op.execute('ALTER TABLE item DROP COLUMN primary_source')
        op.execute('ALTER TABLE item DROP COLUMN signature')
    else:
        with op.batch_alter_table('item', schema=None) as batch_op:
            batch_op.drop_column('primary_source')
            batch_op.drop_column('signature')

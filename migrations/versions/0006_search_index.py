"""full-text search over revisions; item language; revision time index

SQLite: a contentless FTS5 table ``revision_fts`` (rowid = revision id). PostgreSQL: ``revision_search``
(revision id, tsvector: title weight A, text weight B) with a GIN index. Both hold the text form of
``monitor.match.index_text`` (folded words and CJK bigrams), written by the commit that stores each
revision (``monitor.store.search_index.index_revisions``); existing revisions are indexed here.

Revision ID: 0006_search_index
Revises: 0005_outbox_unconfirmed
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006_search_index'
down_revision: str | None = '0005_outbox_unconfirmed'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from monitor.store.search_index import backfill, create_index

    # Plain ALTERs (SQLite >= 3.35 drops a column in place): a batch copy of `item` would trip the
    # foreign keys of the revisions that point at it.
    op.add_column('item', sa.Column('lang', sa.String(length=16), nullable=True))
    op.create_index(op.f('ix_revision_fetched_at'), 'revision', ['fetched_at'], unique=False)

    conn = op.get_bind()
    create_index(conn)
    backfill(conn)  # index what is already stored


def downgrade() -> None:
    from monitor.store.search_index import drop_index

    drop_index(op.get_bind())
    op.drop_index(op.f('ix_revision_fetched_at'), table_name='revision')
    op.drop_column('item', 'lang')

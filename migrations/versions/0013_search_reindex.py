"""search index: rebuilt in today's text form (a capitalised "US" is indexed as "u s", like "U.S.")

Rows indexed before the matcher's folding of "US" hold the token ``us``: the query ``US`` (now the phrase
``u s``) would not find them, and pruning their text would hand SQLite's contentless FTS5 table tokens it
never stored. ``monitor.store.search_index.rebuild`` empties the index and indexes every stored revision
again: once, when the daemon or a command first opens the database on this version (measured: 10 s
for 50,000 revisions on a 2-core machine, so a few minutes for a million). Downgrading leaves the index
as it is: the older code's queries find what it holds, except a bare "US".

Revision ID: 0013_search_reindex
Revises: 0012_item_story_reason
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op


revision: str = '0013_search_reindex'
down_revision: str | None = '0012_item_story_reason'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from monitor.store.search_index import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    pass

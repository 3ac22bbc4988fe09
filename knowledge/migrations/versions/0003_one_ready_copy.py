"""At most one ready report per content: two admins (or two replicas) sending the same file at once.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("uq_reports_ready_content", "reports", ["content_hash"], unique=True,
                    postgresql_where=sa.text("status = 'ready'"), sqlite_where=sa.text("status = 'ready'"))


def downgrade() -> None:
    op.drop_index("uq_reports_ready_content", table_name="reports")

"""A figure can cover several years: a total or an average over a five-year review (城镇新增就业603.7万人 over
2021—2025) keeps its last year in `year` and its first in `period_start`.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("figures") as batch:
        batch.add_column(sa.Column("period_start", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("figures") as batch:
        batch.drop_column("period_start")

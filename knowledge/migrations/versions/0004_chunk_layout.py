"""Where a chunk comes from in its file: the page, the OCR confidence of a scanned page, the table caption.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chunks") as batch:
        batch.add_column(sa.Column("page", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("ocr_confidence", sa.Float(), nullable=True))
        batch.add_column(sa.Column("table_caption", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("chunks") as batch:
        batch.drop_column("table_caption")
        batch.drop_column("ocr_confidence")
        batch.drop_column("page")

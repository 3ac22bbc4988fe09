"""Pending reports name their writer; the log records model use and the check; Telegram ids are 64-bit.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("owner", sa.String(), nullable=False, server_default=""))
    with op.batch_alter_table("exchanges") as batch:
        batch.add_column(sa.Column("llm_tokens", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("llm_ms", sa.Float(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("check", sa.String(), nullable=False, server_default=""))
        batch.alter_column("user_id", type_=sa.BigInteger(), existing_type=sa.Integer())
        batch.alter_column("chat_id", type_=sa.BigInteger(), existing_type=sa.Integer())
    with op.batch_alter_table("feedback") as batch:
        batch.alter_column("user_id", type_=sa.BigInteger(), existing_type=sa.Integer())


def downgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.alter_column("user_id", type_=sa.Integer(), existing_type=sa.BigInteger())
    with op.batch_alter_table("exchanges") as batch:
        batch.alter_column("chat_id", type_=sa.Integer(), existing_type=sa.BigInteger())
        batch.alter_column("user_id", type_=sa.Integer(), existing_type=sa.BigInteger())
        batch.drop_column("check")
        batch.drop_column("llm_ms")
        batch.drop_column("llm_tokens")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("owner")

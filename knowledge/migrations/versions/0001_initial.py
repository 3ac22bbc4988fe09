"""The first schema: reports, sections, chunks, figures, index metadata, the conversation log.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

S = sa.String()


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", S, nullable=False), sa.Column("issuer", S, nullable=False), sa.Column("kind", S, nullable=False),
        sa.Column("year", sa.Integer), sa.Column("review_year", sa.Integer), sa.Column("plan_year", sa.Integer),
        sa.Column("source", S, nullable=False), sa.Column("content_hash", S, nullable=False),
        sa.Column("status", S, nullable=False), sa.Column("n_chunks", sa.Integer, nullable=False),
        sa.Column("n_figures", sa.Integer, nullable=False), sa.Column("n_chars", sa.Integer, nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_reports_source", "reports", ["source"])
    op.create_index("ix_reports_content_hash", "reports", ["content_hash"])
    op.create_index("ix_reports_status", "reports", ["status"])
    op.create_table(
        "sections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("report_id", sa.Integer, sa.ForeignKey("reports.id"), nullable=False),
        sa.Column("idx", sa.Integer, nullable=False), sa.Column("level", sa.Integer, nullable=False),
        sa.Column("path", sa.Text),
    )
    op.create_index("ix_sections_report_id", "sections", ["report_id"])
    op.create_table(
        "chunks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("report_id", sa.Integer, sa.ForeignKey("reports.id"), nullable=False),
        sa.Column("idx", sa.Integer, nullable=False), sa.Column("section_idx", sa.Integer, nullable=False),
        sa.Column("section_path", sa.Text), sa.Column("text", sa.Text), sa.Column("tokens", sa.Text),
        sa.Column("vector_id", S, nullable=False),
    )
    op.create_index("ix_chunks_report_id", "chunks", ["report_id"])
    op.create_index("ix_chunks_vector_id", "chunks", ["vector_id"])
    op.create_table(
        "figures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("report_id", sa.Integer, sa.ForeignKey("reports.id"), nullable=False),
        sa.Column("chunk_idx", sa.Integer, nullable=False), sa.Column("indicator", S, nullable=False),
        sa.Column("value", sa.Float, nullable=False), sa.Column("value_high", sa.Float), sa.Column("raw", S, nullable=False),
        sa.Column("unit", S, nullable=False), sa.Column("kind", S, nullable=False), sa.Column("qualifier", S, nullable=False),
        sa.Column("year", sa.Integer), sa.Column("type", S, nullable=False), sa.Column("section_path", sa.Text),
        sa.Column("sentence", sa.Text),
    )
    op.create_index("ix_figures_report_id", "figures", ["report_id"])
    op.create_index("ix_figures_year", "figures", ["year"])
    op.create_index("ix_figures_indicator", "figures", ["indicator"])
    op.create_table("index_meta", sa.Column("key", S, primary_key=True), sa.Column("value", S, nullable=False))
    op.create_table(
        "exchanges",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer), sa.Column("user_name", S, nullable=False), sa.Column("chat_id", sa.Integer),
        sa.Column("chat_type", S, nullable=False), sa.Column("kind", S, nullable=False), sa.Column("question", sa.Text),
        sa.Column("resolved_question", sa.Text), sa.Column("answer", sa.Text), sa.Column("mode", S, nullable=False),
        sa.Column("found", sa.Boolean, nullable=False), sa.Column("citations", sa.Text), sa.Column("figures", sa.Text),
        sa.Column("latency_ms", sa.Float, nullable=False), sa.Column("error", sa.Text),
    )
    op.create_index("ix_exchanges_created_at", "exchanges", ["created_at"])
    op.create_index("ix_exchanges_chat_id", "exchanges", ["chat_id"])
    op.create_index("ix_exchanges_user_id", "exchanges", ["user_id"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("exchange_id", sa.Integer, sa.ForeignKey("exchanges.id"), nullable=False),
        sa.Column("user_id", sa.Integer), sa.Column("kind", S, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_feedback_exchange_id", "feedback", ["exchange_id"])


def downgrade() -> None:
    for table in ("feedback", "exchanges", "index_meta", "figures", "chunks", "sections", "reports"):
        op.drop_table(table)

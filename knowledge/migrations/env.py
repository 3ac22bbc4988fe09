"""Alembic environment: migrations run on the connection the application hands over (see store.migrate)."""

from alembic import context
from sqlmodel import SQLModel

import knowledge.exchanges  # noqa: F401  (registers the log tables)
import knowledge.store  # noqa: F401  (registers the index tables)

config = context.config
target_metadata = SQLModel.metadata
connection = config.attributes["connection"]
context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()

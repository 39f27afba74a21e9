"""Alembic environment: runs on the connection the project store hands over."""

from alembic import context

from engine.storage._tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Formix migrations run through engine.storage, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()

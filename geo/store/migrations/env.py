"""Alembic environment: migrations run on the connection Gridhouse hands over."""

from alembic import context

from geo.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    msg = "run migrations through geo.store.database.Database.migrate()"
    raise RuntimeError(msg)
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
context.run_migrations()

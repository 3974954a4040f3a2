"""Alembic environment: migrations run on the connection Gridhouse hands over."""

from alembic import context

from geo.store.schema import is_postgis_only, metadata

connection = context.config.attributes.get("connection")
if connection is None:
    msg = "run migrations through geo.store.database.Database.migrate()"
    raise RuntimeError(msg)
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    include_name=lambda name, kind, _parent: not is_postgis_only(name, kind),
)
context.run_migrations()

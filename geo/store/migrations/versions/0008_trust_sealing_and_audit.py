"""AEAD sealing and a keyed audit chain (issue 17): re-seal every token under AES-256-GCM,
re-chain the audit rows with the key file's audit key, one-time passwords expire

Sealed values written as Fernet tokens (hand-built AES-CBC) are opened with the key file's
legacy key and sealed again with AES-256-GCM; the change log's before-images too. The audit
rows, chained until now with plain SHA-256, are chained with HMAC-SHA256 under the audit key
as far as the plain chain holds. Both need the database's keys, which
``geo.store.database.Database.migrate`` hands over (``keys``); a database with Fernet tokens
migrated without them is refused rather than left half sealed.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    from geo.store import audit
    from geo.store.keys import reseal, sealed_columns

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_expires', sa.DateTime(), nullable=True))
    conn = op.get_bind()
    keys = context.config.attributes.get("keys")
    if keys is None:
        legacy = any(
            conn.exec_driver_sql(
                f"SELECT 1 FROM {table} WHERE {column} IS NOT NULL LIMIT 1"
            ).first()
            for table, column in sealed_columns(conn)
        )
        audited = conn.exec_driver_sql("SELECT 1 FROM audit LIMIT 1").first()
        if legacy or audited:
            msg = "migration 0008 re-seals identifiers: run it through Gridhouse with the key file"
            raise RuntimeError(msg)
        return
    reseal(conn, keys.unseal, keys.seal_many, only=lambda token: not keys.is_sealed_now(token))
    audit.rechain(conn, keys.audit_key)


def downgrade() -> None:
    """Downgrade schema: tokens stay AES-GCM (the code of older revisions cannot read them;
    restore a backup made before the upgrade instead)."""
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('password_expires')

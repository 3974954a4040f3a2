"""uploads: landlords, rooms, change log, batch reports

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # Generated from geo/store/schema.py.
    op.create_table('change_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.String(length=32), nullable=False),
    sa.Column('row_id', sa.Integer(), nullable=False),
    sa.Column('before', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_change_log_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_log'))
    )
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_log_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_log_table_name_row_id'), ['table_name', 'row_id'], unique=False)

    op.create_table('landlord',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=True),
    sa.Column('phone_masked', sa.String(length=32), nullable=True),
    sa.Column('phone_cipher', sa.LargeBinary(), nullable=True),
    sa.Column('phone_hmac', sa.String(length=64), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_landlord_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_landlord')),
    sa.UniqueConstraint('phone_hmac', name=op.f('uq_landlord_phone_hmac'))
    )
    with op.batch_alter_table('landlord', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_landlord_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_landlord_name'), ['name'], unique=False)

    with op.batch_alter_table('employment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employment_batch_id'), ['batch_id'], unique=False)

    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inserted', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('updated', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('unchanged', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('mapping', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('dropped_columns', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('rejects_csv', sa.LargeBinary(), nullable=True))

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_batch_id'), ['batch_id'], unique=False)

    with op.batch_alter_table('property', schema=None) as batch_op:
        batch_op.add_column(sa.Column('room', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('landlord_id', sa.Integer(), nullable=True))
        batch_op.drop_index(batch_op.f('ix_property_landlord_phone_hmac'))
        batch_op.drop_index(batch_op.f('ix_property_lon_lat'))
        batch_op.create_index(batch_op.f('ix_property_address_room'), ['address', 'room'], unique=False)
        batch_op.create_index(batch_op.f('ix_property_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_property_landlord_id'), ['landlord_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_property_landlord_id_landlord'), 'landlord', ['landlord_id'], ['id'])

    # Move landlords off the units into their own table before the old columns go.
    # PostgreSQL has no MIN over bytea; any one cipher of the same phone will do.
    first_cipher = (
        "(array_agg(landlord_phone_cipher))[1]"
        if op.get_bind().dialect.name == "postgresql"
        else "MIN(landlord_phone_cipher)"
    )
    op.execute(
        "INSERT INTO landlord (name, phone_masked, phone_cipher, phone_hmac) "
        f"SELECT MIN(landlord_name), MIN(landlord_phone_masked), {first_cipher}, "
        "landlord_phone_hmac FROM property WHERE landlord_phone_hmac IS NOT NULL "
        "GROUP BY landlord_phone_hmac"
    )
    op.execute(
        "INSERT INTO landlord (name) SELECT DISTINCT landlord_name FROM property "
        "WHERE landlord_phone_hmac IS NULL AND landlord_name IS NOT NULL"
    )
    op.execute(
        "UPDATE property SET landlord_id = COALESCE("
        "(SELECT id FROM landlord WHERE landlord.phone_hmac = property.landlord_phone_hmac), "
        "(SELECT MIN(id) FROM landlord WHERE landlord.phone_hmac IS NULL "
        "AND property.landlord_phone_hmac IS NULL AND landlord.name = property.landlord_name))"
    )

    with op.batch_alter_table('property', schema=None) as batch_op:
        batch_op.drop_column('landlord_phone_masked')
        batch_op.drop_column('landlord_phone_hmac')
        batch_op.drop_column('landlord_name')
        batch_op.drop_column('landlord_phone_cipher')

    with op.batch_alter_table('residence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_residence_batch_id'), ['batch_id'], unique=False)

    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_batch_id'), ['batch_id'], unique=False)

    with op.batch_alter_table('worksite', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worksite_batch_id'), ['batch_id'], unique=False)

    # ### end Alembic commands ###


def downgrade() -> None:
    """Downgrade schema."""
    # Generated from geo/store/schema.py.
    with op.batch_alter_table('worksite', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worksite_batch_id'))

    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_batch_id'))

    with op.batch_alter_table('residence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_residence_batch_id'))

    with op.batch_alter_table('property', schema=None) as batch_op:
        batch_op.add_column(sa.Column('landlord_phone_cipher', sa.BLOB(), nullable=True))
        batch_op.add_column(sa.Column('landlord_name', sa.VARCHAR(length=100), nullable=True))
        batch_op.add_column(sa.Column('landlord_phone_hmac', sa.VARCHAR(length=64), nullable=True))
        batch_op.add_column(sa.Column('landlord_phone_masked', sa.VARCHAR(length=32), nullable=True))
        batch_op.drop_constraint(batch_op.f('fk_property_landlord_id_landlord'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_property_landlord_id'))
        batch_op.drop_index(batch_op.f('ix_property_batch_id'))
        batch_op.drop_index(batch_op.f('ix_property_address_room'))
        batch_op.create_index(batch_op.f('ix_property_lon_lat'), ['lon', 'lat'], unique=False)
        batch_op.create_index(batch_op.f('ix_property_landlord_phone_hmac'), ['landlord_phone_hmac'], unique=False)
        batch_op.drop_column('landlord_id')
        batch_op.drop_column('room')

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_batch_id'))

    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_column('rejects_csv')
        batch_op.drop_column('dropped_columns')
        batch_op.drop_column('mapping')
        batch_op.drop_column('unchanged')
        batch_op.drop_column('updated')
        batch_op.drop_column('inserted')

    with op.batch_alter_table('employment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employment_batch_id'))

    with op.batch_alter_table('landlord', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_landlord_name'))
        batch_op.drop_index(batch_op.f('ix_landlord_batch_id'))

    op.drop_table('landlord')
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_log_table_name_row_id'))
        batch_op.drop_index(batch_op.f('ix_change_log_batch_id'))

    op.drop_table('change_log')
    # ### end Alembic commands ###

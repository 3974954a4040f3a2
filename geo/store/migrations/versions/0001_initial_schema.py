"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-29

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # Generated from geo/store/schema.py; geometry is WKB (sa.LargeBinary) on SQLite.
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('area_scope', sa.Text(), nullable=True),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("role IN ('admin', 'planner', 'registrar', 'sweeper')", name=op.f('ck_app_user_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('name', name=op.f('uq_app_user_name'))
    )
    op.create_table('area',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('geometry', sa.LargeBinary(), nullable=False),
    sa.Column('area_m2', sa.Float(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.Column('minx', sa.Float(), nullable=False),
    sa.Column('miny', sa.Float(), nullable=False),
    sa.Column('maxx', sa.Float(), nullable=False),
    sa.Column('maxy', sa.Float(), nullable=False),
    sa.Column('boundary_version', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('street', 'community', 'village', 'grid')", name=op.f('ck_area_kind')),
    sa.CheckConstraint("level IN ('street', 'community', 'grid')", name=op.f('ck_area_level')),
    sa.ForeignKeyConstraint(['parent_id'], ['area.id'], name=op.f('fk_area_parent_id_area')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area')),
    sa.UniqueConstraint('code', name=op.f('uq_area_code'))
    )
    with op.batch_alter_table('area', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_area_level'), ['level'], unique=False)
        batch_op.create_index(batch_op.f('ix_area_parent_id'), ['parent_id'], unique=False)

    op.create_table('audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=True),
    sa.Column('object_id', sa.String(length=64), nullable=True),
    sa.Column('count', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_hash'))
    )
    op.create_table('import_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('filename', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('user_name', sa.String(length=100), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('source_crs', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('undone_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('committed', 'undone')", name=op.f('ck_import_batch_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batch'))
    )
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_batch_kind_sha256'), ['kind', 'sha256'], unique=False)

    op.create_table('setting',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_setting'))
    )
    op.create_table('sweep',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('planned', 'active', 'closed')", name=op.f('ck_sweep_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sweep'))
    )
    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('id_hmac', sa.String(length=64), nullable=True),
    sa.Column('id_cipher', sa.LargeBinary(), nullable=True),
    sa.Column('id_masked', sa.String(length=32), nullable=True),
    sa.Column('sex', sa.String(length=1), nullable=True),
    sa.Column('birth_year', sa.Integer(), nullable=True),
    sa.Column('origin', sa.String(length=6), nullable=True),
    sa.Column('phone_hmac', sa.String(length=64), nullable=True),
    sa.Column('phone_cipher', sa.LargeBinary(), nullable=True),
    sa.Column('phone_masked', sa.String(length=32), nullable=True),
    sa.Column('permit_no', sa.String(length=64), nullable=True),
    sa.Column('permit_expiry', sa.Date(), nullable=True),
    sa.Column('anonymised_at', sa.DateTime(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("sex IN ('M', 'F') OR sex IS NULL", name=op.f('ck_person_sex')),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_person_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('id_hmac', name=op.f('uq_person_id_hmac'))
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_phone_hmac'), ['phone_hmac'], unique=False)

    op.create_table('team',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sweep_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['sweep_id'], ['sweep.id'], name=op.f('fk_team_sweep_id_sweep')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team')),
    sa.UniqueConstraint('sweep_id', 'name', name=op.f('uq_team_sweep_id_name'))
    )
    op.create_table('worksite',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_ref', sa.String(length=64), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('coord_source', sa.String(length=32), nullable=True),
    sa.Column('declared_workers', sa.Integer(), nullable=True),
    sa.Column('contact_name', sa.String(length=100), nullable=True),
    sa.Column('contact_phone_masked', sa.String(length=32), nullable=True),
    sa.Column('contact_phone_cipher', sa.LargeBinary(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('factory', 'building_site', 'market', 'restaurant', 'logistics', 'shop')", name=op.f('ck_worksite_kind')),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_worksite_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['community_id'], ['area.id'], name=op.f('fk_worksite_community_id_area')),
    sa.ForeignKeyConstraint(['grid_id'], ['area.id'], name=op.f('fk_worksite_grid_id_area')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worksite')),
    sa.UniqueConstraint('external_ref', name=op.f('uq_worksite_external_ref'))
    )
    with op.batch_alter_table('worksite', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worksite_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_worksite_grid_id'), ['grid_id'], unique=False)

    op.create_table('employment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('worksite_id', sa.Integer(), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('reported_on', sa.Date(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_employment_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_employment_person_id_person')),
    sa.ForeignKeyConstraint(['worksite_id'], ['worksite.id'], name=op.f('fk_employment_worksite_id_worksite')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employment'))
    )
    with op.batch_alter_table('employment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employment_person_id_until'), ['person_id', 'until'], unique=False)
        batch_op.create_index(batch_op.f('ix_employment_worksite_id_until'), ['worksite_id', 'until'], unique=False)

    op.create_table('property',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_ref', sa.String(length=64), nullable=True),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('coord_source', sa.String(length=32), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('rooms', sa.Integer(), nullable=True),
    sa.Column('floor_area_m2', sa.Float(), nullable=True),
    sa.Column('max_occupants', sa.Integer(), nullable=True),
    sa.Column('landlord_name', sa.String(length=100), nullable=True),
    sa.Column('landlord_phone_masked', sa.String(length=32), nullable=True),
    sa.Column('landlord_phone_cipher', sa.LargeBinary(), nullable=True),
    sa.Column('landlord_phone_hmac', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('worksite_id', sa.Integer(), nullable=True),
    sa.Column('registered_on', sa.Date(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('flat', 'room', 'dormitory', 'self_built', 'group_rental')", name=op.f('ck_property_kind')),
    sa.CheckConstraint("status IN ('active', 'inactive')", name=op.f('ck_property_status')),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_property_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['community_id'], ['area.id'], name=op.f('fk_property_community_id_area')),
    sa.ForeignKeyConstraint(['grid_id'], ['area.id'], name=op.f('fk_property_grid_id_area')),
    sa.ForeignKeyConstraint(['worksite_id'], ['worksite.id'], name=op.f('fk_property_worksite_id_worksite')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_property')),
    sa.UniqueConstraint('external_ref', name=op.f('uq_property_external_ref'))
    )
    with op.batch_alter_table('property', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_property_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_property_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_property_landlord_phone_hmac'), ['landlord_phone_hmac'], unique=False)
        batch_op.create_index(batch_op.f('ix_property_lon_lat'), ['lon', 'lat'], unique=False)

    op.create_table('team_member',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_team_member_team_id_team')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_team_member_user_id_app_user')),
    sa.PrimaryKeyConstraint('team_id', 'user_id', name=op.f('pk_team_member'))
    )
    op.create_table('assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sweep_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('property_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['property_id'], ['property.id'], name=op.f('fk_assignment_property_id_property')),
    sa.ForeignKeyConstraint(['sweep_id'], ['sweep.id'], name=op.f('fk_assignment_sweep_id_sweep')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_assignment_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment')),
    sa.UniqueConstraint('sweep_id', 'property_id', name=op.f('uq_assignment_sweep_id_property_id'))
    )
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_team_id_position'), ['team_id', 'position'], unique=False)

    op.create_table('residence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('property_id', sa.Integer(), nullable=False),
    sa.Column('room', sa.String(length=32), nullable=True),
    sa.Column('moved_in', sa.Date(), nullable=False),
    sa.Column('moved_out', sa.Date(), nullable=True),
    sa.Column('reported_on', sa.Date(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_residence_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_residence_person_id_person')),
    sa.ForeignKeyConstraint(['property_id'], ['property.id'], name=op.f('fk_residence_property_id_property')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_residence'))
    )
    with op.batch_alter_table('residence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_residence_person_id_moved_out'), ['person_id', 'moved_out'], unique=False)
        batch_op.create_index(batch_op.f('ix_residence_property_id_moved_out'), ['property_id', 'moved_out'], unique=False)

    op.create_table('visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('property_id', sa.Integer(), nullable=True),
    sa.Column('worksite_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('sweep_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('visited_at', sa.DateTime(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('residents_seen', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("outcome IN ('verified', 'changes_found', 'nobody_home', 'refused', 'vacant', 'not_found')", name=op.f('ck_visit_outcome')),
    sa.CheckConstraint('property_id IS NOT NULL OR worksite_id IS NOT NULL', name=op.f('ck_visit_target')),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_visit_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_visit_person_id_person')),
    sa.ForeignKeyConstraint(['property_id'], ['property.id'], name=op.f('fk_visit_property_id_property')),
    sa.ForeignKeyConstraint(['sweep_id'], ['sweep.id'], name=op.f('fk_visit_sweep_id_sweep')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_visit_team_id_team')),
    sa.ForeignKeyConstraint(['worksite_id'], ['worksite.id'], name=op.f('fk_visit_worksite_id_worksite')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit'))
    )
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_person_id_visited_at'), ['person_id', 'visited_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_property_id_visited_at'), ['property_id', 'visited_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_worksite_id_visited_at'), ['worksite_id', 'visited_at'], unique=False)

    # ### end Alembic commands ###


def downgrade() -> None:
    """Downgrade schema."""
    # Generated from geo/store/schema.py; geometry is WKB (sa.LargeBinary) on SQLite.
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_worksite_id_visited_at'))
        batch_op.drop_index(batch_op.f('ix_visit_property_id_visited_at'))
        batch_op.drop_index(batch_op.f('ix_visit_person_id_visited_at'))

    op.drop_table('visit')
    with op.batch_alter_table('residence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_residence_property_id_moved_out'))
        batch_op.drop_index(batch_op.f('ix_residence_person_id_moved_out'))

    op.drop_table('residence')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_team_id_position'))

    op.drop_table('assignment')
    op.drop_table('team_member')
    with op.batch_alter_table('property', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_property_lon_lat'))
        batch_op.drop_index(batch_op.f('ix_property_landlord_phone_hmac'))
        batch_op.drop_index(batch_op.f('ix_property_grid_id'))
        batch_op.drop_index(batch_op.f('ix_property_community_id'))

    op.drop_table('property')
    with op.batch_alter_table('employment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employment_worksite_id_until'))
        batch_op.drop_index(batch_op.f('ix_employment_person_id_until'))

    op.drop_table('employment')
    with op.batch_alter_table('worksite', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worksite_grid_id'))
        batch_op.drop_index(batch_op.f('ix_worksite_community_id'))

    op.drop_table('worksite')
    op.drop_table('team')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_phone_hmac'))

    op.drop_table('person')
    op.drop_table('sweep')
    op.drop_table('setting')
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_batch_kind_sha256'))

    op.drop_table('import_batch')
    op.drop_table('audit')
    with op.batch_alter_table('area', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_area_parent_id'))
        batch_op.drop_index(batch_op.f('ix_area_level'))

    op.drop_table('area')
    op.drop_table('app_user')
    # ### end Alembic commands ###

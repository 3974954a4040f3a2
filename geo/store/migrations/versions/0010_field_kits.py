"""field kits, submissions keyed by their own ids, the review queue, proven visits, door plates

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('kit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sweep_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('form_id', sa.String(length=64), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('issued_by', sa.String(length=100), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("format = 'odk' OR format = 'gpkg'", name=op.f('ck_kit_format')),
    sa.ForeignKeyConstraint(['sweep_id'], ['sweep.id'], name=op.f('fk_kit_sweep_id_sweep')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_kit_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kit')),
    sa.UniqueConstraint('form_id', name=op.f('uq_kit_form_id'))
    )
    op.create_index(op.f('ix_kit_sweep_id_team_id'), 'kit', ['sweep_id', 'team_id'], unique=False)
    op.create_table('plate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('property_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('issued_by', sa.String(length=100), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['property_id'], ['property.id'], name=op.f('fk_plate_property_id_property')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plate')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_plate_token_hash'))
    )
    op.create_index(op.f('ix_plate_property_id_revoked_at'), 'plate', ['property_id', 'revoked_at'], unique=False)
    op.create_table('review_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sweep_id', sa.Integer(), nullable=True),
    sa.Column('property_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status = 'open' OR status = 'decided'", name=op.f('ck_review_item_status')),
    sa.ForeignKeyConstraint(['property_id'], ['property.id'], name=op.f('fk_review_item_property_id_property')),
    sa.ForeignKeyConstraint(['sweep_id'], ['sweep.id'], name=op.f('fk_review_item_sweep_id_sweep')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_item')),
    sa.UniqueConstraint('property_id', 'day', name=op.f('uq_review_item_property_id_day'))
    )
    op.create_table('submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.String(length=120), nullable=False),
    sa.Column('kit_id', sa.Integer(), nullable=True),
    sa.Column('sweep_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('property_id', sa.Integer(), nullable=True),
    sa.Column('visited_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('submitter', sa.String(length=200), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('residents_seen', sa.Integer(), nullable=True),
    sa.Column('confirmed', sa.Integer(), nullable=True),
    sa.Column('new_residents', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('accuracy_m', sa.Float(), nullable=True),
    sa.Column('plate_matches', sa.Boolean(), nullable=False),
    sa.Column('distance_m', sa.Float(), nullable=True),
    sa.Column('proven', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=True),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('imported_by', sa.String(length=100), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status = 'accepted' OR status = 'held' OR status = 'refused' OR status = 'declined'", name=op.f('ck_submission_status')),
    sa.ForeignKeyConstraint(['kit_id'], ['kit.id'], name=op.f('fk_submission_kit_id_kit')),
    sa.ForeignKeyConstraint(['property_id'], ['property.id'], name=op.f('fk_submission_property_id_property')),
    sa.ForeignKeyConstraint(['sweep_id'], ['sweep.id'], name=op.f('fk_submission_sweep_id_sweep')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_submission_team_id_team')),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_submission_visit_id_visit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission')),
    sa.UniqueConstraint('submission_id', name=op.f('uq_submission_submission_id'))
    )
    op.create_index(op.f('ix_submission_property_id_visited_at'), 'submission', ['property_id', 'visited_at'], unique=False)
    op.create_index(op.f('ix_submission_visit_id'), 'submission', ['visit_id'], unique=False)
    op.create_table('visit_proof',
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('how', sa.String(length=16), nullable=False),
    sa.Column('distance_m', sa.Float(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("how = 'plate_gps' OR how = 'backcheck'", name=op.f('ck_visit_proof_how')),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_visit_proof_visit_id_visit')),
    sa.PrimaryKeyConstraint('visit_id', name=op.f('pk_visit_proof'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('visit_proof')
    op.drop_index(op.f('ix_submission_visit_id'), table_name='submission')
    op.drop_index(op.f('ix_submission_property_id_visited_at'), table_name='submission')
    op.drop_table('submission')
    op.drop_table('review_item')
    op.drop_index(op.f('ix_plate_property_id_revoked_at'), table_name='plate')
    op.drop_table('plate')
    op.drop_index(op.f('ix_kit_sweep_id_team_id'), table_name='kit')
    op.drop_table('kit')

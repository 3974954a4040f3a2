"""move-out and departure report dates, declared employers, field finds of back-checks

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('field_find',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sweep_id', sa.Integer(), nullable=False),
    sa.Column('community', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.Column('room', sa.String(length=32), nullable=True),
    sa.Column('registered', sa.Boolean(), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('user_name', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['sweep_id'], ['sweep.id'], name=op.f('fk_field_find_sweep_id_sweep')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_field_find'))
    )
    with op.batch_alter_table('field_find', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_find_sweep_id'), ['sweep_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_find_checked_on'), ['checked_on'], unique=False)

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('employer_name', sa.String(length=200), nullable=True))

    with op.batch_alter_table('residence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moved_out_reported_on', sa.Date(), nullable=True))

    with op.batch_alter_table('employment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('until_reported_on', sa.Date(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('employment', schema=None) as batch_op:
        batch_op.drop_column('until_reported_on')

    with op.batch_alter_table('residence', schema=None) as batch_op:
        batch_op.drop_column('moved_out_reported_on')

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('employer_name')

    with op.batch_alter_table('field_find', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_find_checked_on'))
        batch_op.drop_index(batch_op.f('ix_field_find_sweep_id'))

    op.drop_table('field_find')

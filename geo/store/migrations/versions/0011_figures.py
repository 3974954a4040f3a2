"""figures kept beside the records: tallies per area, the triggers that note what changed

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30

"""
import logging
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from geo.store import figures

# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('figure_dirty',
    sa.Column('community_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('part', sa.String(length=9), nullable=False),
    sa.PrimaryKeyConstraint('community_id', 'part', name=op.f('pk_figure_dirty'))
    )
    op.create_table('figure_new_unit',
    sa.Column('property_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('property_id', name=op.f('pk_figure_new_unit'))
    )
    op.create_table('figure_newest',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('visited_at', sa.DateTime(), nullable=True),
    sa.Column('cut', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_figure_newest'))
    )
    op.create_table('figure_stay_day',
    sa.Column('cut', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('floating', sa.Integer(), nullable=False),
    sa.Column('not_found', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('moved_in', sa.Integer(), nullable=False),
    sa.Column('moved_out', sa.Integer(), nullable=False)
    )
    op.create_index('ix_figure_stay_day_read', 'figure_stay_day', ['cut', 'community_id', 'grid_id', 'floating', 'not_found', 'day', 'moved_in', 'moved_out'], unique=False)
    op.create_index(op.f('ix_figure_stay_day_community_id'), 'figure_stay_day', ['community_id'], unique=False)
    op.create_table('figure_unit_day',
    sa.Column('cut', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=9), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False)
    )
    op.create_index('ix_figure_unit_day_read', 'figure_unit_day', ['cut', 'community_id', 'grid_id', 'kind', 'day', 'units'], unique=False)
    op.create_index(op.f('ix_figure_unit_day_community_id'), 'figure_unit_day', ['community_id'], unique=False)
    op.create_table('figure_visit_day',
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('visits', sa.Integer(), nullable=False)
    )
    op.create_index(op.f('ix_figure_visit_day_community_id'), 'figure_visit_day', ['community_id'], unique=False)
    op.create_table('figure_worksites',
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('worksites', sa.Integer(), nullable=False)
    )
    op.create_index(op.f('ix_figure_worksites_community_id'), 'figure_worksites', ['community_id'], unique=False)
    bind = op.get_bind()
    figures.create_triggers(bind)
    # The figures are tallied by 0012, once its table is there too.


def downgrade() -> None:
    """Downgrade schema."""
    figures.drop_triggers(op.get_bind())
    for table in ('figure_worksites', 'figure_visit_day', 'figure_unit_day', 'figure_stay_day'):
        op.drop_table(table)
    op.drop_table('figure_newest')
    op.drop_table('figure_new_unit')
    op.drop_table('figure_dirty')

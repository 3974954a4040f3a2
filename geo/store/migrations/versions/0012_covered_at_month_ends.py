"""covered units per community at the kept month ends (the coverage trends' tallies),
units by their latest proven visit, and the trigger on visit_proof

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

"""
import logging
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from geo.store import figures

# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('figure_unit_month',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('month_end', sa.Date(), nullable=False),
    sa.Column('covered', sa.Integer(), nullable=False),
    sa.Column('covered_month', sa.Integer(), nullable=False)
    )
    op.create_index(op.f('ix_figure_unit_month_community_id'), 'figure_unit_month', ['community_id'], unique=False)
    op.create_index(op.f('ix_figure_unit_month_month_end'), 'figure_unit_month', ['month_end'], unique=False)
    bind = op.get_bind()
    figures.drop_triggers(bind)
    figures.create_triggers(bind)
    tallied = bind.execute(sa.text("SELECT count(*) FROM figure_newest")).scalar_one()
    _log.info("Tallying the figures of every area (once; a large database takes a while)")
    figures.tally(bind, parts=("units",) if tallied else figures.PARTS)


def downgrade() -> None:
    """Downgrade schema."""
    figures.drop_triggers(op.get_bind(), tables=("visit_proof",))
    op.drop_index(op.f('ix_figure_unit_month_month_end'), table_name='figure_unit_month')
    op.drop_index(op.f('ix_figure_unit_month_community_id'), table_name='figure_unit_month')
    op.drop_table('figure_unit_month')

"""visits: an index that covers the last visit per unit and its outcome

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Coverage per area reads (property_id, visited_at, outcome) from the index alone."""
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_property_id_visited_at'))
        batch_op.create_index(
            batch_op.f('ix_visit_property_id_visited_at_outcome'),
            ['property_id', 'visited_at', 'outcome'],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_property_id_visited_at_outcome'))
        batch_op.create_index(
            batch_op.f('ix_visit_property_id_visited_at'), ['property_id', 'visited_at'], unique=False
        )

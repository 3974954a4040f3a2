"""changes recorded for undo: the change log holds changes made outside imports, batches
their areas

``change_log.batch_id`` may be null (a correction on the property file, a move, retention),
with the action, the user and the time of the change; ``import_batch.communities`` holds the
communities a batch wrote in (JSON), so that a registrar sees and undoes only batches of
their areas.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.alter_column('batch_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('action', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('user_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('changed_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('communities', sa.Text(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_column('communities')
    op.execute("DELETE FROM change_log WHERE batch_id IS NULL")
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.drop_column('changed_at')
        batch_op.drop_column('user_name')
        batch_op.drop_column('action')
        batch_op.alter_column('batch_id', existing_type=sa.Integer(), nullable=False)

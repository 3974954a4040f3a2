"""reserved for issue 19 (field kits, submissions, door plates); no change yet

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

"""
from typing import Sequence, Union


# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""


def downgrade() -> None:
    """Downgrade schema."""

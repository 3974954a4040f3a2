"""reserved for issue 17 (AEAD sealing, keyed audit chain); no change yet

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

"""
from typing import Sequence, Union


# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""


def downgrade() -> None:
    """Downgrade schema."""

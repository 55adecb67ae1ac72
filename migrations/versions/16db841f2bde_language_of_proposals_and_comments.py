"""language of proposals and comments

Revision ID: 16db841f2bde
Revises: 90604f0e8c72
Create Date: 2026-12-07 22:08:07.212784

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "16db841f2bde"
down_revision = "90604f0e8c72"
branch_labels = None
depends_on = None


def upgrade():
    # Texts written before this revision are taken as French, the site's first language.
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), server_default="fr", nullable=False))

    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), server_default="fr", nullable=False))


def downgrade():
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_column("language")

    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("language")

"""coalitions: citizens' counts kept with their endorsements, the named citizens' index, the endorsements to watch

Counting 50,000 citizens' endorsements by stance read every one of them on each page: their counts are
now kept in citizen_tallies by the services, in the transaction that changes them (filled here from the
endorsements already given). The named citizens are paged through their own index, and the few
endorsements that may change by themselves (a pending condition, a mandate expiry not yet recorded) are
marked `watched`, so that a page's catch-up reads only those. Figures: docs/performance.md.

Revision ID: 3b7e5c0d9a21
Revises: edadf699cf25
Create Date: 2026-12-07 20:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3b7e5c0d9a21'
down_revision = 'edadf699cf25'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('citizen_tallies',
    sa.Column('position_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('stance', sa.String(length=20), nullable=False),
    sa.Column('condition_state', sa.String(length=10), nullable=False),
    sa.Column('named', sa.Boolean(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['position_id'], ['positions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['position_versions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('position_id', 'version_id', 'stance', 'condition_state', 'named')
    )
    with op.batch_alter_table('endorsements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('watched', sa.Boolean(), server_default='0', nullable=False))
        batch_op.create_index(
            'ix_endorsements_named', ['position_id', 'active', 'organisation_id', 'show_name', 'id'], unique=False
        )
        batch_op.create_index('ix_endorsements_watched', ['position_id', 'watched'], unique=False)
    # Endorsements given before this revision: their counts, and which to watch.
    op.execute(
        "INSERT INTO citizen_tallies (position_id, version_id, stance, condition_state, named, count) "
        "SELECT position_id, version_id, stance, condition_state, show_name, count(*) FROM endorsements "
        "WHERE active AND organisation_id IS NULL "
        "GROUP BY position_id, version_id, stance, condition_state, show_name"
    )
    op.execute(
        "UPDATE endorsements SET watched = (condition_state = 'pending' "
        "OR (mandate_expires IS NOT NULL AND NOT expiry_noted))"
    )


def downgrade():
    with op.batch_alter_table('endorsements', schema=None) as batch_op:
        batch_op.drop_index('ix_endorsements_watched')
        batch_op.drop_index('ix_endorsements_named')
        batch_op.drop_column('watched')
    op.drop_table('citizen_tallies')

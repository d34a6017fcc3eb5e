"""Indexes for the case list at national scale: its default order (newest reference first) and the
"Notified" sort walk an index instead of sorting every visible review.

Revision ID: 0007_performance_indexes
Revises: 0006_publication
Create Date: 2026-11-26 15:05:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007_performance_indexes'
down_revision = '0006_publication'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index('ix_reviews_ref_year_ref_number', ['ref_year', 'ref_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_reviews_notified_on'), ['notified_on'], unique=False)


def downgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviews_notified_on'))
        batch_op.drop_index('ix_reviews_ref_year_ref_number')

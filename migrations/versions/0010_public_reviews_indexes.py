"""Indexes for the public reviews page: its page of the newest publications is a walk of
(published_on, reference) rather than a sort of every published review, and its count of published
reviews reads (status, published_on) alone.

Revision ID: 0010_public_reviews_indexes
Revises: 0009_case_list_indexes
Create Date: 2026-11-26 19:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010_public_reviews_indexes'
down_revision = '0009_case_list_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index('ix_reviews_published_on_reference', ['published_on', 'reference'], unique=False)
        batch_op.create_index('ix_reviews_status_published_on', ['status', 'published_on'], unique=False)


def downgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_reviews_status_published_on')
        batch_op.drop_index('ix_reviews_published_on_reference')

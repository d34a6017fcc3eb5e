"""Delay notices indexed by (review, deadline, date told, id, date expected), replacing the index on the review
alone: the date the Home Office was last given for a review's deadline is read from the index, for each
overdue review My work and the case list count.

Revision ID: 0047_delay_notice_index
Revises: 0046_pending_import_checks
Create Date: 2026-12-05 04:55:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0047_delay_notice_index'
down_revision = '0046_pending_import_checks'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_delay_notices_review_deadline_told', 'delay_notices',
                    ['review_id', 'deadline', 'told_on', 'id', 'expected_on'], unique=False)
    op.drop_index('ix_delay_notices_review_id', table_name='delay_notices')


def downgrade():
    op.create_index('ix_delay_notices_review_id', 'delay_notices', ['review_id'], unique=False)
    op.drop_index('ix_delay_notices_review_deadline_told', table_name='delay_notices')

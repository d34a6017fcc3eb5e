"""Agency requests indexed by (review, status, due date) and recommendations by (review, completed, target,
proposed as complete), each replacing the index on the review alone: My work's counts over a partnership's
reviews read each review's entries from the index instead of its rows.

Revision ID: 0045_my_work_indexes
Revises: 0044_stored_next_deadline
Create Date: 2026-12-05 03:55:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0045_my_work_indexes'
down_revision = '0044_stored_next_deadline'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_agency_requests_review_status_due_on', 'agency_requests', ['review_id', 'status', 'due_on'],
                    unique=False)
    op.drop_index('ix_agency_requests_review_id', table_name='agency_requests')
    op.create_index('ix_recommendations_review_completed_target_proposed', 'recommendations',
                    ['review_id', 'completed_on', 'target_on', 'completion_proposed_on'], unique=False)
    op.drop_index('ix_recommendations_review_id', table_name='recommendations')


def downgrade():
    op.create_index('ix_recommendations_review_id', 'recommendations', ['review_id'], unique=False)
    op.drop_index('ix_recommendations_review_completed_target_proposed', table_name='recommendations')
    op.create_index('ix_agency_requests_review_id', 'agency_requests', ['review_id'], unique=False)
    op.drop_index('ix_agency_requests_review_status_due_on', table_name='agency_requests')

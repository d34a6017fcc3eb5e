"""A recommendation's progress indexed by (recommendation, time posted), replacing the index on the
recommendation alone: when each was last updated is read from the index, for the RAG status of lists.

Revision ID: 0019_progress_latest_index
Revises: 0018_consideration_panels
Create Date: 2026-11-27 02:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019_progress_latest_index'
down_revision = '0018_consideration_panels'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_recommendation_progress_latest', 'recommendation_progress', ['recommendation_id', 'posted_at'],
                    unique=False)
    op.drop_index('ix_recommendation_progress_recommendation_id', table_name='recommendation_progress')


def downgrade():
    op.create_index('ix_recommendation_progress_recommendation_id', 'recommendation_progress', ['recommendation_id'],
                    unique=False)
    op.drop_index('ix_recommendation_progress_latest', table_name='recommendation_progress')

"""Indexes for the case list filtered by status: in the default order (newest reference first) and the
"Notified" order, the database walks an index for the page instead of sorting every review at that stage;
and for My work's count of overdue agency reports, an index on the outstanding requests' due dates.

Revision ID: 0009_case_list_indexes
Revises: 0008_published_versions
Create Date: 2026-11-26 16:15:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009_case_list_indexes'
down_revision = '0008_published_versions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index('ix_reviews_status_ref_year_ref_number', ['status', 'ref_year', 'ref_number'], unique=False)
        batch_op.create_index('ix_reviews_status_notified_on', ['status', 'notified_on'], unique=False)

    with op.batch_alter_table('agency_requests', schema=None) as batch_op:
        batch_op.create_index('ix_agency_requests_status_due_on', ['status', 'due_on'], unique=False)


def downgrade():
    with op.batch_alter_table('agency_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_agency_requests_status_due_on')

    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_reviews_status_notified_on')
        batch_op.drop_index('ix_reviews_status_ref_year_ref_number')

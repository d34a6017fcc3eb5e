"""The access log is indexed by what happened, newest first: the access log page filtered by one kind
of entry (refusals, lockouts, purges) reads back along it instead of scanning the whole log.

Revision ID: 0027_access_log_by_event
Revises: 0026_access_log_purges
Create Date: 2026-11-27 13:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0027_access_log_by_event'
down_revision = '0026_access_log_purges'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index('ix_access_log_event_id', ['event', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index('ix_access_log_event_id')

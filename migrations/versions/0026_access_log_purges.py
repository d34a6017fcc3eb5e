"""The access log records each purge of itself: how many entries it deleted, and from before when.

Revision ID: 0026_access_log_purges
Revises: 0025_access_log_retention
Create Date: 2026-11-27 12:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0026_access_log_purges'
down_revision = '0025_access_log_retention'
branch_labels = None
depends_on = None

EVENTS = ['signed_in', 'sign_in_failed', 'second_factor_failed', 'recovery_code_used', 'locked_out', 'signed_out',
          'session_expired', 'refused', 'case_viewed', 'document_downloaded', 'password_changed',
          'second_factor_enrolled', 'account_created', 'roles_changed', 'account_disabled', 'account_enabled',
          'second_factor_reset', 'sessions_ended', 'password_reset_requested', 'password_reset']


def _events_allowed(events):
    # The enum's CHECK names the values it allows; SQLite rebuilds the table to change it.
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_access_log_accessevent'), type_='check')
        batch_op.create_check_constraint(op.f('ck_access_log_accessevent'),
                                         sa.column('event').in_(events))


def upgrade():
    _events_allowed(EVENTS + ['access_log_purged'])
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entries_deleted', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('deleted_before', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    # The access log is append-only: once a purge is recorded, its entry and the columns that say what
    # it deleted stay (the older code ignores them); only an unused schema is taken back.
    if op.get_bind().scalar(sa.text("SELECT count(*) FROM access_log WHERE event = 'access_log_purged'")):
        return
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_column('deleted_before')
        batch_op.drop_column('entries_deleted')
    _events_allowed(EVENTS)

"""The access log records each subject access request answered: who made the download, and when.

Revision ID: 0043_subject_access_requests
Revises: 0042_reviews_exported
Create Date: 2026-12-05 02:05:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0043_subject_access_requests'
down_revision = '0042_reviews_exported'
branch_labels = None
depends_on = None

EVENTS = ['signed_in', 'sign_in_failed', 'second_factor_failed', 'recovery_code_used', 'locked_out', 'signed_out',
          'session_expired', 'refused', 'case_viewed', 'document_downloaded', 'password_changed',
          'second_factor_enrolled', 'account_created', 'roles_changed', 'account_disabled', 'account_enabled',
          'second_factor_reset', 'sessions_ended', 'password_reset_requested', 'password_reset', 'access_log_purged',
          'reviews_exported']


def _events_allowed(events):
    # The enum's CHECK names the values it allows; SQLite rebuilds the table to change it.
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_access_log_accessevent'), type_='check')
        batch_op.create_check_constraint(op.f('ck_access_log_accessevent'), sa.column('event').in_(events))


def upgrade():
    _events_allowed(EVENTS + ['subject_access_request'])


def downgrade():
    # The access log is append-only: once a subject access request is recorded, its entry stays and so does
    # the event allowing it (the older code never reads it); only an unused value is taken back.
    if op.get_bind().scalar(sa.text("SELECT count(*) FROM access_log WHERE event = 'subject_access_request'")):
        return
    _events_allowed(EVENTS)

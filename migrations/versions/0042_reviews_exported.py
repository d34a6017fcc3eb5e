"""The access log records each export of a partnership's reviews: who took them out, and when.

Revision ID: 0042_reviews_exported
Revises: 0041_pending_imports
Create Date: 2026-12-05 02:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0042_reviews_exported'
down_revision = '0041_pending_imports'
branch_labels = None
depends_on = None

EVENTS = ['signed_in', 'sign_in_failed', 'second_factor_failed', 'recovery_code_used', 'locked_out', 'signed_out',
          'session_expired', 'refused', 'case_viewed', 'document_downloaded', 'password_changed',
          'second_factor_enrolled', 'account_created', 'roles_changed', 'account_disabled', 'account_enabled',
          'second_factor_reset', 'sessions_ended', 'password_reset_requested', 'password_reset', 'access_log_purged']


def _events_allowed(events):
    # The enum's CHECK names the values it allows; SQLite rebuilds the table to change it.
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_access_log_accessevent'), type_='check')
        batch_op.create_check_constraint(op.f('ck_access_log_accessevent'), sa.column('event').in_(events))


def upgrade():
    _events_allowed(EVENTS + ['reviews_exported'])


def downgrade():
    # The access log is append-only: once an export is recorded, its entry stays and so does the event
    # allowing it (the older code never reads it); only an unused value is taken back.
    if op.get_bind().scalar(sa.text("SELECT count(*) FROM access_log WHERE event = 'reviews_exported'")):
        return
    _events_allowed(EVENTS)

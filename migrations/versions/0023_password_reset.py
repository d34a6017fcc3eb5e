"""Forgotten passwords and account security: the access log records a request for a link to set a new
password, and the password set with one; the local outbox keeps e-mails about a person's own account,
which belong to no reminder; and the log is indexed by person and time, for the recent activity on
Your account (by the person, and by whom the entry is about).

Revision ID: 0023_password_reset
Revises: 0022_cost_recharges
Create Date: 2026-11-27 07:40:00

"""
import sqlalchemy as sa
from alembic import op

from migrations.data_loss import refuse_to_destroy


# revision identifiers, used by Alembic.
revision = '0023_password_reset'
down_revision = '0022_cost_recharges'
branch_labels = None
depends_on = None

EVENTS = ['signed_in', 'sign_in_failed', 'second_factor_failed', 'recovery_code_used', 'locked_out', 'signed_out',
          'session_expired', 'refused', 'case_viewed', 'document_downloaded', 'password_changed',
          'second_factor_enrolled', 'account_created', 'roles_changed', 'account_disabled', 'account_enabled',
          'second_factor_reset', 'sessions_ended']
NEW_EVENTS = ['password_reset_requested', 'password_reset']


def _events_allowed(events):
    # The enum's CHECK names the values it allows; SQLite rebuilds the table to change it.
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_access_log_accessevent'), type_='check')
        batch_op.create_check_constraint(op.f('ck_access_log_accessevent'),
                                         sa.column('event').in_(events))


def upgrade():
    _events_allowed(EVENTS + NEW_EVENTS)
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_log_user_id'))
        batch_op.create_index('ix_access_log_user_id_occurred_at', ['user_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_access_log_subject_user_id_occurred_at', ['subject_user_id', 'occurred_at'],
                              unique=False)
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('reminder_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    refuse_to_destroy('outbox_messages', 'reminder_id IS NULL', what="e-mails about people's own accounts")
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index('ix_access_log_subject_user_id_occurred_at')
        batch_op.drop_index('ix_access_log_user_id_occurred_at')
        batch_op.create_index(batch_op.f('ix_access_log_user_id'), ['user_id'], unique=False)
    op.execute("DELETE FROM outbox_messages WHERE reminder_id IS NULL")
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('reminder_id', existing_type=sa.Integer(), nullable=False)
    # The access log is append-only: entries of the new kinds stay, so the old CHECK cannot come back
    # while there are any. Downgrading keeps the wider CHECK in that case.
    if not op.get_bind().scalar(sa.text("SELECT count(*) FROM access_log WHERE event IN "
                                        "('password_reset_requested', 'password_reset')")):
        _events_allowed(EVENTS)

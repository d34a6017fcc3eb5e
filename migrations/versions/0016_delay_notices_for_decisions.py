"""Delays reported to the Home Office cover the decision as well as the report: each notice says which
deadline it is about (those recorded so far were all about the report), and the date the Home Office was
told to expect is `expected_on`, for either.

Revision ID: 0016_delay_notices_for_decisions
Revises: 0015_joint_reviews
Create Date: 2026-11-27 00:20:00

"""
import sqlalchemy as sa
from alembic import op

from migrations.data_loss import refuse_to_destroy


# revision identifiers, used by Alembic.
revision = '0016_delay_notices_for_decisions'
down_revision = '0015_joint_reviews'
branch_labels = None
depends_on = None

DEADLINE = sa.Enum('decision', 'report', name='deadlinekind', native_enum=False, create_constraint=True, length=16)


def upgrade():
    with op.batch_alter_table('delay_notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deadline', DEADLINE, nullable=False, server_default='report'))
        batch_op.alter_column('expected_submission_on', new_column_name='expected_on')
    # The model sets the deadline on every new notice; the default only filled the existing rows.
    with op.batch_alter_table('delay_notices', schema=None) as batch_op:
        batch_op.alter_column('deadline', server_default=None)


def downgrade():
    refuse_to_destroy('delay_notices', "deadline = 'decision'", what='delays to decisions')
    op.execute("DELETE FROM delay_notices WHERE deadline = 'decision'")
    with op.batch_alter_table('delay_notices', schema=None) as batch_op:
        batch_op.alter_column('expected_on', new_column_name='expected_submission_on')
        # SQLite's copy of the table would keep the enum's CHECK on the dropped column.
        batch_op.drop_constraint(op.f('ck_delay_notices_deadlinekind'), type_='check')
        batch_op.drop_column('deadline')

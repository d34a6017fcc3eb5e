"""Delays reported to the Home Office: each time the partnership tells the Home Office the report
will be late, the date it was told, the cause, the explanation and when the report is now expected.

Revision ID: 0013_delay_notices
Revises: 0012_hold_first_expected_end
Create Date: 2026-11-26 22:30:00

"""
import sqlalchemy as sa
from alembic import op

from migrations.data_loss import refuse_to_destroy


# revision identifiers, used by Alembic.
revision = '0013_delay_notices'
down_revision = '0012_hold_first_expected_end'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('delay_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('told_on', sa.Date(), nullable=False),
    sa.Column('cause', sa.Enum('parallel_proceedings', 'agency_information', 'family_involvement', 'chair_or_author', 'drafting_and_sign_off', 'other', name='delaycause', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('expected_submission_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_delay_notices_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_delay_notices_review_id_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delay_notices'))
    )
    with op.batch_alter_table('delay_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delay_notices_review_id'), ['review_id'], unique=False)



def downgrade():
    refuse_to_destroy('delay_notices', what='delays the Home Office was told of')
    with op.batch_alter_table('delay_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delay_notices_review_id'))

    op.drop_table('delay_notices')

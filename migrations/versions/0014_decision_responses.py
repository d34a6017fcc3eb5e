"""The Home Office's response to a decision whether to hold a review: for a decision not to hold one,
whether the Quality Assurance Panel agreed or a review was asked for; for a decision to hold one, its
acknowledgement. One per decision, kept by the decision's date and kind.

Revision ID: 0014_decision_responses
Revises: 0013_delay_notices
Create Date: 2026-11-27 00:05:00

"""
import sqlalchemy as sa
from alembic import op

from migrations.data_loss import refuse_to_destroy


# revision identifiers, used by Alembic.
revision = '0014_decision_responses'
down_revision = '0013_delay_notices'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('decision_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('decision_on', sa.Date(), nullable=False),
    sa.Column('review_held', sa.Boolean(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('outcome', sa.Enum('acknowledged', 'agreed', 'review_advised', 'review_directed', name='decisionresponseoutcome', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_decision_responses_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_decision_responses_review_id_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_responses')),
    sa.UniqueConstraint('review_id', 'decision_on', 'review_held', name='uq_decision_responses_review_decision')
    )


def downgrade():
    refuse_to_destroy('decision_responses', what="the Home Office's responses to decisions")
    op.drop_table('decision_responses')

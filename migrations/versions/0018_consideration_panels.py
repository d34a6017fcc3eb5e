"""Consideration panels: agencies meet after a notification and advise the chair whether to hold a review.

Revision ID: 0018_consideration_panels
Revises: 0017_original_target_dates
Create Date: 2026-11-27 02:23:12

"""
import sqlalchemy as sa
from alembic import op

from migrations.data_loss import refuse_to_destroy


# revision identifiers, used by Alembic.
revision = '0018_consideration_panels'
down_revision = '0017_original_target_dates'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consideration_panels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('met_on', sa.Date(), nullable=False),
    sa.Column('attended_by', sa.Text(), nullable=False),
    sa.Column('advice', sa.Enum('hold', 'do_not_hold', 'other_review', 'more_information', name='considerationadvice', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_consideration_panels_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_consideration_panels_review_id_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consideration_panels'))
    )
    op.create_index(op.f('ix_consideration_panels_review_id'), 'consideration_panels', ['review_id'], unique=False)


def downgrade():
    refuse_to_destroy('consideration_panels', what='consideration panels')
    op.drop_index(op.f('ix_consideration_panels_review_id'), table_name='consideration_panels')
    op.drop_table('consideration_panels')

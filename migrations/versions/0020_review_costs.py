"""A review's costs, each with the organisation paying it (amounts in whole pence).

Revision ID: 0020_review_costs
Revises: 0019_progress_latest_index
Create Date: 2026-11-27 03:05:00

"""
import sqlalchemy as sa
from alembic import op

from migrations.data_loss import refuse_to_destroy


# revision identifiers, used by Alembic.
revision = '0020_review_costs'
down_revision = '0019_progress_latest_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_costs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('incurred_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('chair', 'author', 'administration', 'family_advocacy', 'legal', 'other', name='costkind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('amount_pence', sa.Integer(), nullable=False),
    sa.Column('funder_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_pence > 0', name=op.f('ck_review_costs_amount_positive')),
    sa.ForeignKeyConstraint(['funder_id'], ['organisations.id'], name=op.f('fk_review_costs_funder_id_organisations')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_review_costs_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_review_costs_review_id_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_costs'))
    )
    op.create_index(op.f('ix_review_costs_review_id'), 'review_costs', ['review_id'], unique=False)


def downgrade():
    refuse_to_destroy('review_costs', what='recorded costs')
    op.drop_index(op.f('ix_review_costs_review_id'), table_name='review_costs')
    op.drop_table('review_costs')

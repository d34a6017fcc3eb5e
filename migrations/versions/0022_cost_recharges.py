"""Recharges: payments between a review's funders settling their agreed shares of its costs.

Revision ID: 0022_cost_recharges
Revises: 0021_cost_sharing
Create Date: 2026-11-27 05:14:48

"""
import sqlalchemy as sa
from alembic import op

from migrations.data_loss import refuse_to_destroy


# revision identifiers, used by Alembic.
revision = '0022_cost_recharges'
down_revision = '0021_cost_sharing'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cost_recharges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('payer_id', sa.Integer(), nullable=False),
    sa.Column('payee_id', sa.Integer(), nullable=False),
    sa.Column('amount_pence', sa.Integer(), nullable=False),
    sa.Column('reference', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_pence > 0', name=op.f('ck_cost_recharges_amount_positive')),
    sa.CheckConstraint('payer_id <> payee_id', name=op.f('ck_cost_recharges_between_two')),
    sa.ForeignKeyConstraint(['payee_id'], ['organisations.id'], name=op.f('fk_cost_recharges_payee_id_organisations')),
    sa.ForeignKeyConstraint(['payer_id'], ['organisations.id'], name=op.f('fk_cost_recharges_payer_id_organisations')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_cost_recharges_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_cost_recharges_review_id_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cost_recharges'))
    )
    op.create_index(op.f('ix_cost_recharges_review_id'), 'cost_recharges', ['review_id'], unique=False)


def downgrade():
    refuse_to_destroy('cost_recharges', what='recharges')
    op.drop_index(op.f('ix_cost_recharges_review_id'), table_name='cost_recharges')
    op.drop_table('cost_recharges')

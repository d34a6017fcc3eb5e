"""The shares of a review's costs its funders agreed (in basis points, adding up to 100%).

Revision ID: 0021_cost_sharing
Revises: 0020_review_costs
Create Date: 2026-11-27 04:53:03

"""
import sqlalchemy as sa
from alembic import op

from migrations.data_loss import refuse_to_destroy


# revision identifiers, used by Alembic.
revision = '0021_cost_sharing'
down_revision = '0020_review_costs'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cost_sharings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('agreed_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_cost_sharings_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_cost_sharings_review_id_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cost_sharings')),
    sa.UniqueConstraint('review_id', name=op.f('uq_cost_sharings_review_id'))
    )
    op.create_table('cost_shares',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sharing_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('basis_points', sa.Integer(), nullable=False),
    sa.CheckConstraint('basis_points > 0 AND basis_points <= 10000', name=op.f('ck_cost_shares_basis_points_in_range')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_cost_shares_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['sharing_id'], ['cost_sharings.id'], name=op.f('fk_cost_shares_sharing_id_cost_sharings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cost_shares')),
    sa.UniqueConstraint('sharing_id', 'organisation_id', name=op.f('uq_cost_shares_sharing_id'))
    )


def downgrade():
    refuse_to_destroy('cost_sharings', what='agreed shares of costs')
    refuse_to_destroy('cost_shares', what='agreed shares of costs')
    op.drop_table('cost_shares')
    op.drop_table('cost_sharings')

"""Each partnership's reviews by stage: (lead_partnership_id, status) and (joint_partnership_id, status)
replace the single-column partnership indexes, which they cover as prefixes.

A coordinator's pages ask for their partnership's reviews at some stages (My work's open reviews
and counts, the case list filtered by status): with the stage in the index these are index searches,
not a fetch of every one of the partnership's reviews to read its stage.

Revision ID: 0011_partnership_stage_indexes
Revises: 0010_public_reviews_indexes
Create Date: 2026-11-26 20:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011_partnership_stage_indexes'
down_revision = '0010_public_reviews_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index('ix_reviews_lead_partnership_id_status', ['lead_partnership_id', 'status'], unique=False)
        batch_op.create_index('ix_reviews_joint_partnership_id_status', ['joint_partnership_id', 'status'],
                              unique=False)
        batch_op.drop_index('ix_reviews_lead_partnership_id')
        batch_op.drop_index('ix_reviews_joint_partnership_id')


def downgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index('ix_reviews_joint_partnership_id', ['joint_partnership_id'], unique=False)
        batch_op.create_index('ix_reviews_lead_partnership_id', ['lead_partnership_id'], unique=False)
        batch_op.drop_index('ix_reviews_joint_partnership_id_status')
        batch_op.drop_index('ix_reviews_lead_partnership_id_status')

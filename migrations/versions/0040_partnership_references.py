"""Reviews brought in from a partnership's spreadsheet: the partnership's own reference beside the tracker's,
and the agencies involved in each review.

Revision ID: 0040_partnership_references
Revises: 0039_copies_sent
Create Date: 2026-12-05 01:35:00

"""
import sqlalchemy as sa
from alembic import op

from migrations.data_loss import refuse_to_destroy

# revision identifiers, used by Alembic.
revision = '0040_partnership_references'
down_revision = '0039_copies_sent'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partnership_reference', sa.String(length=60), nullable=True))
        batch_op.create_unique_constraint('uq_reviews_lead_partnership_reference',
                                          ['lead_partnership_id', 'partnership_reference'])
    op.create_table(
        'review_agencies',
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_review_agencies_review_id_reviews'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['agency_id'], ['organisations.id'],
                                name=op.f('fk_review_agencies_agency_id_organisations')),
        sa.PrimaryKeyConstraint('review_id', 'agency_id', name=op.f('pk_review_agencies')),
    )


def downgrade():
    refuse_to_destroy('review_agencies', what='the agencies involved in reviews')
    op.drop_table('review_agencies')
    refuse_to_destroy('reviews', 'partnership_reference IS NOT NULL', what="partnerships' own references")
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_constraint('uq_reviews_lead_partnership_reference', type_='unique')
        batch_op.drop_column('partnership_reference')

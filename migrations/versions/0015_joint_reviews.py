"""A review held jointly with a Safeguarding Adults Review or a Child Safeguarding Practice Review, and
the board or partnership that shares it: both recorded, or neither.

Revision ID: 0015_joint_reviews
Revises: 0014_decision_responses
Create Date: 2026-11-27 00:30:00

"""
import sqlalchemy as sa
from alembic import op

from migrations.data_loss import refuse_to_destroy


# revision identifiers, used by Alembic.
revision = '0015_joint_reviews'
down_revision = '0014_decision_responses'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('joint_review_kind', sa.Enum('safeguarding_adults_review', 'child_safeguarding_practice_review', name='jointreviewkind', native_enum=False, create_constraint=True, length=40), nullable=True))
        batch_op.add_column(sa.Column('joint_review_with', sa.String(length=200), nullable=True))
        batch_op.create_check_constraint(op.f('ck_reviews_joint_review_kind_and_with'),
                                         '(joint_review_kind IS NULL) = (joint_review_with IS NULL)')



def downgrade():
    refuse_to_destroy('reviews', 'joint_review_kind IS NOT NULL OR joint_review_with IS NOT NULL', what='joint reviews')
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_reviews_joint_review_kind_and_with'), type_='check')
        # SQLite's copy of the table would keep the enum's CHECK on the dropped column.
        batch_op.drop_constraint(op.f('ck_reviews_jointreviewkind'), type_='check')
        batch_op.drop_column('joint_review_with')
        batch_op.drop_column('joint_review_kind')


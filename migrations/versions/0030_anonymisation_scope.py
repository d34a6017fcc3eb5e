"""An anonymisation check records what else it read besides the documents: a digest of each public
text of the review and of the restricted values recorded, so a text changed or a name recorded since
makes it out of date.

Revision ID: 0030_anonymisation_scope
Revises: 0029_review_recorded_on
Create Date: 2026-12-05 00:40:00

"""
import sqlalchemy as sa
from alembic import op

from migrations.data_loss import refuse_to_destroy

# revision identifiers, used by Alembic.
revision = '0030_anonymisation_scope'
down_revision = '0029_review_recorded_on'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('anonymisation_checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('texts', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('names_sha256', sa.String(length=64), nullable=True))


def downgrade():
    refuse_to_destroy('anonymisation_checks', 'texts IS NOT NULL OR names_sha256 IS NOT NULL',
                      what='what each anonymisation check read besides the documents')
    with op.batch_alter_table('anonymisation_checks', schema=None) as batch_op:
        batch_op.drop_column('names_sha256')
        batch_op.drop_column('texts')

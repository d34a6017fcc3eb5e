"""Which version of a published document went public: later uploads stay OFFICIAL-SENSITIVE
until they are checked and published in their turn, and earlier drafts are never public.

Revision ID: 0008_published_versions
Revises: 0007_performance_indexes
Create Date: 2026-11-27 10:00:00

"""
import sqlalchemy as sa
from alembic import op

from migrations.data_loss import refuse_to_destroy


# revision identifiers, used by Alembic.
revision = '0008_published_versions'
down_revision = '0007_performance_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_version', sa.Integer(), nullable=True))


def downgrade():
    refuse_to_destroy('documents', 'published_version IS NOT NULL', what='which version of a document was published')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('published_version')

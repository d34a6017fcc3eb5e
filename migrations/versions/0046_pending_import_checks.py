"""A spreadsheet's preview and import run outside the request that asks for them: the pending import records
where its check or import has got to, since when, and what it found.

Revision ID: 0046_pending_import_checks
Revises: 0045_my_work_indexes
Create Date: 2026-12-05 04:05:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0046_pending_import_checks'
down_revision = '0045_my_work_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pending_imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stage', sa.String(length=16), nullable=False, server_default='checking'))
        batch_op.add_column(sa.Column('started_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('result', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('pending_imports', schema=None) as batch_op:
        batch_op.drop_column('result')
        batch_op.drop_column('started_at')
        batch_op.drop_column('stage')

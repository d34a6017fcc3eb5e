"""A recommendation keeps the target date first agreed once its target is revised (none revised so far).

Revision ID: 0017_original_target_dates
Revises: 0016_delay_notices_for_decisions
Create Date: 2026-11-27 02:17:26

"""
import sqlalchemy as sa
from alembic import op

from migrations.data_loss import refuse_to_destroy


# revision identifiers, used by Alembic.
revision = '0017_original_target_dates'
down_revision = '0016_delay_notices_for_decisions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('original_target_on', sa.Date(), nullable=True))


def downgrade():
    refuse_to_destroy('recommendations', 'original_target_on IS NOT NULL', what="recommendations' original target dates")
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.drop_column('original_target_on')

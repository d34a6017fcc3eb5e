"""A hold keeps the expected end it was given when it began, beside the current one, so a hold whose
end has been changed shows how far it has moved (the history says when and why).

Revision ID: 0012_hold_first_expected_end
Revises: 0011_partnership_stage_indexes
Create Date: 2026-11-26 22:30:00

"""
import sqlalchemy as sa
from alembic import op

from migrations.data_loss import refuse_to_destroy


# revision identifiers, used by Alembic.
revision = '0012_hold_first_expected_end'
down_revision = '0011_partnership_stage_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review_holds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_expected_end_on', sa.Date(), nullable=True))
    # Until now an expected end could not change, so the current one is the first.
    op.execute('UPDATE review_holds SET first_expected_end_on = expected_end_on')
    with op.batch_alter_table('review_holds', schema=None) as batch_op:
        batch_op.alter_column('first_expected_end_on', existing_type=sa.Date(), nullable=False)


def downgrade():
    refuse_to_destroy('review_holds', 'first_expected_end_on <> expected_end_on', what="holds' first expected ends")
    with op.batch_alter_table('review_holds', schema=None) as batch_op:
        batch_op.drop_column('first_expected_end_on')

"""Keeping case files: a review can be kept longer than the retention period gives, and records the day
its case file was disposed of. On PostgreSQL the history stays append-only, except that the transaction
disposing of one review's case file may delete that review's history (and no other's).

Revision ID: 0024_case_file_retention
Revises: 0023_password_reset
Create Date: 2026-11-27 09:41:25

"""
import sqlalchemy as sa
from alembic import op

from migrations.data_loss import refuse_to_destroy


# revision identifiers, used by Alembic.
revision = '0024_case_file_retention'
down_revision = '0023_password_reset'
branch_labels = None
depends_on = None

# retention.services sets ssgp.disposing_review for its own transaction only (set_config(..., true)).
DISPOSAL_ALLOWED = """
CREATE OR REPLACE FUNCTION case_events_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('ssgp.disposing_review', true) = OLD.review_id::text THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'case_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION case_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'case_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""


def upgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_extended_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('disposed_on', sa.Date(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DISPOSAL_ALLOWED)


def downgrade():
    refuse_to_destroy('reviews', 'disposed_on IS NOT NULL OR retention_extended_until IS NOT NULL', what='case file disposals and extended retention')
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY)
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_column('disposed_on')
        batch_op.drop_column('retention_extended_until')

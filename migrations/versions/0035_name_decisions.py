"""Names allowed for publication, and findings of the anonymisation check accepted as false
positives: each recorded by a coordinator and in effect once a second person confirms it.

Revision ID: 0035_name_decisions
Revises: 0034_organisation_changes
Create Date: 2026-12-05 00:40:00

"""
import sqlalchemy as sa
from alembic import op

from migrations.data_loss import refuse_to_destroy

# revision identifiers, used by Alembic.
revision = '0035_name_decisions'
down_revision = '0034_organisation_changes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'name_decisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('allow_name', 'accept_finding', name='namedecisionkind', native_enum=False,
                                  create_constraint=True, length=20), nullable=False),
        sa.Column('name_key', sa.String(length=60), nullable=False),
        sa.Column('name_sha256', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.Enum('family_asked', 'public_through_courts', 'other', 'false_positive',
                                    name='namedecisionreason', native_enum=False, create_constraint=True, length=30),
                  nullable=False),
        sa.Column('details', sa.Text(), nullable=True),
        sa.Column('family_agreed_on', sa.Date(), nullable=True),
        sa.Column('home_office_agreed_on', sa.Date(), nullable=True),
        sa.Column('location', sa.String(length=200), nullable=True),
        sa.Column('part', sa.String(length=100), nullable=True),
        sa.Column('variant', sa.String(length=200), nullable=True),
        sa.Column('content_sha256', sa.String(length=64), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_name_decisions_review_id_reviews'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_name_decisions_recorded_by_id_users')),
        sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'],
                                name=op.f('fk_name_decisions_confirmed_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_name_decisions')),
    )
    with op.batch_alter_table('name_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_name_decisions_review_id'), ['review_id'], unique=False)


def downgrade():
    refuse_to_destroy('name_decisions', what='the decisions allowing names to be published')
    with op.batch_alter_table('name_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_name_decisions_review_id'))
    op.drop_table('name_decisions')

"""Administrators manage partnerships and agencies: an agency's kind, whether an organisation is still active,
and the record of each change to them.

Revision ID: 0034_organisation_changes
Revises: 0033_notifiers_and_inquests
Create Date: 2026-12-05 00:40:00

"""
import sqlalchemy as sa
from alembic import op

from migrations.data_loss import refuse_to_destroy

# revision identifiers, used by Alembic.
revision = '0034_organisation_changes'
down_revision = '0033_notifiers_and_inquests'
branch_labels = None
depends_on = None

AGENCY_KINDS = ('police', 'health', 'council', 'probation', 'specialist_domestic_abuse', 'other')
CHANGES = ('added', 'renamed', 'short_name_changed', 'kind_changed', 'made_inactive', 'made_active')


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency_kind', sa.Enum(*AGENCY_KINDS, name='agencykind', native_enum=False,
                                                             create_constraint=True, length=32), nullable=True))
        batch_op.add_column(sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_table(
        'organisation_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
        sa.Column('change', sa.Enum(*CHANGES, name='organisationchangekind', native_enum=False, create_constraint=True,
                                    length=32), nullable=False),
        sa.Column('from_value', sa.String(length=200), nullable=True),
        sa.Column('to_value', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_organisation_changes_changed_by_id_users')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_organisation_changes_organisation_id_organisations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_changes')),
    )
    with op.batch_alter_table('organisation_changes', schema=None) as batch_op:
        batch_op.create_index('ix_organisation_changes_organisation_id_occurred_at', ['organisation_id', 'occurred_at'],
                              unique=False)


def downgrade():
    refuse_to_destroy('organisation_changes', what='the record of changes to partnerships and agencies')
    refuse_to_destroy('organisations', 'agency_kind IS NOT NULL', what="agencies' kinds")
    refuse_to_destroy('organisations', 'NOT is_active', what='partnerships and agencies marked inactive')
    with op.batch_alter_table('organisation_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_organisation_changes_organisation_id_occurred_at')
    op.drop_table('organisation_changes')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        # SQLite's copy of the table would keep the enum's CHECK on the dropped column.
        batch_op.drop_constraint(op.f('ck_organisations_agencykind'), type_='check')
        batch_op.drop_column('is_active')
        batch_op.drop_column('agency_kind')

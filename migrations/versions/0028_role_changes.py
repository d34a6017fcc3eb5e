"""Each role given or taken away is recorded, for the person's account page and the administrators' page of
the account: whose, which role in which partnership, by whom, when.

Revision ID: 0028_role_changes
Revises: 0027_access_log_by_event
Create Date: 2026-12-04 21:40:00

"""
import sqlalchemy as sa
from alembic import op

from migrations.data_loss import refuse_to_destroy

# revision identifiers, used by Alembic.
revision = '0028_role_changes'
down_revision = '0027_access_log_by_event'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'role_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
        sa.Column('role', sa.Enum('admin', 'coordinator', 'manager', 'panel_member', name='role', native_enum=False,
                                  create_constraint=True, length=20), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.Column('granted', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_role_changes_changed_by_id_users')),
        sa.ForeignKeyConstraint(['partnership_id'], ['organisations.id'],
                                name=op.f('fk_role_changes_partnership_id_organisations')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_role_changes_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_role_changes')),
    )
    with op.batch_alter_table('role_changes', schema=None) as batch_op:
        batch_op.create_index('ix_role_changes_user_id_occurred_at', ['user_id', 'occurred_at'], unique=False)


def downgrade():
    refuse_to_destroy('role_changes', what='the record of who gave and took away whose roles')
    with op.batch_alter_table('role_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_role_changes_user_id_occurred_at')
    op.drop_table('role_changes')

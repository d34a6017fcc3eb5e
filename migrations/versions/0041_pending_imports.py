"""A spreadsheet of reviews uploaded and previewed, kept until its import is confirmed.

Revision ID: 0041_pending_imports
Revises: 0040_partnership_references
Create Date: 2026-12-05 01:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0041_pending_imports'
down_revision = '0040_partnership_references'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pending_imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=43), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_pending_imports_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['partnership_id'], ['organisations.id'],
                                name=op.f('fk_pending_imports_partnership_id_organisations'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_imports')),
        sa.UniqueConstraint('token', name=op.f('uq_pending_imports_token')),
    )
    with op.batch_alter_table('pending_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_imports_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_imports_uploaded_at'), ['uploaded_at'], unique=False)


def downgrade():
    # Files waiting for their import to be confirmed: uploaded again if wanted, nothing recorded is lost.
    with op.batch_alter_table('pending_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_imports_uploaded_at'))
        batch_op.drop_index(batch_op.f('ix_pending_imports_user_id'))
    op.drop_table('pending_imports')

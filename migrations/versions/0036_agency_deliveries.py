"""Agencies deliver their scoping response, IMR or chronology through the tracker: a request keeps the
document delivered against it (every version) and what was missing when it was last returned; a
scoping response is a kind of document; a comment on a draft names the version that was read.

Revision ID: 0036_agency_deliveries
Revises: 0035_name_decisions
Create Date: 2026-12-05 00:45:00

"""
import sqlalchemy as sa
from alembic import op

from migrations.data_loss import refuse_to_destroy

# revision identifiers, used by Alembic.
revision = '0036_agency_deliveries'
down_revision = '0035_name_decisions'
branch_labels = None
depends_on = None

BEFORE = ('terms_of_reference', 'imr', 'chronology', 'minutes', 'draft_overview_report', 'overview_report',
          'executive_summary', 'action_plan', 'home_office_letter', 'learning_summary', 'other')
AFTER = ('terms_of_reference', 'scoping_response', *BEFORE[1:])


def _document_types(values: tuple[str, ...]) -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_documents_documenttype'), type_='check')
        batch_op.create_check_constraint('documenttype', sa.column('document_type').in_(values))


def upgrade():
    _document_types(AFTER)
    with op.batch_alter_table('agency_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('return_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_agency_requests_document_id_documents'), 'documents',
                                    ['document_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_agency_requests_document_id'), ['document_id'], unique=False)
    with op.batch_alter_table('input_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_version_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_input_entries_document_version_id_document_versions'),
                                    'document_versions', ['document_version_id'], ['id'])


def downgrade():
    refuse_to_destroy('agency_requests', 'document_id IS NOT NULL OR return_reason IS NOT NULL',
                      what='documents delivered against agency requests, and what was missing when returned')
    refuse_to_destroy('input_entries', 'document_version_id IS NOT NULL',
                      what='the draft versions comments were made on')
    refuse_to_destroy('documents', "document_type = 'scoping_response'", what='scoping responses')
    with op.batch_alter_table('input_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_input_entries_document_version_id_document_versions'),
                                 type_='foreignkey')
        batch_op.drop_column('document_version_id')
    with op.batch_alter_table('agency_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_requests_document_id'))
        batch_op.drop_constraint(batch_op.f('fk_agency_requests_document_id_documents'), type_='foreignkey')
        batch_op.drop_column('return_reason')
        batch_op.drop_column('document_id')
    _document_types(BEFORE)

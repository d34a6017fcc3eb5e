"""Organisations, accounts and roles, reviews with holds, QA rounds, panels and the case history.

Revision ID: 0001
Revises: 
Create Date: 2026-11-24 19:05:53.705758

"""
from alembic import op

from migrations.data_loss import refuse_to_destroy
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


# PostgreSQL refuses any UPDATE or DELETE of a history event; SQLite relies on the hash chain.
APPEND_ONLY_FUNCTION = """
CREATE FUNCTION case_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'case_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""
APPEND_ONLY_TRIGGER = """
CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
FOR EACH ROW EXECUTE FUNCTION case_events_append_only()
"""


def upgrade():
    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('short_name', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.Enum('partnership', 'agency', name='organisationkind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('name', name=op.f('uq_organisations_name')),
    sa.UniqueConstraint('short_name', name=op.f('uq_organisations_short_name'))
    )
    op.create_table('reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('ref_year', sa.Integer(), nullable=False),
    sa.Column('ref_number', sa.Integer(), nullable=False),
    sa.Column('review_type', sa.String(length=80), nullable=False),
    sa.Column('lead_partnership_id', sa.Integer(), nullable=False),
    sa.Column('joint_partnership_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('status_before_hold', sa.String(length=32), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('pseudonym', sa.String(length=80), nullable=False),
    sa.Column('victim_name', sa.String(length=200), nullable=False),
    sa.Column('victim_date_of_birth', sa.Date(), nullable=True),
    sa.Column('victim_address', sa.Text(), nullable=True),
    sa.Column('victim_age', sa.Integer(), nullable=True),
    sa.Column('perpetrator_name', sa.String(length=200), nullable=True),
    sa.Column('date_of_death', sa.Date(), nullable=False),
    sa.Column('notified_on', sa.Date(), nullable=False),
    sa.Column('notified_by', sa.String(length=200), nullable=False),
    sa.Column('circumstances', sa.Text(), nullable=False),
    sa.Column('press_contact', sa.String(length=200), nullable=True),
    sa.Column('decision_on', sa.Date(), nullable=True),
    sa.Column('home_office_told_on', sa.Date(), nullable=True),
    sa.Column('decline_reasons', sa.Text(), nullable=True),
    sa.Column('reopen_reason', sa.Text(), nullable=True),
    sa.Column('chair_name', sa.String(length=200), nullable=True),
    sa.Column('chair_appointed_on', sa.Date(), nullable=True),
    sa.Column('terms_of_reference_agreed_on', sa.Date(), nullable=True),
    sa.Column('overview_report_completed_on', sa.Date(), nullable=True),
    sa.Column('executive_summary_completed_on', sa.Date(), nullable=True),
    sa.Column('action_plan_completed_on', sa.Date(), nullable=True),
    sa.Column('panel_signed_off_on', sa.Date(), nullable=True),
    sa.Column('partnership_signed_off_on', sa.Date(), nullable=True),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('publication_url', sa.String(length=500), nullable=True),
    sa.Column('published_documents', sa.String(length=200), nullable=True),
    sa.Column('summary_only_reason', sa.Text(), nullable=True),
    sa.Column('family_agreed_summary_on', sa.Date(), nullable=True),
    sa.Column('home_office_agreed_summary_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('event_head_hash', sa.String(length=64), nullable=True),
    sa.Column('event_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('joint_partnership_id IS NULL OR joint_partnership_id <> lead_partnership_id', name=op.f('ck_reviews_joint_differs_from_lead')),
    sa.ForeignKeyConstraint(['joint_partnership_id'], ['organisations.id'], name=op.f('fk_reviews_joint_partnership_id_organisations')),
    sa.ForeignKeyConstraint(['lead_partnership_id'], ['organisations.id'], name=op.f('fk_reviews_lead_partnership_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews')),
    sa.UniqueConstraint('lead_partnership_id', 'ref_year', 'ref_number', name='uq_reviews_lead_year_number'),
    sa.UniqueConstraint('reference', name=op.f('uq_reviews_reference'))
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviews_joint_partnership_id'), ['joint_partnership_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reviews_lead_partnership_id'), ['lead_partnership_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reviews_status'), ['status'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('session_token', sa.String(length=64), nullable=False),
    sa.Column('is_enabled', sa.Boolean(), nullable=False),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_signed_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_users_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('case_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.Enum('created', 'transition', 'change', name='eventkind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('trigger', sa.String(length=40), nullable=True),
    sa.Column('field', sa.String(length=60), nullable=True),
    sa.Column('from_value', sa.Text(), nullable=True),
    sa.Column('to_value', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('based_on_version', sa.Integer(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_case_events_actor_id_users')),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_case_events_review_id_reviews')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events')),
    sa.UniqueConstraint('hash', name=op.f('uq_case_events_hash')),
    sa.UniqueConstraint('review_id', 'seq', name='uq_case_events_review_seq')
    )
    op.create_table('panel_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('panel_role', sa.Enum('independent_chair', 'report_author', 'agency_representative', 'advocate', 'observer', name='panelrole', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['organisations.id'], name=op.f('fk_panel_memberships_agency_id_organisations')),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_panel_memberships_review_id_reviews'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_panel_memberships_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_memberships'))
    )
    with op.batch_alter_table('panel_memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_memberships_review_id'), ['review_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_memberships_user_id'), ['user_id'], unique=False)

    op.create_table('qa_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('panel_meeting_on', sa.Date(), nullable=True),
    sa.Column('letter_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.Enum('publish', 'publish_after_changes', 'revise', name='qaoutcome', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('changes_requested', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_qa_rounds_review_id_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_rounds')),
    sa.UniqueConstraint('review_id', 'number', name='uq_qa_rounds_review_number')
    )
    with op.batch_alter_table('qa_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qa_rounds_review_id'), ['review_id'], unique=False)

    op.create_table('review_holds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('criminal_proceedings', 'inquest', 'iopc', 'other', name='holdreason', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('expected_end_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_review_holds_review_id_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_holds'))
    )
    with op.batch_alter_table('review_holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_holds_review_id'), ['review_id'], unique=False)

    op.create_table('role_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('admin', 'coordinator', 'manager', 'panel_member', name='role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['partnership_id'], ['organisations.id'], name=op.f('fk_role_assignments_partnership_id_organisations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_role_assignments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_assignments')),
    sa.UniqueConstraint('user_id', 'role', 'partnership_id', name='uq_role_assignments_user_role_partnership')
    )
    with op.batch_alter_table('role_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_assignments_partnership_id'), ['partnership_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_assignments_user_id'), ['user_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY_FUNCTION)
        op.execute(APPEND_ONLY_TRIGGER)


def downgrade():
    refuse_to_destroy('reviews', what='reviews')
    refuse_to_destroy('case_events', what='case history')
    refuse_to_destroy('panel_memberships', what='panel memberships')
    refuse_to_destroy('qa_rounds', what='Home Office QA rounds')
    refuse_to_destroy('review_holds', what='holds')
    refuse_to_destroy('users', what='accounts')
    refuse_to_destroy('role_assignments', what='roles')
    refuse_to_destroy('organisations', what='partnerships and agencies')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_events_append_only ON case_events")
        op.execute("DROP FUNCTION IF EXISTS case_events_append_only()")
    with op.batch_alter_table('role_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_assignments_user_id'))
        batch_op.drop_index(batch_op.f('ix_role_assignments_partnership_id'))

    op.drop_table('role_assignments')
    with op.batch_alter_table('review_holds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_holds_review_id'))

    op.drop_table('review_holds')
    with op.batch_alter_table('qa_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qa_rounds_review_id'))

    op.drop_table('qa_rounds')
    with op.batch_alter_table('panel_memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_memberships_user_id'))
        batch_op.drop_index(batch_op.f('ix_panel_memberships_review_id'))

    op.drop_table('panel_memberships')
    op.drop_table('case_events')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_organisation_id'))

    op.drop_table('users')
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviews_status'))
        batch_op.drop_index(batch_op.f('ix_reviews_lead_partnership_id'))
        batch_op.drop_index(batch_op.f('ix_reviews_joint_partnership_id'))

    op.drop_table('reviews')
    op.drop_table('organisations')

"""Publication: the publication record, anonymisation checks, recommendations and their progress.

Revision ID: 0006_publication
Revises: 0002 (re-chained after the other branches' migrations when they merge)
Create Date: 2026-11-26 14:55:08.970195

"""
from alembic import op

from migrations.data_loss import refuse_to_destroy
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_publication'
down_revision = '0005_reminders'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('anonymisation_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('documents', sa.JSON(), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name=op.f('fk_anonymisation_checks_checked_by_id_users')),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_anonymisation_checks_review_id_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_anonymisation_checks'))
    )
    with op.batch_alter_table('anonymisation_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_anonymisation_checks_review_id'), ['review_id'], unique=False)

    op.create_table('publication_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('form', sa.Enum('full', 'summary_only', name='publicationform', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('public_summary', sa.Text(), nullable=True),
    sa.Column('learning_summary', sa.Text(), nullable=True),
    sa.Column('sent_to_secretary_of_state_on', sa.Date(), nullable=True),
    sa.Column('sent_to_commissioner_on', sa.Date(), nullable=True),
    sa.Column('removal_review_on', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_publication_records_review_id_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication_records')),
    sa.UniqueConstraint('review_id', name=op.f('uq_publication_records_review_id'))
    )
    op.create_table('recommendations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('level', sa.Enum('single_agency', 'multi_agency', 'national', name='recommendationlevel', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('owning_agency_id', sa.Integer(), nullable=False),
    sa.Column('actions', sa.Text(), nullable=False),
    sa.Column('target_on', sa.Date(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('completion_proposed_on', sa.Date(), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('completion_accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['completion_accepted_by_id'], ['users.id'], name=op.f('fk_recommendations_completion_accepted_by_id_users')),
    sa.ForeignKeyConstraint(['owning_agency_id'], ['organisations.id'], name=op.f('fk_recommendations_owning_agency_id_organisations')),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_recommendations_review_id_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recommendations')),
    sa.UniqueConstraint('review_id', 'reference', name='uq_recommendations_review_reference')
    )
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendations_owning_agency_id'), ['owning_agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recommendations_review_id'), ['review_id'], unique=False)

    op.create_table('recommendation_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recommendation_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_recommendation_progress_author_id_users')),
    sa.ForeignKeyConstraint(['recommendation_id'], ['recommendations.id'], name=op.f('fk_recommendation_progress_recommendation_id_recommendations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recommendation_progress'))
    )
    with op.batch_alter_table('recommendation_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendation_progress_recommendation_id'), ['recommendation_id'], unique=False)



def downgrade():
    refuse_to_destroy('anonymisation_checks', what='anonymisation checks')
    refuse_to_destroy('publication_records', what='publication records')
    refuse_to_destroy('recommendations', what='recommendations')
    refuse_to_destroy('recommendation_progress', what='progress updates')
    with op.batch_alter_table('recommendation_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendation_progress_recommendation_id'))

    op.drop_table('recommendation_progress')
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendations_review_id'))
        batch_op.drop_index(batch_op.f('ix_recommendations_owning_agency_id'))

    op.drop_table('recommendations')
    op.drop_table('publication_records')
    with op.batch_alter_table('anonymisation_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_anonymisation_checks_review_id'))

    op.drop_table('anonymisation_checks')

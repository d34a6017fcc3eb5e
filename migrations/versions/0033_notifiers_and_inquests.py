"""Who notified the partnership (the police, the coroner or another agency), the date of the inquest a hold
waits for, and the coroner's request for the review's report. The notifications recorded before say who sent
them only in words: the coroner's are those naming a coroner, the police's those naming the police or a
constabulary, and the rest another agency's.

Revision ID: 0033_notifiers_and_inquests
Revises: 0032_least_privilege
Create Date: 2026-12-05 00:40:00

"""
import sqlalchemy as sa
from alembic import op

from migrations.data_loss import refuse_to_destroy

# revision identifiers, used by Alembic.
revision = '0033_notifiers_and_inquests'
down_revision = '0032_least_privilege'
branch_labels = None
depends_on = None

NOTIFIERS = ('police', 'coroner', 'other_agency')
# Who sent a notification, read from its words: what the upgrade gives the notifications recorded before.
FROM_WORDS = ("CASE WHEN lower(notified_by) LIKE '%coroner%' THEN 'coroner' "
              "WHEN lower(notified_by) LIKE '%police%' OR lower(notified_by) LIKE '%constabulary%' THEN 'police' "
              "ELSE 'other_agency' END")


def upgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notifier_kind', sa.Enum(*NOTIFIERS, name='notifierkind', native_enum=False,
                                                               create_constraint=True, length=20), nullable=True))
        batch_op.add_column(sa.Column('coroner_request_received_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('coroner_request_details', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('coroner_report_sent_on', sa.Date(), nullable=True))
    op.execute(f"UPDATE reviews SET notifier_kind = {FROM_WORDS}")
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.alter_column('notifier_kind', existing_type=sa.String(length=20), nullable=False)
    with op.batch_alter_table('review_holds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inquest_on', sa.Date(), nullable=True))


def downgrade():
    refuse_to_destroy('review_holds', 'inquest_on IS NOT NULL', what='the dates of inquests')
    refuse_to_destroy('reviews', 'coroner_request_received_on IS NOT NULL OR coroner_report_sent_on IS NOT NULL',
                      what="coroners' requests for the report")
    # Who notified is kept where an upgrade would read it again from the words; refuse where it would not.
    refuse_to_destroy('reviews', f"notifier_kind <> {FROM_WORDS}", what='who sent the notification')
    with op.batch_alter_table('review_holds', schema=None) as batch_op:
        batch_op.drop_column('inquest_on')
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        # SQLite's copy of the table would keep the enum's CHECK on the dropped column.
        batch_op.drop_constraint(op.f('ck_reviews_notifierkind'), type_='check')
        batch_op.drop_column('coroner_report_sent_on')
        batch_op.drop_column('coroner_request_details')
        batch_op.drop_column('coroner_request_received_on')
        batch_op.drop_column('notifier_kind')

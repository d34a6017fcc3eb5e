"""Copies sent: each partnership keeps the list of whom it sends a copy of each published report or learning
summary to (the Home Office, the Domestic Abuse Commissioner, the Police and Crime Commissioner, the coroner),
and each copy sent is recorded with its date. The two dates recorded before (a copy to the Secretary of State,
a copy to the Domestic Abuse Commissioner) become copies sent to the Home Office and to the Commissioner, on
the review's lead partnership's list.

Revision ID: 0039_copies_sent
Revises: 0038_form_submissions
Create Date: 2026-12-05 01:00:00

"""
import sqlalchemy as sa
from alembic import op

from migrations.data_loss import refuse_to_destroy

# revision identifiers, used by Alembic.
revision = '0039_copies_sent'
down_revision = '0038_form_submissions'
branch_labels = None
depends_on = None

# The recipients the two dates recorded before were sent to, as the recipients' list names them.
MOVED = (("sent_to_secretary_of_state_on", "Home Office (for the Secretary of State)"),
         ("sent_to_commissioner_on", "Domestic Abuse Commissioner"))


def upgrade():
    op.create_table(
        'copy_recipients',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('retired_on', sa.Date(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['partnership_id'], ['organisations.id'],
                                name=op.f('fk_copy_recipients_partnership_id_organisations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_copy_recipients')),
        sa.UniqueConstraint('partnership_id', 'name', name='uq_copy_recipients_partnership_name'),
    )
    op.create_table(
        'copies_sent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('recipient_id', sa.Integer(), nullable=False),
        sa.Column('sent_on', sa.Date(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['recipient_id'], ['copy_recipients.id'],
                                name=op.f('fk_copies_sent_recipient_id_copy_recipients')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_copies_sent_recorded_by_id_users')),
        sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_copies_sent_review_id_reviews'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_copies_sent')),
        sa.UniqueConstraint('review_id', 'recipient_id', name='uq_copies_sent_review_recipient'),
    )
    with op.batch_alter_table('copies_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_copies_sent_recipient_id'), ['recipient_id'], unique=False)
    _move_the_dates_recorded_before()
    with op.batch_alter_table('publication_records', schema=None) as batch_op:
        batch_op.drop_column('sent_to_commissioner_on')
        batch_op.drop_column('sent_to_secretary_of_state_on')


def _move_the_dates_recorded_before():
    bind = op.get_bind()
    now = sa.func.current_timestamp()
    recipients = sa.table('copy_recipients', sa.column('id'), sa.column('partnership_id'), sa.column('name'),
                          sa.column('created_at'))
    copies = sa.table('copies_sent', sa.column('review_id'), sa.column('recipient_id'), sa.column('sent_on'),
                      sa.column('recorded_at'))
    for column, name in MOVED:
        rows = bind.execute(sa.text(
            f"SELECT r.id, r.lead_partnership_id, p.{column} FROM publication_records p "  # noqa: S608 - names above
            f"JOIN reviews r ON r.id = p.review_id WHERE p.{column} IS NOT NULL")).all()
        for review_id, partnership_id, sent_on in rows:
            found = bind.scalar(sa.select(recipients.c.id).where(recipients.c.partnership_id == partnership_id,
                                                                 recipients.c.name == name))
            if found is None:
                bind.execute(recipients.insert().values(partnership_id=partnership_id, name=name, created_at=now))
                found = bind.scalar(sa.select(recipients.c.id).where(recipients.c.partnership_id == partnership_id,
                                                                     recipients.c.name == name))
            bind.execute(copies.insert().values(review_id=review_id, recipient_id=found, sent_on=sent_on,
                                                recorded_at=now))


def downgrade():
    # The copies to the two recipients the dates recorded before stood for go back into those dates; anything
    # else recorded since would be lost.
    moved = ", ".join(f"'{name}'" for _column, name in MOVED)
    refuse_to_destroy('copies_sent', f"recipient_id NOT IN (SELECT id FROM copy_recipients WHERE name IN ({moved})) "
                                     "OR review_id NOT IN (SELECT review_id FROM publication_records)",
                      what='the copies of published reviews sent')
    refuse_to_destroy('copy_recipients', f"name NOT IN ({moved})",
                      what="the partnerships' lists of whom copies are sent to")
    with op.batch_alter_table('publication_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_to_secretary_of_state_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('sent_to_commissioner_on', sa.Date(), nullable=True))
    for column, name in MOVED:
        op.execute(f"UPDATE publication_records SET {column} = (SELECT c.sent_on FROM copies_sent c "  # noqa: S608
                   f"JOIN copy_recipients r ON r.id = c.recipient_id WHERE c.review_id = publication_records.review_id "
                   f"AND r.name = '{name}')")
    with op.batch_alter_table('copies_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_copies_sent_recipient_id'))
    op.drop_table('copies_sent')
    op.drop_table('copy_recipients')

"""Each review keeps its next statutory deadline and its kind, indexed, for the lists to filter and sort on.

The columns are derived (the model writes them at every flush that changes the stage, the dates or the
Home Office rounds); this migration fills them for the reviews already recorded, by the same rule as
ssgp_dhr.cases.deadlines.next_deadline at the time of writing, copied here so that the migration keeps
its meaning if the rule's code moves.

Revision ID: 0044_stored_next_deadline
Revises: 0043_subject_access_requests
Create Date: 2026-12-05 03:30:00

"""
import calendar
from datetime import date

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0044_stored_next_deadline'
down_revision = '0043_subject_access_requests'
branch_labels = None
depends_on = None

DEADLINE = sa.Enum('decision', 'report', name='deadlinekind', native_enum=False, create_constraint=True, length=16)
DECISION_PENDING = {'notified'}
REPORT_PENDING = {'commissioned', 'panel', 'on_hold', 'revising'}
BATCH = 1000


def _add_months(day, months):
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _as_date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def _next_deadline(status, notified_on, decision_on, has_round):
    """(kind, due on) of the review's next pending deadline, or (None, None)."""
    if status in DECISION_PENDING:
        return 'decision', _add_months(_as_date(notified_on), 1)
    if decision_on is not None and status in REPORT_PENDING and not has_round:
        return 'report', _add_months(_as_date(decision_on), 6)
    return None, None


def upgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_deadline_kind', DEADLINE, nullable=True))
        batch_op.add_column(sa.Column('next_deadline_on', sa.Date(), nullable=True))
        batch_op.create_index('ix_reviews_next_deadline_on', ['next_deadline_on'], unique=False)
        batch_op.create_index('ix_reviews_lead_partnership_id_next_deadline_on',
                              ['lead_partnership_id', 'next_deadline_on'], unique=False)

    connection = op.get_bind()
    reviews = sa.table('reviews', sa.column('id'), sa.column('status'), sa.column('notified_on'),
                       sa.column('decision_on'), sa.column('next_deadline_kind'), sa.column('next_deadline_on'))
    qa_rounds = sa.table('qa_rounds', sa.column('review_id'))
    has_round = sa.exists().where(qa_rounds.c.review_id == reviews.c.id)
    # Only the reviews with a deadline pending are written; the rest stay NULL, as the model keeps them.
    rows = connection.execute(
        sa.select(reviews.c.id, reviews.c.status, reviews.c.notified_on, reviews.c.decision_on, has_round)
        .where(reviews.c.status.in_(sorted(DECISION_PENDING | REPORT_PENDING)))).all()
    values = []
    for review_id, status, notified_on, decision_on, rounds in rows:
        kind, due_on = _next_deadline(status, notified_on, decision_on, rounds)
        if kind is not None:
            values.append({'review_id': review_id, 'kind': kind, 'due_on': due_on})
    update = (sa.update(reviews).where(reviews.c.id == sa.bindparam('review_id'))
              .values(next_deadline_kind=sa.bindparam('kind'), next_deadline_on=sa.bindparam('due_on')))
    for start in range(0, len(values), BATCH):
        connection.execute(update, values[start:start + BATCH])


def downgrade():
    # Derived columns: the upgrade writes them again from the reviews, so nothing recorded is lost.
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_reviews_lead_partnership_id_next_deadline_on')
        batch_op.drop_index('ix_reviews_next_deadline_on')
        # SQLite's copy of the table would keep the enum's CHECK on the dropped column.
        batch_op.drop_constraint(op.f('ck_reviews_deadlinekind'), type_='check')
        batch_op.drop_column('next_deadline_on')
        batch_op.drop_column('next_deadline_kind')

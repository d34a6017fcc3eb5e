"""Each review records the day the tracker first held it, so deadlines that had passed before then (a
review entered after the event) are not shown or chased as overdue. Existing reviews take the UK date
they were created.

Revision ID: 0029_review_recorded_on
Revises: 0028_role_changes
Create Date: 2026-12-05 00:30:00

"""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from migrations.data_loss import refuse_to_destroy

# revision identifiers, used by Alembic.
revision = '0029_review_recorded_on'
down_revision = '0028_role_changes'
branch_labels = None
depends_on = None

UK = ZoneInfo("Europe/London")

# A recorded day more than a day from the day the row was created was given on purpose (a review entered
# after the event, or brought in from another system): dropping the column would lose it.
GIVEN_ON_PURPOSE = {
    "postgresql": "abs(recorded_on - (created_at AT TIME ZONE 'UTC')::date) > 1",
    "sqlite": "abs(julianday(recorded_on) - julianday(date(created_at))) > 1",
}


def _uk_date(created_at: datetime | str) -> str:
    if isinstance(created_at, str):  # SQLite hands back its stored text
        created_at = datetime.fromisoformat(created_at)
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    return created_at.astimezone(UK).date().isoformat()


def upgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded_on', sa.Date(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, created_at FROM reviews")).all()
    if rows:
        reviews = sa.table('reviews', sa.column('id', sa.Integer), sa.column('recorded_on', sa.Date))
        bind.execute(reviews.update().where(reviews.c.id == sa.bindparam('row_id'))
                     .values(recorded_on=sa.bindparam('day')),
                     [{"row_id": row.id, "day": datetime.fromisoformat(_uk_date(row.created_at)).date()}
                      for row in rows])
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.alter_column('recorded_on', existing_type=sa.Date(), nullable=False)


def downgrade():
    where = GIVEN_ON_PURPOSE[op.get_bind().dialect.name]
    refuse_to_destroy('reviews', where, what='the days reviews entered after the event were first recorded')
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_column('recorded_on')

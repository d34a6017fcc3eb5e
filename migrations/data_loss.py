"""Downgrades that would destroy recorded data refuse, unless forced.

A migration's downgrade calls refuse_to_destroy() before it drops a table or a column, or deletes rows,
that may hold what people recorded: with such data there the whole downgrade stops (nothing is changed,
every migration runs in one transaction) and says which table and how many rows. To go ahead after a
backup:

    flask --app wsgi db downgrade REVISION -x force_data_loss=yes

    from migrations.data_loss import refuse_to_destroy

    def downgrade():
        refuse_to_destroy("review_costs", what="recorded costs")
        op.drop_table("review_costs")

        refuse_to_destroy("reviews", "disposed_on IS NOT NULL", what="the dates case files were disposed of")
        with op.batch_alter_table("reviews") as batch_op:
            batch_op.drop_column("disposed_on")
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op
from alembic.util import CommandError

FORCE = "force_data_loss"


class DataWouldBeLost(CommandError):
    """The downgrade stopped before destroying recorded data; the message says what and how to go ahead.

    A CommandError, so `flask db downgrade` prints it as one line and exits 1.
    """


def forced() -> bool:
    """Whether the person downgrading said `-x force_data_loss=yes`."""
    return context.get_x_argument(as_dictionary=True).get(FORCE, "").lower() in ("yes", "true", "1")


def refuse_to_destroy(table: str, where: str | None = None, *, what: str = "") -> None:
    """Raise DataWouldBeLost if `table` has rows (matching the SQL condition `where`), unless forced.

    `where` and `table` are written by the migration's author, never taken from input.
    """
    query = sa.select(sa.func.count()).select_from(sa.table(table))
    count = op.get_bind().scalar(query.where(sa.text(where)) if where else query)
    if not count or forced():
        return
    rows = f"{count} row{'s' if count != 1 else ''}"
    held = f" ({what})" if what else ""
    raise DataWouldBeLost(
        f"Downgrade refused: it would destroy {rows} of {table}{held}. Nothing was changed. "
        f"Back up the database, then run the downgrade again with -x {FORCE}=yes to go ahead."
    )

"""Least privilege on PostgreSQL: the history and the access log refuse TRUNCATE, and the two deletions
the service makes from them (a case file's disposal, the access log's purge) go through functions that
run as the tables' owner, so the application's own role needs no UPDATE or DELETE on either table.

The application's role is given its privileges by `dhr setup-database` (ssgp_dhr/database_roles.py);
the functions are executable by nobody else.

Revision ID: 0032_least_privilege
Revises: 0031_kinds_of_death
Create Date: 2026-12-05 00:20:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0032_least_privilege'
down_revision = '0031_kinds_of_death'
branch_labels = None
depends_on = None

REFUSE_TRUNCATE = """
CREATE FUNCTION refuse_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""

# Only a closed or declined review's history can be disposed of; the trigger on case_events still
# lets the deletion through for this transaction and this review only.
DISPOSE_OF_HISTORY = """
CREATE FUNCTION dispose_of_review_history(disposed_review integer) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    removed bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM reviews WHERE id = disposed_review
                   AND status IN ('closed', 'not_commissioned') AND disposed_on IS NULL) THEN
        RAISE EXCEPTION 'review % is not a closed or declined review awaiting disposal', disposed_review
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM set_config('ssgp.disposing_review', disposed_review::text, true);
    DELETE FROM case_events WHERE review_id = disposed_review;
    GET DIAGNOSTICS removed = ROW_COUNT;
    PERFORM set_config('ssgp.disposing_review', '', true);
    RETURN removed;
END
$$
"""

# The access log's trigger (0025) keeps every entry younger than its floor, whoever asks.
PURGE_ACCESS_LOG = """
CREATE FUNCTION purge_access_log(cutoff timestamptz) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    removed bigint;
BEGIN
    PERFORM set_config('ssgp.purging_access_log', 'on', true);
    DELETE FROM access_log WHERE occurred_at < cutoff;
    GET DIAGNOSTICS removed = ROW_COUNT;
    PERFORM set_config('ssgp.purging_access_log', '', true);
    RETURN removed;
END
$$
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(REFUSE_TRUNCATE)
    for table in ("case_events", "access_log"):
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate()")
    op.execute(DISPOSE_OF_HISTORY)
    op.execute(PURGE_ACCESS_LOG)
    for function in ("dispose_of_review_history(integer)", "purge_access_log(timestamptz)"):
        op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS purge_access_log(timestamptz)")
    op.execute("DROP FUNCTION IF EXISTS dispose_of_review_history(integer)")
    for table in ("case_events", "access_log"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    op.execute("DROP FUNCTION IF EXISTS refuse_truncate()")

"""Keeping the access log: on PostgreSQL it stays append-only, except that a transaction purging it
(`dhr purge-access-log`) may delete entries older than 183 days, and no others: the database holds
the floor itself, whatever the application asks.

Revision ID: 0025_access_log_retention
Revises: 0024_case_file_retention
Create Date: 2026-11-27 10:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0025_access_log_retention'
down_revision = '0024_case_file_retention'
branch_labels = None
depends_on = None

# access_log.purge_entries_older_than sets ssgp.purging_access_log for its own transaction only.
PURGE_ALLOWED = """
CREATE OR REPLACE FUNCTION access_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('ssgp.purging_access_log', true) = 'on'
       AND OLD.occurred_at < now() - interval '183 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'access_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION access_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'access_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PURGE_ALLOWED)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY)

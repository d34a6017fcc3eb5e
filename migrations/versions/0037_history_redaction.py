"""Redaction that keeps the chain: each new history entry's hash commits to a salted digest of each of
its free texts (kept beside it as `salt`), so a coordinator can redact a real name typed into one and
the chain still verifies; `redacted` records which texts were, and the digests of their originals.

On PostgreSQL the history stays append-only but for that one change: the trigger lets a text be
replaced, in the transaction and the entry `redact_case_event` names, and nothing else (no hash, link,
salt or other column); the function runs as the table's owner, so the service's role still has no
UPDATE on the table.

Revision ID: 0037_history_redaction
Revises: 0036_agency_deliveries
Create Date: 2026-12-05 01:00:00

"""
import sqlalchemy as sa
from alembic import op

from migrations.data_loss import refuse_to_destroy

# revision identifiers, used by Alembic.
revision = '0037_history_redaction'
down_revision = '0036_agency_deliveries'
branch_labels = None
depends_on = None

APPEND_ONLY_BUT_REDACTION = """
CREATE OR REPLACE FUNCTION case_events_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('ssgp.disposing_review', true) = OLD.review_id::text THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND current_setting('ssgp.redacting_event', true) = OLD.id::text
       AND OLD.salt IS NOT NULL AND NEW.salt = OLD.salt
       AND NEW.id = OLD.id AND NEW.review_id = OLD.review_id AND NEW.seq = OLD.seq
       AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id AND NEW.occurred_at = OLD.occurred_at
       AND NEW.kind = OLD.kind AND NEW.trigger IS NOT DISTINCT FROM OLD.trigger
       AND NEW.field IS NOT DISTINCT FROM OLD.field AND NEW.based_on_version = OLD.based_on_version
       AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'case_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""
DISPOSAL_ALLOWED = """
CREATE OR REPLACE FUNCTION case_events_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('ssgp.disposing_review', true) = OLD.review_id::text THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'case_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""
REDACT = """
CREATE FUNCTION redact_case_event(event_id integer, new_from text, new_to text, new_reason text,
                                  new_payload text, new_redacted text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM set_config('ssgp.redacting_event', event_id::text, true);
    UPDATE case_events SET from_value = new_from, to_value = new_to, reason = new_reason,
                           payload = new_payload::json, redacted = new_redacted::json
     WHERE id = event_id;
    PERFORM set_config('ssgp.redacting_event', '', true);
END
$$
"""


def upgrade():
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('salt', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('redacted', sa.JSON(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY_BUT_REDACTION)
        op.execute(REDACT)
        op.execute("REVOKE ALL ON FUNCTION redact_case_event(integer, text, text, text, text, text) FROM PUBLIC")


def downgrade():
    # Without the salt no entry recorded since could be verified.
    refuse_to_destroy('case_events', 'salt IS NOT NULL', what='history entries whose hashes commit to digests of their texts')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS redact_case_event(integer, text, text, text, text, text)")
        op.execute(DISPOSAL_ALLOWED)
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_column('redacted')
        batch_op.drop_column('salt')

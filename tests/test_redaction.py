"""Redaction that keeps the chain: a coordinator of the lead partnership redacts a real name typed into
a history entry; `dhr verify-audit` still passes and reports the redaction; any other change is still
found, and on PostgreSQL still refused by the history's trigger."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from ssgp_dhr.cases import redaction, services
from ssgp_dhr.cases.models import CaseEvent
from ssgp_dhr.cases.names import WITHHELD
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from tests import factories
from tests.conftest import on_postgres
from tests.test_audit import _tamper, _verify_audit
from tests.test_case_pages import act_as  # noqa: F401 - the fixture


def _held_review():
    """A review paused with the other person's real name typed into the hold's details."""
    coordinator = factories.coordinator()
    review = factories.review_at("panel", by=coordinator)
    services.advance(review, "pause", coordinator, review.version, hold_reason="criminal_proceedings",
                     hold_details="Peter Realname's trial is listed for March.",
                     hold_started_on=today_uk() - timedelta(days=1), hold_expected_end_on=today_uk() + timedelta(days=60))
    entry = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.review_id == review.id)
                               .order_by(CaseEvent.seq.desc()).limit(1)).one()
    assert "Peter Realname" in str(entry.payload)
    return review, coordinator, entry


def _stored(event_id: int) -> CaseEvent:
    db.session.expire_all()
    return db.session.get(CaseEvent, event_id)


def test_a_redaction_keeps_the_chain_verified_and_is_reported(app: Flask):
    review, coordinator, entry = _held_review()
    record = redaction.redact_entry(review, coordinator, entry, "The perpetrator's name was typed into the hold.")
    stored = _stored(entry.id)
    assert "Realname" not in str(stored.payload) + str(stored.reason) and "Peter" not in str(stored.payload)
    assert f"{WITHHELD}'s trial is listed for March." in str(stored.payload)
    assert set(stored.redacted) == {"payload.hold_details", "reason"}  # the details are the entry's reason too
    code, output = _verify_audit(app)
    assert code == 0, output
    assert f"Redacted: review {review.reference}, entry {entry.seq}: payload.hold_details, reason redacted " \
           f"(recorded in entry {record.seq})" in output
    assert "History chain intact" in output


def test_a_redacted_text_changed_again_or_a_text_changed_and_called_redacted_breaks_the_chain(app: Flask):
    review, coordinator, entry = _held_review()
    redaction.redact_entry(review, coordinator, entry, "Typed by mistake.")
    _tamper("UPDATE case_events SET payload = :payload WHERE id = :id",
            payload='{"hold_reason": "criminal_proceedings", "hold_details": "Something else entirely."}', id=entry.id)
    code, output = _verify_audit(app)
    assert code == 1 and f"entry {entry.seq}): " in output
    # Another entry, its reason rewritten and marked as redacted without a redaction entry.
    earlier = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.review_id == review.id, CaseEvent.seq == 2)).one()
    _tamper("UPDATE case_events SET reason = 'Rewritten', redacted = :marks WHERE id = :id",
            marks='{"reason": {"sha256": "0", "entry": 1}}', id=earlier.id)
    code, output = _verify_audit(app)
    assert code == 1 and "(review " + review.reference + ", entry 2)" in output


def test_only_a_coordinator_of_the_lead_partnership_redacts_and_only_real_names():
    review, coordinator, entry = _held_review()
    joint = factories.coordinator(factories.safer_glos())
    review.joint_partnership_id = joint.roles[0].partnership_id
    db.session.commit()
    for who in (joint, factories.manager()):
        with pytest.raises(services.NotPermitted):
            redaction.redact_entry(review, who, entry, "Reason.")
    with pytest.raises(services.WorkflowError, match="Give the reason"):
        redaction.redact_entry(review, coordinator, entry, " ")
    first = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.review_id == review.id, CaseEvent.seq == 1)).one()
    with pytest.raises(services.WorkflowError, match="no recorded real name"):
        redaction.redact_entry(review, coordinator, first, "Reason.")
    assert _stored(entry.id).redacted is None


def test_a_coordinator_redacts_from_the_history_page_and_the_manager_sees_it_marked(act_as):  # noqa: F811
    review, coordinator, entry = _held_review()
    client = act_as(coordinator)
    page = client.get(f"/cases/{review.reference}/history")
    link = page.select_one(f"a[href$='/history/{entry.id}/redact']")
    assert link is not None
    form = client.get(link["href"])
    assert f"{WITHHELD}'s trial is listed for March." in form.select_one("#redacted-texts").get_text()
    client.post(link["href"], data={"version": review.version, "reason": ""}, expected_status=400)
    client.post(link["href"], data={"version": review.version, "reason": "Typed by mistake."}, expected_status=302)
    page = act_as(factories.manager()).get(f"/cases/{review.reference}/history")
    assert "Names redacted" in page.get_text() and "Real names redacted from a history entry" in page.get_text()
    act_as(factories.manager()).get(link["href"], expected_status=403)


@pytest.mark.skipif(not on_postgres(), reason="the history's trigger exists only on PostgreSQL")
def test_on_postgresql_the_trigger_still_refuses_every_other_change():
    review, coordinator, entry = _held_review()
    for statement in ("UPDATE case_events SET reason = 'Rewritten' WHERE id = :id",
                      "UPDATE case_events SET hash = repeat('0', 64) WHERE id = :id",
                      "DELETE FROM case_events WHERE id = :id"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            db.session.execute(sa.text(statement), {"id": entry.id})
        db.session.rollback()
    # Even inside a redaction's own setting, the hash, the link and the salt cannot change.
    for column in ("hash = repeat('0', 64)", "prev_hash = repeat('0', 64)", "salt = 'x'", "seq = 99"):
        db.session.execute(sa.text("SELECT set_config('ssgp.redacting_event', :id, true)"), {"id": str(entry.id)})
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            db.session.execute(sa.text(f"UPDATE case_events SET {column} WHERE id = :id"), {"id": entry.id})
        db.session.rollback()
    redaction.redact_entry(review, coordinator, entry, "Typed by mistake.")
    assert "Realname" not in str(_stored(entry.id).payload)

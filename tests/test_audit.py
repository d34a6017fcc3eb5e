"""The history is append-only: PostgreSQL refuses changes, and `dhr verify-audit` finds any that get through."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from ssgp_dhr.cases import history
from ssgp_dhr.cases.models import CaseEvent, Review
from ssgp_dhr.extensions import db
from tests.conftest import on_postgres
from tests.factories import review_at


def _events(review: Review) -> list[CaseEvent]:
    return list(db.session.scalars(sa.select(CaseEvent).where(CaseEvent.review_id == review.id).order_by(CaseEvent.seq)))


def _tamper(statement: str, **params: object) -> None:
    """Change the history behind the application's back, as someone with database access could."""
    if on_postgres():
        db.session.execute(sa.text("ALTER TABLE case_events DISABLE TRIGGER case_events_append_only"))
    db.session.execute(sa.text(statement), params)
    if on_postgres():
        db.session.execute(sa.text("ALTER TABLE case_events ENABLE TRIGGER case_events_append_only"))
    db.session.commit()
    db.session.expire_all()


def _verify_audit(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["dhr", "verify-audit"])
    return result.exit_code, result.output


@pytest.fixture
def two_reviews() -> tuple[Review, Review]:
    return review_at("approved"), review_at("on_hold")


def test_a_whole_chain_verifies_and_the_count_is_printed(app: Flask, two_reviews: tuple[Review, Review]) -> None:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent))
    transitions = db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent).where(CaseEvent.kind != "change"))
    assert transitions == 5 + 4 and total > transitions  # and the documents each step needed

    assert _verify_audit(app) == (0, f"History chain intact: {total} events verified.\n")


def test_an_altered_event_is_named_and_the_check_fails(app: Flask, two_reviews: tuple[Review, Review]) -> None:
    first, _ = two_reviews
    altered = _events(first)[2]
    _tamper("UPDATE case_events SET reason = 'Rewritten afterwards' WHERE id = :id", id=altered.id)

    code, output = _verify_audit(app)

    assert code == 1
    assert f"event {altered.id} (review {first.reference}, entry 3): its content does not match its hash" in output


def test_an_event_rewritten_with_a_fresh_hash_breaks_the_link_to_the_next(app: Flask, two_reviews: tuple[Review, Review]) -> None:
    first, _ = two_reviews
    events = _events(first)
    altered_id, following = events[1].id, events[2]
    events[1].to_value = "panel"  # work out the hash a forger would store, then throw the change away
    forged = history.event_hash(events[1].prev_hash, events[1])
    db.session.rollback()
    _tamper("UPDATE case_events SET to_value = 'panel', hash = :hash WHERE id = :id", hash=forged, id=altered_id)

    code, output = _verify_audit(app)

    assert code == 1
    assert f"event {following.id} (review {first.reference}, entry 3): does not follow the event before it" in output


def test_a_deleted_newest_event_is_detected_from_the_review_record(app: Flask, two_reviews: tuple[Review, Review]) -> None:
    _, second = two_reviews
    newest = _events(second)[-1]
    newest_id, newest_seq = newest.id, newest.seq
    _tamper("DELETE FROM case_events WHERE id = :id", id=newest_id)

    code, output = _verify_audit(app)

    assert code == 1
    assert f"(review {second.reference}, entry {newest_seq - 1})" in output
    assert "the newest event does not match the review's record: events were removed or added" in output


@pytest.mark.skipif(not on_postgres(), reason="the append-only trigger exists only on PostgreSQL; SQLite relies on the chain")
@pytest.mark.parametrize("statement", [
    "UPDATE case_events SET reason = 'Rewritten' WHERE id = :id",
    "DELETE FROM case_events WHERE id = :id",
], ids=["update", "delete"])
def test_postgres_refuses_to_change_or_delete_an_event(app: Flask, two_reviews: tuple[Review, Review], statement: str) -> None:
    event_id = _events(two_reviews[0])[1].id
    with pytest.raises(sa.exc.DBAPIError, match="case_events is append-only"):
        db.session.execute(sa.text(statement), {"id": event_id})
    db.session.rollback()
    assert _verify_audit(app)[0] == 0

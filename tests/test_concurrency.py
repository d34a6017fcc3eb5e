"""Conflicting actions on one review at the same moment: exactly one wins, the rest are told it changed."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from flask import Flask

from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases import history
from ssgp_dhr.cases.models import CaseEvent, EventKind, Review
from ssgp_dhr.cases.services import StaleReview, advance
from ssgp_dhr.extensions import db
from tests import factories
from tests.conftest import on_postgres
from tests.factories import review_at, trigger_data

THREADS = 8

pytestmark = pytest.mark.skipif(
    not on_postgres(),
    reason="SQLite lets one writer in at a time, so there is no concurrent transaction to race: "
           "run with TEST_DATABASE_URL set to a PostgreSQL database",
)


def _race(app: Flask, review_id: int, actor_id: int, version: int, triggers: list[str]) -> list[str]:
    """Each thread has its own app context and session, loads the review, then all fire together."""
    barrier = threading.Barrier(len(triggers))
    outcomes: list[str] = [""] * len(triggers)

    def attempt(i: int) -> None:
        with app.app_context():
            review = db.session.get(Review, review_id)
            actor = db.session.get(User, actor_id)
            data = trigger_data(review, triggers[i])
            barrier.wait(timeout=30)
            try:
                advance(review, triggers[i], actor, version, **data)
                outcomes[i] = f"done:{triggers[i]}"
            except StaleReview as stale:
                outcomes[i] = "stale" if stale.changes else "stale without changes"
            except Exception as error:  # any other outcome is what the test reports
                outcomes[i] = repr(error)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(triggers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.parametrize("triggers", [
    ["commission", "decline"] * (THREADS // 2),
    ["commission"] * THREADS,
], ids=["commission-against-decline", "all-commission"])
def test_one_of_many_simultaneous_actions_wins(app: Flask, triggers: list[str]) -> None:
    actor = factories.coordinator()
    review = review_at("notified", by=actor)
    review_id, version = review.id, review.version
    db.session.commit()  # the threads read only what is committed

    outcomes = _race(app, review_id, actor.id, version, triggers)

    winners = [o for o in outcomes if o.startswith("done:")]
    assert len(winners) == 1, outcomes
    assert sorted(o for o in outcomes if not o.startswith("done:")) == ["stale"] * (THREADS - 1), outcomes
    db.session.rollback()
    db.session.expire_all()
    fresh = db.session.get(Review, review_id)
    transitions = db.session.scalars(sa.select(CaseEvent).where(
        CaseEvent.review_id == review_id, CaseEvent.kind == EventKind.TRANSITION)).all()
    assert [(e.trigger, e.to_value) for e in transitions] == [(winners[0].removeprefix("done:"), fresh.status)]
    assert fresh.version == version + 1
    assert history.verify_all() == (2, None)


def test_a_case_file_disposed_of_from_two_machines_at_once_is_disposed_of_once(app: Flask, monkeypatch) -> None:
    from ssgp_dhr.retention import services as retention
    from tests.test_retention import closed_years_ago

    monkeypatch.setitem(app.config, "CASE_FILE_RETENTION_YEARS", 6)
    review = closed_years_ago(review_at("closed"), 7)
    manager = factories.manager()
    review_id, manager_id, version = review.id, manager.id, review.version
    barrier, outcomes = threading.Barrier(2), []

    def dispose() -> None:
        with app.app_context():
            mine = db.session.get(Review, review_id)
            barrier.wait(timeout=30)
            try:
                retention.dispose_of_case_file(mine, db.session.get(User, manager_id), version)
                outcomes.append("disposed")
            except StaleReview:
                outcomes.append("stale")
            except Exception as error:  # any other outcome is what the test reports
                outcomes.append(repr(error))

    threads = [threading.Thread(target=dispose) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["disposed", "stale"], outcomes
    db.session.rollback()
    db.session.expire_all()
    entries = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.review_id == review_id)).all()
    assert [e.field for e in entries] == ["case_file_disposed"]
    assert history.verify_all()[1] is None

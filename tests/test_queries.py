"""No N+1: the number of SQL statements a page runs does not grow with the data it shows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ssgp_dhr.accounts.models import Role
from ssgp_dhr.cases import services
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from tests import factories
from tests.test_case_pages import act_as  # noqa: F401 - the fixture


@contextmanager
def counting_statements() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def statements_for(client, url: str) -> int:
    client.get(url)  # warm-up: first-request work (e.g. loading the user's roles) is not per-case
    with counting_statements() as statements:
        client.get(url)
    return len(statements)


def add_reviews(coordinator, count: int) -> None:
    """`count` more reviews in a mix of stages, some with holds, QA rounds, late reports and a joint partnership."""
    today = today_uk()
    for n in range(count):
        joint = factories.safer_glos() if n % 3 == 0 else None
        late = n % 10 == 3  # a report to the Home Office overdue; every other one with a delay reported
        review = factories.notified_review(coordinator, joint=joint, pseudonym=f"P{n:03d}",
                                           notified_on=today - timedelta(days=(400 if late else 20) + (n * 7) % 100))
        held = n % 10 == 7  # on hold: some past the hold's expected end, some not yet
        if n % 4 == 1 or late or held:
            services.advance(review, "commission", coordinator, review.version, **factories.trigger_data(review, "commission"))
        if held:
            services.advance(review, "pause", coordinator, review.version, **factories.trigger_data(review, "pause"))
        if late and n % 20 == 13:
            services.record_delay_notice(review, coordinator, review.version, told_on=today, cause="other",
                                         explanation="Waiting for the chair.",
                                         expected_on=today + timedelta(days=30))
        if n % 20 == 1:  # commissioned just above
            for trigger in ("convene_panel", "submit"):
                factories.ready_for(review, trigger, coordinator)
                services.advance(review, trigger, coordinator, review.version, **factories.trigger_data(review, trigger))


@pytest.mark.parametrize("url", [
    "/", "/cases", "/cases?overdue=yes&sort=status", "/cases?untold=yes", "/cases?overrun=yes", "/cases?page=2",
    "/cases?status=open&sort=partnership&page=2", "/publication", "/publication/statistics"])
@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.MANAGER])
def test_lists_run_the_same_statements_for_10_or_200_reviews(act_as, url, role):  # noqa: F811
    coordinator = factories.coordinator()
    reader = coordinator if role is Role.COORDINATOR else factories.manager()
    client = act_as(reader)
    add_reviews(coordinator, 10)
    few = statements_for(client, url)
    add_reviews(coordinator, 190)
    many = statements_for(client, url)
    print(f"{role.value} {url}: {few} statements with 10 reviews, {many} with 200")
    assert many == few


def test_the_case_page_runs_the_same_statements_however_long_the_history(act_as):  # noqa: F811
    coordinator = factories.coordinator()
    review = factories.review_at("panel", by=coordinator)
    factories.seat_on_panel(review, factories.panel_member())
    client = act_as(coordinator)
    url = f"/cases/{review.reference}"
    few = statements_for(client, url)
    few_history = statements_for(client, f"{url}/history")
    few_details = statements_for(client, f"{url}/history?topic=details")
    for n in range(40):
        services.update_details(review, factories.coordinator() if n % 2 else coordinator, review.version,
                                {"press_contact": f"Contact {n}"})
    for trigger in ("pause", "resume"):
        services.advance(review, trigger, coordinator, review.version, **factories.trigger_data(review, trigger))
    many = statements_for(client, url)
    print(f"case page: {few} statements with 3 events, {many} with 45")
    assert many == few
    assert statements_for(client, f"{url}/history") == few_history
    assert statements_for(client, f"{url}/history?topic=details") == few_details


def test_my_work_runs_the_same_statements_for_2_or_40_notifications(act_as):  # noqa: F811
    from ssgp_dhr.reminders.models import Reminder

    coordinator = factories.coordinator()
    client = act_as(coordinator)
    review = factories.notified_review(coordinator)

    def notify(count: int) -> None:
        for n in range(count):
            db.session.add(Reminder(recipient_id=coordinator.id, review_id=review.id, kind="decision_due",
                                    item=f"test:{n}:{count}", due_on=today_uk(), occasion="due_today",
                                    subject=f"{review.reference}: reminder {n}", body="Due.", link_path="/"))
        db.session.commit()

    notify(2)
    few = statements_for(client, "/")
    notify(38)
    many = statements_for(client, "/")
    print(f"My work: {few} statements with 2 notifications, {many} with 40")
    assert many == few


def test_my_work_and_your_account_run_a_fixed_few_statements(act_as):  # noqa: F811
    coordinator = factories.coordinator()
    client = act_as(coordinator)
    add_reviews(coordinator, 10)
    # The session (the user; their grants with their partnerships' names), the notifications, every count in
    # one, the nearest deadlines' ids and rows, the overdue on the rows listed, the deliveries to take.
    assert statements_for(client, "/") == 8
    # The session's two, the recovery codes, the recent activity, the changes to the roles.
    assert statements_for(client, "/account") == 5


def test_the_publication_board_reads_the_checks_of_every_review_awaiting_publication_at_once(act_as):  # noqa: F811
    """Each review awaiting publication shows its anonymisation check's status: the newest checks are read in
    one statement, not one for each review listed."""
    from ssgp_dhr.publication import services as publication

    coordinator = factories.coordinator()
    client = act_as(coordinator)

    def approve(count: int) -> None:
        for n in range(count):
            review = factories.review_at("approved", by=coordinator, pseudonym=f"A{n:02d}-{count}")
            if n % 2:
                publication.record_decision(review, coordinator, review.version, form="full",
                                            decided_on=review.current_qa_round.letter_on)
                publication.run_check(review, coordinator, ["overview_report"])

    approve(2)  # one with a check
    few = statements_for(client, "/publication")
    approve(6)  # three more with a check
    many = statements_for(client, "/publication")
    print(f"publication board: {few} statements with 2 reviews awaiting publication, {many} with 8")
    assert many == few


def test_a_coordinator_s_transition_does_not_read_the_panel(act_as):  # noqa: F811
    """The transition POST loads the review with its holds and rounds, not every seat on its panel: the
    panel is read where a page reads it (a panel member's access, the panel's section)."""
    from tests.test_case_pages import action_url, form_data

    coordinator = factories.coordinator()
    review = factories.review_at("panel", by=coordinator)
    for _ in range(3):
        factories.seat_on_panel(review, factories.panel_member())
    client = act_as(coordinator)
    data = form_data(factories.trigger_data(review, "pause")) | {"version": str(review.version)}
    data["csrf_token"] = client.csrf_token(action_url(review, "pause"))
    with counting_statements() as statements:
        client.post(action_url(review, "pause"), data)
    assert statements and not [s for s in statements if "panel_memberships" in s]
    assert db.session.get(type(review), review.id, populate_existing=True).status == "on_hold"


def test_the_documents_a_submission_needs_are_read_in_one_statement(act_as):  # noqa: F811
    """The task list before submitting asks for three kinds of document; the review's kinds are read once."""
    from ssgp_dhr.cases import workflow
    from ssgp_dhr.documents.models import DocumentType
    from ssgp_dhr.documents.services import SUBMISSION_DOCUMENTS

    coordinator = factories.coordinator()
    review = factories.review_at("panel", by=coordinator)
    factories.document(review, coordinator, DocumentType.EXECUTIVE_SUMMARY)
    with counting_statements() as statements:
        tasks = workflow.prerequisites(review, "submit")
    uploads = {req.reason: done for req, done in tasks if "Upload" in req.reason}
    assert len(uploads) == len(SUBMISSION_DOCUMENTS)
    assert [reason for reason, done in uploads.items() if done] == [
        "Upload the executive summary before submitting to the Home Office"]
    assert sum("FROM documents" in s for s in statements) == 1, statements

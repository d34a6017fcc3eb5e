"""`flask --app wsgi dhr advance` and `dhr diagram`, and the references reviews are given."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask

from ssgp_dhr.cases import workflow
from ssgp_dhr.cases.models import Review
from ssgp_dhr.extensions import db
from tests import factories
from tests.factories import EXPECTED_MOVES, review_at, stored_state, trigger_data


def _dhr(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["dhr", *args])
    return result.exit_code, result.output


def _sets(data: dict) -> list[str]:
    args = []
    for field, value in data.items():
        text = ",".join(value) if isinstance(value, list) else value.isoformat() if isinstance(value, date) else value
        args += ["--set", f"{field}={text}"]
    return args


@pytest.mark.parametrize(("state", "trigger"), [("notified", "commission"), ("on_hold", "resume"), ("approved", "publish")])
def test_advance_takes_the_action_with_the_data_given(app: Flask, state: str, trigger: str) -> None:
    coordinator = factories.coordinator()
    review = review_at(state, by=coordinator)
    factories.ready_for(review, trigger, coordinator)
    data = trigger_data(review, trigger)

    code, output = _dhr(app, "advance", review.reference, trigger, "--as", coordinator.email.upper(), *_sets(data))

    assert code == 0, output
    status = stored_state(review)["status"]
    assert output == f"{review.reference} is now {status}\n"
    assert status == (EXPECTED_MOVES[(state, trigger)] or "panel")  # review_at("on_hold") was paused from the panel
    if trigger == "publish":
        assert review.published_documents == "overview_report,executive_summary"


def test_advance_refuses_with_every_reason_and_changes_nothing(app: Flask) -> None:
    coordinator = factories.coordinator()
    review = review_at("notified", by=coordinator)
    before = stored_state(review)

    code, output = _dhr(app, "advance", review.reference, "decline", "--as", coordinator.email,
                        "--set", f"decision_on={review.notified_on + timedelta(days=1)}")

    assert code != 0
    assert output == ("Error: Not done:\n"
                      "  - Record the date the Home Office was told before declining\n"
                      "  - Give the reasons for not holding a review\n")
    assert stored_state(review) == before


@pytest.mark.parametrize(("args", "message"), [
    (["close"], "Error: You cannot close the review while the review is notified"),
    (["explode"], "Error: There is no action called 'explode'"),
    (["commission", "--set", "decision_on"], "Error: Write data as FIELD=VALUE, not 'decision_on'"),
    (["commission", "--set", "status=closed"], "Error: 'commission' does not take status"),
])
def test_advance_explains_other_refusals(app: Flask, args: list[str], message: str) -> None:
    coordinator = factories.coordinator()
    review = review_at("notified", by=coordinator)
    before = stored_state(review)

    code, output = _dhr(app, "advance", review.reference, args[0], "--as", coordinator.email, *args[1:])

    assert (code, output.strip()) == (1, message)
    assert stored_state(review) == before


def test_advance_refuses_someone_who_does_not_coordinate_the_review(app: Flask) -> None:
    review = review_at("notified")
    manager = factories.manager()
    code, output = _dhr(app, "advance", review.reference, "commission", "--as", manager.email,
                        *_sets(trigger_data(review, "commission")))
    assert (code, output.strip()) == (1, "Error: Only a coordinator of this review's partnership can do this")
    assert stored_state(review)["status"] == "notified"


def test_advance_names_an_unknown_reference_or_account(app: Flask) -> None:
    coordinator = factories.coordinator()
    review = review_at("notified", by=coordinator)
    assert _dhr(app, "advance", "SSGP-DHR-1999-001", "commission", "--as", coordinator.email) == (
        1, "Error: There is no review SSGP-DHR-1999-001\n")
    assert _dhr(app, "advance", review.reference, "commission", "--as", "nobody@example.org") == (
        1, "Error: There is no account nobody@example.org\n")


def test_diagram_prints_the_workflow_the_code_runs(app: Flask) -> None:
    code, output = _dhr(app, "diagram")
    assert (code, output) == (0, workflow.mermaid_diagram())
    for spec in workflow.TRANSITIONS:  # drawn from the definition: every move appears
        sources = spec["source"] if isinstance(spec["source"], list) else [spec["source"]]
        for source in sources:
            assert f"    {source} --> {spec['dest']} : {spec['trigger']}\n" in output


def test_references_are_sequential_per_lead_partnership_and_year() -> None:
    ssgp, sg = factories.ssgp(), factories.safer_glos()
    made = [
        factories.notified_review(lead=ssgp, notified_on=date(2024, 2, 1)),
        factories.notified_review(lead=ssgp, notified_on=date(2024, 11, 30)),
        factories.notified_review(lead=sg, notified_on=date(2024, 5, 5)),
        factories.notified_review(lead=ssgp, notified_on=date(2025, 1, 2)),
        factories.notified_review(lead=sg, joint=ssgp, notified_on=date(2024, 6, 6)),
        factories.notified_review(lead=ssgp, notified_on=date(2024, 12, 31)),
    ]
    assert [r.reference for r in made] == [
        "SSGP-DHR-2024-001", "SSGP-DHR-2024-002", "SG-DHR-2024-001", "SSGP-DHR-2025-001", "SG-DHR-2024-002",
        "SSGP-DHR-2024-003"]
    db.session.expire_all()
    assert db.session.query(Review.reference).distinct().count() == len(made)


def test_record_writes_a_delay_a_hold_end_and_a_home_office_answer_through_the_services(app: Flask) -> None:
    from ssgp_dhr.cases.models import DeadlineKind, DecisionResponseOutcome
    from ssgp_dhr.clock import today_uk

    coordinator = factories.coordinator()
    today = today_uk()
    late = review_at("panel", by=coordinator)  # decided 199 days ago: the report is overdue
    code, output = _dhr(app, "record", late.reference, "delay", "--as", coordinator.email, *_sets({
        "told_on": today, "cause": "agency_information", "explanation": "IMRs late.",
        "expected_on": today + timedelta(days=30)}))
    assert (code, output) == (0, f"{late.reference}: recorded the delay the Home Office was told of\n")
    db.session.expire_all()
    assert [(n.deadline, n.expected_on) for n in db.session.get(Review, late.id).delay_notices] == [
        (DeadlineKind.REPORT, today + timedelta(days=30))]

    held = review_at("on_hold", by=coordinator)
    code, output = _dhr(app, "record", held.reference, "hold-end", "--as", coordinator.email, *_sets({
        "expected_end_on": today + timedelta(days=28), "reason": "The coroner extended the suspension."}))
    assert code == 0, output
    db.session.expire_all()
    assert db.session.get(Review, held.id).current_hold.expected_end_on == today + timedelta(days=28)

    declined = review_at("not_commissioned", by=coordinator)
    code, output = _dhr(app, "record", declined.reference, "decision-response", "--as", coordinator.email,
                        *_sets({"received_on": today, "outcome": "agreed"}))
    assert code == 0, output
    db.session.expire_all()
    assert db.session.get(Review, declined.id).decision_response.outcome is DecisionResponseOutcome.AGREED

    notified = factories.notified_review(coordinator, notified_on=today - timedelta(days=5))
    code, output = _dhr(app, "record", notified.reference, "consideration-panel", "--as", coordinator.email,
                        *_sets({"met_on": today, "attended_by": "Police, NHS", "advice": "do_not_hold",
                                "rationale": "No known abuse; the coroner is satisfied."}))
    assert (code, output) == (0, f"{notified.reference}: recorded the consideration panel and its advice\n")
    db.session.expire_all()
    assert [p.advice.value for p in db.session.get(Review, notified.id).consideration_panels] == ["do_not_hold"]

    code, output = _dhr(app, "record", late.reference, "cost", "--as", coordinator.email,
                        *_sets({"incurred_on": today, "kind": "chair", "amount": "1,250.50",
                                "funder": late.lead_partnership.short_name, "description": "Invoice 7"}))
    assert (code, output) == (0, f"{late.reference}: recorded the cost\n")
    from ssgp_dhr.costs import services as costs

    assert [(c.amount_pence, c.funder_id) for c in costs.costs_of(late)] == [(125_050, late.lead_partnership_id)]
    code, output = _dhr(app, "record", late.reference, "cost", "--as", coordinator.email,
                        *_sets({"incurred_on": today, "kind": "chair", "amount": "lots", "funder": "NOBODY"}))
    assert code == 1
    assert "Enter the amount in pounds, like 1250 or 1,250.50" in output and "Choose who pays it" in output
    assert len(costs.costs_of(late)) == 1

    opcc = factories.organisation("OPCC", "Office of the Police and Crime Commissioner")
    shares = f"{late.lead_partnership.short_name} 66.67%, OPCC 33.33%"
    code, output = _dhr(app, "record", late.reference, "cost-sharing", "--as", coordinator.email,
                        *_sets({"agreed_on": today, "shares": shares, "note": "Board minute 4."}))
    assert (code, output) == (0, f"{late.reference}: recorded the agreed shares of the costs\n")
    db.session.expire_all()
    assert [(s.organisation_id, s.basis_points) for s in costs.cost_sharing_of(late).shares] == [
        (late.lead_partnership_id, 6667), (opcc.id, 3333)]
    code, output = _dhr(app, "record", late.reference, "cost-sharing", "--as", coordinator.email,
                        *_sets({"agreed_on": today, "shares": "NOBODY 50%, OPCC half"}))
    assert code == 1
    assert "Choose the organisation for share 1" in output and "Enter share 2 as a percentage" in output

    code, output = _dhr(app, "record", late.reference, "recharge", "--as", coordinator.email,
                        *_sets({"paid_on": today, "payer": "OPCC", "payee": late.lead_partnership.short_name,
                                "amount": "£416.83", "reference": "RI-2"}))
    assert (code, output) == (0, f"{late.reference}: recorded the recharge\n")
    assert [(r.payer_id, r.payee_id, r.amount_pence) for r in costs.recharges_of(late)] == [
        (opcc.id, late.lead_partnership_id, 41_683)]


def test_record_explains_what_is_missing_or_wrong_and_changes_nothing(app: Flask) -> None:
    coordinator = factories.coordinator()
    review = review_at("not_commissioned", by=coordinator)
    before = stored_state(review)

    code, output = _dhr(app, "record", review.reference, "decision-response", "--as", coordinator.email,
                        "--set", "outcome=review_directed")
    assert code == 1
    assert "Not done:\n  - Record the date of the Home Office's response\n  - Say what the Home Office asked for, " \
           "and why" in output
    code, output = _dhr(app, "record", review.reference, "delay", "--as", coordinator.email, "--set", "colour=red")
    assert (code, "'delay' takes told_on, cause, explanation, expected_on, not colour" in output) == (1, True)
    code, output = _dhr(app, "record", review.reference, "hold-end", "--as", coordinator.email,
                        "--set", "reason=Relisted.", "--set", "expected_end_on=2030-01-01")
    assert (code, "The expected end can only be changed while the review is on hold" in output) == (1, True)
    code, output = _dhr(app, "record", review.reference, "delay", "--as", factories.manager().email)
    assert (code, "Only a coordinator of this review's partnership can do this" in output) == (1, True)
    assert stored_state(review) == before


def test_every_recordable_kind_has_its_service(app: Flask) -> None:
    from ssgp_dhr import cli

    with app.app_context():
        assert tuple(cli._recordings()) == cli.RECORDABLE

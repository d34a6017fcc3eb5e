"""A late report: the coordinator records that the Home Office was told of the delay, why, and when
to expect the report; the case page shows it, and flags an overdue report nobody has explained."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ssgp_dhr.cases import deadlines, services
from ssgp_dhr.cases.models import CaseEvent, DeadlineKind, DelayCause, Review
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.presentation import uk_date
from tests import factories
from tests.conftest import on_postgres
from tests.test_case_pages import act_as, form_data, reload  # noqa: F401 - act_as is a fixture

EXPLANATION = "Two agencies' IMRs arrived four months late; the panel meets again in March."


def overdue_report() -> tuple[Review, object]:
    """A review with the panel whose report to the Home Office is overdue (decided 200 days ago)."""
    coordinator = factories.coordinator()
    review = factories.review_at("panel", by=coordinator)
    assert deadlines.report_deadline(review).is_overdue(today_uk())
    return review, coordinator


def delay(review: Review, **changes) -> dict:
    today = today_uk()
    return {"told_on": today - timedelta(days=2), "cause": "agency_information", "explanation": EXPLANATION,
            "expected_on": today + timedelta(days=90), **changes}


def delay_url(review: Review) -> str:
    return f"/cases/{review.reference}/delays/new"


def delay_link(page):
    """The link under the deadlines (the banner at the top links to the same form as the next step)."""
    return page.select_one("#deadlines ~ p a[href$='/delays/new']")


def delay_row(page) -> str | None:
    for row in page.select(".govuk-summary-list__row"):
        if row.find(class_="govuk-summary-list__key").get_text(strip=True) == "Delay reported to the Home Office":
            return row.find(class_="govuk-summary-list__value").get_text(" ", strip=True)
    return None


# --- The action ------------------------------------------------------------------------------------

def test_recording_a_delay_keeps_when_the_home_office_was_told_why_and_when_to_expect_the_report() -> None:
    review, coordinator = overdue_report()
    version, today = review.version, today_uk()
    assert deadlines.untold_delay(review, today)

    notice = services.record_delay_notice(review, coordinator, version, **delay(review, explanation=f" {EXPLANATION} "))

    review = reload(review)
    assert review.version == version + 1 and review.status == "panel"
    assert [(n.told_on, n.cause, n.explanation, n.expected_on, n.recorded_by_id)
            for n in review.delay_notices] == [(today - timedelta(days=2), DelayCause.AGENCY_INFORMATION, EXPLANATION,
                                                today + timedelta(days=90), coordinator.id)]
    assert notice.id == review.delay_notices[0].id
    event = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.review_id == review.id)
                               .order_by(CaseEvent.seq.desc())).first()
    assert (event.field, event.reason) == ("delay_notice", EXPLANATION)
    assert event.to_value == (f"Home Office told on {(today - timedelta(days=2)).isoformat()}: "
                              f"{DelayCause.AGENCY_INFORMATION.label}. The report is now expected by "
                              f"{(today + timedelta(days=90)).isoformat()}")
    assert not deadlines.untold_delay(review, today)
    # Once the date the Home Office was given has passed, the delay needs telling again.
    assert deadlines.untold_delay(review, today + timedelta(days=91))


@pytest.mark.parametrize(("changes", "problems"), [
    ({"told_on": None}, [("told_on", "Record the date the Home Office was told")]),
    ({"told_on": "tomorrow"}, [("told_on", "The date the Home Office was told cannot be in the future")]),
    ({"told_on": "before the decision"}, [("told_on", "The Home Office cannot have been told of a delay before the "
                                                      "decision to hold the review, on {decision}")]),
    ({"cause": "weather"}, [("cause", "Choose the main cause of the delay")]),
    ({"explanation": "  "}, [("explanation", "Explain the delay as the Home Office was told it")]),
    ({"expected_on": None},
     [("expected_on", "Give the date the report is now expected to go to the Home Office")]),
    ({"expected_on": "the day told"},
     [("expected_on", "The date the report is now expected to go to the Home Office must be after "
                                    "the Home Office was told")]),
])
def test_a_delay_that_cannot_be_recorded_is_refused_with_the_reason_and_nothing_changes(changes, problems) -> None:
    review, coordinator = overdue_report()
    today = today_uk()
    dates = {"tomorrow": today + timedelta(days=1), "before the decision": review.decision_on - timedelta(days=1),
             "the day told": today - timedelta(days=2)}
    changes = {key: dates.get(value, value) if isinstance(value, str) else value for key, value in changes.items()}
    version = review.version

    with pytest.raises(services.InvalidChange) as refused:
        services.record_delay_notice(review, coordinator, version, **delay(review, **changes))

    assert refused.value.problems == [(field, sentence.format(decision=uk_date(review.decision_on)))
                                      for field, sentence in problems]
    review = reload(review)
    assert review.version == version and review.delay_notices == []


def test_only_a_coordinator_records_a_delay_and_only_while_the_report_is_owed() -> None:
    review, coordinator = overdue_report()
    for outsider in (factories.manager(), factories.coordinator(factories.safer_glos()), factories.panel_member()):
        with pytest.raises(services.NotPermitted):
            services.record_delay_notice(review, outsider, review.version, **delay(review))
    with pytest.raises(services.StaleReview):
        services.record_delay_notice(review, coordinator, review.version - 1, **delay(review))

    submitted = factories.review_at("home_office_review", by=coordinator)
    with pytest.raises(services.NotAllowedNow, match="while the decision or the report to the Home Office is still owed"):
        services.record_delay_notice(submitted, coordinator, submitted.version, **delay(submitted))
    assert reload(review).delay_notices == [] and reload(submitted).delay_notices == []


# --- The pages -------------------------------------------------------------------------------------

def test_an_overdue_report_nobody_explained_is_flagged_and_coordinators_get_the_link(act_as) -> None:  # noqa: F811
    review, coordinator = overdue_report()
    page = act_as(coordinator).review(review.reference)
    assert delay_row(page) == "Home Office not told"
    link = delay_link(page)
    assert link["href"] == delay_url(review)
    assert link.get_text(" ", strip=True) == "Record that the Home Office was told of a delay in the report"

    manager = factories.manager()
    page = act_as(manager).review(review.reference)
    assert delay_row(page) == "Home Office not told"
    assert delay_link(page) is None
    act_as(manager).get(delay_url(review), expected_status=403)

    # A report not yet due is not flagged. A coordinator may tell the Home Office in advance once it is a
    # month away; five months ahead, nothing is late and the link would only be noise.
    on_time = factories.review_at("panel", by=coordinator)
    on_time.decision_on = today_uk() - timedelta(days=30)
    db.session.commit()
    page = act_as(coordinator).review(on_time.reference)
    assert delay_row(page) is None and delay_link(page) is None
    on_time.decision_on = today_uk() - timedelta(days=170)  # due in about two weeks
    db.session.commit()
    page = act_as(coordinator).review(on_time.reference)
    assert delay_row(page) is None and delay_link(page) is not None


def test_a_coordinator_records_a_delay_and_the_case_page_and_history_show_it(act_as) -> None:  # noqa: F811
    review, coordinator = overdue_report()
    client = act_as(coordinator)
    form = client.get(delay_url(review))
    assert form.find("h1").get_text(strip=True) == "Record that the Home Office was told of a delay"
    report = deadlines.report_deadline(review)
    assert f"was due on {uk_date(report.due_on)}: it is {report.days_overdue(today_uk())} days overdue" in \
        form.find("main").get_text(" ", strip=True)
    assert len(form.find_all("input", attrs={"name": "cause", "type": "radio"})) == len(DelayCause)
    data = delay(review)
    version = form.find("input", attrs={"name": "version"})["value"]

    response = client.post(delay_url(review), form_data({"version": version, **data}))
    assert response.headers["Location"] == f"/cases/{review.reference}#deadlines"

    page = client.review(review.reference)
    assert delay_row(page) == (f"Told on {uk_date(data['told_on'])}: {DelayCause.AGENCY_INFORMATION.label}. "
                               f"Report expected by {uk_date(data['expected_on'])}")
    newest = page.select(".moj-timeline__item")[0]
    assert newest.find(class_="moj-timeline__title").get_text(strip=True) == "Delay reported to the Home Office"
    assert newest.find(class_="moj-timeline__description").get_text(" ", strip=True) == (
        f"Home Office told on {uk_date(data['told_on'])}: {DelayCause.AGENCY_INFORMATION.label}. "
        f"The report is now expected by {uk_date(data['expected_on'])} {EXPLANATION}")

    # A second notice: the latest is shown, with the count.
    later = delay(review, told_on=today_uk(), expected_on=today_uk() + timedelta(days=120),
                  cause="parallel_proceedings")
    services.record_delay_notice(reload(review), coordinator, reload(review).version, **later)
    assert delay_row(client.review(review.reference)) == (
        f"Told on {uk_date(today_uk())}: {DelayCause.PARALLEL_PROCEEDINGS.label}. Report expected by "
        f"{uk_date(later['expected_on'])} (2 delays reported, each in the history)")


def test_a_form_with_mistakes_shows_them_and_keeps_what_was_typed(act_as) -> None:  # noqa: F811
    review, coordinator = overdue_report()
    client = act_as(coordinator)
    version = client.get(delay_url(review)).find("input", attrs={"name": "version"})["value"]
    data = form_data({"version": version, **delay(review)})
    data.pop("cause")
    data["expected_on"] = ["", "13", "2027"]
    page = client.post(delay_url(review), data, expected_status=400)
    assert [(a.get_text(strip=True), a["href"]) for a in page.select(".govuk-error-summary a")] == [
        ("Choose the main cause of the delay", "#cause"),
        ("Date the report is now expected to go to the Home Office must include a day", "#expected_on-day"),
    ]
    assert page.find("textarea", attrs={"name": "explanation"}).get_text().strip() == EXPLANATION
    assert page.find(id="told_on-day")["value"] == str(data["told_on"][0])
    assert page.find(id="expected_on-month")["value"] == "13"

    # The service's rules come back the same way, by field.
    data = form_data({"version": version, **delay(review, told_on=review.decision_on - timedelta(days=1))})
    page = client.post(delay_url(review), data, expected_status=400)
    assert [a["href"] for a in page.select(".govuk-error-summary a")] == ["#told_on-day"]
    assert page.find("input", attrs={"name": "cause", "checked": True})["value"] == "agency_information"
    assert reload(review).delay_notices == []


def test_the_form_is_gone_once_the_report_has_gone_to_the_home_office(act_as) -> None:  # noqa: F811
    coordinator = factories.coordinator()
    review = factories.review_at("home_office_review", by=coordinator)
    client = act_as(coordinator)
    client.get(delay_url(review), expected_status=409)
    page = client.review(review.reference)
    assert delay_link(page) is None
    assert delay_row(page) is None

    data = form_data({"version": review.version, **delay(review)})
    page = client.post(delay_url(review), data, expected_status=409)
    assert "A delay can only be recorded while the decision or the report to the Home Office is still owed" in \
        page.select_one(".govuk-error-summary").get_text(" ", strip=True)


def test_the_case_list_and_my_work_find_the_late_reports_the_home_office_has_not_been_told_of(act_as) -> None:  # noqa: F811
    coordinator = factories.coordinator()
    today = today_uk()
    untold = factories.review_at("panel", by=coordinator)
    told = factories.review_at("panel", by=coordinator)
    services.record_delay_notice(told, coordinator, told.version, **delay(told))
    lapsed = factories.review_at("panel", by=coordinator)  # told of a date that has passed
    services.record_delay_notice(lapsed, coordinator, lapsed.version, **delay(
        lapsed, told_on=today - timedelta(days=60), expected_on=today - timedelta(days=1)))
    superseded = factories.review_at("panel", by=coordinator)  # last told of a date that has passed
    for told_on, expected in ((60, -100), (30, 1)):
        services.record_delay_notice(superseded, coordinator, superseded.version, **delay(
            superseded, told_on=today - timedelta(days=told_on), expected_on=today - timedelta(days=expected)))
    on_time = factories.review_at("panel", by=coordinator)
    on_time.decision_on = today - timedelta(days=30)
    db.session.commit()
    submitted = factories.review_at("home_office_review", by=coordinator)
    factories.review_at("panel", lead=factories.safer_glos())  # another partnership's: not visible

    client = act_as(coordinator)
    page = client.get("/cases?untold=yes")
    listed = {a.get_text(strip=True) for a in page.select("table a") if "-DHR-" in a.get_text()}
    assert listed == {untold.reference, lapsed.reference, superseded.reference}
    assert page.find(id="untold").has_attr("checked")
    # The SQL filter and the case page's flag agree.
    for review in (untold, told, lapsed, superseded, on_time, submitted):
        assert deadlines.untold_delay(reload(review), today) is (review.reference in listed)

    item = client.get("/").find(id="untold-delays")
    assert item.get_text(" ", strip=True) == "Late decisions or reports the Home Office has not been told of: 3"
    assert item.find("a")["href"] == "/cases?untold=yes"


# --- A late decision -------------------------------------------------------------------------------

def overdue_decision() -> tuple[Review, object]:
    """A review notified 40 days ago and not yet decided: the decision was due ten days ago or so."""
    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator, notified_on=today_uk() - timedelta(days=40))
    assert deadlines.decision_deadline(review).is_overdue(today_uk())
    return review, coordinator


def test_a_late_decision_is_flagged_and_its_delay_recorded_against_the_decision(act_as) -> None:  # noqa: F811
    review, coordinator = overdue_decision()
    client = act_as(coordinator)
    page = client.review(review.reference)
    assert delay_row(page) == "Home Office not told"
    assert delay_link(page).get_text(" ", strip=True) == "Record that the Home Office was told of a delay in the decision"

    form = client.get(delay_url(review))
    decision = deadlines.decision_deadline(review)
    assert (f"The decision whether to hold a review was due on {uk_date(decision.due_on)}: it is "
            f"{decision.days_overdue(today_uk())} days overdue") in form.find("main").get_text(" ", strip=True)
    # Drafting, the family and the chair delay the report, not the decision.
    assert [i["value"] for i in form.find_all("input", attrs={"name": "cause"})] == [
        "parallel_proceedings", "agency_information", "other"]
    assert "Date the decision is now expected" in form.get_text()
    version = form.find("input", attrs={"name": "version"})["value"]
    data = delay(review, cause="parallel_proceedings", expected_on=today_uk() + timedelta(days=21))
    client.post(delay_url(review), form_data({"version": version, **data}))

    review = reload(review)
    assert [(n.deadline, n.expected_on) for n in review.delay_notices] == [
        (DeadlineKind.DECISION, today_uk() + timedelta(days=21))]
    assert not deadlines.untold_delay(review, today_uk())
    page = client.review(review.reference)
    assert delay_row(page) == (f"Told on {uk_date(data['told_on'])}: {DelayCause.PARALLEL_PROCEEDINGS.label}. "
                               f"Decision expected by {uk_date(data['expected_on'])}")
    newest = page.select(".moj-timeline__item")[0]
    assert f"The decision is now expected by {uk_date(data['expected_on'])}" in newest.get_text(" ", strip=True)

    # Once decided, the report is what a delay is about: the decision's notice is history.
    services.advance(review, "commission", coordinator, review.version, decision_on=today_uk(),
                     home_office_told_on=today_uk())
    review = reload(review)
    assert deadlines.latest_delay_notice(review) is None and not deadlines.untold_delay(review, today_uk())
    assert delay_row(client.review(review.reference)) is None


@pytest.mark.parametrize(("changes", "problems"), [
    ({"cause": "drafting_and_sign_off"}, [("cause", "Choose the main cause of the delay")]),
    ({"told_on": "before notification"}, [("told_on", "The Home Office cannot have been told of a delay before the "
                                                      "partnership was notified, on {notified}")]),
    ({"expected_on": None}, [("expected_on", "Give the date the decision is now expected")]),
])
def test_a_decision_delay_that_cannot_be_recorded_is_refused(changes, problems) -> None:
    review, coordinator = overdue_decision()
    if changes.get("told_on") == "before notification":
        changes["told_on"] = review.notified_on - timedelta(days=1)
    with pytest.raises(services.InvalidChange) as refused:
        services.record_delay_notice(review, coordinator, review.version, **delay(review, **changes))
    assert refused.value.problems == [(field, sentence.format(notified=uk_date(review.notified_on)))
                                      for field, sentence in problems]
    assert reload(review).delay_notices == []

    declined = factories.review_at("not_commissioned", by=coordinator)
    with pytest.raises(services.NotAllowedNow, match="while the decision or the report"):
        services.record_delay_notice(declined, coordinator, declined.version, **delay(declined))


def test_the_case_list_and_my_work_find_late_decisions_the_home_office_has_not_been_told_of(act_as) -> None:  # noqa: F811
    untold, coordinator = overdue_decision()
    told = factories.notified_review(coordinator, notified_on=today_uk() - timedelta(days=40))
    services.record_delay_notice(told, coordinator, told.version, **delay(told, cause="other"))
    lapsed = factories.notified_review(coordinator, notified_on=today_uk() - timedelta(days=90))
    services.record_delay_notice(lapsed, coordinator, lapsed.version, **delay(
        lapsed, told_on=today_uk() - timedelta(days=50), expected_on=today_uk() - timedelta(days=1), cause="other"))
    on_time = factories.notified_review(coordinator, notified_on=today_uk() - timedelta(days=10))
    # A report notice does not answer for a late decision, nor the other way about.
    report_told, _ = overdue_report()
    services.record_delay_notice(report_told, coordinator, report_told.version, **delay(report_told))

    client = act_as(coordinator)
    page = client.get("/cases?untold=yes")
    listed = {a.get_text(strip=True) for a in page.select("table a") if "-DHR-" in a.get_text()}
    assert listed == {untold.reference, lapsed.reference}
    for review in (untold, told, lapsed, on_time, report_told):
        assert deadlines.untold_delay(reload(review), today_uk()) is (review.reference in listed)
    assert client.get("/").find(id="untold-delays").get_text(" ", strip=True) == (
        "Late decisions or reports the Home Office has not been told of: 2")


# --- Correcting a delay recorded wrongly --------------------------------------------------------------

def test_a_delay_recorded_wrongly_is_corrected_and_the_history_keeps_what_it_said() -> None:
    review, coordinator = overdue_report()
    today = today_uk()
    # Mistyped: the expected date already passed, so the report looks untold.
    notice = services.record_delay_notice(review, coordinator, review.version,
                                          **delay(review, expected_on=today - timedelta(days=1),
                                                  told_on=today - timedelta(days=3)))
    assert deadlines.untold_delay(reload(review), today)
    before = factories.stored_state(review)
    for outsider in (factories.manager(), factories.coordinator(factories.safer_glos()), factories.panel_member()):
        with pytest.raises(services.NotPermitted):
            services.correct_delay_notice(reload(review), outsider, reload(review).version, notice, **delay(review))
    with pytest.raises(services.StaleReview):
        services.correct_delay_notice(reload(review), coordinator, reload(review).version - 1, notice, **delay(review))
    with pytest.raises(services.InvalidChange) as refused:
        services.correct_delay_notice(reload(review), coordinator, reload(review).version, notice,
                                      **delay(review, expected_on=today - timedelta(days=5)))
    assert [field for field, _ in refused.value.problems] == ["expected_on"]
    other, other_coordinator = overdue_report()
    other_notice = services.record_delay_notice(other, other_coordinator, other.version, **delay(other))
    with pytest.raises(services.NotAllowedNow):
        services.correct_delay_notice(reload(review), coordinator, reload(review).version, other_notice,
                                      **delay(review))
    assert factories.stored_state(review) == before

    corrected = delay(review, told_on=today - timedelta(days=3), expected_on=today + timedelta(days=60))
    assert services.correct_delay_notice(reload(review), coordinator, reload(review).version, notice, **corrected)
    review = reload(review)
    assert [(n.told_on, n.expected_on) for n in review.delay_notices] == [
        (corrected["told_on"], corrected["expected_on"])]
    assert not deadlines.untold_delay(review, today)
    event = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.review_id == review.id)
                               .order_by(CaseEvent.seq.desc()).limit(1)).one()
    assert event.field == "delay_notice_corrected"
    assert event.from_value.endswith(f"expected by {(today - timedelta(days=1)).isoformat()}")
    assert event.to_value.endswith(f"expected by {corrected['expected_on'].isoformat()}")
    # The same again changes nothing.
    assert not services.correct_delay_notice(review, coordinator, review.version, notice, **corrected)
    assert reload(review).version == review.version


def test_the_case_page_links_the_correction_which_keeps_what_was_typed(act_as) -> None:  # noqa: F811
    review, coordinator = overdue_report()
    notice = services.record_delay_notice(review, coordinator, review.version,
                                          **delay(review, cause="other"))
    url = f"/cases/{review.reference}/delays/{notice.id}/correct"
    client = act_as(coordinator)
    link = client.review(review.reference).select_one(f"a[href='{url}']")
    assert link.get_text(" ", strip=True) == "Correct the delay last reported"
    form = client.get(url)
    assert form.find("input", attrs={"name": "cause", "checked": True})["value"] == "other"
    assert form.find("textarea", attrs={"name": "explanation"}).get_text().strip() == EXPLANATION
    assert form.select_one("a[href$='/delays/new']")  # something new told is a new notice

    data = form_data({"version": reload(review).version, **delay(review, cause="agency_information",
                                                                 expected_on=notice.told_on)})
    page = client.post(url, data, expected_status=400)
    assert [a["href"] for a in page.select(".govuk-error-summary a")] == ["#expected_on-day"]
    assert page.find("input", attrs={"name": "cause", "checked": True})["value"] == "agency_information"
    assert reload(review).delay_notices[0].cause is DelayCause.OTHER

    data = form_data({"version": reload(review).version, **delay(review, cause="agency_information")})
    assert client.post(url, data, expected_status=302).headers["Location"] == f"/cases/{review.reference}#deadlines"
    page = client.review(review.reference)
    assert DelayCause.AGENCY_INFORMATION.label in delay_row(page)
    assert page.select(".moj-timeline__item")[0].find(class_="moj-timeline__title").get_text(strip=True) == \
        "Delay report corrected"
    narrowed = client.get(f"/cases/{review.reference}/history?topic=home_office").select(".moj-timeline__title")
    assert [t.get_text(strip=True) for t in narrowed] == ["Delay report corrected", "Delay reported to the Home Office"]
    act_as(factories.manager()).get(url, expected_status=403)
    other, other_coordinator = overdue_report()
    act_as(other_coordinator).get(f"/cases/{other.reference}/delays/{notice.id}/correct", expected_status=404)
    assert act_as(factories.manager()).review(review.reference).select_one(f"a[href='{url}']") is None


@pytest.mark.skipif(on_postgres(), reason="the plan is SQLite's")
def test_the_last_date_given_is_read_from_the_delay_notices_index_once_a_review(app):
    from ssgp_dhr.cases.views import untold_delay_clause

    statement = sa.select(sa.func.count()).select_from(Review).where(untold_delay_clause(today_uk()))
    sql = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = [row[-1] for row in db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
    notices = [step for step in plan if "delay_notices" in step]
    assert notices == ["SEARCH delay_notices USING COVERING INDEX ix_delay_notices_review_deadline_told"
                       " (review_id=? AND deadline=?)"]

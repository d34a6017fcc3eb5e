"""Publication: the anonymisation check, the QA loop, the public page, the action plan and the statistics."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from ssgp_dhr.action_plan import services as action_plan
from ssgp_dhr.action_plan.rag import Rag, rag_status
from ssgp_dhr.cases import services
from ssgp_dhr.clock import today_uk
from ssgp_dhr.documents import services as document_services
from ssgp_dhr.extensions import db
from ssgp_dhr.panel import services as panel_services
from ssgp_dhr.publication import services as publication
from ssgp_dhr.publication import statistics
from ssgp_dhr.publication.anonymisation import extract_pages
from tests import factories
from tests.test_case_pages import act_as  # noqa: F401 - the fixture


def pdf_with(*pages: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 10, text)
    return bytes(pdf.output())


def docx_with(*pages: str) -> bytes:
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    for n, text in enumerate(pages):
        paragraph = document.add_paragraph(text)
        if n < len(pages) - 1:
            paragraph.add_run().add_break(WD_BREAK.PAGE)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def approved_review(**fields):
    coordinator = factories.coordinator()
    review = factories.review_at("approved", by=coordinator, victim_date_of_birth=date(1980, 7, 3),
                                 victim_address="12 Acacia Avenue, Gloucester GL1 2AB", **fields)
    publication.record_decision(review, coordinator, review.version, form="full",
                                decided_on=review.current_qa_round.letter_on)
    publication.record_details(review, coordinator, review.version, {"public_summary": "Scott was killed."})
    return review, coordinator


def test_the_text_of_each_pdf_and_docx_page_is_extracted():
    assert [n for n, _ in extract_pages("r.pdf", pdf_with("one", "two"))] == [1, 2]
    pages = extract_pages("r.docx", docx_with("first page", "second page"))
    assert [(n, t.strip()) for n, t in pages] == [(1, "first page"), (2, "second page")]


def stored(review, kind):
    from ssgp_dhr.documents.models import Document, DocumentType

    return db.session.scalars(sa.select(Document).where(Document.review_id == review.id,
                                                        Document.document_type == DocumentType(kind))).one()


def new_version(review, coordinator, kind, content, filename):
    return document_services.upload_version(stored(review, kind), coordinator, stream=io.BytesIO(content),
                                            filename=filename)


def test_a_recorded_name_blocks_publication_and_the_corrected_versions_pass(act_as):  # noqa: F811
    review, coordinator = approved_review()
    panel_services.add_family_contact(review, coordinator, name="Marguerite Oakenshaw", relationship_to_victim="Sister",
                                    contact_details=None)
    # The final versions of the stored report (a PDF) and executive summary (a DOCX), with restricted details.
    new_version(review, coordinator, "overview_report",
                pdf_with("An introduction.", "Then V. Realname's partner left.", "Her sister Ms Oakenshaw spoke to us."),
                "report.pdf")
    new_version(review, coordinator, "executive_summary",
                docx_with("Summary.", "Born 03/07/1980 at 12 Acacia Avenue."), "summary.docx")
    base = f"/cases/{review.reference}"
    client = act_as(coordinator)
    form = client.get(f"{base}/publication/check")
    assert "report.pdf" in form.select_one("#documents-to-check").get_text()
    page = client.post(f"{base}/publication/check", data={
        "version": review.version, "documents": ["overview_report", "executive_summary"]}, expected_status=400)
    assert "restricted details" in page.select_one(".govuk-error-summary").get_text()
    check = publication.latest_check(review)
    assert not check.passed
    assert {(f["document"], f["page"], f["field"].split(":")[0]) for f in check.findings} == {
        # The perpetrator shares the victim's (distinctive) surname: that surname alone identifies both.
        ("Overview report", 2, "victim_name"), ("Overview report", 2, "perpetrator_name"),
        ("Overview report", 3, "family_contact"),
        ("Executive summary", 2, "victim_date_of_birth"),
        ("Executive summary", 2, "victim_address")}
    assert {d["document_ref"] for d in check.documents} == {str(stored(review, k).latest.id)
                                                           for k in ("overview_report", "executive_summary")}
    data = factories.trigger_data(review, "publish")
    with pytest.raises(services.RequirementsNotMet) as refused:
        services.advance(review, "publish", coordinator, review.version, **data)
    assert publication.ANONYMISATION_REQUIREMENT in refused.value.reasons

    # A manager sees the document, the page and which field, but never the name itself.
    page = act_as(factories.manager()).review(review.reference)
    findings = page.select_one("#anonymisation-findings").get_text(" ", strip=True)
    assert "Victim" in findings and "Family contact (sister)" in findings and "Overview report" in findings
    for secret in ("Realname", "Oakenshaw", "Marguerite", "Acacia", "03/07/1980"):
        assert secret not in str(page)
    # The coordinator, who may see real names, is told which recorded name matched.
    findings = act_as(coordinator).review(review.reference).select_one("#anonymisation-findings")
    assert "Family contact (sister): Marguerite Oakenshaw" in findings.get_text(" ", strip=True)

    # Corrected versions: the check passes and publishing is allowed.
    new_version(review, coordinator, "overview_report",
                pdf_with("An introduction.", "Then Scott's partner left.", "Her sister spoke to us."), "report.pdf")
    summary = new_version(review, coordinator, "executive_summary", docx_with("Summary.", "Scott was 40."), "summary.docx")
    act_as(coordinator).post(f"{base}/publication/check", data={
        "version": review.version, "documents": ["overview_report", "executive_summary"]}, expected_status=302)
    assert publication.latest_check(review).passed
    # ...until another version is uploaded: that one has not been checked.
    new_version(review, coordinator, "executive_summary", docx_with("Summary.", "Scott was 40. V Realname."), "s.docx")
    with pytest.raises(services.RequirementsNotMet) as refused:
        services.advance(review, "publish", coordinator, review.version, **data)
    assert refused.value.reasons == [publication.ANONYMISATION_REQUIREMENT]
    new_version(review, coordinator, "executive_summary", summary_bytes := docx_with("Summary.", "Scott."), "s.docx")
    publication.run_check(review, coordinator, ["overview_report", "executive_summary"])
    services.advance(review, "publish", coordinator, review.version, **data)
    assert review.status == "published"
    # Exactly the checked versions were published, in the publish action's commit.
    report, executive = stored(review, "overview_report"), stored(review, "executive_summary")
    assert report.is_published and report.published_version == 3
    assert executive.is_published and executive.public_version.sha256 == hashlib.sha256(summary_bytes).hexdigest()
    assert executive.published_version == summary.number + 2
    assert not stored(review, "action_plan").is_published


def test_a_document_to_publish_that_is_not_stored_is_named():
    review, coordinator = approved_review()
    with pytest.raises(services.WorkflowError, match="Upload the Home Office letter to be published"):
        publication.run_check(review, coordinator, ["overview_report", "home_office_letter"])
    with pytest.raises(services.WorkflowError, match="Choose at least one document"):
        publication.run_check(review, coordinator, [])
    publication.run_check(review, coordinator, ["overview_report", "executive_summary"])
    data = {**factories.trigger_data(review, "publish"),
            "published_documents": ["overview_report", "executive_summary", "home_office_letter"]}
    with pytest.raises(services.RequirementsNotMet) as refused:
        services.advance(review, "publish", coordinator, review.version, **data)
    assert publication.upload_sentence(["home_office_letter"]) in refused.value.reasons


def test_the_check_must_cover_every_document_published():
    review, coordinator = approved_review()
    publication.run_check(review, coordinator, ["overview_report"])
    assert publication.latest_check(review).passed
    with pytest.raises(services.RequirementsNotMet) as refused:
        services.advance(review, "publish", coordinator, review.version, **factories.trigger_data(review, "publish"))
    assert refused.value.reasons == [publication.ANONYMISATION_REQUIREMENT]


def test_a_failed_publish_marks_nothing_published(monkeypatch):
    review, coordinator = approved_review()
    publication.run_check(review, coordinator, ["overview_report", "executive_summary"])
    before = factories.stored_state(review)

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")
    monkeypatch.setattr(document_services, "append_event", broken)
    with pytest.raises(RuntimeError):
        services.advance(review, "publish", coordinator, review.version, **factories.trigger_data(review, "publish"))
    assert factories.stored_state(review) == before
    assert not stored(review, "overview_report").is_published


def test_the_qa_loop_revise_twice_then_approve(act_as):  # noqa: F811
    coordinator = factories.coordinator()
    review = factories.review_at("home_office_review", by=coordinator)
    for _ in range(2):
        services.advance(review, "request_revisions", coordinator, review.version,
                         **factories.trigger_data(review, "request_revisions"))
        services.advance(review, "resubmit", coordinator, review.version, **factories.trigger_data(review, "resubmit"))
    meeting = review.current_qa_round.submitted_on + timedelta(days=1)
    publication.record_qa_dates(review, coordinator, review.version, panel_meeting_on=meeting, letter_on=None)
    services.advance(review, "approve", coordinator, review.version, **factories.trigger_data(review, "approve"))
    assert [r.outcome.value for r in review.qa_rounds] == ["revise", "revise", "publish"]
    assert review.qa_rounds[-1].panel_meeting_on == meeting
    page = act_as(coordinator).review(review.reference)
    rows = page.select("#home-office-rounds + .app-table-scroll table tbody tr")
    assert len(rows) == 3 and "Revise and resubmit" in rows[0].get_text()


def test_the_public_page_shows_published_and_summary_only_reviews_and_nothing_else(client_request):
    published = factories.review_at("published", victim_date_of_birth=date(1980, 7, 3), victim_address="1 Secret Row",
                                    press_contact="Press office, 01452 000000")
    summary_only = factories.review_at("summary_only", pseudonym="Rowan")
    hidden = factories.review_at("approved", pseudonym="Hidden")
    page = client_request.get("/reviews")
    text = page.get_text(" ", strip=True)
    assert "Scott, aged 40" in text and "Press office, 01452 000000" in text
    assert "Rowan" in text and "Harm to surviving children." in text and "Agencies should share information sooner." in text
    assert "Hidden" not in text
    for secret in ("Victoria Realname", "Peter Realname", "1980", "03/07", "Secret Row", hidden.reference):
        assert secret not in str(page)
    assert page.select_one(f"a[href='{published.publication_url}']")
    client_request.get(f"/reviews/{published.reference}")
    client_request.get(f"/reviews/{summary_only.reference}")
    client_request.get(f"/reviews/{hidden.reference}", expected_status=404)
    client_request.get("/reviews/SSGP-DHR-1999-001", expected_status=404)
    feed = client_request.client.get("/reviews/feed.atom")
    assert feed.mimetype == "application/atom+xml"
    assert b"Scott" in feed.data and b"Rowan" in feed.data and b"Hidden" not in feed.data and b"Realname" not in feed.data



def test_the_public_page_shows_a_page_of_reviews_at_a_time_newest_first(client_request, monkeypatch):
    from ssgp_dhr.publication import views as publication_views

    monkeypatch.setattr(publication_views, "PUBLIC_PAGE_SIZE", 1)
    older = factories.review_at("published", pseudonym="Older")
    newer = factories.review_at("summary_only", pseudonym="Newer")
    newer.published_on = older.published_on + timedelta(days=30)
    db.session.commit()
    first, second = client_request.get("/reviews"), client_request.get("/reviews?page=2")
    assert "Newer" in first.get_text() and "Older" not in first.get_text()
    assert "Older" in second.get_text() and "Newer" not in second.get_text()
    assert "Page 1 of 2 (2 published reviews, newest first)" in first.get_text(" ", strip=True)
    assert first.select_one(".govuk-pagination__next a")["href"] == "/reviews?page=2"
    client_request.get("/reviews?page=3", expected_status=404)



def test_the_public_page_links_the_pages_near_the_current_one_when_there_are_many(client_request, monkeypatch):
    from ssgp_dhr.publication import views as publication_views

    monkeypatch.setattr(publication_views, "PUBLIC_PAGE_SIZE", 1)
    for _ in range(12):
        factories.review_at("published")
    page = client_request.get("/reviews?page=6")
    links = [a.get_text(strip=True) for a in page.select(".govuk-pagination__item a")]
    assert links == ["1", "4", "5", "6", "7", "8", "12"]
    assert len(page.select(".govuk-pagination__item--ellipsis")) == 2
    assert page.select_one(".govuk-pagination__item--current a")["href"] == "/reviews?page=6"
    assert page.title.get_text(strip=True).startswith("Domestic Homicide Reviews (page 6 of 12)")
    assert "Page 6 of 12 (12 published reviews, newest first)" in page.get_text(" ", strip=True)

def test_rag_status_follows_the_rule_as_time_passes():
    coordinator = factories.coordinator()
    review = factories.review_at("published", by=coordinator)
    with time_machine.travel(date(2030, 1, 1), tick=False):
        recommendation = action_plan.add_recommendation(
            review, coordinator, review.version, reference="R1", text="Train staff.", level="single_agency",
            owning_agency_id=factories.organisation("Constabulary").id, actions="", target_on=date(2030, 6, 30))
        assert rag_status(recommendation, today_uk()) is Rag.GREEN
    with time_machine.travel(date(2030, 4, 15), tick=False):  # 104 days without progress
        assert rag_status(recommendation, today_uk()) is Rag.AMBER
        action_plan.post_progress(recommendation, coordinator, text="Half the staff trained.")
        assert rag_status(recommendation, today_uk()) is Rag.GREEN
    with time_machine.travel(date(2030, 6, 10), tick=False):  # within 30 days of the target
        assert rag_status(recommendation, today_uk()) is Rag.AMBER
    with time_machine.travel(date(2030, 7, 1), tick=False):
        assert rag_status(recommendation, today_uk()) is Rag.RED
        assert action_plan.overdue_counts([review.id], today_uk()) == {review.id: 1}
        action_plan.accept_completion(recommendation, coordinator, completed_on=date(2030, 7, 1))
        assert rag_status(recommendation, today_uk()) is Rag.COMPLETE


def test_rag_counts_quiet_days_on_the_uk_calendar():
    """Progress posted at 00:30 on 2 April in the UK (23:30 on 1 April in UTC) is 90 days old on 1 July,
    not 91: the recommendation is not yet quiet."""
    from types import SimpleNamespace

    posted = datetime(2026, 4, 1, 23, 30, tzinfo=UTC)
    recommendation = SimpleNamespace(completed_on=None, target_on=date(2027, 1, 1), created_at=posted,
                                     progress=[SimpleNamespace(posted_at=posted)])
    assert rag_status(recommendation, date(2026, 7, 1)) is Rag.GREEN
    assert rag_status(recommendation, date(2026, 7, 2)) is Rag.AMBER


def test_owners_post_progress_coordinators_accept_and_close_waits_for_every_recommendation():
    coordinator = factories.coordinator()
    review = factories.review_at("published", by=coordinator)
    police, owner, other = factories.organisation("Constabulary"), factories.panel_member(), factories.panel_member()
    factories.seat_on_panel(review, owner, agency=police)
    factories.seat_on_panel(review, other, agency=factories.organisation("NHS Glos"))
    recommendation = action_plan.add_recommendation(
        review, coordinator, review.version, reference="R1", text="Train staff.", level="multi_agency",
        owning_agency_id=police.id, actions="", target_on=today_uk() + timedelta(days=90))
    with pytest.raises(services.NotPermitted):
        action_plan.post_progress(recommendation, other, text="Not mine.")
    action_plan.post_progress(recommendation, owner, text="Done.", propose_completion=True)
    with pytest.raises(services.NotPermitted):
        action_plan.accept_completion(recommendation, owner, completed_on=today_uk())
    close = factories.trigger_data(review, "close") | {"closed_on": today_uk()}
    with pytest.raises(services.RequirementsNotMet):
        services.advance(review, "close", coordinator, review.version, **close)
    action_plan.accept_completion(recommendation, coordinator, completed_on=today_uk())
    services.advance(review, "close", coordinator, review.version, **close)
    assert review.status == "closed"


def test_statistics_for_a_seeded_set_computed_by_hand(act_as):  # noqa: F811
    coordinator = factories.coordinator()
    # notified_review: decision 1 day after notification, submission 5 days after, approval letter 1 day after that.
    a = factories.review_at("published", by=coordinator)
    b = factories.review_at("approved", by=coordinator)
    factories.review_at("notified", by=coordinator)
    reviews = [a, b]
    by_hand = {"Notification to decision": 1, "Decision to submission": 4, "Submission to approval": 1}
    assert {i.name: i.median_days for i in statistics.intervals(reviews)} == by_hand
    assert all(i.within_limit == i.count == 2 for i in statistics.intervals(reviews) if i.limit)
    year = a.notified_on.year
    rows = {r.year: (r.notified, r.commissioned, r.published) for r in statistics.per_year(reviews)}
    assert rows[year][:2] == (2, 2)
    page = act_as(factories.manager()).get("/publication/statistics")
    assert page.select_one("svg[role=img] title") and page.select_one("#per-year")
    csv = act_as(factories.manager()).client.get("/publication/home-office-library.csv").get_data().decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("Reference,") and a.reference in csv and b.reference not in csv
    assert "Realname" not in csv
    act_as(factories.manager()).get("/publication")


def test_within_the_limit_counts_calendar_months_as_the_deadlines_do():
    """The annual figures must agree with what the case pages showed as overdue: not 31 or 183 days."""
    from types import SimpleNamespace

    from ssgp_dhr.cases import deadlines

    def decided(notified_on: date, decision_on: date, submitted_on: date | None = None) -> SimpleNamespace:
        rounds = [SimpleNamespace(submitted_on=submitted_on, letter_on=None, outcome=None)] if submitted_on else []
        return SimpleNamespace(notified_on=notified_on, decision_on=decision_on, qa_rounds=rounds)

    late = decided(date(2027, 2, 1), date(2027, 3, 3))  # due 1 March: 30 days on, but late
    in_time = decided(date(2027, 3, 1), date(2027, 4, 1), submitted_on=date(2027, 10, 1))  # 31 days; due 1 April
    report_late = decided(date(2026, 8, 1), date(2026, 8, 31), submitted_on=date(2027, 3, 1))  # due 28 Feb: 182 days
    assert deadlines.add_months(late.notified_on, deadlines.DECISION_MONTHS) < late.decision_on
    decision, report, _approval = statistics.intervals([late, in_time, report_late])
    assert (decision.limit, decision.within_limit, decision.count) == ("1 month", 2, 3)
    assert (report.limit, report.within_limit, report.count) == ("6 months", 1, 2)


def test_the_publication_and_action_plan_forms_render_refuse_bad_input_and_refuse_readers(act_as):  # noqa: F811
    review, coordinator = approved_review()
    recommendation = action_plan.add_recommendation(
        review, coordinator, review.version, reference="R1", text="Train staff.", level="single_agency",
        owning_agency_id=factories.organisation("Constabulary").id, actions="", target_on=today_uk())
    base = f"/cases/{review.reference}"
    urls = [f"{base}/publication/decision", f"{base}/publication/details", f"{base}/publication/check",
            f"{base}/recommendations/new", f"{base}/recommendations/{recommendation.id}/progress",
            f"{base}/recommendations/{recommendation.id}/complete"]
    client = act_as(coordinator)
    for url in urls:
        client.get(url)
    page = client.post(f"{base}/recommendations/new", data={"version": review.version, "reference": "R2"},
                       expected_status=400)
    assert page.select_one(".govuk-error-summary a[href='#text']")
    assert page.select_one("input[name=reference]")["value"] == "R2"
    page = client.post(f"{base}/publication/check", data={"version": review.version}, expected_status=400)
    assert "Choose at least one document" in page.get_text()
    reader = act_as(factories.manager())
    for url in urls:
        reader.get(url, expected_status=403)
    stranger = act_as(factories.panel_member())
    stranger.get(urls[0], expected_status=404)
    stranger.get(f"/cases/{review.reference}/recommendations/{recommendation.id + 1000}/progress", expected_status=404)


def test_stored_documents_are_read_by_the_one_text_extraction():
    from ssgp_dhr.documents.models import DocumentType

    review = factories.review_at("commissioned")
    pdf = factories.document(review, document_type=DocumentType.OVERVIEW_REPORT, content=pdf_with("Page one.", "Page two."),
                             filename="report.pdf")
    assert pdf.file_kind == "pdf"
    text = document_services.extract_text(pdf)
    assert "Page one." in text and "Page two." in text


def test_only_the_published_versions_of_published_documents_are_public(client_request):
    published = factories.review_at("published")
    summary_only = factories.review_at("summary_only", pseudonym="Rowan")
    unpublished = factories.review_at("approved", pseudonym="Hidden")
    report, executive, action_plan = (stored(published, k) for k in ("overview_report", "executive_summary", "action_plan"))
    learning = stored(summary_only, "learning_summary")
    page = client_request.get("/reviews")
    links = {a.get_text(" ", strip=True).split(":")[0].strip(): a["href"] for a in page.select("main a[href*='/documents/']")}
    assert set(links) == {"Overview report", "Executive summary", "Learning summary"}
    client = client_request.client
    for href, document in ((links["Overview report"], report), (links["Learning summary"], learning)):
        response = client.get(href)
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.data == document_services.read_version(document.latest)
    assert client.get(f"/reviews/{published.reference}/documents/{report.id}/1").status_code == 200
    on_case_page = client_request.get(f"/reviews/{summary_only.reference}")
    assert on_case_page.select_one(f"a[href='{links['Learning summary']}']")

    # A version uploaded after publication has not been checked: the public still gets the published one.
    later = new_version(published, factories.coordinator(), "overview_report", b"Not checked yet. V Realname.", "r.txt")
    assert client.get(f"/reviews/{published.reference}/documents/{report.id}/current").data != b"Not checked yet. V Realname."
    hidden_doc = stored(unpublished, "overview_report")
    for guess in (f"/reviews/{published.reference}/documents/{report.id}/{later.number}",  # the unchecked version
                  f"/reviews/{published.reference}/documents/{action_plan.id}/current",  # not published
                  f"/reviews/{published.reference}/documents/{action_plan.id}/1",
                  f"/reviews/{unpublished.reference}/documents/{hidden_doc.id}/current",  # review not published
                  f"/reviews/{published.reference}/documents/{hidden_doc.id}/current",
                  f"/reviews/{published.reference}/documents/{learning.id}/current",  # another review's document
                  f"/reviews/{published.reference}/documents/999999/current",
                  f"/reviews/{published.reference}/documents/{report.id}/latest",
                  f"/reviews/SSGP-DHR-1999-001/documents/{report.id}/current"):
        assert client.get(guess).status_code == 404, guess
    assert executive.is_published and not action_plan.is_published


def test_the_board_lists_the_most_pressing_of_each_column_and_counts_them_all(act_as, monkeypatch):  # noqa: F811
    from ssgp_dhr.publication import views as publication_views

    monkeypatch.setattr(publication_views, "BOARD_SHOWN", 1)
    coordinator = factories.coordinator()
    with_home_office = [factories.review_at("home_office_review", by=coordinator) for _ in range(2)]
    factories.review_at("revising", by=coordinator)  # submitted, being revised: still in QA
    approved = factories.review_at("approved", by=coordinator)
    old, older, newest = (factories.review_at("published", by=coordinator) for _ in range(3))
    summary = factories.review_at("summary_only", by=coordinator)
    today = today_uk()
    with_home_office[1].qa_rounds[0].submitted_on = with_home_office[0].qa_rounds[0].submitted_on - timedelta(days=60)
    old.published_on, older.published_on, newest.published_on = (
        today - timedelta(days=30), today - timedelta(days=20 * 365), today - timedelta(days=3))
    db.session.commit()

    page = act_as(factories.manager()).get("/publication")

    def column(heading: str) -> tuple[str, list[str], str]:
        return column_of(page, heading)

    assert column("In Home Office QA") == ("In Home Office QA (3)", [with_home_office[1].reference],
                                           "The 1 waiting longest of 3.")
    assert column("Awaiting publication")[:2] == ("Awaiting publication (1)", [approved.reference])
    title, listed, cut = column("Published")
    assert (title, listed) == ("Published (3)", [newest.reference])
    assert cut == "The 1 most recently published of 3."
    assert column("Summary only")[:2] == ("Summary only (1)", [summary.reference])
    assert column("Removal review due")[:2] == ("Removal review due (1)", [older.reference])  # due, though not the newest

    oldest = factories.review_at("published", by=coordinator)
    oldest.published_on = today - timedelta(days=30 * 365)
    db.session.commit()
    title, listed, cut = column_of(act_as(factories.manager()).get("/publication"), "Removal review due")
    assert (title, listed, cut) == ("Removal review due (2)", [oldest.reference], "The 1 longest overdue of 2.")


def column_of(page, heading: str) -> tuple[str, list[str], str]:
    """A board column's heading, the references it lists, and what it says about those it leaves out."""
    title = next(h for h in page.select("h2") if h.get_text(strip=True).startswith(heading))
    region = title.find_next_sibling("div", class_="app-table-scroll")
    table = region.find("table") if region is not None else None
    cut = title.find_next_sibling("p")
    if cut is not None and region is not None and cut.sourceline > region.sourceline:
        cut = None  # that paragraph belongs to the next column
    references = [a.get_text(strip=True) for a in table.select("tbody a")] if table else []
    return title.get_text(" ", strip=True), references, cut.get_text(strip=True) if cut else ""


def test_the_delay_figures_count_late_reports_the_causes_told_and_the_holds_computed_by_hand(act_as):  # noqa: F811
    from datetime import timedelta

    from ssgp_dhr.cases import services as case_services
    from ssgp_dhr.cases.models import DelayCause
    from ssgp_dhr.clock import today_uk

    coordinator = factories.coordinator()
    today = today_uk()

    def told(review, cause):
        case_services.record_delay_notice(review, coordinator, review.version, told_on=today, cause=cause,
                                          explanation="As told.", expected_on=today + timedelta(days=60))

    untold = factories.review_at("panel", by=coordinator)  # decided 199 days ago: its report is overdue
    agencies = factories.review_at("panel", by=coordinator)
    told(agencies, "agency_information")
    on_hold = factories.review_at("on_hold", by=coordinator)  # its hold was expected to end 136 days ago
    told(on_hold, "parallel_proceedings")
    resumed = factories.review_at("panel", by=coordinator)  # held for one day, well before the expected end
    for trigger in ("pause", "resume"):
        case_services.advance(resumed, trigger, coordinator, resumed.version, **factories.trigger_data(resumed, trigger))
    published = factories.review_at("published", by=coordinator)  # submitted 4 days after the decision
    # Decisions: these two are overdue (the rest were made the day after notification); one was told.
    undecided = factories.notified_review(coordinator, notified_on=today - timedelta(days=40))
    told(undecided, "other")
    undecided_untold = factories.notified_review(coordinator, notified_on=today - timedelta(days=50))

    figures = statistics.delays([untold, agencies, on_hold, resumed, published, undecided, undecided_untold], today)
    assert figures == statistics.Delays(
        late_decisions=2, decisions_told=1, late_reports=4, told=2,
        causes=[(DelayCause.PARALLEL_PROCEEDINGS, 1), (DelayCause.AGENCY_INFORMATION, 1), (DelayCause.OTHER, 1)],
        held=2, holds=2, median_days_on_hold=1, holds_overran=1)

    manager = factories.manager()
    page = act_as(manager).get("/publication/statistics")
    assert page.select_one("#late-reports").get_text(" ", strip=True) == (
        "4 reports went past the six-month limit, submitted late or still owed. "
        "The Home Office was told of the delay for 2 of them.")
    assert page.select_one("#late-decisions").get_text(" ", strip=True) == (
        "2 decisions whether to hold a review went past the one-month limit, made late or still owed. "
        "The Home Office was told of the delay for 1 of them.")
    assert [[c.get_text(strip=True) for c in row.find_all(["th", "td"])] for row in page.select("#delay-causes tbody tr")] \
        == [[DelayCause.PARALLEL_PROCEEDINGS.label, "1"], [DelayCause.AGENCY_INFORMATION.label, "1"],
            [DelayCause.OTHER.label, "1"]]
    assert page.select_one("#holds").get_text(" ", strip=True) == (
        "Reviews put on hold for parallel proceedings: 2, with 2 holds in all. Holds that have ended lasted a "
        "median of 1 day. Holds that went past the end first expected: 1.")
    csv = act_as(manager).client.get("/publication/statistics.csv").get_data(as_text=True).splitlines()
    assert "Late reports: Home Office told of the delay,,2,,,4" in csv
    assert "Late decisions: Home Office told of the delay,,1,,,2" in csv
    assert "Holds past their first expected end,,1,,,2" in csv


def test_the_statistics_read_no_restricted_field(act_as):  # noqa: F811
    """The figures need dates and stages only: the real names are not even selected."""
    from ssgp_dhr.cases.models import RESTRICTED_FIELDS
    from tests.test_queries import counting_statements

    coordinator = factories.coordinator()
    factories.review_at("on_hold", by=coordinator)
    factories.review_at("published", by=coordinator)
    client = act_as(factories.manager())
    with counting_statements() as statements:
        client.get("/publication/statistics")
        client.client.get("/publication/statistics.csv")
    assert statements and not [s for s in statements for name in RESTRICTED_FIELDS if name in s]


def test_recommendations_completed_on_time_are_counted_by_hand(act_as):  # noqa: F811
    coordinator = factories.coordinator()
    review = factories.review_at("published", by=coordinator)
    agency = factories.organisation("Constabulary")
    today = today_uk()
    made = {}
    for reference, target in (("R1", today - timedelta(days=5)), ("R2", today - timedelta(days=30)), ("R3", today)):
        made[reference] = action_plan.add_recommendation(
            review, coordinator, review.version, reference=reference, text="Train staff.", level="single_agency",
            owning_agency_id=agency.id, actions="", target_on=target)
    action_plan.accept_completion(made["R1"], coordinator, completed_on=today - timedelta(days=6))  # in time
    action_plan.accept_completion(made["R2"], coordinator, completed_on=today - timedelta(days=1))  # 29 days late
    other = factories.review_at("published", lead=factories.safer_glos())  # another partnership's: not counted
    action_plan.add_recommendation(
        other, factories.coordinator(factories.safer_glos()), other.version, reference="R1", text="Train staff.",
        level="single_agency", owning_agency_id=agency.id, actions="", target_on=today)

    from ssgp_dhr.cases.models import Review

    assert statistics.recommendation_counts(Review.id == review.id) == statistics.RecommendationCounts(
        total=3, completed=2, on_time=1, on_first_target=1, revised=0)
    client = act_as(factories.manager())
    assert client.get("/publication/statistics").select_one("#on-time").get_text(" ", strip=True) == (
        "1 of 2 completed recommendations were completed by their target date (3 recommendations in all).")
    csv = client.client.get("/publication/statistics.csv").get_data(as_text=True).splitlines()
    assert "Recommendations completed on time,,1,,,2" in csv


def test_a_moved_target_is_counted_and_completion_is_also_judged_against_the_first(act_as):  # noqa: F811
    """R1 was due 30 days ago; its target moved to today and it was done yesterday: on time against the
    revised target, late against the first one agreed."""
    coordinator = factories.coordinator()
    review = factories.review_at("published", by=coordinator)
    today = today_uk()
    r1 = factories.recommendation(review, coordinator, "R1", target_on=today - timedelta(days=30))
    factories.recommendation(review, coordinator, "R2", target_on=today + timedelta(days=30))
    action_plan.revise_recommendation(r1, coordinator, review.version, reason="Board agreed.", target_on=today)
    action_plan.accept_completion(r1, coordinator, completed_on=today - timedelta(days=1))

    from ssgp_dhr.cases.models import Review

    assert statistics.recommendation_counts(Review.id == review.id) == statistics.RecommendationCounts(
        total=2, completed=1, on_time=1, on_first_target=0, revised=1)
    client = act_as(factories.manager())
    assert client.get("/publication/statistics").select_one("#revised-targets").get_text(" ", strip=True) == (
        "1 recommendation has had its target date moved. Against the dates first agreed, 0 of 1 completed "
        "recommendations were completed in time.")
    csv = client.client.get("/publication/statistics.csv").get_data(as_text=True).splitlines()
    assert "Recommendations completed by the target first agreed,,0,,,1" in csv
    assert "Recommendations with a target date moved,,1,,,2" in csv


def test_the_board_judges_each_review_s_check_as_its_own_page_does(act_as):  # noqa: F811
    """The board reads the checks of all the reviews awaiting publication at once (current_among); each
    status is the one check_status gives for the review alone: passed, failed, out of date, not run."""
    from ssgp_dhr.publication.views import board_columns

    passed, coordinator = approved_review()
    publication.run_check(passed, coordinator, ["overview_report"])
    stale, _ = approved_review(lead=passed.lead_partnership)
    publication.run_check(stale, coordinator, ["overview_report"])
    new_version(stale, coordinator, "overview_report", pdf_with("A corrected report."), "report.pdf")
    failed, _ = approved_review(lead=passed.lead_partnership)
    new_version(failed, coordinator, "overview_report", pdf_with("Victoria Realname was 40."), "report.pdf")
    publication.run_check(failed, coordinator, ["overview_report"])
    renamed, _ = approved_review(lead=passed.lead_partnership)
    publication.run_check(renamed, coordinator, ["overview_report"])
    publication.record_details(renamed, coordinator, renamed.version, {"public_summary": "Another summary."})
    unchecked, _ = approved_review(lead=passed.lead_partnership)

    rows = board_columns(sa.true())["Awaiting publication"].rows
    shown = {row["reference"]: row["check"] for row in rows}
    assert shown == {review.reference: publication.check_status(review)
                     for review in (passed, stale, failed, renamed, unchecked)}
    assert sorted(set(shown.values())) == sorted({publication.CHECK_PASSED, publication.CHECK_FAILED,
                                                  publication.CHECK_OUT_OF_DATE, publication.CHECK_NOT_RUN})

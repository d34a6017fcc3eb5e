"""Keeping case files: a closed or declined review is kept for the retention period (or longer, for a
recorded reason); once it has passed, a manager of the lead partnership disposes of the case file, which
destroys its personal content and keeps the public record and the facts the partnership reports on."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import example, given
from hypothesis import strategies as st

from ssgp_dhr import access
from ssgp_dhr.cases import history, services
from ssgp_dhr.cases.models import CaseEvent, EventKind, Review
from ssgp_dhr.clock import today_uk
from ssgp_dhr.documents import storage
from ssgp_dhr.documents.models import Document, DocumentType, DocumentVersion
from ssgp_dhr.extensions import db
from ssgp_dhr.panel import services as panel
from ssgp_dhr.panel.models import FamilyContact, InputEntry, InputKind
from ssgp_dhr.presentation import uk_date
from ssgp_dhr.retention import services as retention
from tests import factories
from tests.conftest import on_postgres
from tests.test_case_pages import act_as, form_data, reload  # noqa: F401 - act_as is a fixture

YEARS = 6
REAL_NAMES = ("Victoria Realname", "Peter Realname")


@pytest.fixture(autouse=True)
def retention_period(app, monkeypatch):
    monkeypatch.setitem(app.config, "CASE_FILE_RETENTION_YEARS", YEARS)


def closed_years_ago(review: Review, years: int, *, and_days: int = 1) -> Review:
    """Back-date the day `review` closed (its history keeps the real dates: only the retention reads this)."""
    closed_on = retention.years_after(today_uk(), -years) - timedelta(days=and_days)
    db.session.execute(sa.update(Review).where(Review.id == review.id).values(closed_on=closed_on))
    db.session.commit()
    return reload(review)


@pytest.fixture
def closed_case():
    """A closed review with everything disposal destroys or keeps: a family contact, panel input, a meeting,
    an unpublished document and the published ones, closed seven years ago."""
    coordinator = factories.coordinator()
    review = factories.review_at("closed", by=coordinator, victim_address="1 Real Street",
                                 victim_date_of_birth=date(1980, 1, 2), circumstances="Found at home by Real Neighbour.")
    member = factories.panel_member()
    factories.seat_on_panel(review, member)
    panel.add_family_contact(reload(review), coordinator, name="Rita Realname", relationship_to_victim="Sister",
                             contact_details="07700 900123")
    panel.post_input(reload(review), member, kind=InputKind.NOTE, text="Victoria Realname was known to the surgery.")
    draft = factories.document(reload(review), coordinator, DocumentType.OTHER, title="Chronology of Victoria Realname",
                               content=b"Victoria Realname: chronology.\n")
    return closed_years_ago(review, YEARS + 1), {"coordinator": coordinator, "manager": factories.manager(),
                                                 "member": member, "draft": draft}


def test_the_case_file_is_kept_the_period_after_closing_or_declining_and_longer_for_a_reason(closed_case):
    review, people = closed_case
    kept = retention.retention_of(review)
    assert kept.counted_from == review.closed_on and kept.kept_until == retention.years_after(review.closed_on, YEARS)
    assert kept.is_due(today_uk()) and kept.basis == f"6 years after the review closed on {uk_date(review.closed_on)}"
    declined = factories.review_at("not_commissioned")
    assert retention.retention_of(declined).counted_from == declined.decision_on
    assert retention.retention_of(factories.review_at("published")) is None  # still open: kept while it runs
    assert retention.retention_of(review, years=0) is None  # no period set: nothing is ever due
    assert retention.years_after(date(2024, 2, 29), 6) == date(2030, 2, 28)

    until = today_uk() + timedelta(days=400)
    retention.keep_longer(review, people["manager"], review.version, until=until, reason="A claim against an agency.")
    review = reload(review)
    kept = retention.retention_of(review)
    assert kept.kept_until == until and not kept.is_due(today_uk()) and kept.extended
    entry = history.newest_events(review, limit=1)[0]
    assert (entry.field, entry.to_value, entry.reason) == ("retention_extended_until", until.isoformat(),
                                                            "A claim against an agency.")


def test_keeping_longer_needs_a_later_date_a_reason_and_someone_following_the_review(closed_case):
    review, people = closed_case
    before = factories.stored_state(review)
    with pytest.raises(services.InvalidChange) as refused:
        retention.keep_longer(review, people["coordinator"], review.version, until=today_uk() - timedelta(days=1),
                              reason=" ")
    assert [field for field, _ in refused.value.problems] == ["until", "reason"]
    for outsider in (people["member"], factories.manager(factories.safer_glos())):
        with pytest.raises(services.NotPermitted):
            retention.keep_longer(review, outsider, review.version, until=today_uk() + timedelta(days=9), reason="x")
    with pytest.raises(services.StaleReview):
        retention.keep_longer(review, people["coordinator"], review.version - 1, until=today_uk() + timedelta(days=9),
                              reason="x")
    assert factories.stored_state(review) == before


def text_anywhere(needle: str) -> list[str]:
    """Every table and column of the database holding `needle` in a text value (JSON included)."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.String | sa.Text | sa.JSON):
                text = sa.cast(column, sa.Text)
                if db.session.scalar(sa.select(sa.func.count()).select_from(table).where(text.contains(needle))):
                    found.append(f"{table.name}.{column.name}")
    return found


def test_disposal_destroys_the_personal_content_and_keeps_the_public_record(closed_case):
    review, people = closed_case
    assert set(text_anywhere("Victoria Realname")) >= {"reviews.victim_name", "case_events.to_value",
                                                       "input_entries.text", "documents.title"}
    published = db.session.scalars(sa.select(Document).where(Document.review_id == review.id,
                                                             Document.published_version.is_not(None))).all()
    draft_file = storage.path_of(people["draft"].stored_name)
    assert published and draft_file.exists()
    events_before, head_before = review.event_count, review.event_head_hash

    inventory = retention.dispose_of_case_file(review, people["manager"], review.version)

    db.session.expire_all()
    review = reload(review)
    for name in (*REAL_NAMES, "Rita Realname", "Real Street", "Real Neighbour", "07700 900123"):
        assert text_anywhere(name) == [], name
    assert (review.victim_name, review.victim_date_of_birth, review.victim_address, review.perpetrator_name,
            review.circumstances) == (retention.DESTROYED, None, None, None, "")
    assert review.disposed_on == today_uk() and review.status == "closed" and review.pseudonym == "Scott"
    assert not draft_file.exists()
    assert db.session.get(Document, people["draft"].document_id) is None
    for document in published:  # the published version of each published document stays, with its file
        versions = db.session.scalars(sa.select(DocumentVersion).where(DocumentVersion.document_id == document.id)).all()
        assert [v.number for v in versions] == [document.published_version]
        assert storage.path_of(versions[0].stored_name).exists()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InputEntry)
                             .where(InputEntry.review_id == review.id)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FamilyContact)
                             .where(FamilyContact.review_id == review.id)) == 0
    assert len(review.panel) == 2 and review.qa_rounds  # the panel's membership and the Home Office rounds stay

    # The history starts again from the disposal, which proves where the destroyed chain ended.
    # Unpublished: the terms of reference and the action plan the workflow asked for, and the chronology.
    assert inventory.history_entries == events_before and inventory.documents == 3 and inventory.input_entries == 1
    (entry,) = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.review_id == review.id)).all()
    assert (entry.seq, entry.field, entry.actor_id) == (1, "case_file_disposed", people["manager"].id)
    assert entry.payload["history_head_hash"] == head_before and entry.payload["history_entries"] == events_before
    assert entry.reason.startswith("6 years after the review closed")
    assert history.verify_all()[1] is None


def test_nothing_more_is_recorded_on_a_disposed_case_file(closed_case):
    review, people = closed_case
    retention.dispose_of_case_file(review, people["manager"], review.version)
    review = reload(review)
    with pytest.raises(services.NotPermitted, match="disposed of"):
        services.update_details(review, people["coordinator"], review.version, {"pseudonym": "Other"})
    with pytest.raises(panel.NotPermitted):
        panel.post_input(review, people["member"], kind=InputKind.NOTE, text="Late note.")
    with pytest.raises(history.CaseFileDisposed):  # anything that forgot to ask is stopped by the history
        history.append_event(review, people["coordinator"], EventKind.CHANGE, based_on_version=review.version,
                             field="pseudonym", to_value="Other")
    assert not services.can_advance(people["coordinator"], review)
    with pytest.raises(services.NotPermitted):
        retention.dispose_of_case_file(review, people["manager"], review.version)


def test_only_a_manager_of_the_lead_partnership_disposes_and_only_once_the_period_has_passed(closed_case):
    review, people = closed_case
    before = factories.stored_state(review)
    for someone in (people["coordinator"], people["member"], factories.manager(factories.safer_glos())):
        with pytest.raises(services.NotPermitted):
            retention.dispose_of_case_file(review, someone, review.version)
    with pytest.raises(services.StaleReview):
        retention.dispose_of_case_file(review, people["manager"], review.version - 1)
    with pytest.raises(services.NotAllowedNow, match="kept until"):
        retention.dispose_of_case_file(review, people["manager"], review.version,
                                       today=retention.retention_of(review).kept_until - timedelta(days=1))
    open_review = factories.review_at("published")
    with pytest.raises(services.NotPermitted):
        retention.dispose_of_case_file(open_review, people["manager"], open_review.version)
    assert factories.stored_state(review) == before and reload(review).disposed_on is None


def test_a_disposal_that_fails_part_way_changes_nothing_and_removes_no_file(closed_case, monkeypatch):
    review, people = closed_case
    before = factories.stored_state(review)
    draft_file = storage.path_of(people["draft"].stored_name)

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(retention, "_clear_free_text", fail)
    with pytest.raises(RuntimeError):
        retention.dispose_of_case_file(review, people["manager"], review.version)
    assert factories.stored_state(review) == before
    assert draft_file.exists() and text_anywhere("Rita Realname") == ["family_contacts.name"]
    assert history.verify_all()[1] is None


@pytest.mark.skipif(not on_postgres(), reason="SQLite has no trigger: the hash chain guards its history")
def test_the_database_lets_only_the_disposing_transaction_delete_that_reviews_history(closed_case):
    review, _people = closed_case
    other = factories.review_at("panel")
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.delete(CaseEvent).where(CaseEvent.review_id == review.id))
    db.session.rollback()
    db.session.execute(sa.select(sa.func.set_config("ssgp.disposing_review", str(review.id), True)))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.delete(CaseEvent).where(CaseEvent.review_id == other.id))
    db.session.rollback()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):  # the setting lasted one transaction
        db.session.execute(sa.delete(CaseEvent).where(CaseEvent.review_id == review.id))
    db.session.rollback()


# --- The pages --------------------------------------------------------------------------------

def test_the_case_page_says_how_long_the_case_file_is_kept_and_offers_disposal_to_the_lead_manager(act_as, closed_case):  # noqa: F811
    review, people = closed_case
    page = act_as(people["manager"]).review(review.reference)
    part = page.select_one("#case-file ~ dl").text
    assert uk_date(retention.retention_of(review).kept_until) in part and "Due" in part
    assert page.find("a", href=f"/cases/{review.reference}/case-file/dispose")
    page = act_as(people["coordinator"]).review(review.reference)
    assert page.find("a", href=f"/cases/{review.reference}/case-file/keep-longer")
    assert not page.find("a", href=f"/cases/{review.reference}/case-file/dispose")
    page = act_as(people["member"]).review(review.reference)
    assert not page.select("#case-file")


def test_disposing_through_the_pages_needs_the_password_again_and_a_confirmation(act_as, closed_case, app):  # noqa: F811
    review, people = closed_case
    entries = review.event_count
    client = act_as(people["manager"])
    page = client.get(f"/cases/{review.reference}/case-file/dispose")
    assert "3 unpublished documents" in page.select_one("#destroyed").text
    page = client.post(f"/cases/{review.reference}/case-file/dispose", {"version": review.version},
                       expected_status=400)
    assert "Confirm that nothing requires the case file to be kept" in page.select_one(".govuk-error-summary").text
    assert reload(review).disposed_on is None
    page = client.post(f"/cases/{review.reference}/case-file/dispose", {"version": review.version, "confirmed": "y"},
                       expected_status=200, follow_redirects=True)
    assert "The case file was disposed of" in page.text and reload(review).disposed_on == today_uk()
    assert "Victoria Realname" not in page.text and "disposed of on" in page.select_one("#case-file ~ p").text
    assert not page.select(".govuk-summary-list__actions")  # the case takes nothing more: no Change links
    assert page.select_one(".app-disposed") and not page.select(".app-action")
    entry = client.get(f"/cases/{review.reference}/history").select_one(".moj-timeline__item")
    assert "Case file disposed of" in entry.text
    assert f"Destroyed: {entries} history entries (the newest's hash begins" in entry.text
    coordinator_page = act_as(people["coordinator"]).review(review.reference)
    links = {a["href"].split("?")[0].split("#")[0] for a in coordinator_page.select("a[href]")}
    offered = {link for link in links if link.startswith(f"/cases/{review.reference}/")}
    endpoints = {app.url_map.bind("localhost").match(link)[0] for link in offered}
    readable = {e for e in endpoints if getattr(app.view_functions[e], "after_disposal", False)}
    assert endpoints == readable, endpoints  # the published documents and the history: no form
    assert retention.DESTROYED in coordinator_page.select_one("#key-facts ~ dl").text
    assert not coordinator_page.select("#input-log, #family")  # destroyed: not shown as if empty
    client = act_as(people["manager"])
    gone = client.get(f"/cases/{review.reference}/edit", expected_status=410)
    assert "disposed of" in gone.select_one("h1").text
    assert gone.find("a", href=f"/cases/{review.reference}")  # back to what was kept
    client.post(f"/cases/{review.reference}/case-file/keep-longer", {"version": review.version}, expected_status=410,
                token_from=f"/cases/{review.reference}")
    client.get(f"/cases/{review.reference}/history")


def test_the_dispose_page_asks_for_the_password_again_after_a_while(act_as, closed_case):  # noqa: F811
    review, people = closed_case
    client = act_as(people["manager"])
    with client.client.session_transaction() as session:
        session[access.REAUTHENTICATED_AT] -= access.REAUTHENTICATION_MINUTES * 60 + 1
    page = client.get(f"/cases/{review.reference}/case-file/dispose", expected_status=302)
    assert page.location.startswith("/account/confirm-password")


def test_keeping_longer_through_the_page_keeps_what_was_typed_when_it_is_refused(act_as, closed_case):  # noqa: F811
    review, people = closed_case
    client = act_as(people["coordinator"])
    url = f"/cases/{review.reference}/case-file/keep-longer"
    too_soon = today_uk() - timedelta(days=1)
    page = client.post(url, {"version": review.version, **form_data({"until": too_soon}), "reason": "An inquiry."},
                       expected_status=400)
    assert "The date must be in the future" in page.select_one(".govuk-error-summary").text
    assert page.select_one("textarea[name=reason]").text.strip() == "An inquiry."
    until = today_uk() + timedelta(days=30)
    client.post(url, {"version": review.version, **form_data({"until": until}), "reason": "An inquiry."},
                expected_status=302)
    assert reload(review).retention_extended_until == until


def test_the_case_files_page_lists_those_due_soon_due_and_disposed_of(act_as, closed_case):  # noqa: F811
    review, people = closed_case
    soon = closed_years_ago(factories.review_at("closed", lead=factories.ssgp()), YEARS, and_days=-30)
    factories.review_at("closed", lead=factories.safer_glos())  # another partnership's: not listed
    page = act_as(people["manager"]).get("/case-files")
    assert [a.text for a in page.select("#due a")] == [review.reference]
    assert act_as(people["manager"]).get("/").select_one("#case-files-due strong").text == "1"  # on My work
    assert [a.text for a in page.select("#due-soon a")] == [soon.reference]
    retention.dispose_of_case_file(review, people["manager"], review.version)
    page = act_as(people["coordinator"]).get("/case-files")
    assert page.select("#none-due") and [a.text for a in page.select("#disposed a")] == [review.reference]
    assert not act_as(people["manager"]).get("/").select("#case-files-due")
    act_as(people["member"]).get("/case-files", expected_status=403)


def test_the_case_list_its_spreadsheet_and_the_case_page_mark_a_disposed_of_case_file(act_as, closed_case):  # noqa: F811
    review, people = closed_case
    kept = factories.review_at("closed", lead=factories.ssgp())
    retention.dispose_of_case_file(review, people["manager"], review.version)
    client = act_as(people["coordinator"])
    rows = {tr.a.text: tr for tr in client.get("/cases?status=closed").select("tbody tr")}
    assert rows[review.reference].select_one(".app-disposed").text == "Case file disposed of"
    assert not rows[kept.reference].select(".app-disposed")
    assert client.review(review.reference).select_one("h1 ~ p .app-disposed")
    assert not client.review(kept.reference).select(".app-disposed")
    text = client.client.get("/cases.csv?status=closed").get_data().decode("utf-8-sig")
    sheet = {row[0]: row for row in csv.reader(io.StringIO(text))}
    assert sheet["Reference"][-1] == "Case file disposed of"
    assert (sheet[review.reference][-1], sheet[kept.reference][-1]) == (today_uk().isoformat(), "")


def test_without_a_retention_period_nothing_is_due(act_as, closed_case, app, monkeypatch):  # noqa: F811
    review, people = closed_case
    monkeypatch.setitem(app.config, "CASE_FILE_RETENTION_YEARS", None)
    page = act_as(people["manager"]).get("/case-files")
    assert "No retention period is set" in page.text and not page.select("#due")
    assert "No retention period is set" in act_as(people["manager"]).review(review.reference).text
    act_as(people["manager"]).get(f"/cases/{review.reference}/case-file/dispose", expected_status=403)
    with pytest.raises(services.NotPermitted):
        retention.dispose_of_case_file(review, people["member"], review.version)


def test_the_lead_partnerships_managers_are_reminded_on_the_day_a_case_file_falls_due_then_every_4_weeks(closed_case):
    from ssgp_dhr.reminders import sources

    review, people = closed_case
    factories.manager(factories.safer_glos())  # another partnership's manager: not reminded
    due_on = retention.retention_of(review).kept_until
    remind = sources.registered_sources()["case_file_disposal_due"]
    assert list(remind(due_on - timedelta(days=1))) == []
    (item,) = remind(due_on)
    assert (item.occasion, item.recipients, item.link_path) == ("due_today", [people["manager"]],
                                                                f"/cases/{review.reference}/case-file#case-file")
    assert "Realname" not in item.subject + " ".join(item.lines) and review.pseudonym in item.lines[0]
    assert [i.occasion for i in remind(due_on + timedelta(days=28))] == ["overdue_week_1"]
    retention.dispose_of_case_file(review, people["manager"], review.version)
    assert list(remind(today_uk())) == []


def test_a_case_file_counted_from_29_february_falls_due_on_28_february(closed_case):
    review, people = closed_case
    db.session.execute(sa.update(Review).where(Review.id == review.id).values(closed_on=date(2020, 2, 29)))
    db.session.commit()
    assert retention.case_files_due(people["manager"], date(2026, 2, 27)) == 0
    assert retention.case_files_due(people["manager"], date(2026, 2, 28)) == 1
    (soon,) = retention.case_files(people["manager"], date(2025, 6, 1)).due_soon
    assert soon.retention.kept_until == date(2026, 2, 28)


@given(start=st.dates(date(2000, 1, 1), date(2060, 12, 31)), day=st.dates(date(2000, 1, 1), date(2100, 12, 31)),
       years=st.integers(1, 30))
@example(start=date(2020, 2, 29), day=date(2026, 2, 28), years=6)  # a period from 29 February ends on the 28th
@example(start=date(2020, 3, 1), day=date(2028, 2, 29), years=8)
def test_the_sql_rule_for_due_agrees_with_the_retention_rule_on_every_day(start, day, years):
    # case_files_due counts in SQL with `start <= _latest_start(day, years)`; retention_of decides in Python.
    assert (start <= retention._latest_start(day, years)) == (retention.years_after(start, years) <= day)


def test_a_file_that_cannot_be_removed_after_the_disposal_is_logged_and_the_disposal_stands(closed_case, monkeypatch,
                                                                                            caplog):
    review, people = closed_case
    draft = people["draft"].stored_name

    def refuse(stored_name):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(storage, "remove", refuse)
    retention.dispose_of_case_file(review, people["manager"], review.version)
    assert reload(review).disposed_on == today_uk()
    left = [record.getMessage() for record in caplog.records if "left stored file" in record.getMessage()]
    assert len(left) == 3 and draft in " ".join(left)
    assert not any("Realname" in message for message in left)

"""The anonymisation check: everything that goes public, against every real name recorded on the review.

The matcher's rule is tested over generated names and texts (hypothesis); each awkward place a name
can hide is a document made here (tests/document_samples.py); then the check as a coordinator runs
it, and what the public gets.
"""

from __future__ import annotations

import io
import unicodedata
from datetime import date
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ssgp_dhr.cases import services
from ssgp_dhr.cases.names import restricted_names
from ssgp_dhr.documents import services as document_services
from ssgp_dhr.extensions import db
from ssgp_dhr.panel import services as panel_services
from ssgp_dhr.publication import services as publication
from ssgp_dhr.publication.anonymisation import Candidate, RecordedValue, check_documents, check_texts, fold
from tests import document_samples as samples
from tests import factories
from tests.test_case_pages import act_as  # noqa: F401 - the fixture
from tests.test_publication import stored

VICTIM = RecordedValue("victim_name", "Ottoline Brackenbury")
ACCENTED = RecordedValue("family_contact:1", "Zoë Ferrabý")
ALL = [VICTIM, ACCENTED]


def found(text: str, values: list[RecordedValue] = ALL, pseudonym: str | None = "Rowan") -> set[str]:
    return {f.field for f in check_texts([("Public summary", text)], values, pseudonym)}


# --- The rule, over generated names and texts -------------------------------------------------

# Filler words none of the generated names can be (the names use letters these words do not).
FILLER = st.lists(st.sampled_from(["the", "panel", "met", "on", "monday", "and", "agreed", "a", "plan", "to",
                                   "call", "at", "home", "report"]), max_size=8).map(" ".join)
NAME_PART = st.text(alphabet="qxzjkvwyQXZJKVWYéüñøå", min_size=2, max_size=10).filter(
    lambda p: len(fold(p)) >= 2 and fold(p).isalpha())
SEPARATORS = st.sampled_from([" ", "\n", "  ", " \n ", ", ", ". ", " (", "\t", "-"])


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=NAME_PART, last=NAME_PART, before=FILLER, after=FILLER, left=SEPARATORS, right=SEPARATORS,
       which=st.sampled_from(["full", "first", "last"]), case=st.sampled_from([str.upper, str.lower, str.title, str]),
       accents=st.booleans(), ending=st.sampled_from(["", "'s", "’s", "s'", "s"]),
       split=st.sampled_from([" ", "\n", " \r\n  ", "-"]))
def test_a_whole_part_of_a_recorded_name_is_found_however_it_is_written(
        first, last, before, after, left, right, which, case, accents, ending, split):
    assume(fold(first) != fold(last))
    name = RecordedValue("victim_name", f"{first} {last}")
    shown = {"full": f"{first}{split}{last}", "first": first, "last": last}[which]
    shown = case(_strip_accents(shown) if accents else shown)
    text = f"{before}{left}{shown}{ending}{right}{after}"
    assert found(text, [name], pseudonym=None) == {"victim_name"}


@settings(max_examples=60, deadline=None)
@given(part=NAME_PART, prefix=st.text(alphabet="abcdef", max_size=3), suffix=st.text(alphabet="abcdefghi", max_size=4),
       before=FILLER, after=FILLER)
def test_a_name_part_inside_another_word_is_not_found(part, prefix, suffix, before, after):
    assume(prefix or suffix)
    name = RecordedValue("victim_name", part)
    assert found(f"{before} {prefix}{part}{suffix} {after}", [name], pseudonym=None) == set()


@settings(max_examples=40, deadline=None)
@given(text=FILLER, part=NAME_PART)
def test_a_text_without_the_name_has_no_finding(text, part):
    assert found(text, [RecordedValue("victim_name", part)], pseudonym=None) == set()


def test_the_awkward_cases_of_the_rule():
    assert found("OTTOLINE was known to services.") == {"victim_name"}
    assert found("Brackenbury's partner left.") == {"victim_name"}
    assert found("Ms Ferraby spoke to us.") == {"family_contact:1"}  # the accent dropped
    assert found("Óttolíne was there.") == {"victim_name"}  # accents added
    assert found("Zoë Ferrabý-Jones agreed.") == {"family_contact:1"}  # a hyphenated part
    assert found("The Bracken-\nbury family.") == {"victim_name"}  # hyphenated across a line break
    assert found("Ottoline\nBrackenbury") == {"victim_name"}
    assert found("Brackenburyshire is a county; the Ottolines.") == {"victim_name"}  # a plural is still the name
    assert found("A Scottish town.", [RecordedValue("perpetrator_name", "Scott Mapleton")]) == set()
    assert found("Scott agreed.", [RecordedValue("perpetrator_name", "Scott Mapleton")]) == {"perpetrator_name"}
    # The pseudonym is not the real name, even when they share a word.
    assert found("Rowan was 40.", [RecordedValue("victim_name", "Rowan Brackenbury")]) == set()
    # A hyphenated recorded name: each part alone, and the whole.
    double = [RecordedValue("victim_name", "Anne-Marie Smith-Jones")]
    assert found("Jones said", double) == {"victim_name"} and found("Anne-Marie said", double) == {"victim_name"}


# --- Each place a name can hide, in a document made here --------------------------------------

def _findings(file_name: str, content: bytes) -> list:
    return check_documents([Candidate("Overview report", file_name, content, "Rowan-DHR-overview-report.pdf")],
                           ALL, "Rowan")


@pytest.mark.parametrize(("case", "file_name", "content", "part"), [
    ("the file name only", "Ottoline-Brackenbury-overview-report.pdf", samples.pdf("A clean report."),
     "uploaded file name"),
    ("PDF title only", "report.pdf", samples.pdf("A clean report.", title="Report on Ottoline Brackenbury"),
     "document properties"),
    ("PDF author only", "report.pdf", samples.pdf("A clean report.", author="Z. Ferraby"), "document properties"),
    ("PDF XMP only", "report.pdf", samples.pdf("A clean report.", xmp="About Brackenbury"), "XMP metadata"),
    ("a name split across a line break in a PDF", "report.pdf", samples.pdf("A report about Ottoline\nBrackenbury."),
     "text"),
    ("DOCX comment only", "report.docx", samples.docx(comment="Check with Ms Brackenbury"),
     "headers, footers, notes or comments"),
    ("DOCX comment author only", "report.docx", samples.docx(comment="Agreed", comment_author="Zoe Ferraby"), "comments"),
    ("DOCX header only", "report.docx", samples.docx(header="BRACKENBURY - RESTRICTED"),
     "headers, footers, notes or comments"),
    ("DOCX footer only", "report.docx", samples.docx(footer="Ferrabý family copy"), "headers, footers, notes or comments"),
    ("DOCX core properties only", "report.docx", samples.docx(author="Ottoline Brackenbury"), "document properties"),
    ("DOCX deleted tracked change only", "report.docx", samples.docx_body(
        "<w:p><w:r><w:t>The report.</w:t></w:r><w:del w:id='1' w:author='Reviewer'><w:r>"
        "<w:delText>Brackenbury</w:delText></w:r></w:del></w:p>"), "tracked changes"),
    ("DOCX alt text only", "report.docx", samples.docx_body(
        "<w:p><w:r><w:t>The report.</w:t></w:r><w:r><w:drawing><wp:inline><wp:docPr id='1' name='Picture 1' "
        "descr='Photograph of Ottoline'/></wp:inline></w:drawing></w:r></w:p>"), "alt text"),
    ("ODT properties only", "report.odt", samples.odt(meta_xml="<dc:title>Brackenbury review</dc:title>"),
     "document properties"),
    ("ODT header only", "report.odt", samples.odt(styles_xml="<style:master-page><style:header><text:p>Ferraby"
                                                             "</text:p></style:header></style:master-page>"),
     "headers and footers"),
    ("ODT comment", "report.odt", samples.odt("<text:p>The report.<office:annotation><dc:creator>Reviewer</dc:creator>"
                                              "<text:p>Ask Ottoline's sister</text:p></office:annotation></text:p>"),
     "comments"),
    ("ODT alt text", "report.odt", samples.odt("<text:p><draw:frame><svg:title>Ferraby at home</svg:title>"
                                               "</draw:frame></text:p>"), "alt text"),
    ("XLSX creator only", "plan.xlsx", samples.xlsx(creator="O. Brackenbury"), "document properties"),
    ("XLSX comment only", "plan.xlsx", samples.xlsx(comment="Ask Zoë"), "comments"),
])
def test_a_name_hidden_in_a_document_is_found_with_where_it_is(case, file_name, content, part):
    findings = [f for f in _findings(file_name, content) if f.field]
    assert findings, case
    assert part in {f.part for f in findings}, (case, findings)
    assert all(f.document == "Overview report" for f in findings)


@pytest.mark.parametrize(("file_name", "content"), [
    ("report.pdf", samples.pdf("A clean report.", title="Overview report", author="Independent chair")),
    ("report.docx", samples.docx("A clean report.", header="OFFICIAL", comment="Agreed", author="Chair")),
    ("report.odt", samples.odt(meta_xml="<dc:title>Overview report</dc:title>")),
    ("plan.xlsx", samples.xlsx(creator="Coordinator", comment="Owner agreed")),
])
def test_a_clean_document_has_no_finding(file_name, content):
    assert _findings(file_name, content) == []


@pytest.mark.parametrize(("file_name", "content"), [
    ("report.pdf", samples.encrypted_pdf("Ottoline Brackenbury")),
    ("report.docx", samples.ENCRYPTED_DOCX),
])
def test_an_encrypted_document_is_a_finding_with_the_reason(file_name, content):
    findings = _findings(file_name, content)
    assert [(f.field, f.part) for f in findings] == [(None, "whole document")]
    assert "encrypted" in findings[0].variant


# --- The check on a review ----------------------------------------------------------------------

def _approved(**fields):
    from tests.test_publication import approved_review

    return approved_review(**fields)


def _upload(review, coordinator, kind, content, filename):
    return document_services.upload_version(stored(review, kind), coordinator, stream=io.BytesIO(content),
                                            filename=filename)


def test_every_name_recorded_on_a_review_is_in_the_one_list():
    review, coordinator = _approved()
    panel_services.add_family_contact(review, coordinator, name="Marguerite Oakenshaw", relationship_to_victim="Sister",
                                      contact_details=None)
    assert [(n.role, n.name) for n in restricted_names(review)] == [
        ("Victim", "Victoria Realname"), ("Perpetrator", "Peter Realname"),
        ("Family contact (sister)", "Marguerite Oakenshaw")]
    assert {v.field for v in publication.recorded_values(review)} >= {n.key for n in restricted_names(review)}


def test_a_public_text_with_a_recorded_name_fails_the_check_and_refuses_publishing():
    review, coordinator = _approved()
    # Written before public text was checked as it is saved (the form now refuses it).
    publication.publication_record(review).public_summary = "Scott (Victoria) was 40."
    db.session.commit()
    check = publication.run_check(review, coordinator, ["overview_report", "executive_summary"])
    assert not check.passed
    assert [(f["document"], f["part"], f["field"]) for f in check.findings] == [
        ("Public summary", "public text: public_summary", "victim_name")]
    with pytest.raises(services.RequirementsNotMet) as refused:
        services.advance(review, "publish", coordinator, review.version, **factories.trigger_data(review, "publish"))
    assert publication.ANONYMISATION_REQUIREMENT in refused.value.reasons


def test_the_address_given_when_publishing_is_checked_as_it_is_given():
    review, coordinator = _approved()
    publication.run_check(review, coordinator, ["overview_report", "executive_summary"])
    data = {**factories.trigger_data(review, "publish"), "publication_url": "https://example.org/dhr/victoria-realname"}
    with pytest.raises(services.RequirementsNotMet) as refused:
        services.advance(review, "publish", coordinator, review.version, **data)
    assert refused.value.reasons == [publication.PUBLISH_FORM_REQUIREMENT]


def test_a_name_only_in_the_uploaded_file_name_fails_the_check():
    review, coordinator = _approved()
    _upload(review, coordinator, "overview_report", samples.pdf("A clean report about Scott."),
            "Victoria-Realname-overview-report.pdf")
    check = publication.run_check(review, coordinator, ["overview_report", "executive_summary"])
    # The perpetrator shares the surname: both are found.
    assert [(f["document"], f["part"], f["field"]) for f in check.findings] == [
        ("Overview report", "uploaded file name", "victim_name"),
        ("Overview report", "uploaded file name", "perpetrator_name")]


def test_an_encrypted_document_refuses_publishing_with_the_reason(act_as):  # noqa: F811
    review, coordinator = _approved()
    _upload(review, coordinator, "overview_report", samples.encrypted_pdf("A report."), "report.pdf")
    check = publication.run_check(review, coordinator, ["overview_report", "executive_summary"])
    assert not check.passed
    page = act_as(coordinator).review(review.reference)
    assert "encrypted" in page.select_one("#anonymisation-findings").get_text()


def test_published_files_are_downloaded_under_a_name_the_service_makes(client_request):
    review = factories.review_at("published", pseudonym="ML")
    report = stored(review, "overview_report")
    _upload(review, factories.coordinator(), "overview_report", b"later", "Victoria-Realname.txt")  # never public
    page = client_request.get(f"/reviews/{review.reference}")
    link = page.select_one(f"a[href$='/documents/{report.id}/current']")
    assert link["download"] == "ML-DHR-overview-report.txt"
    response = client_request.client.get(link["href"])
    assert "ML-DHR-overview-report.txt" in response.headers["Content-Disposition"]
    assert "Realname" not in str(page) and "Realname" not in response.headers["Content-Disposition"]
    feed = ElementTree.fromstring(client_request.client.get("/reviews/feed.atom").data)  # noqa: S314 - our own feed
    enclosures = feed.findall(".//{http://www.w3.org/2005/Atom}link[@rel='enclosure']")
    assert "ML-DHR-overview-report.txt" in {e.get("title") for e in enclosures}
    assert all(e.get("href").startswith("http") and "/documents/" in e.get("href") for e in enclosures)


def test_a_date_of_birth_and_address_are_still_found():
    assert {f.field for f in check_texts([("Public summary", "Born 3 July 1980 at 12 Acacia Avenue.")], [
        RecordedValue("victim_date_of_birth", date(1980, 7, 3)),
        RecordedValue("victim_address", "12 Acacia Avenue, Gloucester")])} == {"victim_date_of_birth", "victim_address"}


# --- A check belongs to what it read ----------------------------------------------------------

def test_a_new_version_a_changed_public_text_or_a_new_name_makes_the_check_out_of_date(act_as):  # noqa: F811
    review, coordinator = _approved()
    kinds = ["overview_report", "executive_summary"]
    manager = factories.manager()

    def shown() -> tuple[str, str]:
        case = act_as(coordinator).review(review.reference).select_one("#anonymisation-status strong")
        board = act_as(manager).get("/publication")
        row = next(tr for tr in board.select("tr") if review.reference in tr.get_text())
        return case.get_text(strip=True), row.select("td")[-1].get_text(strip=True)

    assert shown()[1] == "Not run"
    publication.run_check(review, coordinator, kinds)
    assert shown() == ("Passed", "Passed")
    for change in (
            lambda: _upload(review, coordinator, "overview_report", b"A clean report about Scott.", "r.txt"),
            lambda: publication.record_details(review, coordinator, review.version, {"public_summary": "Scott, 40."}),
            lambda: panel_services.add_family_contact(review, coordinator, name="Marguerite Oakenshaw",
                                                      relationship_to_victim="Sister", contact_details=None)):
        change()
        assert shown() == (publication.CHECK_OUT_OF_DATE, publication.CHECK_OUT_OF_DATE)
        with pytest.raises(services.RequirementsNotMet) as refused:
            services.advance(review, "publish", coordinator, review.version, **factories.trigger_data(review, "publish"))
        assert publication.ANONYMISATION_REQUIREMENT in refused.value.reasons
        publication.run_check(review, coordinator, kinds)
        assert shown() == ("Passed", "Passed")


# --- Findings where they are typed ------------------------------------------------------------

def test_public_text_naming_someone_is_refused_on_its_form_with_what_was_typed_kept(act_as):  # noqa: F811
    review, coordinator = _approved()
    typed = "Scott, 40, was killed by Peter in 2024."
    page = act_as(coordinator).post(f"/cases/{review.reference}/publication/details", data={
        "version": review.version, "public_summary": typed}, expected_status=400)
    summary = page.select_one(".govuk-error-summary")
    link = summary.select_one("a[href='#public_summary']")
    assert "Perpetrator (Peter Realname)" in link.get_text() and "first name" in link.get_text()
    assert page.select_one("#public_summary").get_text() == typed
    assert "Perpetrator" in page.select_one("#public_summary-error").get_text()
    assert publication.publication_record(review).public_summary == "Scott was killed."  # unchanged
    with pytest.raises(publication.RestrictedText):
        publication.record_decision(review, coordinator, review.version, form="summary_only", decided_on=date.today(),
                                    summary_only_reason="Peter's family asked.", family_agreed_summary_on=date.today(),
                                    home_office_agreed_summary_on=date.today())

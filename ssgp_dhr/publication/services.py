"""Actions on publishing a review: Home Office QA round dates, the publication decision and record,
and the anonymisation check; and the requirements they add to the `publish` actions.

The documents to be published are the review's stored documents (ssgp_dhr.documents): the current
version of the newest document of each kind to be published, as `documents_to_publish()` lists
them. The check reads those versions from the document store and records each version's id and
SHA-256, so uploading a corrected version means checking again; the publish actions mark exactly
the checked versions published, in their own transaction.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app, url_for

from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases import death_kinds, workflow
from ssgp_dhr.cases.deadlines import add_months
from ssgp_dhr.cases.history import append_event
from ssgp_dhr.cases.models import EventKind, Review
from ssgp_dhr.cases.names import RestrictedName, restricted_names, restricted_names_of, role_of
from ssgp_dhr.cases.policy import can_advance
from ssgp_dhr.cases.services import (
    InvalidChange,
    NotPermitted,
    WorkflowError,
    after_transition,
    check_may_write,
    commit_once,
)
from ssgp_dhr.cases.stages import Stage
from ssgp_dhr.clock import today_uk
from ssgp_dhr.documents import services as document_services
from ssgp_dhr.documents.models import Document, DocumentType, DocumentVersion, ProtectiveMarking
from ssgp_dhr.extensions import db
from ssgp_dhr.publication import name_decisions
from ssgp_dhr.publication.anonymisation import Candidate, Finding, RecordedValue, check_documents, check_texts
from ssgp_dhr.publication.models import AnonymisationCheck, NameDecision, PublicationForm, PublicationRecord

# What can be published, by the label the check and the public page use.
DOCUMENT_LABELS = {
    "overview_report": "Overview report",
    "executive_summary": "Executive summary",
    "action_plan": "Action plan",
    "home_office_letter": "Home Office letter",
    "learning_summary": "Learning summary",
}
# The restricted values that are not names (names are described by cases.names).
RESTRICTED_FIELD_LABELS = {
    "victim_date_of_birth": "Victim's date of birth",
    "victim_address": "Victim's address",
}
# What may be published with the full report, and instead of it.
FULL_REPORT_KINDS = ("overview_report", "executive_summary", "action_plan", "home_office_letter")
SUMMARY_KINDS = ("learning_summary",)


def _change(review: Review, actor: User, expected_version: int, target: object, field: str, value: Any,
            history_field: str | None = None) -> bool:
    old = getattr(target, field)
    if old == value:
        return False
    setattr(target, field, value)
    append_event(review, actor, EventKind.CHANGE, based_on_version=expected_version, field=history_field or field,
                 from_value=old, to_value=value)
    return True


# --- Home Office QA rounds --------------------------------------------------------------------

def record_qa_dates(review: Review, actor: User, expected_version: int, *, panel_meeting_on: date | None,
                    letter_on: date | None) -> None:
    """Record the QA Panel meeting and letter dates on the current round as they become known.

    The outcome is recorded by the workflow's actions (request revisions, approve), which move the review.
    """
    check_may_write(review, actor, expected_version)
    current = review.current_qa_round
    if current is None:
        raise WorkflowError("The review has not been submitted to the Home Office")
    for value, name in ((panel_meeting_on, "QA Panel meeting"), (letter_on, "letter")):
        if value is not None and value < current.submitted_on:
            raise WorkflowError(f"The {name} date cannot be before the submission")
        if value is not None and value > today_uk() and name == "letter":
            raise WorkflowError("The letter date cannot be in the future")
    changed = [_change(review, actor, expected_version, current, "panel_meeting_on", panel_meeting_on,
                       f"qa_round_{current.number}_panel_meeting_on"),
               _change(review, actor, expected_version, current, "letter_on", letter_on,
                       f"qa_round_{current.number}_letter_on")]
    if any(changed):
        commit_once()


# --- The publication decision and record ------------------------------------------------------

def publication_record(review: Review) -> PublicationRecord | None:
    if not review.is_written:
        return None
    return db.session.scalar(sa.select(PublicationRecord).where(PublicationRecord.review_id == review.id))


def _record_for(review: Review) -> PublicationRecord:
    record = publication_record(review)
    if record is None:
        record = PublicationRecord(review_id=review.id)
        db.session.add(record)
    return record


def record_decision(review: Review, actor: User, expected_version: int, *, form: str, decided_on: date,
                    summary_only_reason: str | None = None, family_agreed_summary_on: date | None = None,
                    home_office_agreed_summary_on: date | None = None) -> PublicationRecord:
    """Full report or learning summary only; the latter with its reason and both agreements."""
    check_may_write(review, actor, expected_version)
    if review.status != Stage.APPROVED:
        raise WorkflowError("The form of publication is decided once the Home Office has approved the report")
    chosen = PublicationForm(form)
    refuse_restricted_text(review, {"summary_only_reason": summary_only_reason})
    if chosen is PublicationForm.SUMMARY_ONLY:
        missing = [text for value, text in (
            (summary_only_reason, "Give the reason only a learning summary is published"),
            (family_agreed_summary_on, "Record the date the family agreed to a learning summary"),
            (home_office_agreed_summary_on, "Record the date the Home Office agreed to a learning summary"),
        ) if not value]
        if missing:
            raise WorkflowError("; ".join(missing))
    record = _record_for(review)
    _change(review, actor, expected_version, record, "form", chosen, "publication_form")
    _change(review, actor, expected_version, record, "decided_on", decided_on, "publication_decided_on")
    if chosen is PublicationForm.SUMMARY_ONLY:
        # On the review itself, where the learning-summary action reads them: typed once.
        _change(review, actor, expected_version, review, "summary_only_reason", summary_only_reason)
        _change(review, actor, expected_version, review, "family_agreed_summary_on", family_agreed_summary_on)
        _change(review, actor, expected_version, review, "home_office_agreed_summary_on", home_office_agreed_summary_on)
    commit_once()
    return record


class RestrictedText(WorkflowError):
    """Public text that would name someone: `findings` are where (the field, as `document`) and whose."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__("; ".join(f"{PUBLIC_TEXT_LABELS.get(f.document, f.document)} contains a restricted "
                                   f"{'name' if f.field and not f.field.startswith('victim_') else 'detail'}"
                                   for f in findings))


def refuse_restricted_text(review: Review, texts: Mapping[str, Any]) -> None:
    """Refuse public text holding a restricted name, date of birth or address (unless a confirmed
    decision allows that name, or accepted that finding as a false positive)."""
    found = text_findings(review, {k: v for k, v in texts.items() if isinstance(v, str) and v})
    if found:
        raise RestrictedText(found)


DETAIL_FIELDS = ("public_summary", "learning_summary", "removal_review_on")


def record_details(review: Review, actor: User, expected_version: int, changes: Mapping[str, Any]) -> PublicationRecord:
    """The public summary, the learning summary and an overriding removal review date (copies sent: copies.py)."""
    check_may_write(review, actor, expected_version)
    unexpected = set(changes) - set(DETAIL_FIELDS)
    if unexpected:
        raise WorkflowError(f"These details cannot be recorded here: {', '.join(sorted(unexpected))}")
    refuse_restricted_text(review, changes)
    refuse_unfitting_words(review, changes)
    record = _record_for(review)
    for field, value in changes.items():
        _change(review, actor, expected_version, record, field, value or None)
    commit_once()
    return record


def refuse_unfitting_words(review: Review, texts: Mapping[str, Any]) -> None:
    """Refuse a public text that says someone was killed, or names a perpetrator, about a review of a death
    that was not a killing (death_kinds.words_that_do_not_fit)."""
    problems = []
    for field, text in texts.items():
        found = death_kinds.words_that_do_not_fit(review.death_kind, text if isinstance(text, str) else None)
        if found:
            words = " and ".join(f"“{word}”" for word in found)
            problems.append((field, f"{PUBLIC_TEXT_LABELS.get(field, field)} says {words}: this review is about a "
                                    f"{review.wording.label[0].lower()}{review.wording.label[1:]}. Describe the death "
                                    f"in words that fit it, and the other person as {review.wording.other_person}"))
    if problems:
        raise InvalidChange(problems)


def removal_review_due(review: Review, record: PublicationRecord | None) -> date | None:
    """When to decide whether the report stays online: as recorded, else REMOVAL_REVIEW_MONTHS after publication."""
    return removal_review_on(review.published_on, record.removal_review_on if record is not None else None)


def removal_review_on(published_on: date | None, recorded: date | None, months: int | None = None) -> date | None:
    """removal_review_due from the two dates it depends on, for lists that read rows rather than objects;
    `months`, the configured REMOVAL_REVIEW_MONTHS when a list has already read it."""
    if recorded is not None:
        return recorded
    if published_on is None:
        return None
    return add_months(published_on, current_app.config["REMOVAL_REVIEW_MONTHS"] if months is None else months)


# --- The anonymisation check ------------------------------------------------------------------

@dataclass(frozen=True)
class DocumentToPublish:
    """The current version of a stored document about to be published: `document_ref` is the
    DocumentVersion's id (as text, as the check records it) and `sha256` its recorded checksum."""

    kind: str
    file_name: str
    document_ref: str
    sha256: str
    public_name: str

    @property
    def label(self) -> str:
        return DOCUMENT_LABELS.get(self.kind, self.kind)

    @property
    def version(self) -> DocumentVersion:
        return db.session.get(DocumentVersion, int(self.document_ref))

    def read(self) -> bytes:
        """The stored bytes, from the document store."""
        return document_services.read_version(self.version)


def kinds_to_publish(review: Review, data: Mapping[str, Any] | None = None) -> list[str]:
    """The kinds of document the next publish action will put online, in the order of DOCUMENT_LABELS.

    For a full report: the documents chosen on the publish form (or recorded on the review); for a
    learning summary: the learning summary.
    """
    data = data or {}
    record = publication_record(review)
    if record is not None and record.form is PublicationForm.SUMMARY_ONLY:
        return list(SUMMARY_KINDS)
    chosen = data.get("published_documents") or (review.published_documents or "").split(",")
    return [kind for kind in DOCUMENT_LABELS if kind in set(chosen)]


def current_document(review: Review, kind: str) -> Document | None:
    """The review's document of `kind` to publish: the newest one, when there are several (a
    correction is normally a new version of the same document, which this follows too)."""
    if not review.is_written:
        return None
    return db.session.scalar(sa.select(Document).where(
        Document.review_id == review.id, Document.document_type == DocumentType(kind))
        .order_by(Document.created_at.desc(), Document.id.desc()).limit(1))


def documents_to_publish(review: Review, data: Mapping[str, Any] | None = None) -> list[DocumentToPublish]:
    """THE list the check must cover and the publish actions mark published: the current version of
    each stored document of a kind to be published (kinds with no stored document are left out;
    `missing_documents` names them)."""
    found = []
    for kind in kinds_to_publish(review, data):
        document = current_document(review, kind)
        if document is not None:
            latest = document.latest
            found.append(DocumentToPublish(kind, latest.original_filename, str(latest.id), latest.sha256,
                                           public_file_name(review, kind, latest)))
    return found


def missing_documents(review: Review, data: Mapping[str, Any] | None = None) -> list[str]:
    """The kinds to be published that have no stored document yet."""
    return [kind for kind in kinds_to_publish(review, data) if current_document(review, kind) is None]


def upload_sentence(kinds: Iterable[str]) -> str:
    # Mid-sentence, "Overview report" is "overview report", but the Home Office keeps its capitals.
    labels = [label if label.startswith("Home Office") else label[0].lower() + label[1:]
              for label in (DOCUMENT_LABELS[k] for k in kinds)]
    listed = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    return f"Upload the {listed} to be published to the case's documents first"


def public_file_name(review: Review, kind: str, version: DocumentVersion) -> str:
    """The name a published document is downloaded under, made by the service from the pseudonym, the
    review type's initials and the kind ("ML-DHR-overview-report.pdf"): the uploaded name, which may
    say anything, never leaves the tracker."""
    initials = "".join(word[0] for word in review.review_type.split() if word[:1].isalpha()).upper() or "DHR"
    ascii_pseudonym = unicodedata.normalize("NFKD", review.pseudonym).encode("ascii", "ignore").decode()
    pseudonym = re.sub(r"[^A-Za-z0-9]+", "-", ascii_pseudonym).strip("-") or review.reference
    return f"{pseudonym}-{initials}-{kind.replace('_', '-')}.{version.file_kind}"


def recorded_values(review: Review, names: list[RestrictedName] | None = None,
                    decided: list[NameDecision] | None = None, allowed: set[str] | None = None) -> list[RecordedValue]:
    """The restricted values the check looks for: every real name recorded on the review
    (cases.names, the one list) but those a confirmed decision allows to be published (or the
    names `allowed` gives), the victim's date of birth and address. `names` and `decided`: the review's
    restricted names and name decisions, when already read (the publication board reads them for many
    reviews at once)."""
    names = restricted_names(review) if names is None else names
    allowed = name_decisions.allowed_keys(review, decided, names) if allowed is None else allowed
    values = [RecordedValue(name.key, name.name) for name in names if name.key not in allowed]
    values += [RecordedValue(field, getattr(review, field))
               for field in ("victim_date_of_birth", "victim_address") if getattr(review, field)]
    return values


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


# The public texts of a review given with the publish action itself (its form), read from its data.
PUBLISH_FORM_TEXTS = ("publication_url", "summary_only_reason")
PUBLIC_TEXT_LABELS = {
    "pseudonym": "Pseudonym (headings, link texts and feed titles)",
    "public_summary": "Public summary",
    "learning_summary": "Learning summary",
    "summary_only_reason": "Why only a learning summary is published",
    "press_contact": "Press contact",
    "publication_url": "Address of the review on the partnership's website",
}


_READ = object()  # public_texts: the publication record is to be read


def public_texts(review: Review, data: Mapping[str, Any] | None = None,
                 record: PublicationRecord | object | None = _READ) -> dict[str, str]:
    """Every text of the review the public page, its own page and the feed show, by field: the
    pseudonym (in headings, link texts, the page title and the feed's titles), the summaries, the
    reason only a learning summary is published, the press contact and the partnership's address.
    The other words there are the service's own (document labels, dates, the review type). `data`
    holds values given with the publish action, which it records; `record` is the review's publication
    record, when already read."""
    data = data or {}
    if record is _READ:
        record = publication_record(review) if review.id is not None else None
    texts = {"pseudonym": review.pseudonym,
             "public_summary": record.public_summary if record else None,
             "learning_summary": record.learning_summary if record else None,
             "press_contact": review.press_contact}
    for field in PUBLISH_FORM_TEXTS:
        texts[field] = data.get(field) or getattr(review, field)
    return {field: text for field, text in texts.items() if text}


def text_findings(review: Review, texts: Mapping[str, str]) -> list[Finding]:
    """Where a restricted value appears in `texts` (field -> text), but for findings accepted as false
    positives: each finding's document is the field."""
    if not any(texts.values()):
        return []
    # Every recorded value first, without asking for the decisions about names: a name a decision allows
    # is only one fewer to look for, so texts naming none of them (nearly all) need no query at all.
    names = restricted_names(review)
    if not check_texts(texts.items(), recorded_values(review, names, allowed=set()), review.pseudonym):
        return []
    accepted = name_decisions.accepted_findings(review)
    return [f for f in check_texts(texts.items(), recorded_values(review, names), review.pseudonym)
            if not _is_accepted(accepted, _text_finding(f), None)]


def _text_finding(finding: Finding) -> Finding:
    """A public text's finding as the check reports it: where is the text's label, the part says which field."""
    return Finding(PUBLIC_TEXT_LABELS.get(finding.document, finding.document), None, finding.field, finding.variant,
                   f"public text: {finding.document}")


def _is_accepted(accepted: Iterable[NameDecision], finding: Finding, content_sha256: str | None) -> bool:
    return finding.field is not None and any(
        name_decisions.accepts(d, location=finding.document, part=finding.part, field=finding.field,
                               variant=finding.variant, content_sha256=content_sha256) for d in accepted)


def names_digest(review: Review, values: list[RecordedValue] | None = None) -> str:
    """A digest of the restricted values recorded now: a check made before another was recorded is not current."""
    values = recorded_values(review) if values is None else values
    return _digest(sorted((v.field, str(v.value)) for v in values))


def run_check(review: Review, actor: User, kinds: Iterable[str] | None = None) -> AnonymisationCheck:
    """Check everything about to go public for the review's restricted values, and record the run,
    pass or fail: the current stored versions of the documents to be published (their words,
    metadata, comments, tracked changes, headers, footers, alt text, and the names they were
    uploaded and will be downloaded under) and every public text of the review.

    `kinds` are the kinds of document to check (for a full report, those the coordinator means to
    publish); a learning-summary publication always checks the learning summary.
    """
    if not can_advance(actor, review):
        raise NotPermitted("Only a coordinator of this review's partnership can run the anonymisation check")
    data = {"published_documents": [k for k in (kinds or []) if k]}
    if not kinds_to_publish(review, data):
        raise WorkflowError("Choose at least one document to check")
    missing = missing_documents(review, data)
    if missing:
        raise WorkflowError(upload_sentence(missing))
    documents = documents_to_publish(review, data)
    contents = [d.read() for d in documents]
    texts = public_texts(review)
    findings = check_documents([Candidate(d.label, d.file_name, content, d.public_name)
                                for d, content in zip(documents, contents, strict=True)],
                               recorded_values(review), review.pseudonym)
    findings += [_text_finding(f) for f in check_texts(texts.items(), recorded_values(review), review.pseudonym)]
    # A finding accepted as a false positive by a confirmed decision stays listed, marked so.
    accepted = name_decisions.accepted_findings(review)
    sha_of = {d.label: d.sha256 for d in documents}
    listed = [{**f.as_dict(), "accepted": _is_accepted(accepted, f, sha_of.get(f.document))} for f in findings]
    check = AnonymisationCheck(
        review_id=review.id, checked_by_id=actor.id, passed=all(f["accepted"] for f in listed),
        # The checksum of the bytes actually read: a stored file that no longer matches its
        # recorded checksum is then not covered by this check.
        documents=[{"label": d.label, "kind": d.kind, "file_name": d.file_name, "document_ref": d.document_ref,
                    "version": d.version.number, "sha256": hashlib.sha256(content).hexdigest(),
                    "public_name": d.public_name}
                   for d, content in zip(documents, contents, strict=True)],
        texts=_text_digests(texts), names_sha256=names_digest(review),
        findings=listed,
    )
    db.session.add(check)
    append_event(review, actor, EventKind.CHANGE, based_on_version=review.version, field="anonymisation_check",
                 to_value="passed" if check.passed else "failed",
                 payload={"documents": [d.label for d in documents],
                          "versions": [d.document_ref for d in documents],
                          "findings": sum(not f["accepted"] for f in listed),
                          "accepted": sum(f["accepted"] for f in listed)})
    commit_once()
    return check


def _text_digests(texts: Mapping[str, str]) -> dict[str, str]:
    return {field: _digest(text) for field, text in texts.items() if field not in PUBLISH_FORM_TEXTS}


def latest_check(review: Review) -> AnonymisationCheck | None:
    return db.session.scalar(sa.select(AnonymisationCheck).where(AnonymisationCheck.review_id == review.id)
                             .order_by(AnonymisationCheck.checked_at.desc(), AnonymisationCheck.id.desc()).limit(1))


def latest_checks(review_ids: Iterable[int]) -> dict[int, tuple[AnonymisationCheck, Review]]:
    """latest_check of each of the reviews `review_ids` that has one, with that review loaded whole (judging
    whether the check is current reads it), in one statement (the publication board's column of reviews
    awaiting publication asked for each on its own)."""
    ids = sorted(set(review_ids))
    if not ids:
        return {}
    newest = sa.func.row_number().over(partition_by=AnonymisationCheck.review_id, order_by=(
        AnonymisationCheck.checked_at.desc(), AnonymisationCheck.id.desc())).label("newest")
    ranked = sa.select(AnonymisationCheck.id, newest).where(AnonymisationCheck.review_id.in_(ids)).subquery()
    return {check.review_id: (check, review) for check, review in db.session.execute(
        sa.select(AnonymisationCheck, Review).join(ranked, ranked.c.id == AnonymisationCheck.id)
        .join(Review, Review.id == AnonymisationCheck.review_id).where(ranked.c.newest == 1))}


def check_covers(check: AnonymisationCheck | None, documents: Iterable[DocumentToPublish],
                 review: Review | None = None) -> bool:
    """The newest check passed and read every document to be published in its current version
    (the same version id and the same checksum), the public texts as they are now and the
    restricted values recorded now. A corrected version uploaded, a public text changed or a name
    recorded since is not covered."""
    wanted = {(d.document_ref, d.sha256) for d in documents}
    if check is None or not check.passed or not wanted:
        return False
    if review is not None and not is_current(check, review):
        return False
    return wanted <= {(d.get("document_ref"), d.get("sha256")) for d in check.documents}


def is_current(check: AnonymisationCheck, review: Review) -> bool:
    """The check read the public texts and restricted values as they are now, and the current
    version of each document it read."""
    return _reads_as_now(check, names_digest(review), public_texts(review), lambda kind: current_document(review, kind))


def _reads_as_now(check: AnonymisationCheck, digest: str, texts: Mapping[str, str],
                  document_of: Callable[[str], Document | None]) -> bool:
    """is_current, given the review's names digest, public texts and current document of each kind."""
    if check.names_sha256 != digest or check.texts != _text_digests(texts):
        return False
    current = {str(v.id) for kind in {d.get("kind") for d in check.documents}
               if (doc := document_of(kind)) is not None for v in [doc.latest]}
    return {d.get("document_ref") for d in check.documents} <= current


def current_among(checks: Mapping[int, AnonymisationCheck], reviews: Mapping[int, Review]) -> set[int]:
    """The ids of the reviews whose check in `checks` (by review id) is current, as is_current judges it,
    for many reviews at once: their names, name decisions, publication records and documents are read
    in a statement or so each for all of them, not per review (the publication board)."""
    ids = sorted(checks)
    if not ids:
        return set()
    listed = [reviews[i] for i in ids]
    names = restricted_names_of(listed)
    decided = name_decisions.decisions_of(ids)
    records = {r.review_id: r for r in db.session.scalars(
        sa.select(PublicationRecord).where(PublicationRecord.review_id.in_(ids)))}
    newest: dict[tuple[int, str], Document] = {}
    for document in db.session.scalars(sa.select(Document).where(Document.review_id.in_(ids))
                                       .order_by(Document.created_at.desc(), Document.id.desc())):
        newest.setdefault((document.review_id, document.document_type.value), document)
    return {i for i, review in zip(ids, listed, strict=True) if _reads_as_now(
        checks[i], names_digest(review, recorded_values(review, names[i], decided[i])),
        public_texts(review, record=records.get(i)),
        lambda kind, i=i: newest.get((i, DocumentType(kind).value)))}


CHECK_NOT_RUN, CHECK_PASSED, CHECK_FAILED = "Not run", "Passed", "Failed"
CHECK_OUT_OF_DATE = "Not checked for the current versions"


def check_status(review: Review, check: AnonymisationCheck | None = None) -> str:
    """The newest check's result as it stands now: a passed or failed check that read other versions,
    other public texts or other recorded names than the review has now is out of date."""
    return status_of_check(check or latest_check(review), review)


def status_of_check(check: AnonymisationCheck | None, review: Review, current: bool | None = None) -> str:
    """check_status for `check`, the review's newest check as already found (None: never run); `current`,
    whether it is current, if already judged (current_among)."""
    if check is None:
        return CHECK_NOT_RUN
    if not (is_current(check, review) if current is None else current):
        return CHECK_OUT_OF_DATE
    return CHECK_PASSED if check.passed else CHECK_FAILED


def published_documents(review_ids: Iterable[int]) -> dict[int, list[Document]]:
    """The documents marked published of each review, in the order of DOCUMENT_LABELS: the only ones
    the public may download. One query for a whole page of reviews."""
    ids = list(review_ids)
    found: dict[int, list[Document]] = {i: [] for i in ids}
    if not ids:
        return found
    for document in db.session.scalars(sa.select(Document).where(
            Document.review_id.in_(ids), Document.marking == ProtectiveMarking.PUBLISHED,
            Document.published_version.is_not(None)).order_by(Document.created_at, Document.id)):
        found[document.review_id].append(document)
    order = list(DOCUMENT_LABELS)
    rank = lambda d: order.index(d.document_type.value) if d.document_type.value in order else len(order)  # noqa: E731
    return {i: sorted(documents, key=rank) for i, documents in found.items()}


def field_label(field: str | None, review: Review | None = None) -> str:
    """Who or what a finding's recorded value is, for anyone who may see the review: never the value."""
    if field in RESTRICTED_FIELD_LABELS:
        return RESTRICTED_FIELD_LABELS[field]
    if review is not None:
        return role_of(review, field)
    return (field or "the document").split(":")[0].replace("_", " ")


def finding_name(review: Review, field: str | None) -> str | None:
    """The recorded name a finding matched, for those who may see real names only."""
    return next((name.name for name in restricted_names(review) if name.key == field), None)


# --- What publishing needs --------------------------------------------------------------------

ANONYMISATION_REQUIREMENT = "The anonymisation check must have passed on the current versions of the documents to be published"
PUBLISH_FORM_REQUIREMENT = ("The public address or the reason only a learning summary is published contains a "
                            "restricted name, date of birth or address: remove it")


def _to(endpoint: str, **args: str) -> Callable[[Review], str]:
    return lambda review: url_for(endpoint, reference=review.reference, **args)


def _anonymisation_checked(facts: workflow.Facts, *, full_report: bool) -> bool:
    """The check passed on what is to be published. Judged before the publish form is filled in (the review's
    task list, nothing chosen yet), it is done once the newest check passed and is still current, for a full
    report (whose form always chooses documents) or a learning summary decided on; the form's choice is
    judged again against what that check read."""
    if not facts.data:
        if not full_report and not kinds_to_publish(facts.review):
            return True  # no learning summary decided on: nothing to judge yet, as with the form
        check = latest_check(facts.review)
        return check is not None and check.passed and is_current(check, facts.review)
    return not kinds_to_publish(facts.review, facts.data) or check_covers(
        latest_check(facts.review), documents_to_publish(facts.review, facts.data), facts.review)


def register_requirements() -> None:
    """What publishing needs besides the publish form: each done on its own page, listed before publishing."""
    def decided(form: PublicationForm):  # noqa: ANN202
        return lambda f: (r := publication_record(f.review)) is not None and r.form is form

    workflow.requires("publish", "Record the decision to publish the full report",
                      done_at=_to("publication.decision"))(decided(PublicationForm.FULL))
    workflow.requires("publish_summary", "Record the decision to publish a learning summary only",
                      done_at=_to("publication.decision"))(decided(PublicationForm.SUMMARY_ONLY))
    for trigger, kinds in (("publish", FULL_REPORT_KINDS), ("publish_summary", SUMMARY_KINDS)):
        workflow.requires(trigger, "Write the short public summary shown on the public reviews page",
                          done_at=_to("publication.details"))(
            lambda f: (r := publication_record(f.review)) is not None and bool(r.public_summary))
        for kind in kinds:
            workflow.requires(trigger, upload_sentence([kind]), done_at=_to("documents.upload", type=kind))(
                lambda f, kind=kind: kind not in kinds_to_publish(f.review, f.data)
                or current_document(f.review, kind) is not None)
        # With nothing chosen to publish, the requirement to choose says so; this one has nothing to judge.
        workflow.requires(trigger, ANONYMISATION_REQUIREMENT, done_at=_to("publication.anonymisation_check"))(
            lambda f, full=trigger == "publish": _anonymisation_checked(f, full_report=full))
        # What the publish form itself records goes public at once: it is checked as it is given.
        workflow.requires(trigger, PUBLISH_FORM_REQUIREMENT, field="publication_url")(
            lambda f: not text_findings(f.review, {k: v for k, v in f.data.items()
                                                   if k in PUBLISH_FORM_TEXTS and isinstance(v, str)}))
    workflow.requires("publish_summary", "Write the learning summary shown on the public reviews page",
                      done_at=_to("publication.details"))(
        lambda f: (r := publication_record(f.review)) is not None and bool(r.learning_summary))
    after_transition("publish")(_mark_published)
    after_transition("publish_summary")(_mark_published)


def _mark_published(review: Review, actor: User | None, data: Mapping[str, Any]) -> None:
    """Publishing puts exactly the checked versions online: each is marked published in the publish
    action's own transaction, so the review is never published with its documents still restricted."""
    for to_publish in documents_to_publish(review, data):
        version = to_publish.version
        document_services.mark_published(version.document, actor, version, commit=False)


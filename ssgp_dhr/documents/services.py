"""Actions on documents: upload a new document or a new version, mark one published, read one back.

Pages, the CLI, demo data and tests all call these. Each writes the file first (see storage.py),
then the rows and the review's history in one commit; if the commit fails the file is removed,
so a failure leaves neither a row without a file nor a file without a row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases.history import append_event
from ssgp_dhr.cases.models import EventKind, Review
from ssgp_dhr.cases.workflow import Facts, requires
from ssgp_dhr.clock import utcnow
from ssgp_dhr.documents import policy, storage
from ssgp_dhr.documents.models import Document, DocumentType, DocumentVersion, ProtectiveMarking
from ssgp_dhr.documents.storage import FileRefused
from ssgp_dhr.extensions import db
from ssgp_dhr.publication.anonymisation import UnreadableDocument, extract_pages

__all__ = [
    "DocumentError", "FileRefused", "NotPermitted", "deliver", "documents_of", "extract_text", "has_document", "mark_published",
    "open_version", "read_version", "upload_document", "upload_version",
]

TITLE_MAX = 200


class DocumentError(Exception):
    """A request about documents that is refused; `str()` is a sentence for the user."""


class NotPermitted(DocumentError):
    pass


class UploadConflict(DocumentError):
    """Someone else changed the review or the document at the same moment: nothing was saved."""


def documents_of(review: Review) -> list[Document]:
    return list(db.session.scalars(
        sa.select(Document).where(Document.review_id == review.id)
        .order_by(Document.document_type, Document.created_at, Document.id)))


def has_document(review: Review, document_type: DocumentType) -> bool:
    """Whether `review` has at least one uploaded `document_type` (every document has a version)."""
    if review.id is None:
        return False
    return bool(db.session.scalar(sa.select(sa.exists().where(
        Document.review_id == review.id, Document.document_type == document_type))))


def uploaded_types(review: Review) -> set[DocumentType]:
    """The kinds of document uploaded to `review` (has_document for every kind at once), in one statement."""
    if review.id is None:
        return set()
    return set(db.session.scalars(sa.select(Document.document_type).where(Document.review_id == review.id).distinct()))


def _has_uploaded(facts: Facts, document_type: DocumentType) -> bool:
    """has_document for a requirement: the review's kinds of document are read once for all its requirements."""
    if "document_types" not in facts.read:
        facts.read["document_types"] = uploaded_types(facts.review)
    return document_type in facts.read["document_types"]


def upload_document(review: Review, actor: User, *, document_type: DocumentType | str, title: str,
                    stream: BinaryIO, filename: str | None) -> DocumentVersion:
    """Add a new document to `review` with `stream` as its first version."""
    if not policy.can_upload(actor, review):
        raise NotPermitted("Only the review's coordinators, independent chair and report author can upload documents")
    title = " ".join((title or "").split())
    if not title:
        raise DocumentError("Enter a title for the document")
    if len(title) > TITLE_MAX:
        raise DocumentError(f"The title must be {TITLE_MAX} characters or fewer")
    document = Document(review=review, document_type=DocumentType(document_type), title=title,
                        marking=ProtectiveMarking.OFFICIAL_SENSITIVE)
    return _store_version(review, document, actor, stream, filename, number=1)


def upload_version(document: Document, actor: User, *, stream: BinaryIO, filename: str | None) -> DocumentVersion:
    """Add the next version of `document`; the earlier versions stay as they were."""
    if not policy.can_upload(actor, document.review):
        raise NotPermitted("Only the review's coordinators, independent chair and report author can upload documents")
    return _store_version(document.review, document, actor, stream, filename, number=document.latest.number + 1)


def deliver(review: Review, actor: User, document: Document | None, *, document_type: DocumentType, title: str,
            stream: BinaryIO, filename: str | None, permitted: bool,
            then: Callable[[DocumentVersion], None]) -> DocumentVersion:
    """A document an agency delivers against a request: `document`'s next version, or the first of a new one.

    The area asking for it decides who may deliver (`permitted`, its own rule: the agency's panel member,
    who uploads nothing else) and passes `then`, which records the delivery on the request in the same
    transaction as the version and its history. The file is checked as every upload is.
    """
    if not permitted or review.disposed_on is not None:
        raise NotPermitted("Only the agency's panel members can deliver what was asked of it")
    if document is None:
        document = Document(review=review, document_type=document_type, title=title,
                        marking=ProtectiveMarking.OFFICIAL_SENSITIVE)
        number = 1
    else:
        number = document.latest.number + 1
    return _store_version(review, document, actor, stream, filename, number=number, then=then)


def _store_version(review: Review, document: Document, actor: User, stream: BinaryIO, filename: str | None,
                   *, number: int, then: Callable[[DocumentVersion], None] | None = None) -> DocumentVersion:
    stored = storage.save(stream, filename or "")
    try:
        version = DocumentVersion(
            document=document, number=number, stored_name=stored.stored_name, original_filename=stored.filename,
            file_kind=stored.kind.name, content_type=stored.kind.content_type, size_bytes=stored.size_bytes,
            sha256=stored.sha256, uploaded_by_id=actor.id, uploaded_at=utcnow(),
        )
        db.session.add(version)
        # The history records what was uploaded, never what the file says.
        append_event(review, actor, EventKind.CHANGE, based_on_version=review.version, field="documents",
                     to_value=f"{document.document_type.label} “{document.title}”, version {number} uploaded",
                     payload={"document_type": document.document_type.value, "title": document.title,
                              "version": number, "sha256": stored.sha256, "size_bytes": stored.size_bytes,
                              "file_kind": stored.kind.name})
        if then is not None:
            db.session.flush()
            then(version)
        db.session.commit()
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        storage.remove(stored.stored_name)
        raise UploadConflict("Someone else changed this review at the same moment. Nothing was saved: "
                             "upload the file again") from None
    except BaseException:
        db.session.rollback()
        storage.remove(stored.stored_name)
        raise
    return version


def mark_published(document: Document, actor: User, version: DocumentVersion | None = None, *,
                   commit: bool = True) -> bool:
    """Mark `version` (by default the current one) of `document` published: from then on that
    version is public, and managers may download the document.

    For the publication step. Only documents marked this way may ever be shown to the public, and
    only the version marked. With commit=False the change joins the caller's transaction (the
    publish action marks its documents in its own single commit). Returns False, changing nothing,
    if that version was already the published one.
    """
    review = document.review
    if not policy.can_mark_published(actor, review):
        raise NotPermitted("Only a coordinator of this review's partnership can mark a document published")
    version = version or document.latest
    if version not in document.versions:
        raise DocumentError("That version is not a version of this document")
    if document.is_published and document.published_version == version.number:
        return False
    try:
        before = (f"version {document.published_version} published" if document.is_published
                  else ProtectiveMarking.OFFICIAL_SENSITIVE.label)
        document.marking = ProtectiveMarking.PUBLISHED
        document.published_at = utcnow()
        document.published_version = version.number
        append_event(review, actor, EventKind.CHANGE, based_on_version=review.version, field="documents",
                     from_value=f"{document.document_type.label} “{document.title}” {before}",
                     to_value=f"{document.document_type.label} “{document.title}” version {version.number} published",
                     payload={"document_type": document.document_type.value, "title": document.title,
                              "marking": ProtectiveMarking.PUBLISHED.value, "version": version.number,
                              "sha256": version.sha256})
        if commit:
            db.session.commit()
    except BaseException:
        if commit:
            db.session.rollback()
        raise
    return True


def open_version(version: DocumentVersion) -> BinaryIO:
    """The stored bytes of `version`, for reading (the caller checks the reader may)."""
    return storage.current_store().open(version.stored_name, version.sha256)


# --- Text, for checks such as looking for real names before publication ----------------------

def read_version(version: DocumentVersion) -> bytes:
    """All the stored bytes of `version` (the caller checks the reader may)."""
    with open_version(version) as handle:
        return handle.read()


def extract_text(version: DocumentVersion) -> str | None:
    """The words in `version`, page after page, or None where they cannot be read (a damaged or
    encrypted file). Read by the anonymisation check's own extraction, so what a caller sees here is
    what the check searched. A caller checking a document must treat None as "check this one by
    hand", never as "nothing found"; a scanned PDF gives an empty text, which means the same.
    """
    try:
        pages = extract_pages(version.original_filename, read_version(version), version.file_kind)
    except UnreadableDocument:
        return None
    return "\n".join(text for _, text in pages)


# --- What the workflow needs from documents ---------------------------------------------------

TERMS_OF_REFERENCE_NEEDED = ("Upload the agreed terms of reference (a Terms of reference document) before convening "
                             "the panel")
SUBMISSION_DOCUMENTS = {
    DocumentType.OVERVIEW_REPORT: "overview_report_completed_on",
    DocumentType.EXECUTIVE_SUMMARY: "executive_summary_completed_on",
    DocumentType.ACTION_PLAN: "action_plan_completed_on",
}


def _upload(document_type: DocumentType) -> Callable[[Review], str]:
    """Where a document of `document_type` is uploaded to a review, the type already chosen."""
    return lambda review: url_for("documents.upload", reference=review.reference, type=document_type.value)


def register_requirements() -> None:
    requires("convene_panel", TERMS_OF_REFERENCE_NEEDED, field="terms_of_reference_agreed_on",
             done_at=_upload(DocumentType.TERMS_OF_REFERENCE))(
        lambda facts: _has_uploaded(facts, DocumentType.TERMS_OF_REFERENCE))
    for document_type, field in SUBMISSION_DOCUMENTS.items():
        requires("submit", f"Upload the {document_type.label.lower()} before submitting to the Home Office",
                 field=field, done_at=_upload(document_type))(
            lambda facts, document_type=document_type: _has_uploaded(facts, document_type))

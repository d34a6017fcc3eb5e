"""Documents on disk: kinds judged by content, safe names, and no partial file or row after a failure."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import OperationalError

from ssgp_dhr.cases.models import CaseEvent
from ssgp_dhr.documents import services, storage
from ssgp_dhr.documents.models import Document, DocumentType, DocumentVersion
from ssgp_dhr.extensions import db
from tests import document_samples as samples
from tests import factories


def store_files() -> set[str]:
    directory = Path(current_app.config["DOCUMENT_STORE_PATH"])
    return {p.name for p in directory.iterdir()} if directory.exists() else set()


def upload(content: bytes, filename: str, review=None, by=None):
    review = review or factories.review_at("commissioned")
    by = by or factories.coordinator()
    return services.upload_document(review, by, document_type=DocumentType.IMR, title="IMR – Constabulary",
                                    stream=io.BytesIO(content), filename=filename)


def count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize(("content", "filename", "kind", "content_type"), [
    (samples.PDF, "report.pdf", "pdf", "application/pdf"),
    (samples.DOCX, "report.docx", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (samples.XLSX, "plan.xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (samples.ODT, "minutes.odt", "odt", "application/vnd.oasis.opendocument.text"),
    (samples.CSV, "chronology.csv", "csv", "text/csv; charset=utf-8"),
    (samples.TEXT, "notes.txt", "txt", "text/plain; charset=utf-8"),
])
def test_each_accepted_kind_is_recognised_by_content_and_stored_with_checksum_and_size(content, filename, kind,
                                                                                       content_type):
    import hashlib

    before = store_files()
    version = upload(content, filename)
    assert (version.file_kind, version.content_type) == (kind, content_type)
    assert version.sha256 == hashlib.sha256(content).hexdigest() and version.size_bytes == len(content)
    assert version.original_filename == filename and version.number == 1
    assert version.uploaded_at.tzinfo is not None
    new = store_files() - before
    assert new == {version.stored_name} and len(version.stored_name) == 64
    assert storage.path_of(version.stored_name).read_bytes() == content


def test_the_name_does_not_decide_the_kind_the_content_does():
    version = upload(samples.PDF, "really-a-pdf.docx")
    assert version.file_kind == "pdf"
    assert version.original_filename == "really-a-pdf.docx.pdf"  # opens as what it is


@pytest.mark.parametrize(("content", "filename", "message"), [
    (b"", "empty.pdf", "The selected file is empty"),
    (samples.EXE, "report.pdf", "The selected file is a program, not a document"),
    (samples.ELF, "report.docx", "The selected file is a program, not a document"),
    (b"#!/bin/sh\nrm -rf /\n", "notes.txt", "The selected file is a program, not a document"),
    (samples.PNG, "scan.pdf", "The selected file must be a PDF, Word (DOCX)"),
    (samples.NOT_UTF8, "notes.txt", "The selected file must be a PDF"),
    (b"text with a \x00 NUL", "notes.txt", "The selected file must be a PDF"),
    (samples.OTHER_ZIP, "report.docx", "The selected file is a zip archive, not a document"),
    (samples.ODS, "minutes.odt", "The selected file is a zip archive, not a document"),
    (b"PK\x03\x04 broken zip", "report.docx", "The selected file is damaged"),
])
def test_refused_files_leave_no_file_and_no_row(content, filename, message):
    review = factories.review_at("commissioned")
    before, events_before = store_files(), count(CaseEvent)
    with pytest.raises(services.FileRefused) as refused:
        upload(content, filename, review)
    assert str(refused.value).startswith(message)
    assert store_files() == before
    assert count(Document) == 0 and count(DocumentVersion) == 0 and count(CaseEvent) == events_before


def test_a_file_over_the_limit_is_refused_while_streaming(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    before = store_files()
    with pytest.raises(services.FileRefused, match="The selected file must be smaller than 1MB"):
        upload(b"a" * (1024 * 1024 + 1), "big.txt")
    assert store_files() == before and count(DocumentVersion) == 0


class BreaksPartWay(io.RawIOBase):
    """A stream that gives two chunks and then fails, like a connection dropped mid-upload."""

    def __init__(self) -> None:
        self.reads = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        if self.reads > 2:
            raise ConnectionResetError("client went away")
        return b"%PDF-1.4\n" + b"x" * 60000


def test_an_interrupted_upload_leaves_no_partial_file_and_no_row():
    review = factories.review_at("commissioned")
    coordinator = factories.coordinator()
    before, events_before = store_files(), count(CaseEvent)
    with pytest.raises(ConnectionResetError):
        services.upload_document(review, coordinator, document_type=DocumentType.IMR, title="IMR",
                                 stream=BreaksPartWay(), filename="imr.pdf")
    assert store_files() == before  # neither the temporary file nor a final one
    assert count(Document) == 0 and count(DocumentVersion) == 0 and count(CaseEvent) == events_before


def test_a_database_failure_after_the_file_is_written_removes_the_file(monkeypatch):
    review = factories.review_at("commissioned")
    coordinator = factories.coordinator()
    before = store_files()
    written: list[str] = []
    real_save = storage.save

    def save_and_note(stream, filename):
        stored = real_save(stream, filename)
        written.append(stored.stored_name)
        assert storage.path_of(stored.stored_name).exists()  # the file really was on disk
        return stored

    def commit_fails() -> None:
        raise OperationalError("COMMIT", {}, Exception("database went away"))

    monkeypatch.setattr(storage, "save", save_and_note)
    monkeypatch.setattr(db.session, "commit", commit_fails)
    with pytest.raises(OperationalError):
        upload(samples.PDF, "report.pdf", review, coordinator)
    monkeypatch.undo()
    assert written and not storage.path_of(written[0]).exists()
    assert store_files() == before and count(DocumentVersion) == 0


def test_two_uploads_of_the_same_version_number_keep_one_and_remove_the_other_file(monkeypatch):
    version = upload(samples.PDF, "report.pdf")
    document = version.document
    before = store_files()
    # Another request took version 2 at the same moment: the unique number refuses the second.
    other = DocumentVersion(document=document, number=2, stored_name="f" * 64, original_filename="x.pdf",
                            file_kind="pdf", content_type="application/pdf", size_bytes=1, sha256="0" * 64,
                            uploaded_by_id=version.uploaded_by_id)
    db.session.add(other)
    db.session.flush()
    db.session.expire(document, ["versions"])
    monkeypatch.setattr(type(document), "latest", property(lambda self: version))  # still sees version 1
    with pytest.raises(services.UploadConflict):
        services.upload_version(document, version.uploaded_by, stream=io.BytesIO(samples.TEXT), filename="v2.txt")
    assert store_files() == before


@pytest.mark.parametrize(("given", "safe"), [
    ("../../../etc/passwd", "passwd"),
    ("..\\..\\Windows\\System32\\evil.pdf", "evil.pdf"),
    ("/var/www/static/report.pdf", "report.pdf"),
    ("C:\\Users\\coordinator\\Desktop\\IMR v2.docx", "IMR v2.docx"),
    ("..", "document"),
    ("", "document"),
    (None, "document"),
    (".hidden.pdf", "hidden.pdf"),
    ("line\nbreak\r\x00\x1b[31m.txt", "linebreak[31m.txt"),
    ("invoice\u202egpj.pdf", "invoicegpj.pdf"),  # a right-to-left override would show "invoicefdp.jpg"
    ("zero\u200bwidth.pdf", "zerowidth.pdf"),
    ("ｆｕｌｌｗｉｄｔｈ.pdf", "fullwidth.pdf"),  # NFKC
    ("Adroddiad ŵyr – Łódź.pdf", "Adroddiad ŵyr – Łódź.pdf"),  # readable letters stay
    ('quote"semi;colon<>|?*.pdf', "quote_semi_colon_____.pdf"),
    ("a" * 300 + ".pdf", "a" * 146 + ".pdf"),
])
def test_file_names_are_made_safe_and_stay_readable(given, safe):
    assert storage.safe_filename(given) == safe


def test_content_disposition_is_an_attachment_with_an_ascii_fallback_and_rfc_5987_name():
    header = storage.content_disposition("Adroddiad ŵyr – Łódź.pdf")
    assert header == ("attachment; filename=\"Adroddiad wyr odz.pdf\"; "
                      "filename*=UTF-8''Adroddiad%20%C5%B5yr%20%E2%80%93%20%C5%81%C3%B3d%C5%BA.pdf")
    assert "\n" not in storage.content_disposition(storage.safe_filename("a\r\nSet-Cookie: x.pdf"))


def test_stored_names_are_only_ever_the_server_made_hex():
    with pytest.raises(ValueError, match="not a stored document name"):
        storage.path_of("../../etc/passwd")


@pytest.mark.parametrize(("content", "filename", "expected"), [
    (samples.TEXT, "notes.txt", "Chronology of agency contact (fictional).\n2024-01-02: GP appointment.\n"),
    (samples.CSV, "c.csv", "Date,Agency,Contact\r\n2024-01-02,GP,Appointment\r\n"),
    (samples.DOCX, "r.docx", "Overview report\nScott was known to services."),
    (samples.XLSX, "p.xlsx", "Recommendation\nShare risk information"),
    (samples.ODT, "m.odt", "Minutes\nPanel met on Monday."),
    (samples.PDF, "r.pdf", None),
])
def test_extract_text_reads_the_words_or_says_it_cannot(content, filename, expected):
    assert services.extract_text(upload(content, filename)) == expected


def test_each_upload_appends_a_history_event_without_the_file_content():
    review = factories.review_at("commissioned")
    version = upload(samples.TEXT, "notes.txt", review)
    event = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.review_id == review.id)
                               .order_by(CaseEvent.seq.desc())).first()
    assert event.field == "documents" and event.actor_id == version.uploaded_by_id
    assert event.payload == {"document_type": "imr", "title": "IMR – Constabulary", "version": 1,
                             "sha256": version.sha256, "size_bytes": len(samples.TEXT), "file_kind": "txt"}
    assert "GP appointment" not in str(event.payload) + (event.to_value or "")
    from ssgp_dhr.cases.history import verify_all
    assert verify_all()[1] is None


def test_a_new_version_keeps_the_earlier_ones():
    first = upload(samples.TEXT, "v1.txt")
    document = first.document
    second = services.upload_version(document, first.uploaded_by, stream=io.BytesIO(samples.PDF), filename="v2.pdf")
    assert [v.number for v in document.versions] == [1, 2] and document.latest is second
    assert storage.path_of(first.stored_name).read_bytes() == samples.TEXT
    assert storage.path_of(second.stored_name).read_bytes() == samples.PDF


def test_only_people_who_may_upload_can_and_only_coordinators_mark_published():
    review = factories.review_at("panel")
    member = factories.panel_member()
    factories.seat_on_panel(review, member)
    with pytest.raises(services.NotPermitted):
        upload(samples.TEXT, "n.txt", review, member)
    version = upload(samples.TEXT, "n.txt", review)
    with pytest.raises(services.NotPermitted):
        services.mark_published(version.document, member)
    coordinator = factories.coordinator()
    assert services.mark_published(version.document, coordinator) is True
    assert version.document.is_published and version.document.published_at is not None
    assert services.mark_published(version.document, coordinator) is False  # once only

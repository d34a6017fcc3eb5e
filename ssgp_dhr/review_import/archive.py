"""A partnership's reviews taken out with their documents: one ZIP holding the export's workbook and JSON, and
every version of every document the reader may download, in a folder per review, with a manifest of each
file's name, version and SHA-256.

The ZIP is written to a temporary file, a document at a time, and streamed from there: a partnership's
documents may be far larger than the memory of the server. A file is put in only when its bytes match the
SHA-256 recorded when it was uploaded; one missing from the store, or damaged, is named in the manifest as
left out, so the archive never passes off damaged bytes as the document.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases.models import Review
from ssgp_dhr.cases.names import masked_for
from ssgp_dhr.documents import policy as document_policy
from ssgp_dhr.documents.models import Document, DocumentVersion
from ssgp_dhr.documents.services import open_version
from ssgp_dhr.documents.storage import CHUNK, StoredFileDamaged
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import Organisation
from ssgp_dhr.review_import.export import exported_review_ids, json_of, partnership_sheets, workbook_of

MANIFEST_HEADINGS = ("File", "Reference", "Partnership reference", "Document", "Type", "Version", "Marking",
                     "Uploaded (UTC)", "Bytes", "SHA-256", "Left out because")
# Kept in memory up to this size while its SHA-256 is checked, on disk beyond it.
IN_MEMORY = 8 * 1024 * 1024
# These kinds are compressed already: deflating them again costs time and saves nothing.
STORED_KINDS = frozenset({"pdf", "docx", "odt", "xlsx"})


@dataclass(frozen=True)
class Archived:
    version: DocumentVersion
    path: str
    left_out: str | None  # why the file is not in the ZIP, if it is not


def partnership_archive(partnership: Organisation, reader: User) -> IO[bytes]:
    """The ZIP of `partnership`'s export for `reader`, as a temporary file at its start (closing it removes it):
    the workbook and the JSON, then the documents under documents/<review reference>/, then manifest.csv."""
    stem = safe_part(partnership.short_name) or "partnership"
    reviews = _reviews(partnership, reader)  # kept: the documents' reviews are these, read once
    sheets = partnership_sheets(partnership, reader)
    out = tempfile.TemporaryFile()  # noqa: SIM115 - streamed by the response, which closes it
    try:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            archive.writestr(f"{stem}-reviews.xlsx", workbook_of(sheets))
            archive.writestr(f"{stem}-reviews.json", json_of(partnership, sheets))
            manifest = [_archived(archive, version, path) for version, path in _versions(reviews, reader)]
            archive.writestr("manifest.csv", _manifest(reader, manifest))
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def _reviews(partnership: Organisation, reader: User) -> list[Review]:
    return list(db.session.scalars(
        sa.select(Review).where(Review.id.in_(exported_review_ids(partnership, reader).scalar_subquery()))
        .options(selectinload(Review.panel)).order_by(Review.ref_year, Review.ref_number)))


def _versions(reviews: list[Review], reader: User) -> Iterator[tuple[DocumentVersion, str]]:
    """Each version of the reviews' documents `reader` may download (as the document's download page
    decides), with its path in the ZIP: a name the service makes, never the name it was uploaded under."""
    by_id = {review.id: review for review in reviews}
    documents = db.session.scalars(sa.select(Document).where(Document.review_id.in_(list(by_id)))
                                   .order_by(Document.review_id, Document.id)) if by_id else []
    for document in documents:
        review = by_id[document.review_id]
        for version in document.versions:
            if document_policy.can_download_version(reader, version):
                yield version, (f"documents/{safe_part(review.reference)}/{document.id}-"
                                f"{document.document_type.value.replace('_', '-')}-v{version.number}.{version.file_kind}")


def _archived(archive: zipfile.ZipFile, version: DocumentVersion, path: str) -> Archived:
    """Put the version's bytes in the ZIP if they are the bytes uploaded; else say why they are left out."""
    with tempfile.SpooledTemporaryFile(max_size=IN_MEMORY) as copy:
        try:
            with open_version(version) as stored:
                digest = hashlib.sha256()
                while chunk := stored.read(CHUNK):
                    digest.update(chunk)
                    copy.write(chunk)
        except FileNotFoundError:
            return Archived(version, path, "missing from the document store")
        except StoredFileDamaged:
            return Archived(version, path, "its stored bytes do not match the SHA-256 recorded at upload")
        if digest.hexdigest() != version.sha256:
            return Archived(version, path, "its stored bytes do not match the SHA-256 recorded at upload")
        copy.seek(0)
        info = zipfile.ZipInfo(path, date_time=_zip_time(version))
        info.compress_type = zipfile.ZIP_STORED if version.file_kind in STORED_KINDS else zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as entry:
            while chunk := copy.read(CHUNK):
                entry.write(chunk)
    return Archived(version, path, None)


def _zip_time(version: DocumentVersion) -> tuple[int, int, int, int, int, int]:
    moment = version.uploaded_at
    return (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)


def _manifest(reader: User, archived: list[Archived]) -> bytes:
    """manifest.csv: a row per document version, in the ZIP or left out with the reason. The title is masked
    for a reader who may not see real names, as the documents list masks it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(MANIFEST_HEADINGS)
    for item in archived:
        document = item.version.document
        writer.writerow(_text_cells([
            None if item.left_out else item.path, document.review.reference, document.review.partnership_reference,
            masked_for(reader, document.review, document.title), document.document_type.label, item.version.number,
            document.marking.label, item.version.uploaded_at.replace(tzinfo=None).isoformat(timespec="seconds"),
            item.version.size_bytes, item.version.sha256, item.left_out]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _text_cells(row: list[Any]) -> list[Any]:
    # A cell starting with one of these would run as a formula in a spreadsheet.
    return [f"'{c}" if isinstance(c, str) and c.startswith(("=", "+", "-", "@")) else c for c in row]


def safe_part(text: str) -> str:
    """A name fit for a folder or file in the ZIP (and a download's name): letters, digits, - and _."""
    return re.sub(r"[^A-Za-z0-9_-]", "", text)

"""What an uploaded file really is, judged by its content, never by its name or declared type.

A small sniffer on the standard library rather than a dependency: the magic-number libraries on
offer (filetype, puremagic) guess DOCX/XLSX/ODT from strings near the start of the zip, while the
zip's own directory answers exactly, and neither says whether a file is UTF-8 text.
"""

from __future__ import annotations

import codecs
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FileKind:
    name: str  # pdf, docx, odt, xlsx, csv, txt
    label: str
    content_type: str
    extensions: tuple[str, ...]


PDF = FileKind("pdf", "PDF", "application/pdf", (".pdf",))
DOCX = FileKind("docx", "Word document (DOCX)",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",))
ODT = FileKind("odt", "OpenDocument text (ODT)", "application/vnd.oasis.opendocument.text", (".odt",))
XLSX = FileKind("xlsx", "Excel spreadsheet (XLSX)",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",))
CSV = FileKind("csv", "CSV", "text/csv; charset=utf-8", (".csv",))
TXT = FileKind("txt", "Plain text", "text/plain; charset=utf-8", (".txt",))
KINDS = {kind.name: kind for kind in (PDF, DOCX, ODT, XLSX, CSV, TXT)}

ACCEPTED = "a PDF, Word (DOCX), OpenDocument text (ODT), Excel (XLSX), CSV or plain text (TXT) file"

# The starts of programs and scripts: named as such in the refusal, whatever the file is called.
PROGRAM_SIGNATURES = (
    b"MZ",  # Windows executables and DLLs
    b"\x7fELF",  # Linux executables
    b"\xca\xfe\xba\xbe", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",  # macOS
    b"#!",  # scripts
)
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


class NotAcceptedKind(ValueError):
    """The content is not one of the accepted kinds; `str()` says why, for the upload form."""


def detect(path: Path, filename: str) -> FileKind:
    """The kind of the file at `path`. `filename` only chooses between CSV and plain text, both UTF-8 text."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if not head:
        raise NotAcceptedKind("The selected file is empty")
    if head.startswith(PROGRAM_SIGNATURES):
        raise NotAcceptedKind(f"The selected file is a program, not a document. Upload {ACCEPTED}")
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(path)
    if _is_utf8_text(path):
        return CSV if filename.lower().endswith(".csv") else TXT
    raise NotAcceptedKind(f"The selected file must be {ACCEPTED}")


def _office_kind(path: Path) -> FileKind:
    """DOCX, XLSX or ODT, from the names in the zip's directory (no member is unpacked but ODT's tiny mimetype)."""
    refusal = NotAcceptedKind(f"The selected file is a zip archive, not a document. Upload {ACCEPTED}")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            names = [m.filename for m in members]
            if names and names[0] == "mimetype" and members[0].file_size <= 100:
                if archive.read("mimetype").strip() == ODT_MIMETYPE:
                    return ODT
                raise refusal
            if "[Content_Types].xml" in names:
                if any(n.startswith("word/") for n in names):
                    return DOCX
                if any(n.startswith("xl/") for n in names):
                    return XLSX
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError):
        raise NotAcceptedKind(f"The selected file is damaged or not {ACCEPTED}") from None
    raise refusal


def _is_utf8_text(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        while chunk := handle.read(64 * 1024):
            if b"\x00" in chunk:
                return False
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True

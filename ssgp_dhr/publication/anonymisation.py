"""The anonymisation check: is any real name, date of birth or address recorded on a review in
what is about to go public: a text shown on the public page or in the feed, a published file's
name, or a document's words, metadata, comments, tracked changes, headers, footers or alt text?

Self-contained: the inputs are `Candidate(label, file_name, content, public_name)` documents and
`(label, text)` public texts, with the `RecordedValue(field, value)`s to look for; the output a list
of `Finding(document, page, field, variant, part)`. A finding names where it is and the *key* of the
recorded value that matched (victim_name, perpetrator_name, family_contact:12, victim_date_of_birth,
victim_address), never the matched text, so it can be shown to anyone who may see the review.

What counts as a match (case- and accent-insensitive, whitespace and line breaks between words
ignored, a word hyphenated across a line break joined, curly apostrophes treated as straight ones):
- a recorded name in full ("Victoria Jane Realname", "Anne-Marie Smith-Jones"), or any whole part
  of it alone ("Realname", "Smith", "Jones"), followed or not by a possessive or plural
  ("Realname's", "Realnames'"), never inside another word ("Scott" is not in "Scottish"). Every
  part counts, common words too: "Smith" alone may be someone else, and a person decides that
  (a finding can be accepted as a false positive by a recorded decision), not the matcher. Parts
  of one letter, particles ("de", "van") and the words of the review's pseudonym are not looked
  for alone;
- a date of birth in the usual UK forms: 3/7/1980, 03/07/1980, 03.07.80, 3-7-1980, 1980-07-03,
  3 July 1980, 3rd Jul 1980, July 3, 1980;
- an address's first line (house number and street, as recorded before the first comma or line
  break) and its postcode, with or without the space ("GL1 2AB", "gl12ab").

A document with no extractable text (a scanned image), encrypted, or in a format that cannot be read
is itself a finding, with the reason: nobody can say it is clean, so it blocks too.
"""


from __future__ import annotations

import functools
import html
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from xml.etree import ElementTree

from ssgp_dhr.cases.names import COMMON_WORDS, fold, name_parts, searched_parts

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})\b", re.IGNORECASE)
# An encrypted Word, Excel or OpenDocument file is an OLE compound file, not a zip.
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class UnreadableDocument(Exception):
    """The file's text could not be extracted."""


@dataclass(frozen=True)
class Candidate:
    """One document to be published: what it is called on the case, the name it was uploaded
    under, its bytes, and the name the public downloads it under."""

    label: str
    file_name: str
    content: bytes
    public_name: str | None = None


@dataclass(frozen=True)
class RecordedValue:
    """A restricted value recorded on the review: `field` is its key (victim_name, family_contact:12...)."""

    field: str
    value: str | date


@dataclass(frozen=True)
class Finding:
    """Where a recorded value appears: the document's (or public text's) label, the page (1-based;
    None where pages do not apply), the part (text, headers and footers, document properties,
    comments, tracked changes, alt text, file name) and the key of the recorded value (None for a
    document that could not be read, `variant` then saying why)."""

    document: str
    page: int | None
    field: str | None
    variant: str
    part: str = "text"

    def as_dict(self) -> dict[str, object]:
        return {"document": self.document, "page": self.page, "field": self.field, "variant": self.variant,
                "part": self.part}


# --- Text extraction --------------------------------------------------------------------------

Page = tuple[int | None, str]  # (page number, or None for headers and footers; the page's text)


# Unpacked size read from any one member of a DOCX, ODT or XLSX: a zip bomb is refused, not unpacked.
ZIP_MEMBER_LIMIT = 50 * 1024 * 1024
TEXT_KINDS = ("pdf", "docx", "odt", "xlsx", "csv", "txt")


def kind_of(file_name: str, content: bytes) -> str:
    """The kind the text is read as: a PDF by its magic bytes, the others by the name's extension
    (stored documents end in the extension of what their content was judged to be)."""
    if content.startswith(b"%PDF"):
        return "pdf"
    suffix = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    return {"text": "txt", "md": "txt"}.get(suffix, suffix)


def extract_pages(file_name: str, content: bytes, kind: str | None = None) -> list[Page]:
    """The text of each page: THE text extraction for every document the tracker reads.

    A PDF page by page; a DOCX split at explicit page breaks (Word lays pages out only when it
    renders), its headers and footers as page None; an ODT or XLSX as one page, one paragraph or
    cell per line; a TXT or CSV as it is, split at form feeds. `kind` overrides the guess from the
    name (pdf, docx, odt, xlsx, csv, txt).
    """
    kind = kind or kind_of(file_name, content)
    try:
        if kind == "pdf":
            return _pdf_pages(content)
        if kind in ("docx", "odt", "xlsx"):
            _refuse_zip_bombs(content)
        if kind == "docx":
            return _docx_pages(content)
        if kind in _ZIP_TEXT_PARTS:
            return [(1, "\n".join(_zip_lines(content, *_ZIP_TEXT_PARTS[kind])))]
        if kind in ("txt", "csv"):
            return _numbered(content.decode("utf-8-sig", errors="replace").split("\f"))
    except UnreadableDocument:
        raise
    except Exception as error:  # a damaged file: the check reports it rather than failing
        raise UnreadableDocument(f"the file is damaged ({type(error).__name__})") from error
    raise UnreadableDocument("its format cannot be read")


def _refuse_zip_bombs(content: bytes) -> None:
    if content.startswith(_OLE):
        raise UnreadableDocument("it is encrypted (protected with a password)")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        if any(info.file_size > ZIP_MEMBER_LIMIT for info in archive.infolist()):
            raise UnreadableDocument("a part of the file is too large to read")


def _pdf_reader(content: bytes):  # noqa: ANN202 - pypdf is imported only when a PDF is read
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    if reader.is_encrypted:
        raise UnreadableDocument("it is encrypted (protected with a password)")
    return reader


def _pdf_pages(content: bytes) -> list[Page]:
    return _numbered(page.extract_text() or "" for page in _pdf_reader(content).pages)


def _numbered(texts: Iterable[str]) -> list[Page]:
    return list(enumerate(texts, start=1))


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx_pages(content: bytes) -> list[Page]:
    """Pages as Word's explicit page breaks divide them; headers, footers, footnotes, endnotes and
    comments together as page None. A DOCX python-docx cannot open (some producers leave out parts
    Word does without) is read from its XML as one page rather than refused."""
    import docx

    try:
        document = docx.Document(io.BytesIO(content))
    except Exception:
        return [(1, "\n".join(_zip_lines(content, *_ZIP_TEXT_PARTS["docx"])))]
    pages: list[list[str]] = [[]]
    for element in document.element.body.iter():
        if element.tag == f"{_W}t" and element.text:
            pages[-1].append(element.text)
        elif element.tag == f"{_W}tab":
            pages[-1].append(" ")
        elif element.tag == f"{_W}br" and element.get(f"{_W}type") == "page":
            pages.append([])
        elif element.tag == f"{_W}p":
            pages[-1].append("\n")
    numbered: list[Page] = _numbered("".join(parts) for parts in pages)
    # Every header and footer part, linked to a section or not: an unused one still travels with the file.
    margins = _zip_lines(content, *_DOCX_MARGINS)
    if any(m.strip() for m in margins):
        numbered.append((None, "\n".join(margins)))
    return numbered


# For the zip-based kinds read as one page: the members holding the words, and the elements that
# are one line each.
_ZIP_TEXT_PARTS = {
    "docx": (re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml"), {"p"}),
    "odt": (re.compile(r"content\.xml"), {"p", "h"}),
    "xlsx": (re.compile(r"xl/(sharedStrings|worksheets/sheet\d+)\.xml"), {"si", "is"}),
}
_DOCX_MARGINS = (re.compile(r"word/(header\d*|footer\d*|footnotes|endnotes|comments)\.xml"), {"p"})


def _zip_lines(content: bytes, members: re.Pattern[str], line_tags: set[str]) -> list[str]:
    lines: list[str] = []
    for root in _zip_roots(content, members):
        for element in root.iter():
            if _local(element.tag) in line_tags:
                text = "".join(element.itertext()).strip()
                if text:
                    lines.append(text)
    return lines


def _zip_roots(content: bytes, members: re.Pattern[str]) -> list[ElementTree.Element]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        # ElementTree neither fetches external entities nor expands nested ones.
        return [ElementTree.fromstring(archive.read(info))  # noqa: S314
                for info in archive.infolist() if members.fullmatch(info.filename)]


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


# --- What a document carries besides its pages ------------------------------------------------

# (part, members, elements whose text counts, attributes whose values count) for each zip kind.
_PROPERTIES = re.compile(r"docProps/(core|app|custom)\.xml")
_HIDDEN_PARTS = {
    "docx": (
        ("document properties", _PROPERTIES, "*", ()),
        ("comments", re.compile(r"word/comments(Extended|Extensible|Ids)?\.xml"), "*", ("author", "initials")),
        # Deleted text is kept in the file until the change is accepted; each change names its author.
        ("tracked changes", re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml"),
         {"delText", "delInstrText"}, ("author",)),
        ("alt text", re.compile(r"word/[^/]+\.xml"), (), ("descr", "title")),
        ("people", re.compile(r"word/people\.xml"), (), ("author", "userId")),
    ),
    "xlsx": (
        ("document properties", _PROPERTIES, "*", ()),
        ("comments", re.compile(r"xl/(comments\d*|threadedComments/[^/]+|persons/[^/]+)\.xml"), "*",
         ("displayName", "author")),
        ("sheet names", re.compile(r"xl/workbook\.xml"), (), ("name",)),
        ("alt text", re.compile(r"xl/drawings/[^/]+\.xml"), (), ("descr", "title")),
    ),
    "odt": (
        ("document properties", re.compile(r"meta\.xml"), "*", ("name",)),
        ("headers and footers", re.compile(r"styles\.xml"), {"p", "h"}, ()),
        ("comments", re.compile(r"content\.xml"), {"annotation"}, ()),
        ("tracked changes", re.compile(r"content\.xml"), {"changed-region"}, ()),
        ("alt text", re.compile(r"(content|styles)\.xml"), {"title", "desc"}, ("name",)),
    ),
}


def hidden_parts(file_name: str, content: bytes, kind: str | None = None) -> list[tuple[str, str]]:
    """(part, text) of what a document carries besides its pages: its properties (PDF document
    information and XMP; DOCX, XLSX and ODT core, app and custom properties), comments and their
    authors, tracked changes (deleted text and authors), alt text, sheet names, PDF bookmarks and
    annotations. Raises UnreadableDocument as extract_pages does."""
    kind = kind or kind_of(file_name, content)
    try:
        if kind == "pdf":
            return _pdf_hidden(content)
        if kind in _HIDDEN_PARTS:
            _refuse_zip_bombs(content)
            return _zip_hidden(content, _HIDDEN_PARTS[kind])
    except UnreadableDocument:
        raise
    except Exception as error:
        raise UnreadableDocument(f"the file is damaged ({type(error).__name__})") from error
    return []


def _zip_hidden(content: bytes, parts: Sequence[tuple[str, re.Pattern[str], object, Sequence[str]]]
                ) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for part, members, tags, attributes in parts:
        lines = []
        for root in _zip_roots(content, members):
            for element in root.iter():
                if tags == "*" or _local(element.tag) in tags:  # type: ignore[operator]
                    lines.append(" ".join(t.strip() for t in element.itertext() if t.strip()) if tags != "*"
                                 else (element.text or "").strip())
                lines += [value for name, value in element.attrib.items() if _local(name) in attributes]
        text = "\n".join(line for line in lines if line)
        if text.strip():
            found.append((part, text))
    return found


def _pdf_hidden(content: bytes) -> list[tuple[str, str]]:
    reader = _pdf_reader(content)
    found = []
    info = reader.metadata or {}
    found.append(("document properties", "\n".join(str(v) for v in info.values() if v)))
    metadata = reader.trailer["/Root"].get("/Metadata")
    if metadata is not None:
        found.append(("XMP metadata", _markup_words(metadata.get_object().get_data().decode("utf-8", "replace"))))
    found.append(("bookmarks", "\n".join(_outline_titles(reader.outline))))
    notes = []
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            notes += [str(annotation[k]) for k in ("/Contents", "/T", "/Subj") if annotation.get(k)]
    found.append(("comments", "\n".join(notes)))
    return [(part, text) for part, text in found if text.strip()]


def _markup_words(xml: str) -> str:
    """The words of XML that may not parse (an XMP packet missing a namespace): its text between the
    tags and the values of its attributes, where XMP may keep a property (dc:title="...")."""
    values = [a or b for a, b in re.findall(r"=\s*(?:\"([^\"]*)\"|'([^']*)')", xml)]
    return html.unescape(re.sub(r"<[^>]*>", " ", xml) + "\n" + "\n".join(values))


def _outline_titles(outline: list) -> list[str]:
    titles = []
    for item in outline:
        if isinstance(item, list):
            titles += _outline_titles(item)
        elif getattr(item, "title", None):
            titles.append(str(item.title))
    return titles


# --- Matching ---------------------------------------------------------------------------------

def _normalise(text: str) -> str:
    text = fold(text)
    text = re.sub(r"-\s*\n\s*(?=\w)", "", text)  # a word hyphenated across a line break
    return re.sub(r"\s+", " ", text)


def _words(phrase: str) -> list[str]:
    return [w for w in re.split(r"[\s,]+", fold(phrase)) if w]


def _phrase(words: Sequence[str], between: str = r"\s+") -> str:
    return between.join(re.escape(w) for w in words)


# A possessive or plural may follow a name; nothing else that makes a longer word may.
_END = r"(?:'s|s'|'|s)?(?![\w])"
_START = r"(?<![\w])"


@functools.lru_cache(maxsize=1024)  # pure: a review's names are looked for again with each of its public texts
def name_patterns(name: str, pseudonym: str | None = None) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(variant, pattern) for a recorded name; see the module's docstring for the rule."""
    parts = name_parts(re.sub(r"\(.*?\)", " ", name))
    if not parts:
        return ()
    searched = set(searched_parts(name, pseudonym))
    patterns = [("full name", _phrase(parts, r"[\s\-]+"))]
    for n, part in enumerate(parts):
        if part not in searched:
            continue
        variant = "surname" if n == len(parts) - 1 and len(parts) > 1 else "first name" if n == 0 else "part of the name"
        if part in COMMON_WORDS:
            variant += " (also a common word: it may be someone or something else)"
        patterns.append((variant, re.escape(part)))
    return tuple((variant, re.compile(_START + body + _END)) for variant, body in patterns)


def date_patterns(day: date) -> list[tuple[str, re.Pattern[str]]]:
    d, m, y = day.day, day.month, day.year
    numeric_day, numeric_month = rf"0?{d}", rf"0?{m}"
    year = rf"(?:{y}|{y % 100:02d})"
    month = _MONTHS[m - 1]
    month_word = rf"(?:{month}|{month[:3]}\.?{'|sept' if m == 9 else ''})"
    ordinal = rf"{d}(?:st|nd|rd|th)?"
    bodies = [
        rf"{numeric_day}\s*[/.\-]\s*{numeric_month}\s*[/.\-]\s*{year}",
        rf"{y}-{m:02d}-{d:02d}",
        rf"{ordinal}\s+(?:of\s+)?{month_word},?\s+{y}",
        rf"{month_word}\s+{ordinal},?\s+{y}",
    ]
    return [("date of birth", re.compile(rf"(?<![\w/.\-]){b}(?![\w/])")) for b in bodies]


def address_patterns(address: str) -> list[tuple[str, re.Pattern[str]]]:
    patterns = []
    first_line = re.split(r"[,\n]", address.strip(), maxsplit=1)[0].strip()
    if first_line and not _POSTCODE.fullmatch(first_line):
        patterns.append(("first line of the address", re.compile(_START + _phrase(_words(first_line)) + r"(?![\w])")))
    postcode = _POSTCODE.search(address)
    if postcode:
        outward, inward = (p.casefold() for p in postcode.groups())
        patterns.append(("postcode", re.compile(rf"{_START}{re.escape(outward)}\s*{re.escape(inward)}(?![\w])")))
    return patterns


Compiled = list[tuple[str, str, re.Pattern[str]]]


def patterns_for(values: Iterable[RecordedValue], pseudonym: str | None = None) -> Compiled:
    """(field, variant, pattern) for every recorded value."""
    out = []
    for recorded in values:
        if isinstance(recorded.value, date):
            found = date_patterns(recorded.value)
        elif recorded.field.endswith("address"):
            found = address_patterns(recorded.value)
        else:
            found = name_patterns(recorded.value, pseudonym)
        out.extend((recorded.field, variant, pattern) for variant, pattern in found)
    return out


def search(text: str, compiled: Compiled) -> list[tuple[str, str]]:
    """(field, variant) of each recorded value found in `text`: the first variant of each field."""
    normalised = _normalise(text)
    found: dict[str, str] = {}
    for field, variant, pattern in compiled:
        if field not in found and pattern.search(normalised):
            found[field] = variant
    return list(found.items())


def check_texts(texts: Iterable[tuple[str, str | None]], values: Iterable[RecordedValue],
                pseudonym: str | None = None) -> list[Finding]:
    """Every place a recorded value appears in the (label, text) public texts."""
    compiled = patterns_for(values, pseudonym)
    return [Finding(label, None, field, variant)
            for label, text in texts if text for field, variant in search(text, compiled)]


def _document_findings(candidate: Candidate, compiled: Compiled) -> list[Finding]:
    findings = []
    names = [("uploaded file name", candidate.file_name)]
    if candidate.public_name:
        names.append(("public file name", candidate.public_name))
    for part, file_name in names:
        # A file name's words are joined by hyphens, underscores or dots: read them as spaces.
        words = re.sub(r"[_.+]+", " ", file_name)
        findings += [Finding(candidate.label, None, f, v, part) for f, v in search(words, compiled)]
    try:
        pages = extract_pages(candidate.file_name, candidate.content)
        hidden = hidden_parts(candidate.file_name, candidate.content)
    except UnreadableDocument as unreadable:
        return [*findings, Finding(candidate.label, None, None, f"the document cannot be read: {unreadable}", "whole document")]
    if not any(text.strip() for _, text in pages):
        findings.append(Finding(candidate.label, None, None, "no text found (a scanned image?): check it by hand",
                                "whole document"))
    for number, text in pages:
        part = "text" if number is not None else "headers, footers, notes or comments"
        findings += [Finding(candidate.label, number, f, v, part) for f, v in search(text, compiled)]
    for part, text in hidden:
        findings += [Finding(candidate.label, None, f, v, part) for f, v in search(text, compiled)]
    return findings


def check_documents(candidates: Iterable[Candidate], values: Iterable[RecordedValue],
                    pseudonym: str | None = None) -> list[Finding]:
    """Every place a recorded value appears in the candidates; an empty list means they are clean.

    One finding per document, page, part and field (the first variant found), so a name repeated on
    a page is reported once.
    """
    compiled = patterns_for(values, pseudonym)
    return [finding for candidate in candidates for finding in _document_findings(candidate, compiled)]

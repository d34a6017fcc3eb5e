"""The anonymisation check: is any real name, date of birth or address recorded on a review in the
text of a document about to be published?

Self-contained: the input is a list of `Candidate(label, file_name, content)`, the output a list of
`Finding(document, page, field, variant)`. A finding names the *recorded field* that matched
(victim_name, perpetrator_name, victim_date_of_birth, victim_address, or a family contact field),
never the matched text, so it can be shown to anyone who may see the review.

What counts as a match (case-insensitive, whitespace and line breaks between words ignored,
curly apostrophes treated as straight ones):
- a recorded name in full ("Victoria Jane Realname"), or its first and last words ("Victoria Realname");
- initials with the surname: "V. Realname", "V Realname", "V.J. Realname", "VJ Realname";
- any of these followed by a possessive or plural: "Realname's", "Realnames'", "Realnames";
- the surname alone, or the first name alone, only when the word is *distinctive*: four letters or
  more and not in COMMON_WORDS (the most frequent UK surnames and given names that are ordinary
  English words). "Smith" alone would stop every report that quotes a Mr Smith from another agency;
  "J. Smith" and "John Smith" still block;
- a date of birth in the usual UK forms: 3/7/1980, 03/07/1980, 03.07.80, 3-7-1980, 1980-07-03,
  3 July 1980, 3rd Jul 1980, July 3, 1980;
- an address's first line (house number and street, as recorded before the first comma or line
  break) and its postcode, with or without the space ("GL1 2AB", "gl12ab").

A document with no extractable text (a scanned image) or in a format that cannot be read is itself
a finding: nobody can say it is clean, so it blocks too.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from xml.etree import ElementTree

# The most frequent surnames in England and Wales, and given names that are also ordinary words:
# on their own they are not evidence that the recorded person is named.
COMMON_WORDS = frozenset("""
smith jones williams taylor brown davies evans wilson thomas johnson roberts robinson thompson wright walker
white edwards hughes green hall lewis harris clarke patel jackson wood turner martin cooper hill ward morris
moore clark king baker harrison morgan allen james scott phillips watson davis parker price bennett young
griffiths mitchell kelly cook carter richardson bailey collins bell shaw murphy miller richards khan marshall
anderson simpson ellis adams singh begum wilkinson foster chapman powell webb rogers gray grey mason hunt
hussain campbell matthews owen palmer holmes mills barnes knight lloyd butler russell barker fisher stevens
jenkins murray dixon harvey long field page
grace hope faith rose mark will joy dawn june summer amber ruby pearl holly iris ivy lily daisy heather
victoria april august autumn bill frank jack ray rich sky robin hazel violet crystal angel skye
""".split())  # noqa: SIM905 - a word list reads better as text

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})\b", re.IGNORECASE)


class UnreadableDocument(Exception):
    """The file's text could not be extracted."""


@dataclass(frozen=True)
class Candidate:
    """One document to be published: what it is called on the case, its file name and its bytes."""

    label: str
    file_name: str
    content: bytes


@dataclass(frozen=True)
class RecordedValue:
    """A restricted value recorded on the review: `field` is the recorded field's name."""

    field: str
    value: str | date


@dataclass(frozen=True)
class Finding:
    """Where a recorded value appears: the document's label, the page (1-based; None for a header
    or footer, or for the whole document when it could not be read) and which recorded field."""

    document: str
    page: int | None
    field: str | None
    variant: str

    def as_dict(self) -> dict[str, object]:
        return {"document": self.document, "page": self.page, "field": self.field, "variant": self.variant}


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
        raise UnreadableDocument(f"{type(error).__name__}") from error
    raise UnreadableDocument("format not supported")


def _refuse_zip_bombs(content: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        if any(info.file_size > ZIP_MEMBER_LIMIT for info in archive.infolist()):
            raise UnreadableDocument("a part of the file is too large to read")


def _pdf_pages(content: bytes) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    if reader.is_encrypted:
        raise UnreadableDocument("encrypted")
    return _numbered(page.extract_text() or "" for page in reader.pages)


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
    margins = [
        p.text
        for section in document.sections
        for part in (section.header, section.footer, section.first_page_header, section.first_page_footer)
        if not part.is_linked_to_previous
        for p in part.paragraphs
    ]
    margins += _zip_lines(content, *_DOCX_NOTES)
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


_DOCX_NOTES = (re.compile(r"word/(footnotes|endnotes|comments)\.xml"), {"p"})


def _zip_lines(content: bytes, members: re.Pattern[str], line_tags: set[str]) -> list[str]:
    lines: list[str] = []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for info in archive.infolist():
            if not members.fullmatch(info.filename):
                continue
            # ElementTree neither fetches external entities nor expands nested ones.
            root = ElementTree.fromstring(archive.read(info))  # noqa: S314
            for element in root.iter():
                if element.tag.rsplit("}", 1)[-1] in line_tags:
                    text = "".join(element.itertext()).strip()
                    if text:
                        lines.append(text)
    return lines


# --- Matching ---------------------------------------------------------------------------------

def _normalise(text: str) -> str:
    text = text.translate(_APOSTROPHES).casefold()
    text = re.sub(r"-\n(?=\w)", "", text)  # a word hyphenated across a line break
    return re.sub(r"\s+", " ", text)


def _words(phrase: str) -> list[str]:
    return [w for w in re.split(r"[\s,]+", phrase.translate(_APOSTROPHES).casefold()) if w]


def _phrase(words: Sequence[str]) -> str:
    return r"\s+".join(re.escape(w) for w in words)


_END = r"(?:'s|s'|'|s)?(?![\w])"
_START = r"(?<![\w])"


def is_distinctive(word: str) -> bool:
    return len(word) >= 4 and word.casefold() not in COMMON_WORDS


def name_patterns(name: str, pseudonym: str | None = None) -> list[tuple[str, re.Pattern[str]]]:
    """(variant, pattern) for a recorded name; see the module's docstring for the rule."""
    words = [w.strip(".") for w in _words(re.sub(r"\(.*?\)", " ", name))]
    words = [w for w in words if w]
    if not words:
        return []
    safe = {w.casefold() for w in _words(pseudonym or "")}
    patterns = [("full name", _phrase(words))]
    if len(words) > 1:
        surname, given = words[-1], words[:-1]
        if len(words) > 2:
            patterns.append(("first name and surname", _phrase([words[0], surname])))
        initials = [g[0] for g in given]
        dotted = r"\.?\s*".join(re.escape(i) for i in initials)
        patterns.append(("initials and surname", rf"{dotted}\.?\s*{re.escape(surname)}"))
        if initials[0] != dotted:
            patterns.append(("initial and surname", rf"{re.escape(initials[0])}\.?\s*{re.escape(surname)}"))
        for variant, word in (("surname", surname), ("first name", words[0])):
            if is_distinctive(word) and word not in safe:
                patterns.append((variant, re.escape(word)))
    return [(variant, re.compile(_START + body + _END)) for variant, body in patterns]


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


def patterns_for(values: Iterable[RecordedValue], pseudonym: str | None = None) -> list[tuple[str, str, re.Pattern[str]]]:
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


def check_documents(candidates: Iterable[Candidate], values: Iterable[RecordedValue],
                    pseudonym: str | None = None) -> list[Finding]:
    """Every place a recorded value appears in the candidates; an empty list means they are clean.

    One finding per document, page and field (the first variant found), so a name repeated on a
    page is reported once.
    """
    compiled = patterns_for(values, pseudonym)
    findings: list[Finding] = []
    for candidate in candidates:
        try:
            pages = extract_pages(candidate.file_name, candidate.content)
        except UnreadableDocument:
            findings.append(Finding(candidate.label, None, None, "the text could not be read"))
            continue
        if not any(text.strip() for _, text in pages):
            findings.append(Finding(candidate.label, None, None, "no text found (a scanned image?): check it by hand"))
            continue
        for number, text in pages:
            normalised = _normalise(text)
            seen: set[str] = set()
            for field, variant, pattern in compiled:
                if field not in seen and pattern.search(normalised):
                    seen.add(field)
                    findings.append(Finding(candidate.label, number, field, variant))
    return findings


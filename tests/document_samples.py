"""Small files of each kind, made here, for the document tests (every word in them is invented)."""

from __future__ import annotations

import io
import zipfile

PDF = b"%PDF-1.4\n% fictional test file\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
TEXT = b"Chronology of agency contact (fictional).\n2024-01-02: GP appointment.\n"
CSV = b"Date,Agency,Contact\r\n2024-01-02,GP,Appointment\r\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 50
NOT_UTF8 = "Café".encode("latin-1") + b" \xff\xfe"


def _zip(members: list[tuple[str, bytes]], stored_first: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, (name, content) in enumerate(members):
            kind = zipfile.ZIP_STORED if stored_first and n == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(name, content, compress_type=kind)
    return out.getvalue()


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCX = _zip([
    ("[Content_Types].xml", b"<Types xmlns='http://schemas.openxmlformats.org/package/2006/content-types'/>"),
    ("word/document.xml", f"<w:document xmlns:w='{W}'><w:body>"
                          "<w:p><w:r><w:t>Overview report</w:t></w:r></w:p>"
                          "<w:p><w:r><w:t xml:space='preserve'>Scott was </w:t></w:r>"
                          "<w:r><w:t>known to services.</w:t></w:r></w:p>"
                          "</w:body></w:document>".encode()),
])
XLSX = _zip([
    ("[Content_Types].xml", b"<Types xmlns='http://schemas.openxmlformats.org/package/2006/content-types'/>"),
    ("xl/workbook.xml", b"<workbook/>"),
    ("xl/sharedStrings.xml", b"<sst xmlns='http://schemas.openxmlformats.org/spreadsheetml/2006/main'>"
                             b"<si><t>Recommendation</t></si><si><t>Share risk information</t></si></sst>"),
])
ODT = _zip([
    ("mimetype", b"application/vnd.oasis.opendocument.text"),
    ("content.xml", b"<office:document-content xmlns:office='urn:oasis:names:tc:opendocument:xmlns:office:1.0' "
                    b"xmlns:text='urn:oasis:names:tc:opendocument:xmlns:text:1.0'><office:body><office:text>"
                    b"<text:h>Minutes</text:h><text:p>Panel met <text:span>on Monday</text:span>.</text:p>"
                    b"</office:text></office:body></office:document-content>"),
], stored_first=True)
OTHER_ZIP = _zip([("readme.txt", b"not a document")])
ODS = _zip([("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"), ("content.xml", b"<x/>")],
           stored_first=True)


# --- Documents with words in the places a reader does not see: for the anonymisation check --------

def pdf(*pages: str, title: str | None = None, author: str | None = None, xmp: str | None = None) -> bytes:
    """A PDF with these pages' text, and the document information and XMP metadata given."""
    from fpdf import FPDF

    document = FPDF()
    document.set_font("helvetica", size=12)
    if title:
        document.set_title(title)
    if author:
        document.set_author(author)
    if xmp:
        document.set_xmp_metadata(
            "<rdf:Description rdf:about='' xmlns:dc='http://purl.org/dc/elements/1.1/'>"
            f"<dc:description>{xmp}</dc:description></rdf:Description>")
    for text in pages or ("",):
        document.add_page()
        document.multi_cell(0, 10, text)
    return bytes(document.output())


def encrypted_pdf(text: str) -> bytes:
    import io as _io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(_io.BytesIO(pdf(text))))
    writer.encrypt("a password", algorithm="AES-128")
    out = _io.BytesIO()
    writer.write(out)
    return out.getvalue()


# What Word writes for a password-protected document: an OLE compound file holding the encrypted package.
ENCRYPTED_DOCX = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def docx(body: str = "The report.", *, header: str | None = None, footer: str | None = None,
         comment: str | None = None, comment_author: str = "Reviewer", author: str | None = None,
         title: str | None = None) -> bytes:
    """A DOCX made with python-docx: its text, a header, a footer, a comment and core properties."""
    import docx as python_docx

    document = python_docx.Document()
    paragraph = document.add_paragraph(body)
    if header:
        document.sections[0].header.paragraphs[0].text = header
    if footer:
        document.sections[0].footer.paragraphs[0].text = footer
    if comment:
        document.add_comment(paragraph.runs, text=comment, author=comment_author, initials="R")
    if author:
        document.core_properties.author = author
    if title:
        document.core_properties.title = title
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_body(body_xml: str) -> bytes:
    """A DOCX whose body is this WordprocessingML (tracked changes, drawings with alt text)."""
    return _zip([
        ("[Content_Types].xml", b"<Types xmlns='http://schemas.openxmlformats.org/package/2006/content-types'/>"),
        ("word/document.xml", f"<w:document xmlns:w='{W}' "
                              "xmlns:wp='http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing'>"
                              f"<w:body>{body_xml}</w:body></w:document>".encode()),
    ])


ODF_NS = ("xmlns:office='urn:oasis:names:tc:opendocument:xmlns:office:1.0' "
          "xmlns:text='urn:oasis:names:tc:opendocument:xmlns:text:1.0' "
          "xmlns:style='urn:oasis:names:tc:opendocument:xmlns:style:1.0' "
          "xmlns:draw='urn:oasis:names:tc:opendocument:xmlns:drawing:1.0' "
          "xmlns:svg='urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0' "
          "xmlns:dc='http://purl.org/dc/elements/1.1/' "
          "xmlns:meta='urn:oasis:names:tc:opendocument:xmlns:meta:1.0'")


def odt(body_xml: str = "<text:p>The report.</text:p>", *, meta_xml: str = "", styles_xml: str = "") -> bytes:
    """An ODT with this content, meta.xml properties and styles.xml (where its headers and footers are)."""
    members = [
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("content.xml", f"<office:document-content {ODF_NS}><office:body><office:text>{body_xml}"
                        "</office:text></office:body></office:document-content>".encode()),
        ("meta.xml", f"<office:document-meta {ODF_NS}><office:meta>{meta_xml}</office:meta></office:document-meta>".encode()),
        ("styles.xml", f"<office:document-styles {ODF_NS}><office:master-styles>{styles_xml}"
                       "</office:master-styles></office:document-styles>".encode()),
    ]
    return _zip(members, stored_first=True)


def xlsx(cells: tuple[str, ...] = ("Recommendation",), *, creator: str | None = None, comment: str | None = None) -> bytes:
    """An XLSX with these shared strings, a creator in its core properties and a cell comment."""
    strings = "".join(f"<si><t>{c}</t></si>" for c in cells)
    members = [
        ("[Content_Types].xml", b"<Types xmlns='http://schemas.openxmlformats.org/package/2006/content-types'/>"),
        ("xl/workbook.xml", b"<workbook xmlns='http://schemas.openxmlformats.org/spreadsheetml/2006/main'>"
                            b"<sheets><sheet name='Action plan' sheetId='1'/></sheets></workbook>"),
        ("xl/sharedStrings.xml", f"<sst xmlns='http://schemas.openxmlformats.org/spreadsheetml/2006/main'>{strings}</sst>".encode()),
    ]
    if creator:
        members.append(("docProps/core.xml", "<cp:coreProperties xmlns:cp='http://schemas.openxmlformats.org/package/2006/"
                        "metadata/core-properties' xmlns:dc='http://purl.org/dc/elements/1.1/'>"
                        f"<dc:creator>{creator}</dc:creator></cp:coreProperties>".encode()))
    if comment:
        members.append(("xl/comments1.xml", "<comments xmlns='http://schemas.openxmlformats.org/spreadsheetml/2006/"
                        f"main'><commentList><comment ref='A1'><text><t>{comment}</t></text></comment>"
                        "</commentList></comments>".encode()))
    return _zip(members)

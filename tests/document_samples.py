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

"""The document store: files outside the web root, under names the server makes.

An upload is written to a temporary file in the store's own directory, checked, flushed to disk
(fsync) and only then renamed to its final name, so a reader never sees half a file and a crash
leaves at most a temporary file that no row points to. The caller commits the row afterwards and
calls remove() if that fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from flask import current_app

from ssgp_dhr.documents import file_kinds
from ssgp_dhr.documents.file_kinds import FileKind

CHUNK = 64 * 1024
TEMPORARY_PREFIX = ".upload-"
MAX_FILENAME_LENGTH = 150
# Characters Windows refuses in names, and quotes that would end a header's quoted string.
_UNSAFE_CHARACTERS = re.compile(r'[<>:"/\\|?*;]')


class FileRefused(ValueError):
    """The upload is not accepted; `str()` is the sentence for the upload form."""


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    size_bytes: int
    sha256: str
    kind: FileKind
    filename: str  # safe, and ending in the extension of the kind the content is


def store_directory() -> Path:
    directory = Path(current_app.config["DOCUMENT_STORE_PATH"])
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


def path_of(stored_name: str) -> Path:
    # Stored names are hex made by save(); refuse anything else rather than join it to a path.
    if not re.fullmatch(r"[0-9a-f]{64}", stored_name):
        raise ValueError("not a stored document name")
    return store_directory() / stored_name


def max_bytes() -> int:
    return current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024


def too_large_message() -> str:
    return f"The selected file must be smaller than {current_app.config['MAX_UPLOAD_MB']}MB"


def save(stream: BinaryIO, filename: str) -> StoredFile:
    """Copy `stream` into the store, judge its content, and rename it to a new random name.

    Raises FileRefused for an empty, oversize or unaccepted file. On any failure, including the
    stream breaking part way, nothing is left in the store.
    """
    directory = store_directory()
    descriptor, temporary = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, dir=directory)
    temporary_path = Path(temporary)
    try:
        digest, size, limit = hashlib.sha256(), 0, max_bytes()
        with os.fdopen(descriptor, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise FileRefused(too_large_message())
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        safe_name = safe_filename(filename)
        try:
            kind = file_kinds.detect(temporary_path, safe_name)
        except file_kinds.NotAcceptedKind as refused:
            raise FileRefused(str(refused)) from None
        stored_name = secrets.token_hex(32)
        os.replace(temporary_path, directory / stored_name)
        _fsync_directory(directory)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary_path.unlink()
        raise
    return StoredFile(stored_name, size, digest.hexdigest(), kind, with_extension(safe_name, kind))


def remove(stored_name: str) -> None:
    """Remove a stored file whose row was not committed."""
    with contextlib.suppress(FileNotFoundError):
        path_of(stored_name).unlink()


def _fsync_directory(directory: Path) -> None:
    # The rename itself is durable only once the directory entry is on disk.
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --- File names -------------------------------------------------------------------------------

def safe_filename(name: str | None) -> str:
    """A readable file name that is safe to show and to send back in a download.

    Unlike werkzeug's secure_filename it keeps letters outside ASCII (a Welsh or Polish title stays
    readable). It takes the last part of any path (/ or \\), normalises to NFKC (full-width and
    compatibility characters become plain ones), drops control and formatting characters (bidi
    overrides that make "evil‮fdp.exe" look like "evilexe.pdf", zero-width spaces), replaces
    characters file systems refuse, and removes leading dots so it can be neither hidden nor "..".
    """
    name = unicodedata.normalize("NFKC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in ("C", "Z") or ch == " ")
    name = _UNSAFE_CHARACTERS.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    name = name.lstrip(".-_ ")
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) <= 10:
            name = stem[:MAX_FILENAME_LENGTH - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            name = name[:MAX_FILENAME_LENGTH].rstrip(" .")
    return name or "document"


def with_extension(name: str, kind: FileKind) -> str:
    """The name ending in the extension of what the file is, so it opens in the right program."""
    if name.lower().endswith(kind.extensions):
        return name
    return f"{name}{kind.extensions[0]}"


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the full name in RFC 5987 `filename*`."""
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r"[^A-Za-z0-9 ._()-]", "_", fallback)
    fallback = re.sub(r"\s+", " ", fallback).strip(" .") or "document"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"

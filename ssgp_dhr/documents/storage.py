"""The document store: files outside the web root, under names the server makes.

The bytes live in a local folder (the default) or in an S3-compatible object store
(DOCUMENT_STORE_URL=s3://bucket/prefix, see s3_store.py); everything else in the tracker reads and
writes through current_store(), so the two are interchangeable.

An upload is written to a temporary file first (in the folder itself, or a local spool for an object
store), checked, flushed to disk (fsync) and only then put under its final name: renamed into the
folder, or sent in one PUT whose SHA-256 the object store checks. A reader never sees half a file, and
a crash leaves at most a temporary file that no row points to. The caller commits the row afterwards
and calls remove() if that fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol
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


class StoredFileDamaged(OSError):
    """A stored file whose bytes no longer match the SHA-256 recorded when it was uploaded."""


class DocumentStore(Protocol):
    """Where the bytes of document versions live. Names are those save() makes (64 hex characters)."""

    description: str

    def spool(self) -> Path:
        """A local folder for an upload's temporary file while it is checked."""

    def put(self, temporary: Path, stored_name: str, sha256: str) -> None:
        """Keep the checked file at `temporary` under `stored_name`, whole or not at all."""

    def open(self, stored_name: str, sha256: str | None = None) -> BinaryIO:
        """The stored bytes for reading; FileNotFoundError if missing, StoredFileDamaged if they are
        known not to match `sha256`."""

    def exists(self, stored_name: str) -> bool: ...

    def delete(self, stored_name: str) -> None:
        """Remove the file; nothing happens if it is already gone."""

    def names(self) -> Iterator[str]:
        """Every stored name in the store (temporary files excluded)."""

    def sha256_of(self, stored_name: str) -> str:
        """The SHA-256 of the stored bytes, as hex."""


def sha256_of_stream(handle: BinaryIO) -> str:
    """The SHA-256 of everything left in `handle`, as hex, read a chunk at a time."""
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def checked_name(stored_name: str) -> str:
    # Stored names are hex made by save(); refuse anything else rather than join it to a path or key.
    if not re.fullmatch(r"[0-9a-f]{64}", stored_name):
        raise ValueError("not a stored document name")
    return stored_name


class FolderStore:
    """The local folder: the default, and what `make run` uses."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.description = f"the folder {directory}"

    def spool(self) -> Path:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self.directory  # the same file system, so the final rename is atomic

    def put(self, temporary: Path, stored_name: str, sha256: str) -> None:
        os.replace(temporary, self.path_of(stored_name))
        _fsync_directory(self.directory)

    def open(self, stored_name: str, sha256: str | None = None) -> BinaryIO:
        return self.path_of(stored_name).open("rb")

    def exists(self, stored_name: str) -> bool:
        return self.path_of(stored_name).is_file()

    def delete(self, stored_name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path_of(stored_name).unlink()

    def names(self) -> Iterator[str]:
        if self.directory.is_dir():
            yield from sorted(p.name for p in self.directory.iterdir() if re.fullmatch(r"[0-9a-f]{64}", p.name))

    def sha256_of(self, stored_name: str) -> str:
        with self.open(stored_name) as handle:
            return sha256_of_stream(handle)

    def path_of(self, stored_name: str) -> Path:
        return self.directory / checked_name(stored_name)


def current_store() -> DocumentStore:
    """The store the configuration names: an object store for DOCUMENT_STORE_URL=s3://..., else the folder."""
    url = current_app.config.get("DOCUMENT_STORE_URL") or ""
    if url.startswith("s3://"):
        from ssgp_dhr.documents.s3_store import store_for  # boto3 is loaded only when it is used

        return store_for(current_app)
    return FolderStore(Path(current_app.config["DOCUMENT_STORE_PATH"]))


def store_directory() -> Path:
    return FolderStore(Path(current_app.config["DOCUMENT_STORE_PATH"])).spool()


def path_of(stored_name: str) -> Path:
    """Where the folder store keeps `stored_name` (the folder store only)."""
    return FolderStore(Path(current_app.config["DOCUMENT_STORE_PATH"])).path_of(stored_name)


def max_bytes() -> int:
    return current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024


def too_large_message() -> str:
    return f"The selected file must be smaller than {current_app.config['MAX_UPLOAD_MB']}MB"


def save(stream: BinaryIO, filename: str) -> StoredFile:
    """Copy `stream` into the store, judge its content, and rename it to a new random name.

    Raises FileRefused for an empty, oversize or unaccepted file. On any failure, including the
    stream breaking part way, nothing is left in the store.
    """
    store = current_store()
    descriptor, temporary = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, dir=store.spool())
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
        store.put(temporary_path, stored_name, digest.hexdigest())
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary_path.unlink()
    return StoredFile(stored_name, size, digest.hexdigest(), kind, with_extension(safe_name, kind))


def remove(stored_name: str) -> None:
    """Remove a stored file whose row was not committed."""
    current_store().delete(stored_name)


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

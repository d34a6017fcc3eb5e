"""`dhr verify-store`: the document store against the database. Every version's file is there with the bytes
its SHA-256 says; files no row names are listed (a disposal that could not remove one, a stray copy); uploads
left half-written by a killed worker are removed (they are never served: the store opens stored names only).
It uses only the store's interface (storage.DocumentStore), so it checks the folder and an object store alike."""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import BinaryIO

import sqlalchemy as sa

from ssgp_dhr.documents.models import Document, DocumentVersion
from ssgp_dhr.documents.storage import TEMPORARY_PREFIX, DocumentStore, current_store
from ssgp_dhr.extensions import db

# An upload still being written is younger than this; a leftover one is older.
LEFTOVER_AFTER = timedelta(hours=1)
CHUNK = 1024 * 1024


@dataclass
class StoreCheck:
    checked: int = 0
    missing: list[str] = field(default_factory=list)  # "stored name (where it belongs)"
    altered: list[str] = field(default_factory=list)
    unnamed: list[str] = field(default_factory=list)  # stored names no version has
    temporaries_removed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.altered


def sha256_of(handle: BinaryIO) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def verify_store(store: DocumentStore | None = None, leftover_after: timedelta = LEFTOVER_AFTER) -> StoreCheck:
    """Check every version's file and hash, list the files no row names, and remove leftover temporary uploads."""
    store = store or current_store()
    check = StoreCheck()
    named = set()
    rows = db.session.execute(sa.select(DocumentVersion.stored_name, DocumentVersion.sha256, DocumentVersion.number,
                                        Document.id, Document.review_id)
                              .join(Document, Document.id == DocumentVersion.document_id).order_by(DocumentVersion.id))
    for stored_name, expected, number, document_id, review_id in rows:
        named.add(stored_name)
        check.checked += 1
        where = f"{stored_name} (document {document_id} version {number}, review id {review_id})"
        try:
            actual = store.sha256_of(stored_name)
        except FileNotFoundError:
            check.missing.append(where)
            continue
        if actual != expected:
            check.altered.append(where)
    check.unnamed = sorted(set(store.names()) - named)
    check.temporaries_removed = _remove_leftover_uploads(store, leftover_after)
    return check


def _remove_leftover_uploads(store: DocumentStore, leftover_after: timedelta) -> list[str]:
    folder, removed = store.spool(), []
    cutoff = time.time() - leftover_after.total_seconds()
    for entry in os.scandir(folder):
        if entry.name.startswith(TEMPORARY_PREFIX) and entry.is_file() and entry.stat().st_mtime < cutoff:
            os.unlink(entry.path)
            removed.append(entry.name)
    return sorted(removed)

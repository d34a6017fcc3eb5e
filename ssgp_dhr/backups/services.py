"""`dhr backup DEST` and `dhr restore SRC`.

A backup is a folder: the database as of one moment (SQLite's online backup API, which copies a consistent
snapshot while the service goes on writing; PostgreSQL's pg_dump in custom format, run in an exported
snapshot), every document version that snapshot names, copied from the store and checked against its SHA-256,
and manifest.json: the migration head, each version's SHA-256 and each review's history head, all read from
that same snapshot. A document is written to the store before its row commits, so every row of the snapshot
has its file; only a disposal committed after the snapshot can remove one first, and the backup then says so.

A restore goes into an empty database and an empty store only: it checks the backup against its manifest
before writing anything, restores the database, puts the documents, then checks the history chains, the
store and each review's history head against the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from alembic.migration import MigrationContext
from flask import current_app
from sqlalchemy.engine import URL, make_url

from ssgp_dhr import database, project_folder
from ssgp_dhr.documents.storage import TEMPORARY_PREFIX, checked_name, current_store
from ssgp_dhr.documents.verify import StoreCheck, sha256_of, verify_store
from ssgp_dhr.extensions import db

MANIFEST = "manifest.json"
DOCUMENTS = "documents"
SQLITE_FILE = "database.sqlite3"
POSTGRESQL_FILE = "database.pgdump"
FORMAT = 1


class BackupRefused(Exception):
    """Why the backup or restore cannot go ahead, or went wrong; str() is one sentence."""


@dataclass
class BackupReport:
    destination: Path
    documents: int = 0
    reviews: int = 0
    missing: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.altered


@dataclass
class RestoreReport:
    documents: int
    history_events: int
    history_break: str | None
    heads_differing: list[str]
    store: StoreCheck

    @property
    def ok(self) -> bool:
        return self.history_break is None and not self.heads_differing and self.store.ok and not self.store.unnamed


# --- Taking a backup ---------------------------------------------------------------------------

def take_backup(destination: Path) -> BackupReport:
    """Write a backup of the database and the documents to `destination`, a folder that is new or empty."""
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise BackupRefused(f"{destination} is not an empty folder: a backup goes into a new one")
    destination.mkdir(mode=0o700, parents=True, exist_ok=True)  # it holds everything the service holds
    (destination / DOCUMENTS).mkdir(mode=0o700, exist_ok=True)
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        database_file = destination / SQLITE_FILE
        _sqlite_snapshot(url, database_file)
        contents = _read_sqlite_contents(database_file)
    elif url.get_backend_name() == "postgresql":
        database_file = destination / POSTGRESQL_FILE
        contents = _postgresql_snapshot(database_file)
    else:
        raise BackupRefused(f"Backing up a {url.get_backend_name()} database is not supported")
    report = BackupReport(destination, reviews=len(contents["reviews"]))
    _copy_documents(contents["documents"], destination / DOCUMENTS, report)
    manifest = {
        "format": FORMAT,
        "taken_at": contents["taken_at"],
        "database": {"kind": url.get_backend_name(), "file": database_file.name, "sha256": _file_sha256(database_file)},
        "migration_head": contents["migration_head"],
        "documents": contents["documents"],
        "reviews": contents["reviews"],
        "missing": report.missing,
        "altered": report.altered,
    }
    (destination / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return report


def _sqlite_snapshot(url: URL, target: Path) -> None:
    source_path = database.sqlite_file(url)
    if source_path is None or not source_path.is_file():
        raise BackupRefused(f"There is no database file to back up at {url.database}")
    # The online backup API copies the pages in one step under a read transaction: a consistent snapshot,
    # while other connections go on writing (WAL).
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


def _read_sqlite_contents(database_file: Path) -> dict:
    engine = sa.create_engine(f"sqlite:///{database_file}", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return _contents(connection)
    finally:
        engine.dispose()


def _postgresql_snapshot(target: Path) -> dict:
    """pg_dump of the snapshot this transaction exported, and the manifest's contents read in the same snapshot."""
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection, connection.begin():
        snapshot = connection.scalar(sa.text("SELECT pg_export_snapshot()"))
        contents = _contents(connection)
        _run("pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target}", url=db.engine.url)
    return contents


def _contents(connection: sa.Connection) -> dict:
    versions = connection.execute(sa.text(
        "SELECT stored_name, sha256, size_bytes FROM document_versions ORDER BY id")).all()
    reviews = connection.execute(sa.text(
        "SELECT reference, event_count, event_head_hash FROM reviews ORDER BY id")).all()
    return {
        "taken_at": str(connection.scalar(sa.text("SELECT CURRENT_TIMESTAMP"))),
        "migration_head": MigrationContext.configure(connection).get_current_revision(),
        "documents": [{"stored_name": n, "sha256": h, "size_bytes": s} for n, h, s in versions],
        "reviews": [{"reference": r, "event_count": c, "history_head": h} for r, c, h in reviews],
    }


def _copy_documents(documents: list[dict], folder: Path, report: BackupReport) -> None:
    store = current_store()
    for document in documents:
        name = document["stored_name"]
        try:
            with store.open(name) as source, (folder / name).open("wb") as copy:
                digest = _copy_hashing(source, copy)
        except FileNotFoundError:
            report.missing.append(name)
            continue
        if digest != document["sha256"]:
            report.altered.append(name)
        report.documents += 1


def _copy_hashing(source, copy) -> str:  # noqa: ANN001 - binary files
    digest = hashlib.sha256()
    while chunk := source.read(1024 * 1024):
        digest.update(chunk)
        copy.write(chunk)
    copy.flush()
    os.fsync(copy.fileno())
    return digest.hexdigest()


def _is_stored_name(name: str) -> bool:
    try:
        checked_name(name)
    except ValueError:
        return False
    return True


def _file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return sha256_of(handle)[0]


# --- Restoring ---------------------------------------------------------------------------------

def restore_backup(source: Path) -> RestoreReport:
    """Restore the backup in `source` into the configured database and store, which must be empty; then check."""
    manifest = _checked_backup(source)
    _refuse_unless_empty()
    if manifest["database"]["kind"] == "sqlite":
        _restore_sqlite(source / manifest["database"]["file"])
    else:
        _restore_postgresql(source / manifest["database"]["file"])
    _put_documents(source / DOCUMENTS, manifest["documents"])
    return _checked_restore(manifest)


def _checked_backup(source: Path) -> dict:
    """The manifest, once the backup is whole: every file there with the SHA-256 the manifest gives, and the code
    at the backup's migration head."""
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupRefused(f"{source} holds no readable {MANIFEST}: it is not a backup") from None
    kind = db.engine.url.get_backend_name()
    if manifest.get("format") != FORMAT or manifest["database"]["kind"] != kind:
        raise BackupRefused(f"The backup is of a {manifest['database']['kind']} database; this service uses {kind}")
    head = database.code_head(str(project_folder("migrations")))
    if manifest["migration_head"] != head:
        raise BackupRefused(f"The backup is at migration {manifest['migration_head']}, this code at {head}: restore it "
                            "with the version of the service that took it, then upgrade")
    database_file = source / manifest["database"]["file"]
    if not database_file.is_file() or _file_sha256(database_file) != manifest["database"]["sha256"]:
        raise BackupRefused(f"{database_file} is missing or not the file the backup wrote: nothing was restored")
    for document in manifest["documents"]:
        name = document["stored_name"]
        if name in manifest.get("missing", []):
            continue
        path = source / DOCUMENTS / name
        if not _is_stored_name(name) or not path.is_file() or _file_sha256(path) != document["sha256"]:
            raise BackupRefused(f"Document file {name} is missing from the backup or altered: nothing was restored")
    return manifest


def _refuse_unless_empty() -> None:
    path = database.sqlite_file(db.engine.url)
    if path is None or path.is_file():
        with db.engine.connect() as connection:
            tables = sa.inspect(connection).get_table_names()
        if tables:
            raise BackupRefused(f"The database is not empty ({len(tables)} tables): a backup is restored into an "
                                "empty one only")
    if next(iter(current_store().names()), None) is not None:
        raise BackupRefused("The document store is not empty: a backup is restored into an empty one only")


def _restore_sqlite(backup_file: Path) -> None:
    target = database.sqlite_file(db.engine.url)
    if target is None:
        raise BackupRefused("An embedded database in memory cannot be restored into")
    db.engine.dispose()
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target, then renamed into place: a restore cut short leaves no half database.
    partial = target.with_name(f".{target.name}.restoring")
    source, copy = sqlite3.connect(backup_file), sqlite3.connect(partial)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    os.replace(partial, target)


def _restore_postgresql(backup_file: Path) -> None:
    from ssgp_dhr.database_roles import grant_to_service_role

    db.engine.dispose()
    # As the owner (MIGRATION_DATABASE_URL) where there is one; the service's role is then granted its privileges.
    owner = make_url(current_app.config.get("MIGRATION_DATABASE_URL") or db.engine.url)
    _run("pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", str(backup_file),
         url=owner)
    grant_to_service_role(current_app.config)


def _put_documents(folder: Path, documents: list[dict]) -> None:
    store = current_store()
    for document in documents:
        name = document["stored_name"]
        if not (folder / name).is_file():
            continue  # missing when the backup was taken, and listed in its manifest
        descriptor, temporary = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, dir=store.spool())
        os.close(descriptor)
        try:
            shutil.copyfile(folder / name, temporary)
            store.put(Path(temporary), name, document["sha256"])
        finally:
            Path(temporary).unlink(missing_ok=True)


def _checked_restore(manifest: dict) -> RestoreReport:
    from ssgp_dhr.cases.history import chain_breaks

    db.session.remove()
    checked, breaks = chain_breaks()
    heads = {r["reference"]: (r["event_count"], r["history_head"]) for r in manifest["reviews"]}
    restored = {reference: (count, head) for reference, count, head in db.session.execute(
        sa.text("SELECT reference, event_count, event_head_hash FROM reviews"))}
    differing = sorted(ref for ref in heads.keys() | restored.keys() if heads.get(ref) != restored.get(ref))
    return RestoreReport(documents=len(manifest["documents"]) - len(manifest.get("missing", [])),
                         history_events=checked, history_break=str(breaks[0]) if breaks else None,
                         heads_differing=differing, store=verify_store())


# --- The database's own tools ------------------------------------------------------------------

def _run(program: str, *arguments: str, url: URL) -> None:
    """Run pg_dump or pg_restore against `url`: the password in the environment, never in the arguments."""
    if shutil.which(program) is None:
        raise BackupRefused(f"{program} is not installed: install PostgreSQL's client tools of the server's version")
    address = make_url(url).set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    environment = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    result = subprocess.run([program, f"--dbname={address}", *arguments],  # noqa: S603 - our own arguments
                            env=environment, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        first = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[0]
        raise BackupRefused(f"{program} failed: {first}")

"""`dhr backup`, `dhr restore` and `dhr verify-store`: a backup taken while the service writes holds every write
acknowledged before it began, restores into an empty database and store only, and checks out whole."""

from __future__ import annotations

import io
import json
import os
import threading
import time

import pytest
import sqlalchemy as sa
from flask import Flask

from ssgp_dhr import create_app
from ssgp_dhr.accounts.models import User
from ssgp_dhr.backups.services import BackupRefused, restore_backup, take_backup
from ssgp_dhr.cases.models import Review
from ssgp_dhr.documents import services as documents
from ssgp_dhr.documents import storage
from ssgp_dhr.documents.models import DocumentType, DocumentVersion
from ssgp_dhr.documents.storage import TEMPORARY_PREFIX
from ssgp_dhr.documents.verify import verify_store
from ssgp_dhr.extensions import db
from ssgp_dhr.panel import services as panel
from ssgp_dhr.panel.models import InputEntry, InputKind
from tests import factories
from tests.conftest import on_postgres, postgres_scratch_url


@pytest.fixture
def empty_target(tmp_path) -> Flask:
    """A second service over an empty database and an empty store, to restore into."""
    url = postgres_scratch_url("restored") if on_postgres() else f"sqlite:///{tmp_path / 'restored' / 'dhr.sqlite3'}"
    restored = create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "DOCUMENT_STORE_PATH": str(tmp_path / "restored-store")})
    yield restored
    with restored.app_context():
        db.engine.dispose()


class Writer(threading.Thread):
    """Posts input-log notes and uploads documents through the services, as the service would, noting when each
    was acknowledged (its commit returned)."""

    def __init__(self, app: Flask, review_id: int, coordinator_id: int) -> None:
        super().__init__(daemon=True)
        self.app, self.review_id, self.coordinator_id = app, review_id, coordinator_id
        self.acknowledged: list[tuple[float, str, str]] = []  # (when, "note"|"version", identity)
        self.stop = threading.Event()
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            with self.app.app_context():
                number = 0
                while not self.stop.is_set():
                    number += 1
                    review = db.session.get(Review, self.review_id)
                    actor = db.session.get(User, self.coordinator_id)
                    if number % 4:
                        entry = panel.post_input(review, actor, kind=InputKind.NOTE, text=f"Note {number}")
                        self.acknowledged.append((time.monotonic(), "note", str(entry.id)))
                    else:
                        version = documents.upload_document(review, actor, document_type=DocumentType.OTHER,
                                                            title=f"Document {number}", filename=f"d{number}.txt",
                                                            stream=io.BytesIO(f"Document {number}\n".encode()))
                        self.acknowledged.append((time.monotonic(), "version", version.stored_name))
                    db.session.remove()
        except BaseException as failure:
            self.failure = failure


@pytest.mark.slow
def test_a_backup_taken_during_writes_restores_every_write_acknowledged_before_it_began(app, empty_target, tmp_path):
    coordinator = factories.coordinator()
    review = factories.notified_review(by=coordinator)
    writer = Writer(app, review.id, coordinator.id)
    writer.start()
    while len(writer.acknowledged) < 20 and writer.is_alive():
        time.sleep(0.01)

    began = time.monotonic()
    report = take_backup(tmp_path / "backup")
    ended = time.monotonic()
    time.sleep(0.2)  # writes go on after it too
    writer.stop.set()
    writer.join(30)
    assert writer.failure is None, writer.failure
    assert report.ok
    before = [(kind, identity) for when, kind, identity in writer.acknowledged if when < began]
    after = [(kind, identity) for when, kind, identity in writer.acknowledged if when > ended]
    assert len(before) >= 20 and after, "writes went on before, during and after the backup"

    with empty_target.app_context():
        restored = restore_backup(tmp_path / "backup")
        assert restored.ok, restored
        notes = {str(i) for i in db.session.scalars(sa.select(InputEntry.id))}
        versions = {v.stored_name: v for v in db.session.scalars(sa.select(DocumentVersion))}
        for kind, identity in before:
            assert identity in (notes if kind == "note" else versions), f"{kind} {identity} acknowledged but not restored"
        for version in versions.values():
            with documents.open_version(version) as handle:
                assert handle.read().decode().startswith("Document ")
        runner = empty_target.test_cli_runner()
        for command in ("verify-audit", "verify-store"):
            result = runner.invoke(args=["dhr", command])
            assert result.exit_code == 0, result.output


def test_the_manifest_names_the_migration_head_each_versions_hash_and_each_reviews_history_head(app, tmp_path):
    coordinator = factories.coordinator()
    review = factories.notified_review(by=coordinator)
    version = factories.document(review, coordinator, content=b"A fictional chronology.\n")
    db.session.refresh(review)

    result = app.test_cli_runner().invoke(args=["dhr", "backup", str(tmp_path / "backup")])

    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    head = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    assert manifest["migration_head"] == head
    assert manifest["documents"] == [{"stored_name": version.stored_name, "sha256": version.sha256,
                                      "size_bytes": len(b"A fictional chronology.\n")}]
    assert manifest["reviews"] == [{"reference": review.reference, "event_count": review.event_count,
                                    "history_head": review.event_head_hash}]
    assert (tmp_path / "backup" / "documents" / version.stored_name).read_bytes() == b"A fictional chronology.\n"
    assert oct((tmp_path / "backup").stat().st_mode & 0o777) == "0o700"
    again = app.test_cli_runner().invoke(args=["dhr", "backup", str(tmp_path / "backup")])
    assert again.exit_code == 1 and "is not an empty folder" in again.output


def test_a_restore_refuses_a_database_or_store_that_is_not_empty_and_a_backup_altered(app, empty_target, tmp_path):
    factories.document(factories.notified_review())
    take_backup(tmp_path / "backup")

    with pytest.raises(BackupRefused, match="The database is not empty"):
        restore_backup(tmp_path / "backup")  # into the service that was backed up
    with empty_target.app_context():
        name = next((tmp_path / "backup" / "documents").iterdir())
        original = name.read_bytes()
        name.write_bytes(b"tampered")
        with pytest.raises(BackupRefused, match="missing from the backup or altered: nothing was restored"):
            restore_backup(tmp_path / "backup")
        name.write_bytes(original)
        (tmp_path / "restored-store").mkdir(exist_ok=True)
        (tmp_path / "restored-store" / ("0" * 64)).write_bytes(b"left over")
        with pytest.raises(BackupRefused, match="The document store is not empty"):
            restore_backup(tmp_path / "backup")
    with empty_target.app_context():  # nothing was written
        if on_postgres():
            with db.engine.connect() as connection:
                assert sa.inspect(connection).get_table_names() == []
        else:
            assert not (tmp_path / "restored" / "dhr.sqlite3").exists()


def test_verify_store_finds_missing_and_altered_files_lists_strays_and_removes_leftover_uploads(app):
    kept, gone, changed = (factories.document(factories.notified_review(), content=f"{n}\n".encode()) for n in range(3))
    storage.path_of(gone.stored_name).unlink()
    storage.path_of(changed.stored_name).write_bytes(b"changed\n")
    stray = storage.path_of("f" * 64)
    stray.write_bytes(b"named by no row")
    folder = stray.parent
    old_upload, new_upload = folder / f"{TEMPORARY_PREFIX}old", folder / f"{TEMPORARY_PREFIX}new"
    old_upload.write_bytes(b"half an upload")
    new_upload.write_bytes(b"an upload under way")
    os.utime(old_upload, (time.time() - 7200, time.time() - 7200))

    result = app.test_cli_runner().invoke(args=["dhr", "verify-store"])

    assert result.exit_code == 1
    assert f"Missing: {gone.stored_name}" in result.output
    assert f"Altered (not the SHA-256 recorded): {changed.stored_name}" in result.output
    assert f"Named by no document version: {'f' * 64}" in result.output
    assert "Removed 1 upload(s) left half-written." in result.output
    assert not old_upload.exists() and new_upload.exists()
    assert kept.stored_name not in result.output
    new_upload.unlink()
    stray.unlink()
    check = verify_store()
    assert (len(check.missing), len(check.altered)) == (1, 1)
    assert "f" * 64 not in check.unnamed  # (the store is shared with other tests' files)


def test_a_temporary_upload_is_never_served(app):
    with pytest.raises(ValueError, match="not a stored document name"):
        storage.path_of(f"{TEMPORARY_PREFIX}abc")


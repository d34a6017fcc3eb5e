"""Documents in an S3-compatible object store: upload, download, versions and removal through the
tracker's own services and routes, against a real S3 API server on 127.0.0.1 (moto's server mode)."""

from __future__ import annotations

import base64
import hashlib
import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from ssgp_dhr.documents import services, storage
from ssgp_dhr.documents.models import DocumentType, DocumentVersion
from ssgp_dhr.documents.s3_store import ObjectStore
from ssgp_dhr.extensions import db
from tests import document_samples as samples
from tests import factories
from tests.object_store import CREDENTIALS, S3Server, s3_server
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    pytest.importorskip("moto", reason="moto[server] (the test extra) runs the S3 API server")
    with s3_server() as server:
        yield server


@pytest.fixture
def bucket(app: Flask, s3: S3Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, request) -> str:
    name = s3.new_bucket(f"dhr-{request.node.name[:40].replace('_', '-').lower()}-{time.monotonic_ns() % 10**6}")
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(variable, CREDENTIALS[variable])
    monkeypatch.setitem(app.config, "DOCUMENT_STORE_URL", f"s3://{name}/documents")
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", s3.endpoint_url)
    monkeypatch.setitem(app.config, "S3_REGION", CREDENTIALS["S3_REGION"])
    monkeypatch.setitem(app.config, "DOCUMENT_SPOOL_PATH", str(tmp_path / "spool"))
    monkeypatch.setitem(app.config, "DOCUMENT_STORE_PATH", str(tmp_path / "folder"))
    app.extensions.pop("document_store", None)
    yield name
    app.extensions.pop("document_store", None)


def _upload(content: bytes, filename: str = "imr.pdf", review=None, by=None) -> DocumentVersion:
    review = review or factories.review_at("commissioned")
    return services.upload_document(review, by or factories.coordinator(), document_type=DocumentType.IMR,
                                    title="IMR – Constabulary", stream=io.BytesIO(content), filename=filename)


def _leftovers(tmp_path: Path) -> list[Path]:
    return [p for folder in ("spool", "folder") if (tmp_path / folder).exists() for p in (tmp_path / folder).rglob("*")
            if p.is_file()]


def test_an_upload_is_kept_in_the_bucket_with_its_sha256_and_nowhere_else(
        app: Flask, s3: S3Server, bucket: str, tmp_path: Path) -> None:
    version = _upload(samples.PDF)

    assert s3.keys(bucket) == [f"documents/{version.stored_name}"]
    head = s3.client().head_object(Bucket=bucket, Key=f"documents/{version.stored_name}", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(samples.PDF).digest()).decode()
    assert version.sha256 == hashlib.sha256(samples.PDF).hexdigest()
    assert _leftovers(tmp_path) == []  # no local copy, no temporary file
    assert services.read_version(version) == samples.PDF
    assert storage.current_store().sha256_of(version.stored_name) == version.sha256


def test_a_version_is_downloaded_through_the_access_checked_route(
        app: Flask, bucket: str, client_request, signed_in_as) -> None:
    coordinator = factories.coordinator()
    review = factories.review_at("commissioned", by=coordinator)
    first = _upload(samples.PDF, review=review, by=coordinator)
    second = services.upload_version(first.document, coordinator, stream=io.BytesIO(samples.DOCX), filename="imr.docx")
    url = f"/cases/{review.reference}/documents/{first.document_id}/versions/{{}}/download"

    assert client_request.get_response(url.format(1)).status_code == 302  # signed out: to the sign-in page
    client = signed_in_as(coordinator)
    for version, content in ((first, samples.PDF), (second, samples.DOCX)):
        response = client.get_response(url.format(version.number))
        assert response.status_code == 200 and response.get_data() == content


def test_a_changed_object_is_refused_not_served(app: Flask, s3: S3Server, bucket: str) -> None:
    version = _upload(samples.PDF)
    s3.client().put_object(Bucket=bucket, Key=f"documents/{version.stored_name}", Body=b"%PDF-1.4 replaced")

    with pytest.raises(storage.StoredFileDamaged):
        services.read_version(version)
    assert storage.current_store().sha256_of(version.stored_name) != version.sha256


def test_an_upload_broken_part_way_or_refused_leaves_nothing(app: Flask, s3: S3Server, bucket: str,
                                                             tmp_path: Path) -> None:
    class BrokenUpload(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            if self.tell() > 10_000:
                raise ConnectionResetError("the browser went away")
            return super().read(size)

    review, coordinator = factories.review_at("commissioned"), factories.coordinator()
    with pytest.raises(ConnectionResetError):
        services.upload_document(review, coordinator, document_type=DocumentType.IMR, title="IMR",
                                 stream=BrokenUpload(samples.PDF + b"%" * 100_000), filename="imr.pdf")
    with pytest.raises(storage.FileRefused):
        _upload(b"MZ\x90\x00 a program, not a report", filename="imr.exe", review=review, by=coordinator)
    assert s3.keys(bucket) == [] and _leftovers(tmp_path) == []


def test_a_put_cut_off_by_the_network_leaves_nothing_in_the_bucket_or_on_disk(
        app: Flask, s3: S3Server, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    host, port = s3.endpoint_url.removeprefix("http://").split(":")
    proxy = TcpProxy(host, int(port))
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", f"http://127.0.0.1:{proxy.port}")
    app.extensions.pop("document_store", None)
    review, coordinator = factories.review_at("commissioned"), factories.coordinator()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(DocumentVersion))
    big = samples.PDF + b"%" + b"x" * (3 * 1024 * 1024) + b"\n"
    outcome: list[BaseException | DocumentVersion] = []

    def upload() -> None:
        with app.app_context():
            try:
                outcome.append(_upload(big, review=db.session.merge(review), by=db.session.merge(coordinator)))
            except BaseException as problem:
                outcome.append(problem)

    proxy.hang()  # the PUT starts, and the store stops answering part way through it
    worker = threading.Thread(target=upload)
    worker.start()
    time.sleep(1.0)
    proxy.refuse()  # then the connection is cut, and every retry is refused
    worker.join(60)
    proxy.close()

    assert outcome and isinstance(outcome[0], Exception), outcome
    assert s3.keys(bucket) == []
    assert _leftovers(tmp_path) == []
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DocumentVersion)) == before


def test_a_version_whose_row_is_not_committed_is_removed_from_the_bucket(
        app: Flask, s3: S3Server, bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    review, coordinator = factories.review_at("commissioned"), factories.coordinator()
    real_commit = db.session.commit

    def failing_commit() -> None:
        raise sa.exc.OperationalError("COMMIT", {}, Exception("the database went away"))

    monkeypatch.setattr(db.session, "commit", failing_commit)
    with pytest.raises(sa.exc.OperationalError):
        _upload(samples.PDF, review=review, by=coordinator)
    monkeypatch.setattr(db.session, "commit", real_commit)
    db.session.rollback()
    assert s3.keys(bucket) == []


def test_a_disposal_removes_the_unpublished_versions_from_the_bucket(
        app: Flask, s3: S3Server, bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from ssgp_dhr.retention import services as retention
    from tests.test_retention import closed_years_ago

    monkeypatch.setitem(app.config, "CASE_FILE_RETENTION_YEARS", 6)
    coordinator = factories.coordinator()
    review = factories.review_at("closed", by=coordinator)
    draft = _upload(samples.TEXT, filename="notes.txt", review=review, by=coordinator)
    draft_key = f"documents/{draft.stored_name}"
    assert draft_key in s3.keys(bucket)
    review = closed_years_ago(review, 7)

    retention.dispose_of_case_file(review, factories.manager(), review.version)

    remaining = {f"documents/{name}" for name in db.session.scalars(sa.select(DocumentVersion.stored_name))}
    assert remaining and set(s3.keys(bucket)) == remaining  # the published versions stay; the rest are gone
    assert draft_key not in remaining


def test_the_store_lists_only_its_own_names_under_its_prefix(app: Flask, s3: S3Server, bucket: str) -> None:
    version = _upload(samples.PDF)
    s3.client().put_object(Bucket=bucket, Key="elsewhere/" + "a" * 64, Body=b"not ours")
    s3.client().put_object(Bucket=bucket, Key="documents/notes.txt", Body=b"not a stored name")
    store = storage.current_store()
    assert isinstance(store, ObjectStore)
    assert list(store.names()) == [version.stored_name]
    store.delete(version.stored_name)
    assert not store.exists(version.stored_name)
    with pytest.raises(FileNotFoundError):
        services.read_version(version)


def test_backup_verify_store_and_restore_work_with_the_object_store(
        app: Flask, s3: S3Server, bucket: str, tmp_path: Path) -> None:
    from ssgp_dhr import create_app
    from ssgp_dhr.backups.services import restore_backup, take_backup
    from ssgp_dhr.documents.verify import verify_store
    from tests.conftest import on_postgres, postgres_scratch_url

    kept, changed = _upload(samples.PDF), _upload(samples.DOCX, filename="imr.docx")
    check = verify_store()
    assert (check.checked, check.missing, check.altered, check.unnamed) == (2, [], [], [])
    take_backup(tmp_path / "backup")
    assert (tmp_path / "backup" / "documents" / kept.stored_name).read_bytes() == samples.PDF

    s3.client().put_object(Bucket=bucket, Key=f"documents/{changed.stored_name}", Body=b"PK altered")
    assert [where.split()[0] for where in verify_store().altered] == [changed.stored_name]

    target = s3.new_bucket(f"dhr-restored-{time.monotonic_ns() % 10**6}")
    url = postgres_scratch_url("restored_s3") if on_postgres() else f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    restored = create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "DOCUMENT_STORE_PATH": str(tmp_path / "unused"),
                                   "DOCUMENT_STORE_URL": f"s3://{target}/documents",
                                   "S3_ENDPOINT_URL": app.config["S3_ENDPOINT_URL"], "S3_REGION": CREDENTIALS["S3_REGION"],
                                   "DOCUMENT_SPOOL_PATH": str(tmp_path / "restored-spool")})
    with restored.app_context():
        restore_backup(tmp_path / "backup")
        assert s3.keys(target) == sorted(f"documents/{v.stored_name}" for v in (kept, changed))
        restored_check = verify_store()
        assert (restored_check.checked, restored_check.missing, restored_check.altered) == (2, [], [])
        db.engine.dispose()

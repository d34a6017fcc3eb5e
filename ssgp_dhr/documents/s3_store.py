"""Documents in an S3-compatible object store (AWS S3, MinIO, Ceph): DOCUMENT_STORE_URL=s3://bucket/prefix.

Every application server reads and writes the same bucket, so a document uploaded through one is
downloaded through another. Each file goes up in one PUT carrying its SHA-256, which the store checks
before it keeps the object: an upload cut off part way leaves nothing. A download asks for the stored
checksum and refuses bytes that do not match the one recorded at upload. Objects are private (no ACL
is ever set); the bucket itself should block public access (docs/deployment.md). Downloads stream
through the tracker's own access-checked routes: the store is never linked to.

Credentials come from boto3's usual chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, an instance
role, ...); S3_ENDPOINT_URL points at a store other than AWS's, S3_REGION names the region.
"""

from __future__ import annotations

import base64
import hashlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError
from flask import Flask

from ssgp_dhr.documents.storage import StoredFileDamaged, checked_name, sha256_of_stream

MISSING = {"404", "NoSuchKey", "NotFound"}


def _base64_of(sha256_hex: str) -> str:
    return base64.b64encode(bytes.fromhex(sha256_hex)).decode("ascii")


def _hex_of(checksum: str) -> str:
    return base64.b64decode(checksum).hex()


class ObjectStore:
    def __init__(self, url: str, client: Any, spool_directory: Path) -> None:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"DOCUMENT_STORE_URL must be s3://bucket/prefix, not {url}")
        self.bucket = parts.netloc
        self.prefix = parts.path.strip("/") + "/" if parts.path.strip("/") else ""
        self.client = client
        self.spool_directory = spool_directory
        self.description = f"the object store s3://{self.bucket}/{self.prefix}"

    def key(self, stored_name: str) -> str:
        return self.prefix + checked_name(stored_name)

    def spool(self) -> Path:
        self.spool_directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self.spool_directory

    def put(self, temporary: Path, stored_name: str, sha256: str) -> None:
        # One PUT, not a multipart upload: the object exists whole or not at all, and a PUT cut off
        # leaves no parts behind. MAX_UPLOAD_MB is far below a single PUT's 5 GB.
        with temporary.open("rb") as body:
            self.client.put_object(Bucket=self.bucket, Key=self.key(stored_name), Body=body,
                                   ContentLength=temporary.stat().st_size, ChecksumAlgorithm="SHA256",
                                   ChecksumSHA256=_base64_of(sha256),
                                   ContentType="application/octet-stream")

    def open(self, stored_name: str, sha256: str | None = None) -> BinaryIO:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(stored_name), ChecksumMode="ENABLED")
        except ClientError as problem:
            if problem.response.get("Error", {}).get("Code") in MISSING:
                raise FileNotFoundError(stored_name) from None
            raise
        stored = answer.get("ChecksumSHA256")
        if sha256 and stored and "-" not in stored and _hex_of(stored) != sha256:
            answer["Body"].close()
            raise StoredFileDamaged(f"{stored_name} does not match its recorded SHA-256")
        return VerifiedBody(answer["Body"], stored_name, sha256) if sha256 else answer["Body"]

    def exists(self, stored_name: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(stored_name))
        except ClientError as problem:
            if problem.response.get("Error", {}).get("Code") in MISSING:
                return False
            raise
        return True

    def delete(self, stored_name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(stored_name))

    def names(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                name = item["Key"][len(self.prefix):]
                if len(name) == 64 and all(c in "0123456789abcdef" for c in name):
                    yield name

    def sha256_of(self, stored_name: str) -> str:
        """The store's own checksum where it keeps one; else the bytes are read and hashed."""
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.key(stored_name), ChecksumMode="ENABLED")
        except ClientError as problem:
            if problem.response.get("Error", {}).get("Code") in MISSING:
                raise FileNotFoundError(stored_name) from None
            raise
        if head.get("ChecksumSHA256") and "-" not in head["ChecksumSHA256"]:
            return _hex_of(head["ChecksumSHA256"])
        with self.open(stored_name) as body:
            return sha256_of_stream(body)


class VerifiedBody:
    """The object's bytes, hashed as they are read: at the end, bytes that do not match the recorded
    SHA-256 raise instead of completing, so a download of a changed object never arrives whole."""

    def __init__(self, body: Any, stored_name: str, sha256: str) -> None:
        self._body, self._name, self._expected, self._digest = body, stored_name, sha256, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self._body.read(size) if size and size > 0 else self._body.read()
        self._digest.update(chunk)
        if (not chunk or size is None or size < 0) and self._digest.hexdigest() != self._expected:
            raise StoredFileDamaged(f"{self._name} does not match its recorded SHA-256")
        return chunk

    def close(self) -> None:
        self._body.close()

    def __enter__(self) -> VerifiedBody:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def store_for(app: Flask) -> ObjectStore:
    """The app's object store, made once per process (boto3 clients are thread-safe and pool connections)."""
    config = app.config
    settings = (config["DOCUMENT_STORE_URL"], config.get("S3_ENDPOINT_URL"), config.get("S3_REGION"))
    cached = app.extensions.get("document_store")
    if cached and cached[0] == settings:
        return cached[1]
    client = boto3.session.Session().client(
        "s3", endpoint_url=settings[1] or None, region_name=settings[2] or None,
        config=BotoConfig(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"}))
    spool = Path(config.get("DOCUMENT_SPOOL_PATH") or tempfile.gettempdir()) / "ssgp-dhr-uploads"
    store = ObjectStore(settings[0], client, spool)
    app.extensions["document_store"] = (settings, store)
    return store

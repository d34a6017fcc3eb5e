"""`python -m bench.document_store [--files N] [--megabytes M]`: the folder store and an object store compared.

Uploads N documents of M MB through the documents service (the same path as the upload page: content
checks, SHA-256, the store, the row) and reads each back through the service, once with the local
folder and once with an S3 API server on 127.0.0.1 (moto's server mode, from the test extra), each on a
fresh SQLite database in a temporary folder. Prints the median and 95th percentile per upload and per
download. moto is not a production object store: the numbers show the tracker's own overhead around
an S3 round trip on this machine, not what AWS S3 or MinIO would take.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from flask_migrate import upgrade

from ssgp_dhr import create_app
from ssgp_dhr.documents import services
from ssgp_dhr.documents.models import DocumentType
from ssgp_dhr.extensions import db


def _document(megabytes: float) -> bytes:
    from tests import document_samples as samples

    return samples.PDF + b"%" + b"x" * int(megabytes * 1024 * 1024) + b"\n"


def _measure(settings: dict, files: int, content: bytes) -> tuple[list[float], list[float]]:
    from tests import factories

    with tempfile.TemporaryDirectory() as folder:
        app = create_app("test", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
                                  "DOCUMENT_STORE_PATH": f"{folder}/documents", "MAX_UPLOAD_MB": 100, **settings})
        with app.app_context():
            upgrade()
            coordinator = factories.coordinator()
            review = factories.review_at("commissioned", by=coordinator)
            uploads, downloads, versions = [], [], []
            for n in range(files):
                start = time.perf_counter()
                versions.append(services.upload_document(review, coordinator, document_type=DocumentType.OTHER,
                                                         title=f"Document {n}", stream=io.BytesIO(content),
                                                         filename="document.pdf"))
                uploads.append(time.perf_counter() - start)
            for version in versions:
                start = time.perf_counter()
                assert len(services.read_version(version)) == len(content)
                downloads.append(time.perf_counter() - start)
            db.session.remove()
            db.engine.dispose()
    return uploads, downloads


def _line(name: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{name:<28} median {statistics.median(ordered) * 1000:8.1f} ms   p95 {p95 * 1000:8.1f} ms"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--megabytes", type=float, default=2.0)
    options = parser.parse_args(argv)
    from tests.object_store import CREDENTIALS, s3_server

    content = _document(options.megabytes)
    runs: list[tuple[str, Callable[[], dict]]] = [("folder", dict)]
    with s3_server() as s3:
        bucket = s3.new_bucket("dhr-bench")
        os.environ.update({k: v for k, v in CREDENTIALS.items() if k.startswith("AWS_")})
        runs.append(("object store (moto)", lambda: {"DOCUMENT_STORE_URL": f"s3://{bucket}/documents",
                                                     "S3_ENDPOINT_URL": s3.endpoint_url,
                                                     "S3_REGION": CREDENTIALS["S3_REGION"],
                                                     "DOCUMENT_SPOOL_PATH": str(Path(tempfile.gettempdir()) / "bench-spool")}))
        print(f"{options.files} documents of {len(content) / 1024 / 1024:.1f} MB each")
        for name, settings in runs:
            uploads, downloads = _measure(settings(), options.files, content)
            print(_line(f"{name}: upload", uploads))
            print(_line(f"{name}: download", downloads))


if __name__ == "__main__":
    main()

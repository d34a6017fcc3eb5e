"""`python -m bench.retention URL --manifest M [--years N] [--disposals K]`: keeping case files at national scale.

On a data set built by `python -m bench build` (and migrated), times for the national reader (a manager
of every partnership) the count of case files due (My work) and the case files page's lists, then
disposes of the K closed reviews with the longest histories, timing each. It writes to the database:
run it on a copy, e.g.

    cp bench/out/bench.sqlite3 /tmp/copy.sqlite3
    DATABASE_URL=sqlite:////tmp/copy.sqlite3 flask --app wsgi db upgrade
    python -m bench.retention sqlite:////tmp/copy.sqlite3 --manifest bench/out/sqlite-manifest.json --years 6
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.dataset import Manifest
from ssgp_dhr import create_app
from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases.models import Review
from ssgp_dhr.extensions import db
from ssgp_dhr.retention import services


def _mean_ms(action: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    result = action()  # warm up
    started = time.perf_counter()
    for _ in range(repeat):
        result = action()
    return (time.perf_counter() - started) / repeat * 1000, result


def measure(database_url: str, manifest: Manifest, *, years: int, disposals: int, repeat: int) -> list[str]:
    """What one run measured, a line each."""
    lines = []
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "CASE_FILE_RETENTION_YEARS": years,
                              "DOCUMENT_STORE_PATH": tempfile.mkdtemp(prefix="bench-retention-")})
    with app.app_context():
        reader = db.session.scalar(sa.select(User).where(User.email == manifest.national_reader["email"]))
        took, due = _mean_ms(lambda: services.case_files_due(reader), repeat)
        lines.append(f"Case files due, counted for My work: {due}, {took:.1f} ms")
        took, files = _mean_ms(lambda: services.case_files(reader), repeat)
        lines.append(f"Case files page: {len(files.due)} due, {len(files.due_soon)} due within a year, {took:.1f} ms")
        oldest = db.session.scalars(sa.select(Review).where(Review.status == "closed", Review.disposed_on.is_(None))
                                    .order_by(Review.closed_on, Review.id).limit(disposals)).all()
        for review in oldest:
            entries = review.event_count
            started = time.perf_counter()
            # The data set's documents have rows but no files: there is nothing to remove from the disk.
            inventory = services.dispose_of_case_file(review, reader, review.version)
            lines.append(f"Disposal of {review.reference} ({entries} history entries, {inventory.documents} "
                         f"unpublished documents): {(time.perf_counter() - started) * 1000:.1f} ms")
        db.session.remove()
        db.engine.dispose()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.retention")
    parser.add_argument("database_url")
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--years", type=int, default=6)
    parser.add_argument("--disposals", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    for line in measure(args.database_url, Manifest.load(args.manifest), years=args.years, disposals=args.disposals,
                        repeat=args.repeat):
        print(line)


if __name__ == "__main__":
    main()

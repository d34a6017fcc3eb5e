"""`python -m bench.run`: build the data set, serve the app and the references under gunicorn, measure.

    python -m bench.run --database sqlite --database postgresql       # what `make bench` runs
    python -m bench.run --database sqlite --reuse                     # measure again on the built data

Results go to bench/out/results-<database>.json and are printed as Markdown tables.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench import driver, reference_apps
from bench.dataset import Manifest, Sizes, build, settle

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("BENCH_OUT", ROOT / "bench" / "out"))
DEFAULT_URLS = {
    "sqlite": os.environ.get("BENCH_SQLITE_URL", f"sqlite:///{OUT / 'bench.sqlite3'}"),
    "postgresql": os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench"),
}
WORKERS = 2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(app: str, env: dict[str, str], ready_path: str) -> Iterator[tuple[str, psutil.Process]]:
    """`app` served by gunicorn (2 sync workers) on a free port of 127.0.0.1; its base URL and master process."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", app],
        cwd=ROOT, env={**os.environ, **env},
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base_url + ready_path, headers={"X-Forwarded-Proto": "https"}, timeout=5).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn for {app} did not start")
            time.sleep(0.2)
        yield base_url, psutil.Process(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def worker_memory_mb(master: psutil.Process) -> list[float]:
    return [round(child.memory_info().rss / 2**20, 1) for child in master.children()]


def public_reviews_path() -> str | None:
    """The public list of published reviews (the endpoint `publication.public_reviews`)."""
    from ssgp_dhr import create_app

    app = create_app("test")
    return next((rule.rule for rule in app.url_map.iter_rules() if rule.endpoint == "publication.public_reviews"), None)


def _migrate(url: str) -> None:
    """Bring a reused data set up to the newest migration (e.g. new indexes)."""
    from flask_migrate import upgrade

    from ssgp_dhr import create_app

    with create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "TESTING": False}).app_context():
        upgrade()
    settle(url)


def measure_app(base_url: str, manifest: Manifest, requests: int, seconds: float, clients: int) -> tuple[list[dict], dict]:
    """Sign each simulated person in once, then time every page."""
    coordinators = manifest.coordinators[:max(1, clients)]
    sign_ins: list[dict[str, float]] = []
    people = []
    for n, person in enumerate(coordinators):
        browser = driver.Browser(base_url, f"10.0.0.{n + 1}")
        sign_ins.append(driver.sign_in(browser, person["email"], manifest.password, person["totp_secret"]))
        people.append(browser)
    national = driver.Browser(base_url, "10.0.1.1")
    reader = manifest.national_reader
    sign_ins.append(driver.sign_in(national, reader["email"], manifest.password, reader["totp_secret"]))

    def each_person(path: str) -> Callable[[int], Callable[[], float]]:
        return lambda n: driver.timed_get(people[n % len(people)], path)

    def national_copies(path: str) -> Callable[[int], Callable[[], float]]:
        return lambda n: driver.timed_get(national if n == 0 else national.copy(), path)

    case_page = coordinators[0]["case_page"]
    pages: list[tuple[str, Callable[[int], Callable[[], float]]]] = [
        ("Dashboard (coordinator)", each_person("/")),
        ("Case list: filtered and sorted (coordinator)", each_person("/cases?status=closed&sort=notified&order=desc&page=2")),
        ("Case list: all reviews, page 1 (national reader)", national_copies("/cases")),
        ("Case list: all reviews by partnership, page 200 (national reader)",
         national_copies("/cases?sort=partnership&order=asc&page=200")),
        (f"Case page ({case_page})", each_person(f"/cases/{case_page}")),
        ("Publication board (coordinator)", each_person("/publication")),
        # The floor under every signed-in page: the session check, the layout, next to nothing else.
        ("Your account (coordinator): the emptiest signed-in page", each_person("/account")),
    ]
    results = [driver.measure(name, make, requests=requests, seconds=seconds, clients=clients).summary()
               for name, make in pages]
    public_path = public_reviews_path()
    if public_path:
        anonymous = [driver.Browser(base_url, f"10.0.2.{n + 1}") for n in range(max(1, clients))]
        results.append(driver.measure(f"Public reviews page ({public_path})",
                                      lambda n: driver.timed_get(anonymous[n], public_path),
                                      requests=requests, seconds=seconds, clients=clients).summary())
    else:
        results.append({"page": "Public reviews page", "note": "not yet built"})
    transitions = [driver.Transitions(people[n], coordinators[n]["transition_review"]) for n in range(len(people))]
    # Each client moves its own review: two people moving one review would be refused as stale, by design.
    posts = driver.measure("Transition POST (pause / resume, with CSRF token and version)",
                           lambda n: transitions[n].post, requests=max(2, requests // 4), seconds=seconds,
                           clients=len(transitions), warm_up=1)
    results.append(posts.summary())
    for browser in [*people, national]:
        browser.close()
    sign_in_times = {"password_ms": [round(s["password"] * 1000, 1) for s in sign_ins],
                     "security_code_ms": [round(s["security_code"] * 1000, 1) for s in sign_ins]}
    return results, sign_in_times


def measure_references(url: str, manifest: Manifest, env: dict[str, str], requests: int, seconds: float,
                       clients: int) -> list[dict]:
    results = []
    with gunicorn("bench.reference_apps:ceiling_app()", {}, "/") as (base_url, _):
        browser = driver.Browser(base_url, "10.0.3.1")
        results.append(driver.measure("Reference: ceiling (bare Flask, constant page)",
                                      lambda n: driver.timed_get(driver.Browser(base_url, "10.0.3.1") if n else browser, "/"),
                                      requests=requests, seconds=seconds, clients=clients).summary())
    with gunicorn("bench.reference_apps:admin_app()", {"BENCH_DATABASE_URL": url}, "/admin/") as (base_url, _):
        browser = driver.Browser(base_url, "10.0.3.2")
        results.append(driver.measure("Reference: Flask-Admin ModelView list of reviews, page 1 (25 a page)",
                                      lambda n: driver.timed_get(driver.Browser(base_url, "10.0.3.2") if n else browser,
                                                                 "/admin/reviews/"),
                                      requests=requests, seconds=seconds, clients=clients).summary())
    with gunicorn("bench.reference_apps:signed_in_admin_app()", env, "/healthz") as (base_url, _):
        person = manifest.coordinators[0]
        browser = driver.Browser(base_url, "10.0.3.3")
        driver.sign_in(browser, person["email"], manifest.password, person["totp_secret"])
        results.append(driver.measure(
            "Reference: the same Flask-Admin list inside the tracker, signed in (the coordinator's reviews)",
            lambda n: driver.timed_get(browser.copy() if n else browser, reference_apps.SIGNED_IN_ADMIN_PATH),
            requests=requests, seconds=seconds, clients=clients).summary())
        browser.close()
    return results


def run(database: str, url: str, *, reuse: bool, sizes: Sizes, seed: int, requests: int, seconds: float,
        clients: int, out: Path = OUT) -> dict[str, Any]:
    """Build (or reuse) the data set at `url`, then measure the app and the references on it."""
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / f"{database}-manifest.json"
    started = time.perf_counter()
    if reuse and manifest_path.exists():
        manifest = Manifest.load(manifest_path)
        _migrate(url)
        build_seconds = None
    else:
        manifest = build(url, seed, sizes)
        manifest.save(manifest_path)
        build_seconds = round(time.perf_counter() - started, 1)
    # Rate limits in memory, which production takes only from a single worker: the benchmark's simulated
    # browsers each come from their own address and never meet the limit, so counting it per worker changes
    # nothing measured. BASE_URL's host is the only one production serves (any port).
    env = {"DHR_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48), "DATABASE_URL": url,
           "PROXY_COUNT": "1", "RATELIMIT_STORAGE_URI": "memory://", "SINGLE_WORKER": "true",
           "BASE_URL": "http://127.0.0.1"}
    load_before = os.getloadavg()
    with gunicorn("wsgi:app", env, "/healthz") as (base_url, master):
        pages, sign_ins = measure_app(base_url, manifest, requests, seconds, clients)
        memory = worker_memory_mb(master)
    references = measure_references(url, manifest, env, requests, seconds, clients)
    return {
        "database": database, "data_set": manifest.counts, "seed": seed, "build_seconds": build_seconds,
        "requests_one_user": requests, "seconds_concurrent": seconds, "clients": clients, "workers": WORKERS,
        "pages": pages, "references": references, "sign_in": sign_ins, "worker_rss_mb": memory,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "machine": machine(),
    }


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "system": platform.platform()}


def _ratio(value: float | None, reference: float | None) -> str:
    return f"{value / reference:.2f}" if value and reference else "–"


def _ms(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else "–"


def markdown(result: dict[str, Any]) -> str:
    ceiling, admin, *signed_in = (r.get("rps") for r in result["references"])
    admin_signed_in = signed_in[0] if signed_in else None
    lines = [f"### {result['database']}: {result['data_set'].get('reviews')} reviews, "
             f"{result['data_set'].get('case_events')} events, {result['data_set'].get('documents')} documents, "
             f"{result['data_set'].get('users')} users",
             "",
             f"One user: {result['requests_one_user']} requests a page, one after another. "
             f"Concurrent: {result['clients']} clients for {result['seconds_concurrent']} s. "
             f"Load average before/after: {result['load_average_before']} / {result['load_average_after']}.",
             "",
             "| Page | 1 user p50 ms | 1 user p95 ms | 1 user p99 ms | req/s | p50 ms | p95 ms | p99 ms "
             "| × ceiling | × Flask-Admin | × Flask-Admin signed in | errors |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in [*result["pages"], *result["references"]]:
        if row.get("note") == "not yet built":
            lines.append(f"| {row['page']} | not yet built | | | | | | | | | | |")
            continue
        lines.append(
            f"| {row['page']} | {_ms(row['single_p50_ms'])} | {_ms(row['single_p95_ms'])} | {_ms(row['single_p99_ms'])} "
            f"| {_ms(row['rps'])} | {_ms(row['p50_ms'])} | {_ms(row['p95_ms'])} | {_ms(row['p99_ms'])} "
            f"| {_ratio(row['rps'], ceiling)} | {_ratio(row['rps'], admin)} | {_ratio(row['rps'], admin_signed_in)} "
            f"| {row['error_count']} |")
    lines += ["", f"Sign-in (once per simulated user): password step {result['sign_in']['password_ms']} ms, "
              f"security code step {result['sign_in']['security_code_ms']} ms.",
              f"Worker RSS after the run: {result['worker_rss_mb']} MB.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--database", action="append", choices=sorted(DEFAULT_URLS))
    parser.add_argument("--reuse", action="store_true", help="measure again on the data set already built")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reviews", type=int, default=Sizes.reviews)
    parser.add_argument("--events", type=int, default=Sizes.events)
    parser.add_argument("--users", type=int, default=Sizes.users)
    parser.add_argument("--requests", type=int, default=200, help="requests a page for the one-user latencies")
    parser.add_argument("--seconds", type=float, default=15, help="length of each concurrent phase")
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args(argv)
    sizes = Sizes(reviews=args.reviews, events=args.events, users=args.users,
                  partnerships=min(Sizes.partnerships, max(3, args.reviews // 30)))
    for database in args.database or ["sqlite", "postgresql"]:
        result = run(database, DEFAULT_URLS[database], reuse=args.reuse, sizes=sizes, seed=args.seed,
                     requests=args.requests, seconds=args.seconds, clients=args.clients)
        (OUT / f"results-{database}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
        print(markdown(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Every route in the URL map, as each role and signed out, with generated values in its path and query string:
huge and negative numbers, NUL and other control characters, invalid UTF-8 percent-escapes, very long strings,
odd Unicode, and the real ids and references of the demonstration data. No answer is a server error, and no
GET writes anything but the access log.

Bounded for every test run: per route and role, the findings' own hostile values and FUZZ_EXAMPLES generated
examples (2 by default, the same each run);
FUZZ_EXAMPLES=50 FUZZ_RANDOM=1 runs a larger, freshly random search.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from urllib.parse import quote, quote_from_bytes, urlsplit

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import Flask
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.routing import AnyConverter, Rule

from ssgp_dhr import demo
from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases import workflow
from ssgp_dhr.cases.models import Review
from ssgp_dhr.cases.policy import visible_reviews_clause
from ssgp_dhr.extensions import db
from tests.conftest import sign_in

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 2)
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"

NUMBERS = ["0", "-1", "1", "2147483647", "2147483648", "9223372036854775807", "9223372036854775808",
           "99999999999999999999", "1" * 400, "٣", "²", "1e9", "0x10", " 1", "+1"]
TEXT = ["\x00", "a\x00b", "\x07", "\x1b[31m", "\t", "\r\n", "\x85", "\u202e", "\ufeff", "\uffff", "😀", "e\u0301",
        "..", "%", "_", "%_", "'", '"<script>', "\\", "A" * 5000, " ", "", "SSGP-DHR-2024-001\x00"]
INVALID_UTF_8 = [b"\xff", b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80", b"\xc0\xaf"]
QUERY_KEYS = ["page", "q", "status", "partnership", "year", "agency", "before", "user", "case", "what", "topic",
              "sort", "order", "next", "level", "owned", "proposed", "overdue", "untold", "overrun", "declined"]
WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|TRUNCATE)\b", re.IGNORECASE)
LOGGED = re.compile(r"\s*INSERT INTO access_log\b", re.IGNORECASE)


def encoded(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def values(real: list[str]) -> st.SearchStrategy[str]:
    """A value as it goes into an address: already percent-encoded."""
    return st.one_of(
        st.sampled_from(real).map(encoded),
        st.sampled_from(NUMBERS).map(encoded),
        st.integers(min_value=-(2**80), max_value=2**80).map(str),
        st.sampled_from(TEXT).map(encoded),
        st.text(max_size=30).map(encoded),
        st.sampled_from(INVALID_UTF_8).map(lambda raw: quote_from_bytes(raw, safe="")),
        st.binary(min_size=1, max_size=12).map(lambda raw: quote_from_bytes(raw, safe="")),
    )


@pytest.fixture
def demo_world(app: Flask) -> dict[str, list[str]]:
    """The demonstration data: reviews at every stage with their documents, panels, action plans and costs."""
    demo.load_demo_data()
    ids = sorted({str(i) for table in db.metadata.sorted_tables if "id" in table.c
                  for i in db.session.scalars(sa.select(table.c.id))})
    references = list(db.session.scalars(sa.select(Review.reference)))
    return {"ids": ids, "references": references, "numbers": [str(n) for n in range(1, 4)]}


def _signed_in_as(client, email: str | None) -> None:
    if email is not None:
        sign_in(client, db.session.scalar(sa.select(User).where(User.email == email)))


@pytest.fixture
def writes(app: Flask) -> Iterator[list[str]]:
    """Every statement that changes data, but for the access log, while the test runs."""
    found: list[str] = []

    def watch(_connection, _cursor, statement, _parameters, _context, _executemany) -> None:
        if WRITE.match(statement) and not LOGGED.match(statement):
            found.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", watch)
    yield found
    sa.event.remove(engine, "before_cursor_execute", watch)


def _is_id(name: str) -> bool:
    return name.endswith("_id") or name == "number"


def _path_values(rule: Rule, real: dict[str, list[str]]) -> st.SearchStrategy[dict[str, str]]:
    strategies = {}
    for name, converter in rule._converters.items():
        pool = (real["ids"] + real["numbers"] if _is_id(name)
                else sorted(converter.items) if isinstance(converter, AnyConverter)
                else real["references"] + sorted(workflow.ACTIONS) + ["current", "application.css"])
        strategies[name] = values(pool)
    return st.fixed_dictionaries(strategies)


def _chosen(rule: Rule, number: str, text: str, reference: str) -> dict[str, str]:
    """Path values: `number` for every id; for text, a known `reference` (so that the id is looked up) or `text`
    where the route has no id; an `any(...)` converter's first choice."""
    has_id = any(_is_id(name) for name in rule._converters)
    return {name: number if _is_id(name)
            else encoded(sorted(converter.items)[0]) if isinstance(converter, AnyConverter)
            else reference if has_id or text is None else text
            for name, converter in rule._converters.items()}


def _chosen_examples(rule: Rule, reference: str, real_id: str) -> list[dict]:
    """The hostile values named in the findings, on every route, whatever the search generates besides."""
    reference = encoded(reference)
    huge = "99999999999999999999"
    return [
        {"path": _chosen(rule, huge, encoded("a\x00b"), reference),
         "query": [(key, huge) for key in ("page", "year", "partnership", "agency", "before")]},
        {"path": _chosen(rule, "2147483648", "%FF%FE", reference), "query": [("q", "%FF"), ("sort", "%C3%28")]},
        {"path": _chosen(rule, real_id, encoded("SSGP\x00DHR"), reference), "query": [("q", "a%00b")]},
        {"path": _chosen(rule, "%D9%A3", encoded("\u202e" + "A" * 5000), reference),
         "query": [("q", encoded("%_")), ("page", "-1")]},
        {"path": _chosen(rule, real_id, encoded("😀e\u0301\uffff"), reference), "query": [("q", "A" * 5000)]},
    ]


def _address(rule: Rule, path: dict[str, str], query: list[tuple[str, str]]) -> str:
    address = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: path[m.group(1)], rule.rule)
    return address + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")


def _probe(client, writes: list[str], failures: list[str], rule: Rule, path_values: st.SearchStrategy,
           query: st.SearchStrategy, chosen: list[dict]):
    """A search over `rule`'s addresses, the `chosen` ones first; each failure is added to `failures` as well as
    raised."""
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, database=None,
              suppress_health_check=list(HealthCheck))
    @given(path=path_values, query=query)
    def probe(path: dict[str, str], query: list[tuple[str, str]]) -> None:
        address = _address(rule, path, query)
        writes.clear()
        response = client.get(address)
        if response.status_code >= 500:
            failures.append(f"GET {address[:300]!r}: {response.status_code}")
        if writes:
            failures.append(f"GET {address[:300]!r} wrote: {writes[0][:120]}")
        assert response.status_code < 500 and not writes

    for one in chosen:
        probe = example(**one)(probe)
    return probe


ROLES = [None, "coordinator@ssgp.example", "coordinator@safer-glos.example", "manager@ssgp.example",
         "chair@reviews.example", "police@panel.example", "health@panel.example", "admin@ssgp.example"]


def _reference_for(email: str | None, references: list[str]) -> str:
    """A review the person may see (signed out: a published one), so that the path goes past the review."""
    if email is None:
        published = db.session.scalar(sa.select(Review.reference).where(Review.published_on.is_not(None)))
        return published or references[0]
    user = db.session.scalar(sa.select(User).where(User.email == email))
    return db.session.scalar(sa.select(Review.reference).where(visible_reviews_clause(user))) or references[0]


@pytest.mark.slow
@pytest.mark.parametrize("email", ROLES, ids=[e or "signed-out" for e in ROLES])
def test_no_generated_address_gives_a_server_error_or_changes_data_on_a_get(app, client, demo_world, writes, email):
    _signed_in_as(client, email)
    real = demo_world
    reference = _reference_for(email, real["references"])
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    query = st.lists(st.tuples(st.one_of(st.sampled_from(QUERY_KEYS), st.text(max_size=8).map(encoded)),
                               values(real["references"] + real["ids"])), max_size=3)
    failures: list[str] = []

    for rule in rules:
        # A failure's shrunk address is in `failures`: the other routes are probed too.
        with contextlib.suppress(AssertionError):
            _probe(client, writes, failures, rule, _path_values(rule, real), query,
                   _chosen_examples(rule, reference, real["ids"][0]))()
    assert failures == [], "\n".join(dict.fromkeys(failures))


# --- Forms ----------------------------------------------------------------------------------------------------

HOSTILE_FIELD_VALUES = ["a\x00b", "99999999999999999999", "-1", "\u202e" + "A" * 30_000, "%FF", "٣"]
NOT_POSTED = {"/sign-out"}  # would end the session the search runs in


def _site_links(page: BeautifulSoup) -> set[str]:
    links = {a["href"] for a in page.find_all("a", href=True)}
    return {link.split("#")[0] for link in links if link.startswith("/") and not link.startswith("//")
            and not link.startswith("/static/") and not link.endswith((".csv", ".atom", ".svg", "/download"))}


def _forms(page: BeautifulSoup, at: str) -> list[tuple[str, tuple[str, ...], dict[str, str]]]:
    """Each POST form on the page: where it goes, the names of the fields a person fills in, and its hidden
    fields' values (the CSRF token, the version of the review the page showed)."""
    found = []
    for form in page.find_all("form"):
        if (form.get("method") or "get").lower() != "post":
            continue
        fields = form.find_all(["input", "textarea", "select"], attrs={"name": True})
        hidden = {f["name"]: f.get("value", "") for f in fields if f.name == "input" and f.get("type") == "hidden"}
        filled = tuple(sorted({f["name"] for f in fields} - set(hidden)))
        found.append((form.get("action") or at, filled, hidden))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("email", [None, "coordinator@ssgp.example", "police@panel.example", "admin@ssgp.example"],
                         ids=["signed-out", "coordinator", "panel-member", "administrator"])
def test_no_hostile_value_in_any_form_gives_a_server_error(client, demo_world, email):
    """Every form reachable from My work (signed out: from the sign-in page), each field given each hostile value
    in turn (dates' day, month and year boxes alike): the answer is a page with an error or a refusal, never a
    server error."""
    _signed_in_as(client, email)
    with client.session_transaction() as session:  # administrators' changes need the password again
        from ssgp_dhr import access
        session[access.REAUTHENTICATED_AT] = access.now_seconds() + 3600
    seen, waiting, forms = set(), ["/" if email else "/sign-in"], {}
    while waiting and len(seen) < 300:
        address = waiting.pop()
        if address in seen:
            continue
        seen.add(address)
        response = client.get(address)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        for action, filled, hidden in _forms(page, address):
            forms.setdefault((action, filled), hidden)
        waiting.extend(sorted(_site_links(page) - seen))
    assert len(forms) >= (2 if email is None else 5), f"only {len(forms)} forms found from {len(seen)} pages"

    failures = []
    for (action, filled), hidden in sorted(forms.items()):
        if urlsplit(action).path in NOT_POSTED:
            continue
        tries = [{**hidden, **dict.fromkeys(filled, value)} for value in HOSTILE_FIELD_VALUES]
        tries.append({**dict.fromkeys(filled + tuple(hidden), HOSTILE_FIELD_VALUES[1]), "csrf_token": hidden["csrf_token"]})
        for data in tries:
            response = client.post(action, data=data)
            if response.status_code >= 500:
                failures.append(f"POST {action} with {data}: {response.status_code}"[:300])
    assert failures == [], "\n".join(failures)

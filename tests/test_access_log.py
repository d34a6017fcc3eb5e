"""The access log: sign-ins, failures, lockouts, refusals, case views; who, what, when, from where;
append-only; for admins, filterable by person and case; never a password, a code or a real name."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ssgp_dhr.accounts.access_log import (
    SHORTEST_RETENTION_DAYS,
    RetentionTooShort,
    purge_entries_older_than,
    record,
)
from ssgp_dhr.accounts.models import AccessEvent, AccessLogEntry, Role
from ssgp_dhr.clock import utcnow
from ssgp_dhr.extensions import db
from ssgp_dhr.presentation import uk_datetime
from tests import factories
from tests.conftest import on_postgres, sign_in
from tests.test_sign_in import enrolled, give_code, give_password


def entries() -> list[AccessLogEntry]:
    return db.session.scalars(sa.select(AccessLogEntry).order_by(AccessLogEntry.id)).all()


def test_case_views_and_refusals_are_logged_with_who_what_and_where(client_request):
    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator)
    outsider = factories.coordinator(factories.safer_glos())
    client_request.client.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    sign_in(client_request.client, coordinator)
    client_request.get(f"/cases/{review.reference}")
    sign_in(client_request.client, outsider)
    client_request.get(f"/cases/{review.reference}", 404)
    viewed, refused = entries()
    assert (viewed.event, viewed.user_id, viewed.review_reference, viewed.ip_address) == (
        AccessEvent.CASE_VIEWED, coordinator.id, review.reference, "192.0.2.10")
    assert (refused.event, refused.user_id, refused.review_reference, refused.status) == (
        AccessEvent.REFUSED, outsider.id, review.reference, 404)
    assert viewed.occurred_at is not None


def test_a_refused_action_is_logged(client_request):
    review = factories.notified_review()
    manager = factories.manager()
    sign_in(client_request.client, manager)
    client_request.get(f"/cases/{review.reference}/edit", 403)
    assert [(e.event, e.status) for e in entries()] == [(AccessEvent.REFUSED, 403)]


def test_the_log_never_holds_a_password_a_code_or_a_real_name(client_request):
    person = enrolled(factories.coordinator())
    review = factories.notified_review(person)
    give_password(client_request, person, "a wrong password typed", 200)
    give_password(client_request, person)
    code = "123456" if give_code(client_request, person, "123456", 200) else ""
    give_code(client_request, person)
    client_request.get(f"/cases/{review.reference}")
    logged = " ".join(str(getattr(e, c.key)) for e in entries() for c in AccessLogEntry.__table__.columns)
    for secret in ("a wrong password typed", factories.PASSWORD, code, person.totp_secret, "Victoria Realname",
                   "Peter Realname", person.full_name):
        assert secret not in logged
    assert [e.event for e in entries()] == [AccessEvent.SIGN_IN_FAILED, AccessEvent.SECOND_FACTOR_FAILED,
                                            AccessEvent.SIGNED_IN, AccessEvent.CASE_VIEWED]


def test_admins_see_the_log_filtered_by_person_and_case(client_request):
    admin = factories.user((Role.ADMIN, factories.ssgp()))
    alice, bob = factories.coordinator(), factories.coordinator()
    record(AccessEvent.CASE_VIEWED, user=alice, reference="DHR-2026-001")
    record(AccessEvent.CASE_VIEWED, user=alice, reference="DHR-2026-002")
    record(AccessEvent.CASE_VIEWED, user=bob, reference="DHR-2026-001")
    sign_in(client_request.client, admin)

    def rows(query: str) -> list[str]:
        page = client_request.get(f"/admin/access-log{query}")
        return [" ".join(td.get_text(strip=True) for td in tr.find_all("td")) for tr in page.select("tbody tr")]

    assert len(rows("")) == 3
    assert all(alice.email in r for r in rows(f"?user={alice.email}")) and len(rows(f"?user={alice.email}")) == 2
    assert len(rows("?case=DHR-2026-001")) == 2
    assert len(rows(f"?user={alice.email}&case=DHR-2026-001")) == 1


def test_admins_filter_the_log_by_what_happened_and_page_back_keeping_it(client_request, monkeypatch):
    from ssgp_dhr.accounts import admin as admin_pages

    monkeypatch.setattr(admin_pages, "LOG_PAGE_SIZE", 2)
    admin = factories.user((Role.ADMIN, factories.ssgp()))
    alice = factories.coordinator()
    for n in range(1, 5):
        record(AccessEvent.CASE_VIEWED, user=alice, reference=f"DHR-2026-{n:03}")
        record(AccessEvent.REFUSED, user=alice, reference=f"DHR-2026-{n:03}", status=404)
    sign_in(client_request.client, admin)
    page = client_request.get("/admin/access-log?what=refused")
    assert page.select_one("#what option[selected]")["value"] == "refused"
    assert [tr.find_all("td")[2].get_text(strip=True) for tr in page.select("tbody tr")] == ["Refused"] * 2
    older = page.select_one(".govuk-pagination__next a")["href"]
    assert "what=refused" in older
    page = client_request.get(older)
    assert [tr.find_all("td")[3].get_text(strip=True) for tr in page.select("tbody tr")] == ["DHR-2026-002", "DHR-2026-001"]
    assert len(client_request.get("/admin/access-log?what=nonsense").select("tbody tr")) == 2  # ignored: every kind


def test_a_long_log_pages_back_through_older_entries_keeping_the_filters(client_request, monkeypatch):
    from ssgp_dhr.accounts import admin as admin_pages

    monkeypatch.setattr(admin_pages, "LOG_PAGE_SIZE", 3)
    admin = factories.user((Role.ADMIN, factories.ssgp()))
    alice = factories.coordinator()
    for n in range(1, 8):
        record(AccessEvent.CASE_VIEWED, user=alice, reference=f"DHR-2026-{n:03}")
    sign_in(client_request.client, admin)
    seen: list[str] = []
    url = f"/admin/access-log?user={alice.email}"
    while url:
        page = client_request.get(url)
        seen += [tr.find_all("td")[3].get_text(strip=True) for tr in page.select("tbody tr")]
        older = page.select_one(".govuk-pagination__next a")
        url = older["href"] if older else None
        if url:
            assert f"user={alice.email}" in url and "case=" not in url
    assert seen == [f"DHR-2026-{n:03}" for n in range(7, 0, -1)]


def test_admins_see_only_the_log_of_accounts_they_manage(client_request):
    sg_admin = factories.user((Role.ADMIN, factories.safer_glos()))
    ssgp_person = factories.coordinator()
    record(AccessEvent.CASE_VIEWED, user=ssgp_person, reference="DHR-2026-001")
    sign_in(client_request.client, sg_admin)
    assert client_request.get("/admin/access-log").select("tbody tr") == []


@pytest.mark.skipif(not on_postgres(), reason="the database refuses changes to the log on PostgreSQL only")
def test_postgres_refuses_to_change_or_delete_a_log_entry():
    entry = record(AccessEvent.SIGNED_IN, user=factories.coordinator())
    for statement in ("UPDATE access_log SET event = 'signed_out' WHERE id = :id", "DELETE FROM access_log WHERE id = :id"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            db.session.execute(sa.text(statement), {"id": entry.id})
        db.session.rollback()


# --- Keeping the log --------------------------------------------------------------------------

def entry_days_ago(days: int, person=None) -> AccessLogEntry:
    entry = AccessLogEntry(event=AccessEvent.SIGNED_IN, user_id=(person or factories.coordinator()).id,
                           occurred_at=utcnow() - timedelta(days=days), ip_address="192.0.2.1")
    db.session.add(entry)
    db.session.commit()
    return entry


def purges() -> list[AccessLogEntry]:
    return [e for e in entries() if e.event is AccessEvent.ACCESS_LOG_PURGED]


def test_purging_deletes_only_the_entries_older_than_the_period_and_records_what_it_deleted():
    person = factories.coordinator()
    kept = [entry_days_ago(days, person).id for days in (400, 900, 364)][-1]
    deleted, cutoff = purge_entries_older_than(365)
    assert deleted == 2 and {e.id for e in entries()} - {p.id for p in purges()} == {kept}
    assert utcnow() - timedelta(days=366) < cutoff < utcnow() - timedelta(days=364)
    [purge] = purges()
    assert (purge.entries_deleted, purge.deleted_before, purge.user_id) == (2, cutoff, None)
    with pytest.raises(RetentionTooShort):
        purge_entries_older_than(SHORTEST_RETENTION_DAYS - 1)
    assert len(entries()) == 2  # a refused purge deletes nothing and records nothing
    purge_entries_older_than(365)
    assert [p.entries_deleted for p in purges()] == [2, 0]  # a run with nothing to delete is recorded too


def test_a_purge_that_fails_leaves_the_log_whole_and_unrecorded(monkeypatch):
    person = factories.coordinator()
    entry_days_ago(800, person)

    def refuse(*_args, **_kwargs):
        raise sa.exc.OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(db.session, "commit", refuse)
    with pytest.raises(sa.exc.OperationalError):
        purge_entries_older_than(365)
    monkeypatch.undo()
    assert [e.event for e in entries()] == [AccessEvent.SIGNED_IN]


def test_admins_see_each_purge_in_the_log(client_request):
    entry_days_ago(800, factories.coordinator())
    entry_days_ago(900, factories.coordinator())
    _, cutoff = purge_entries_older_than(365)
    sign_in(client_request.client, factories.user((Role.ADMIN, factories.safer_glos())))
    [row] = [[td.get_text(strip=True) for td in tr.find_all("td")]
             for tr in client_request.get("/admin/access-log").select("tbody tr")
             if "purged" in tr.get_text()]
    assert row[1:4] == ["dhr purge-access-log", "Access log purged",
                        f"Deleted 2 entries from before {uk_datetime(cutoff)}"]


def test_the_purge_command_follows_the_setting(app, monkeypatch):
    person = factories.coordinator()
    entry_days_ago(800, person)
    entry_days_ago(10, person)
    run = lambda: app.test_cli_runner().invoke(args=["dhr", "purge-access-log"])  # noqa: E731
    result = run()
    assert result.exit_code == 0 and "kept whole" in result.output and len(entries()) == 2
    monkeypatch.setitem(app.config, "ACCESS_LOG_RETENTION_DAYS", 30)
    result = run()
    assert result.exit_code == 1 and "at least 183 days" in result.output and len(entries()) == 2
    monkeypatch.setitem(app.config, "ACCESS_LOG_RETENTION_DAYS", 730)
    result = run()
    assert result.exit_code == 0 and result.output.startswith("Deleted 1 access log entry from before")
    assert [e.event for e in entries()] == [AccessEvent.SIGNED_IN, AccessEvent.ACCESS_LOG_PURGED]


@pytest.mark.skipif(not on_postgres(), reason="the database refuses changes to the log on PostgreSQL only")
def test_postgres_lets_a_purge_delete_only_entries_older_than_the_floor():
    person = factories.coordinator()
    old, young = entry_days_ago(200, person).id, entry_days_ago(100, person).id
    delete = sa.text("DELETE FROM access_log WHERE id = :id")
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):  # not purging: refused, however old
        db.session.execute(delete, {"id": old})
    db.session.rollback()
    db.session.execute(sa.select(sa.func.set_config("ssgp.purging_access_log", "on", True)))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):  # purging, but younger than 183 days
        db.session.execute(delete, {"id": young})
    db.session.rollback()
    db.session.execute(sa.select(sa.func.set_config("ssgp.purging_access_log", "on", True)))
    db.session.execute(delete, {"id": old})
    db.session.commit()
    assert [e.id for e in entries()] == [young]
    purge_entries_older_than(190)  # the purge itself records its run through the same trigger
    assert [e.event for e in entries()] == [AccessEvent.SIGNED_IN, AccessEvent.ACCESS_LOG_PURGED]

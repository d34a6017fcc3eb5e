"""`dhr verify-audit` reports every break, and a signed checkpoint kept apart from the database catches
what the chain alone cannot: newest entries removed with the review's head moved back, and a chain
rewritten with freshly computed hashes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask

from ssgp_dhr.cases import history
from ssgp_dhr.cases.models import EventKind, Review
from ssgp_dhr.extensions import db
from ssgp_dhr.retention import services as retention
from tests import factories
from tests.conftest import on_postgres
from tests.test_audit import _events, _tamper
from tests.test_retention import closed_years_ago


def _cli(app: Flask, *args: str | Path) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["dhr", *map(str, args)])
    return result.exit_code, result.output


@pytest.fixture
def keys(app: Flask, tmp_path: Path) -> tuple[Path, Path]:
    code, output = _cli(app, "audit-key", tmp_path / "signing.pem")
    assert code == 0, output
    return tmp_path / "signing.pem", tmp_path / "signing.pem.pub"


@pytest.fixture
def two_reviews() -> tuple[Review, Review]:
    return factories.review_at("approved"), factories.review_at("on_hold")


def _checkpoint(app: Flask, keys: tuple[Path, Path], path: Path) -> Path:
    code, output = _cli(app, "audit-checkpoint", path, "--key", keys[0])
    assert code == 0, output
    return path


def _verify_against(app: Flask, checkpoint: Path, public_key: Path) -> tuple[int, str]:
    return _cli(app, "verify-audit", "--against", checkpoint, "--key", public_key)


def _rehash_from(review: Review, first_seq: int) -> None:
    """Recompute every hash from `first_seq` on and the review's head, as a forger with the code would."""
    db.session.expire_all()
    events = _events(review)
    prev_hash = events[first_seq - 2].hash if first_seq > 1 else history.GENESIS_HASH
    fresh = []
    for event in events[first_seq - 1:]:
        new_hash = history.event_hash(prev_hash, event)
        fresh.append((event.id, prev_hash, new_hash))
        prev_hash = new_hash
    count = len(events)
    db.session.rollback()
    for event_id, prev, new in fresh:
        _tamper("UPDATE case_events SET prev_hash = :prev, hash = :new WHERE id = :id", prev=prev, new=new, id=event_id)
    _tamper("UPDATE reviews SET event_head_hash = :head, event_count = :count WHERE id = :id",
            head=prev_hash, count=count, id=review.id)


def test_every_break_is_reported_not_only_the_first(app: Flask, two_reviews: tuple[Review, Review]) -> None:
    first, second = two_reviews
    altered = [_events(first)[1], _events(first)[3], _events(second)[2]]
    for event in altered:
        _tamper("UPDATE case_events SET reason = 'Rewritten afterwards' WHERE id = :id", id=event.id)

    code, output = _cli(app, "verify-audit")

    assert code == 1
    for event, review in zip(altered, (first, first, second), strict=True):
        assert f"History chain broken at event {event.id} (review {review.reference}, entry {event.seq})" in output
    assert output.count("its content does not match its hash") == 3
    assert "History not intact: 3 break(s) in the chain" in output


def test_a_checkpoint_finds_newest_entries_removed_with_the_head_moved_back(
        app: Flask, two_reviews: tuple[Review, Review], keys: tuple[Path, Path], tmp_path: Path) -> None:
    _, second = two_reviews
    checkpoint = _checkpoint(app, keys, tmp_path / "checkpoint.json")
    events = _events(second)
    newest_id, newest_seq, kept_seq, kept_hash = events[-1].id, events[-1].seq, events[-2].seq, events[-2].hash
    _tamper("DELETE FROM case_events WHERE id = :id", id=newest_id)
    _tamper("UPDATE reviews SET event_count = :count, event_head_hash = :head WHERE id = :id",
            count=kept_seq, head=kept_hash, id=second.id)

    assert _cli(app, "verify-audit")[0] == 0  # the chain alone cannot see it
    code, output = _verify_against(app, checkpoint, keys[1])

    assert code == 1
    assert (f"review {second.reference}: the checkpoint recorded {newest_seq} entries and entry {newest_seq} is gone: "
            f"entries were removed (the history now has {kept_seq})") in output


def test_a_checkpoint_finds_a_chain_rewritten_with_fresh_hashes(
        app: Flask, two_reviews: tuple[Review, Review], keys: tuple[Path, Path], tmp_path: Path) -> None:
    first, _ = two_reviews
    checkpoint = _checkpoint(app, keys, tmp_path / "checkpoint.json")
    _tamper("UPDATE case_events SET reason = 'Rewritten afterwards' WHERE id = :id", id=_events(first)[1].id)
    _rehash_from(first, 2)

    assert _cli(app, "verify-audit")[0] == 0
    code, output = _verify_against(app, checkpoint, keys[1])

    assert code == 1
    assert f"review {first.reference}: entry {first.event_count} or one before it was rewritten" in output


def test_entries_added_since_the_checkpoint_are_not_a_finding(
        app: Flask, two_reviews: tuple[Review, Review], keys: tuple[Path, Path], tmp_path: Path) -> None:
    checkpoint = _checkpoint(app, keys, tmp_path / "checkpoint.json")
    factories.review_at("commissioned")  # a review the checkpoint never saw
    first = db.session.get(Review, two_reviews[0].id)
    history.append_event(first, None, EventKind.CHANGE, based_on_version=first.version,
                         field="circumstances", to_value="Recorded after the checkpoint")
    db.session.commit()

    code, output = _verify_against(app, checkpoint, keys[1])

    assert code == 0, output
    assert "Every entry recorded in the checkpoint of" in output and "(2 reviews)" in output


def test_a_case_file_disposed_of_since_the_checkpoint_is_accounted_for(
        app: Flask, keys: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "CASE_FILE_RETENTION_YEARS", 6)
    review = closed_years_ago(factories.review_at("closed"), 7)
    checkpoint = _checkpoint(app, keys, tmp_path / "checkpoint.json")

    retention.dispose_of_case_file(review, factories.manager(), review.version)

    assert _verify_against(app, checkpoint, keys[1])[0] == 0
    as_json = "CAST(:payload AS JSON)" if on_postgres() else ":payload"
    _tamper(f"UPDATE case_events SET payload = {as_json} WHERE review_id = :id",
            payload=json.dumps({"history_entries": 1}), id=review.id)
    _rehash_from(review, 1)
    code, output = _verify_against(app, checkpoint, keys[1])
    assert code == 1 and "the case file's disposal does not account for the entries" in output


def test_an_altered_checkpoint_or_the_wrong_key_is_refused(
        app: Flask, two_reviews: tuple[Review, Review], keys: tuple[Path, Path], tmp_path: Path) -> None:
    checkpoint = _checkpoint(app, keys, tmp_path / "checkpoint.json")
    content = json.loads(checkpoint.read_text())
    content["reviews"][0]["entries"] -= 1  # hide the newest entry from the checkpoint
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps(content))
    _cli(app, "audit-key", tmp_path / "other.pem")

    for path, key in ((altered, keys[1]), (checkpoint, tmp_path / "other.pem.pub")):
        code, output = _verify_against(app, path, key)
        assert code == 1
        assert "signature does not match the key" in output and "Traceback" not in output


def test_no_checkpoint_is_signed_over_a_broken_chain(
        app: Flask, two_reviews: tuple[Review, Review], keys: tuple[Path, Path], tmp_path: Path) -> None:
    _tamper("UPDATE case_events SET reason = 'Rewritten' WHERE id = :id", id=_events(two_reviews[0])[1].id)

    code, output = _cli(app, "audit-checkpoint", tmp_path / "checkpoint.json", "--key", keys[0])

    assert code == 1 and "the history does not verify" in output
    assert not (tmp_path / "checkpoint.json").exists()


def test_a_key_is_never_overwritten_and_is_readable_by_its_owner_only(app: Flask, keys: tuple[Path, Path]) -> None:
    assert keys[0].stat().st_mode & 0o777 == 0o600
    before = keys[0].read_bytes()
    code, output = _cli(app, "audit-key", keys[0])
    assert code == 1 and "never overwritten" in output and keys[0].read_bytes() == before


def test_verify_against_needs_the_public_key(app: Flask, keys: tuple[Path, Path], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUDIT_VERIFY_KEY_FILE", raising=False)
    checkpoint = _checkpoint(app, keys, tmp_path / "checkpoint.json")
    code, output = _cli(app, "verify-audit", "--against", checkpoint)
    assert code == 1 and "needs the checkpoint's public key" in output

"""The demo data: fictional reviews at every stage for both partnerships, loaded through the workflow."""

import contextvars

import sqlalchemy as sa

from ssgp_dhr import create_app
from ssgp_dhr.accounts.models import Role, User
from ssgp_dhr.cases.history import verify_all
from ssgp_dhr.cases.models import PanelMembership, Review
from ssgp_dhr.demo import DEMO_ACCOUNTS, load_demo_data
from ssgp_dhr.extensions import db


def test_demo_reviews_span_the_stages_for_both_partnerships():
    load_demo_data()
    reviews = db.session.scalars(sa.select(Review)).all()
    assert {r.status for r in reviews} >= {
        "notified", "not_commissioned", "commissioned", "panel", "on_hold", "home_office_review",
        "published", "summary_only"}
    assert {r.lead_partnership.short_name for r in reviews} == {"SSGP", "SG"}
    assert any(r.joint_partnership_id for r in reviews)
    assert all("(fictional)" in r.victim_name for r in reviews)


def test_the_public_page_links_the_published_demo_documents_and_they_download(client_request):
    load_demo_data()
    page = client_request.get("/reviews")
    links = [a["href"] for a in page.select("main a[href*='/documents/']")]
    assert len(links) == 4  # Drew: report, executive summary, Home Office letter; Rowan: learning summary
    for href in links:
        response = client_request.client.get(href)
        assert response.status_code == 200 and b"FICTIONAL DEMONSTRATION DOCUMENT" in response.data


def test_demo_history_is_a_whole_chain_made_by_the_workflow():
    load_demo_data()
    checked, broken = verify_all()
    assert broken is None
    assert checked > 20


def test_there_is_a_demo_account_for_each_role_and_agency_panel_members():
    load_demo_data()
    roles = {r.role for u in db.session.scalars(sa.select(User)) for r in u.roles}
    assert roles == set(Role)
    assert len(DEMO_ACCOUNTS) == db.session.scalar(sa.select(sa.func.count()).select_from(User))
    agencies = {m.agency.short_name for m in db.session.scalars(sa.select(PanelMembership))}
    assert {"Constabulary", "NHS Glos"} <= agencies


def test_setup_database_migrates_loads_once_and_keeps_the_data(tmp_path):
    # A separate development app, outside the test app's context, as `make run` would start it.
    contextvars.Context().run(_setup_twice, tmp_path)


def _setup_twice(tmp_path):
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'dev.sqlite3'}"})
    runner = app.test_cli_runner()
    first = runner.invoke(args=["dhr", "setup-database"])
    assert first.exit_code == 0, first.output
    assert "Loaded the demo data" in first.output
    assert "coordinator@ssgp.example" in first.output
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Review))
    second = runner.invoke(args=["dhr", "setup-database"])
    assert second.exit_code == 0, second.output
    assert "Loaded the demo data" not in second.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == count
        db.engine.dispose()


def test_demo_data_is_refused_outside_an_empty_development_database():
    load_demo_data()
    from flask import current_app

    result = current_app.test_cli_runner().invoke(args=["dhr", "load-demo"])
    assert result.exit_code != 0
    assert "already holds data" in result.output


def test_every_demo_review_passes_its_own_check_and_one_shows_an_allowed_name(client_request):
    from ssgp_dhr.documents.models import Document
    from ssgp_dhr.documents.services import read_version
    from ssgp_dhr.publication import name_decisions
    from ssgp_dhr.publication import services as publication
    from ssgp_dhr.publication.anonymisation import Candidate, check_documents

    load_demo_data()
    for review in db.session.scalars(sa.select(Review)):
        documents = db.session.scalars(sa.select(Document).where(Document.review_id == review.id)).all()
        candidates = [Candidate(d.title, d.latest.original_filename, read_version(d.latest),
                                publication.public_file_name(review, d.document_type.value, d.latest)) for d in documents]
        assert check_documents(candidates, publication.recorded_values(review), review.pseudonym) == [], review.pseudonym
        assert publication.text_findings(review, publication.public_texts(review)) == [], review.pseudonym
    drew = db.session.scalars(sa.select(Review).where(Review.pseudonym == "Drew")).one()
    assert name_decisions.allowed_keys(drew) == {"victim_name"}
    assert publication.check_status(drew) == publication.CHECK_PASSED
    assert "Val, called Drew" in client_request.get(f"/reviews/{drew.reference}").select_one("main").get_text()

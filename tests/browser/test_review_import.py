"""Importing reviews in a real browser: a coordinator uploads a spreadsheet with a refused row, sees the
refusal linked to its row, uploads the corrected file, checks the preview and imports. Every page passes
axe-core and is photographed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ssgp_dhr.cases.models import Review
from ssgp_dhr.extensions import db
from ssgp_dhr.review_import import jobs
from tests import factories
from tests.browser.signing_in import prepare_account, sign_in
from tests.test_review_import import NOTIFIED_ROW, PUBLISHED_ROW, _csv

pytestmark = pytest.mark.browser


def test_a_coordinator_previews_a_spreadsheet_then_imports_it(visit):
    partnership = factories.ssgp()
    factories.organisation("GP", "Gloucestershire GP practices")
    coordinator = prepare_account(factories.coordinator(partnership))
    you = visit("coordinator")
    page = you.page
    sign_in(page, you.base_url, coordinator, on_page=you.check)

    you.goto("/reviews/import")
    bad = {**NOTIFIED_ROW, "Stage": "Published"}
    page.set_input_files("#file", files=[{"name": "reviews.csv", "mimeType": "text/csv",
                                          "buffer": _csv(PUBLISHED_ROW, bad)}])
    page.click("main form button:has-text('Preview the import')")
    _until_checked(page)
    you.check("refused row")
    page.click(".govuk-error-summary a >> nth=0")
    assert page.url.endswith("#row-3")
    assert page.locator("main form button:has-text('Import the reviews')").count() == 0

    page.click("a:has-text('Choose another file')")
    page.set_input_files("#file", files=[{"name": "reviews.csv", "mimeType": "text/csv",
                                          "buffer": _csv(PUBLISHED_ROW, NOTIFIED_ROW)}])
    page.click("main form button:has-text('Preview the import')")
    _until_checked(page)
    you.check("preview")
    assert "2 created" in page.locator("#counts").inner_text()
    page.click("main form button:has-text('Import the reviews')")
    _until_checked(page)
    you.check("imported")
    assert "2 reviews created" in page.locator("main").inner_text()
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 2


def _until_checked(page, attempts: int = 50) -> None:
    """The file is checked (or imported) outside the request: follow "Check again" until the result shows."""
    for _ in range(attempts):
        again = page.locator("main a:has-text('Check again')")
        if again.count() == 0:
            return
        jobs.wait(0.2)
        again.click()
    raise AssertionError("the file was still being checked")

"""Printing: every printed page of a signed-in page carries the OFFICIAL-SENSITIVE marking at its head
and foot, and the menus and buttons stay off the paper; a public page prints without a marking."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from ssgp_dhr.accounts.models import User
from ssgp_dhr.demo import DEMO_PASSWORD, load_demo_data
from ssgp_dhr.extensions import db
from tests.browser.signing_in import sign_in

pytestmark = pytest.mark.browser

MARKING = "OFFICIAL-SENSITIVE"


def printed_pages(page) -> list[str]:
    """The text of each sheet the page prints on (A4, as Chromium prints it)."""
    return [sheet.extract_text() for sheet in PdfReader(io.BytesIO(page.pdf(format="A4"))).pages]


def test_a_printed_case_page_is_marked_on_every_sheet_and_a_public_page_is_not(visit):
    load_demo_data()
    coordinator = db.session.scalar(sa.select(User).where(User.email == "coordinator@ssgp.example"))
    you = visit("coordinator")
    sign_in(you.page, you.base_url, coordinator, password=DEMO_PASSWORD)
    you.goto("/cases/SSGP-DHR-2024-001")
    sheets = printed_pages(you.page)
    assert len(sheets) >= 2
    for number, text in enumerate(sheets, start=1):
        assert text.count(MARKING) >= 2, f"sheet {number} lacks its head and foot marking"
    printed = "\n".join(sheets)
    assert "Drew" in printed
    assert "(/cases/" not in printed  # the addresses of the page's own links, useless on paper
    for screen_only in ("Sign out", "New notification", "Skip to main content", "On this page", "What you can do now",
                        "You're about to be signed out"):
        assert screen_only not in printed, screen_only

    public = visit("public reader")
    public.goto("/reviews")
    assert MARKING not in "\n".join(printed_pages(public.page))

"""What the workflow needs from the panel's records, added to the shared workflow as requirements.

Registered by the panel's init_app, without touching the machine's wiring.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for

from ssgp_dhr.cases.models import PanelRole, Review
from ssgp_dhr.cases.workflow import Facts, requires
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.panel.models import FamilyInvolvement

CHAIR_ON_PANEL = "Add the independent chair to the panel before convening it"
CHAIR_FROM_PANEL = "Choose the independent chair on the panel"
DRAFT_SHARED = "Record the date the draft was shared with the family, or why it was not"


def chair_on_panel(facts: Facts) -> bool:
    today = today_uk()
    return any(m.panel_role is PanelRole.INDEPENDENT_CHAIR and m.is_active_on(today) for m in facts.review.panel)


def chair_from_panel(facts: Facts) -> bool:
    """The chair named when convening is the independent chair seated on the panel: chosen, never typed."""
    named = facts.data.get("chair_name")
    today = today_uk()
    chairs = {m.user.full_name for m in facts.review.panel
              if m.panel_role is PanelRole.INDEPENDENT_CHAIR and m.is_active_on(today)}
    # With no chair on the panel at all, CHAIR_ON_PANEL says what to do: one message, not two.
    return named is None or not chairs or named in chairs


def draft_shared_or_reason(facts: Facts) -> bool:
    if facts.review.id is None:
        return False
    shared = db.session.execute(
        sa.select(FamilyInvolvement.draft_shared_on, FamilyInvolvement.draft_not_shared_reason)
        .where(FamilyInvolvement.review_id == facts.review.id)
    ).first()
    return shared is not None and (shared.draft_shared_on is not None or bool((shared.draft_not_shared_reason or "").strip()))


def _add_the_chair(review: Review) -> str:
    return url_for("panel.add_member", reference=review.reference, role=PanelRole.INDEPENDENT_CHAIR.value)


def _family(review: Review) -> str:
    return url_for("panel.edit_family", reference=review.reference)


def register() -> None:
    requires("convene_panel", CHAIR_ON_PANEL, field="chair_name", done_at=_add_the_chair)(chair_on_panel)
    requires("convene_panel", CHAIR_FROM_PANEL, field="chair_name")(chair_from_panel)
    requires("submit", DRAFT_SHARED, done_at=_family)(draft_shared_or_reason)

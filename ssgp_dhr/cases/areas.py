"""What each area of the tracker adds to a review's pages, registered by the area itself.

`cases` holds the review, its workflow and its history; the areas (panel, documents, publication,
action plan, costs, retention, reminders) build on it. Each area's `init_app` registers here what it
adds to a review: the sections of its pages, the panels of its overview, and where the review's
sub-navigation takes people. `cases` reads the registry and imports none of the areas, so a new area
plugs in without touching it.

What is process-wide rather than per application is registered where it is used: workflow
requirements with `workflow.requires`, effects after a transition with `services.after_transition`,
history titles and topics with `history.register_*`, reminder sources with `reminders.sources.reminder_source`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, url_for

from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases.models import Review

# (review, viewer) -> whether there is something to show this person at the review's stage.
Shown = Callable[[Review, User], bool]


def always(_review: Review, _user: User) -> bool:
    return True


@dataclass(frozen=True)
class Section:
    """A part of a review's pages: a template included with `review` (and whatever globals the area
    registered for it), which renders nothing when the viewer may not see it."""

    id: str  # the id of its heading: links to it end in #id
    label: str
    template: str
    page: str  # the slug of the sub-page it is on
    order: int
    shown: Shown = always


@dataclass(frozen=True)
class SubPage:
    """One of a review's pages, in its sub-navigation: /cases/<reference>/<slug>, or the overview ("")."""

    slug: str
    label: str
    order: int


@dataclass(frozen=True)
class OverviewPanel:
    """A panel on a review's overview: what the area has for this person now (a request to answer, a
    draft to comment on). `context` gives the template's variables, or None when there is nothing."""

    name: str
    template: str
    order: int
    context: Callable[[Review, User], dict[str, Any] | None]


@dataclass
class ReviewParts:
    sub_pages: dict[str, SubPage] = field(default_factory=dict)
    sections: dict[str, Section] = field(default_factory=dict)
    overview_panels: dict[str, OverviewPanel] = field(default_factory=dict)


def _parts(app: Flask) -> ReviewParts:
    return app.extensions.setdefault("review_parts", ReviewParts())


def register_sub_page(app: Flask, page: SubPage) -> None:
    _parts(app).sub_pages[page.slug] = page


def register_section(app: Flask, section: Section) -> None:
    _parts(app).sections[section.id] = section


def register_overview_panel(app: Flask, panel: OverviewPanel) -> None:
    _parts(app).overview_panels[panel.name] = panel


def sub_pages() -> list[SubPage]:
    return sorted(_parts(current_app).sub_pages.values(), key=lambda p: p.order)


def sections(page: str | None = None) -> list[Section]:
    """The registered sections, in order; those of one sub-page when `page` is given."""
    found = sorted(_parts(current_app).sections.values(), key=lambda s: s.order)
    return [s for s in found if page is None or s.page == page]


def overview_panels() -> list[OverviewPanel]:
    return sorted(_parts(current_app).overview_panels.values(), key=lambda p: p.order)


def section_url(reference: str, section_id: str) -> str:
    """The address of a part of a review: the sub-page its section is on, at its heading; an id no area
    registered (key facts, deadlines) is on the overview."""
    section = _parts(current_app).sections.get(section_id)
    if section is None:
        return url_for("cases.case_page", reference=reference, _anchor=section_id)
    return url_for("cases.review_page", reference=reference, page=section.page, _anchor=section_id)


def init_app(app: Flask) -> None:
    """What every review's pages use of the registry: `section_url` in the templates."""
    app.jinja_env.globals["section_url"] = section_url

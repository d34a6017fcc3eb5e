"""The stages a review passes through: one enumeration, used by the workflow, the pages and the queries.

A Stage is a `str` (StrEnum), so it compares equal to the value stored in `Review.status` and can be
passed to SQL as it is; nothing else in the tracker spells a stage's value.
"""

from __future__ import annotations

import enum


class Stage(enum.StrEnum):
    NOTIFIED = "notified"
    NOT_COMMISSIONED = "not_commissioned"
    COMMISSIONED = "commissioned"
    PANEL = "panel"
    ON_HOLD = "on_hold"
    HOME_OFFICE_REVIEW = "home_office_review"
    REVISING = "revising"
    APPROVED = "approved"
    PUBLISHED = "published"
    SUMMARY_ONLY = "summary_only"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return _LABELS[self][0]

    @property
    def description(self) -> str:
        return _LABELS[self][1]

    @property
    def in_words(self) -> str:
        """The stage as it reads after "the review is …"."""
        return _IN_WORDS.get(self, self.label.lower())

    @property
    def is_open(self) -> bool:
        return self in OPEN_STAGES


_LABELS: dict[Stage, tuple[str, str]] = {
    Stage.NOTIFIED: ("Notified", "The notification of the death is in; the decision is pending."),
    Stage.NOT_COMMISSIONED: ("Not commissioned", "The partnership decided not to hold a review."),
    Stage.COMMISSIONED: ("Commissioned", "Chair, terms of reference and panel being set up."),
    Stage.PANEL: ("Panel", "The panel is conducting the review."),
    Stage.ON_HOLD: ("On hold", "Paused for parallel proceedings."),
    Stage.HOME_OFFICE_REVIEW: ("With the Home Office", "Submitted to the Home Office Quality Assurance Panel."),
    Stage.REVISING: ("Revising", "The QA Panel asked for changes."),
    Stage.APPROVED: ("Approved", "The Home Office letter allows publication."),
    Stage.PUBLISHED: ("Published", "The overview report and executive summary are published."),
    Stage.SUMMARY_ONLY: ("Learning summary published", "Only a learning summary is published."),
    Stage.CLOSED: ("Closed", "The action plan is complete and monitoring has ended."),
}

_IN_WORDS = {
    Stage.PANEL: "with the panel",
    Stage.HOME_OFFICE_REVIEW: "with the Home Office",
    Stage.REVISING: "being revised after the Home Office's comments",
    Stage.SUMMARY_ONLY: "published as a learning summary",
}

# Still running: every stage but a decision not to hold a review and a closed one.
OPEN_STAGES = frozenset(Stage) - {Stage.NOT_COMMISSIONED, Stage.CLOSED}
# Before the decision to hold a review: no panel, no Home Office rounds, no action plan yet.
BEFORE_COMMISSIONING = frozenset({Stage.NOTIFIED, Stage.NOT_COMMISSIONED})
# A review can be put on hold from these, and resumes to the one it left.
PAUSABLE = (Stage.COMMISSIONED, Stage.PANEL, Stage.REVISING)
# The report has gone to the Home Office: its rounds, the letter, publication.
WITH_OR_PAST_HOME_OFFICE = frozenset({Stage.HOME_OFFICE_REVIEW, Stage.REVISING, Stage.APPROVED, Stage.PUBLISHED,
                                      Stage.SUMMARY_ONLY, Stage.CLOSED})
# Published in some form (in full or as a learning summary), including once closed.
PUBLISHED_STAGES = (Stage.PUBLISHED, Stage.SUMMARY_ONLY, Stage.CLOSED)
# The main path, for the step indicator on the case page.
MAIN_PATH = (Stage.NOTIFIED, Stage.COMMISSIONED, Stage.PANEL, Stage.HOME_OFFICE_REVIEW, Stage.APPROVED,
             Stage.PUBLISHED, Stage.CLOSED)


def stage_of(status: str) -> Stage:
    """The Stage a stored status names."""
    return Stage(status)

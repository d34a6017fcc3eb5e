"""A Domestic Homicide Review, its holds, what the Home Office was told and answered, QA rounds, panel and history."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases.death_kinds import DeathKind
from ssgp_dhr.cases.stages import Stage
from ssgp_dhr.clock import UTCDateTime, utcnow
from ssgp_dhr.extensions import db, db_enum
from ssgp_dhr.organisations.models import Organisation

# Fields that identify real people: shown only to those allowed to see real names. perpetrator_name is the
# other person's name whatever the kind of death (after a suicide, the person alleged to have caused harm).
RESTRICTED_FIELDS = frozenset({"victim_name", "perpetrator_name", "victim_date_of_birth", "victim_address"})


class JointReviewKind(enum.StrEnum):
    """The other statutory review a DHR can be held jointly with."""

    SAFEGUARDING_ADULTS = "safeguarding_adults_review"
    CHILD_SAFEGUARDING_PRACTICE = "child_safeguarding_practice_review"

    @property
    def label(self) -> str:
        return {"safeguarding_adults_review": "Safeguarding Adults Review",
                "child_safeguarding_practice_review": "Child Safeguarding Practice Review"}[self.value]


class NotifierKind(enum.StrEnum):
    """Who told the partnership of the death: the police usually; after a suicide often the coroner."""

    POLICE = "police"
    CORONER = "coroner"
    OTHER_AGENCY = "other_agency"

    @property
    def label(self) -> str:
        return {"police": "The police", "coroner": "The coroner", "other_agency": "Another agency"}[self.value]


class DeadlineKind(enum.StrEnum):
    """The two statutory time limits: the decision whether to hold a review, and the report."""

    DECISION = "decision"
    REPORT = "report"

    @property
    def what(self) -> str:
        """The thing owed, for a sentence: 'the decision is now expected'."""
        return {"decision": "the decision", "report": "the report"}[self.value]

    @property
    def now_expected(self) -> str:
        """For 'Give the date …' and the form's label."""
        return {"decision": "the decision is now expected",
                "report": "the report is now expected to go to the Home Office"}[self.value]


class Review(db.Model):
    __tablename__ = "reviews"
    __table_args__ = (
        sa.UniqueConstraint("lead_partnership_id", "ref_year", "ref_number", name="uq_reviews_lead_year_number"),
        # The partnership's own reference (from the system it kept before): one review per reference.
        sa.UniqueConstraint("lead_partnership_id", "partnership_reference", name="uq_reviews_lead_partnership_reference"),
        sa.CheckConstraint("joint_partnership_id IS NULL OR joint_partnership_id <> lead_partnership_id",
                           name="joint_differs_from_lead"),
        sa.CheckConstraint("(joint_review_kind IS NULL) = (joint_review_with IS NULL)",
                           name="joint_review_kind_and_with"),
        # The case list's default order (newest reference first) reads this instead of sorting.
        sa.Index("ix_reviews_ref_year_ref_number", "ref_year", "ref_number"),
        # The list filtered by status, in the default and the "Notified" orders: an index walk in order
        # instead of collecting every review at that stage and sorting them.
        sa.Index("ix_reviews_status_ref_year_ref_number", "status", "ref_year", "ref_number"),
        sa.Index("ix_reviews_status_notified_on", "status", "notified_on"),
        # The public page, newest publication first: a walk of the first, a count of the second.
        sa.Index("ix_reviews_published_on_reference", "published_on", "reference"),
        sa.Index("ix_reviews_status_published_on", "status", "published_on"),
        # A partnership's reviews at some stages (My work, the case list filtered by status) without
        # reading each of the partnership's reviews for its stage; also every lookup by partnership.
        sa.Index("ix_reviews_lead_partnership_id_status", "lead_partnership_id", "status"),
        sa.Index("ix_reviews_joint_partnership_id_status", "joint_partnership_id", "status"),
        # The overdue filters and My work's nearest deadlines read the stored next deadline in date order.
        sa.Index("ix_reviews_next_deadline_on", "next_deadline_on"),
        sa.Index("ix_reviews_lead_partnership_id_next_deadline_on", "lead_partnership_id", "next_deadline_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    ref_year: Mapped[int]
    ref_number: Mapped[int]
    review_type: Mapped[str] = mapped_column(sa.String(80))
    # The lead partnership's own reference, kept beside the tracker's when its reviews are brought in from
    # its spreadsheet: searchable, and how a second import of the same file finds the review again.
    partnership_reference: Mapped[str | None] = mapped_column(sa.String(60))
    # What the review is about: a killing, a suicide or another unexpected death following domestic abuse.
    # It chooses the words every page uses of the death and the other person (death_kinds.wording).
    death_kind: Mapped[DeathKind] = mapped_column(db_enum(DeathKind, 40), default=DeathKind.DOMESTIC_HOMICIDE,
                                                  server_default=DeathKind.DOMESTIC_HOMICIDE.value)
    lead_partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    joint_partnership_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))

    # Written only by the shared workflow machine (ssgp_dhr.cases.workflow) through advance().
    status: Mapped[str] = mapped_column(sa.String(32), index=True)
    status_before_hold: Mapped[str | None] = mapped_column(sa.String(32))
    version: Mapped[int] = mapped_column(default=1)

    # Notification
    pseudonym: Mapped[str] = mapped_column(sa.String(80))
    victim_name: Mapped[str] = mapped_column(sa.String(200))
    victim_date_of_birth: Mapped[date | None]
    victim_address: Mapped[str | None] = mapped_column(sa.Text)
    victim_age: Mapped[int | None]
    perpetrator_name: Mapped[str | None] = mapped_column(sa.String(200))
    date_of_death: Mapped[date]
    notified_on: Mapped[date] = mapped_column(index=True)  # the case list's "Notified" sort
    notified_by: Mapped[str] = mapped_column(sa.String(200))  # the service or officer, in their own words
    notifier_kind: Mapped[NotifierKind] = mapped_column(db_enum(NotifierKind, 20), default=NotifierKind.POLICE)
    circumstances: Mapped[str] = mapped_column(sa.Text, default="")
    press_contact: Mapped[str | None] = mapped_column(sa.String(200))
    # The coroner's request for the review's report (for the inquest), when it comes, and when it was sent.
    coroner_request_received_on: Mapped[date | None]
    coroner_request_details: Mapped[str | None] = mapped_column(sa.Text)
    coroner_report_sent_on: Mapped[date | None]
    # Held jointly with a Safeguarding Adults Review or Child Safeguarding Practice Review, and the board
    # or partnership that shares it: both set, or neither.
    joint_review_kind: Mapped[JointReviewKind | None] = mapped_column(db_enum(JointReviewKind, 40))
    joint_review_with: Mapped[str | None] = mapped_column(sa.String(200))

    # Decision
    decision_on: Mapped[date | None]
    home_office_told_on: Mapped[date | None]
    decline_reasons: Mapped[str | None] = mapped_column(sa.Text)
    reopen_reason: Mapped[str | None] = mapped_column(sa.Text)

    # Set-up
    chair_name: Mapped[str | None] = mapped_column(sa.String(200))
    chair_appointed_on: Mapped[date | None]
    terms_of_reference_agreed_on: Mapped[date | None]

    # Drafting and sign-off
    overview_report_completed_on: Mapped[date | None]
    executive_summary_completed_on: Mapped[date | None]
    action_plan_completed_on: Mapped[date | None]
    panel_signed_off_on: Mapped[date | None]
    partnership_signed_off_on: Mapped[date | None]

    # Publication
    published_on: Mapped[date | None]
    publication_url: Mapped[str | None] = mapped_column(sa.String(500))
    published_documents: Mapped[str | None] = mapped_column(sa.String(200))
    summary_only_reason: Mapped[str | None] = mapped_column(sa.Text)
    family_agreed_summary_on: Mapped[date | None]
    home_office_agreed_summary_on: Mapped[date | None]
    closed_on: Mapped[date | None]

    # Keeping the case file (retention/): a later date to keep it until than the retention period
    # gives, and the day its personal content was destroyed, after which nothing more is recorded.
    retention_extended_until: Mapped[date | None]
    disposed_on: Mapped[date | None]

    # The hash of the newest event: anchors the history chain so a removed tail is detected.
    event_head_hash: Mapped[str | None] = mapped_column(sa.String(64))
    event_count: Mapped[int] = mapped_column(default=0)

    # The UK day the tracker first held the review. A deadline that had already passed then (a review
    # entered after the event, or brought in from an older system) is shown with its dates, not as
    # overdue, and nobody is chased for it (deadlines.Deadline.recorded_after_event).
    recorded_on: Mapped[date]

    # The next statutory deadline still owed, and which it is (deadlines.next_deadline): derived from the
    # stage, the dates and the first Home Office round, and written in the same flush as any change to
    # them (deadlines.store_next_deadlines), so lists filter and sort on an index instead of working it out
    # for every review. Both None when nothing is owed.
    next_deadline_kind: Mapped[DeadlineKind | None] = mapped_column(db_enum(DeadlineKind, 16))
    next_deadline_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    lead_partnership: Mapped[Organisation] = relationship(foreign_keys=[lead_partnership_id], lazy="joined")
    joint_partnership: Mapped[Organisation | None] = relationship(foreign_keys=[joint_partnership_id], lazy="joined")
    holds: Mapped[list[ReviewHold]] = relationship(back_populates="review", order_by="ReviewHold.started_on",
                                                  cascade="all, delete-orphan")
    qa_rounds: Mapped[list[QARound]] = relationship(back_populates="review", order_by="QARound.number",
                                                   cascade="all, delete-orphan")
    panel: Mapped[list[PanelMembership]] = relationship(back_populates="review", cascade="all, delete-orphan")
    delay_notices: Mapped[list[DelayNotice]] = relationship(
        back_populates="review", order_by="(DelayNotice.told_on, DelayNotice.id)", cascade="all, delete-orphan")
    decision_responses: Mapped[list[DecisionResponse]] = relationship(
        back_populates="review", order_by="DecisionResponse.id", cascade="all, delete-orphan")
    agencies: Mapped[list[Organisation]] = relationship(secondary="review_agencies", order_by="Organisation.name")
    consideration_panels: Mapped[list[ConsiderationPanel]] = relationship(
        back_populates="review", order_by="(ConsiderationPanel.met_on, ConsiderationPanel.id)",
        cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def partnership_ids(self) -> set[int]:
        return {self.lead_partnership_id} | ({self.joint_partnership_id} if self.joint_partnership_id else set())

    @property
    def wording(self):  # noqa: ANN201 - death_kinds.Wording
        """The words that fit this review's death: the other person, their name's label, the hold reasons."""
        from ssgp_dhr.cases.death_kinds import wording

        return wording(self.death_kind)

    @property
    def current_hold(self) -> ReviewHold | None:
        return next((h for h in self.holds if h.ended_on is None), None)

    @property
    def review_held(self) -> bool:
        """Whether the current decision (once made) is to hold a review."""
        return self.status != Stage.NOT_COMMISSIONED

    @property
    def was_reopened(self) -> bool:
        """Declined, then reopened (a reopen always records why)."""
        return self.reopen_reason is not None

    @property
    def decision_response(self) -> DecisionResponse | None:
        """The Home Office's answer to the current decision, once recorded."""
        return next((r for r in self.decision_responses
                     if r.decision_on == self.decision_on and r.review_held == self.review_held), None)

    @property
    def is_written(self) -> bool:
        """Whether the review is in the database yet: until it is, no record elsewhere can name it (an import
        adds many with their ids taken ahead, and writes them together)."""
        return self.id is not None and not sa.inspect(self).pending

    @property
    def current_qa_round(self) -> QARound | None:
        return self.qa_rounds[-1] if self.qa_rounds else None

    def __repr__(self) -> str:
        return f"<Review {self.reference} {self.status}>"


review_agencies = sa.Table(
    "review_agencies", db.metadata,
    sa.Column("review_id", sa.ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("agency_id", sa.ForeignKey("organisations.id"), primary_key=True),
)
"""The agencies involved in a review, as the partnership recorded them."""


class HoldReason(enum.StrEnum):
    CRIMINAL_PROCEEDINGS = "criminal_proceedings"
    INQUEST = "inquest"
    IOPC = "iopc"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "criminal_proceedings": "Criminal investigation or trial",
            "inquest": "Inquest",
            "iopc": "IOPC investigation",
            "other": "Other parallel proceedings",
        }[self.value]


class ReviewHold(db.Model):
    """A pause for parallel proceedings. Holds do not stop the statutory clock."""

    __tablename__ = "review_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    reason: Mapped[HoldReason] = mapped_column(db_enum(HoldReason))
    details: Mapped[str] = mapped_column(sa.Text)
    started_on: Mapped[date]
    expected_end_on: Mapped[date]
    # The expected end given when the hold began: kept when it is changed, so an overrun can be explained.
    first_expected_end_on: Mapped[date]
    ended_on: Mapped[date | None]
    inquest_on: Mapped[date | None]  # a hold for an inquest: the day the inquest is listed, once it is

    review: Mapped[Review] = relationship(back_populates="holds")

    @property
    def end_was_changed(self) -> bool:
        return self.expected_end_on != self.first_expected_end_on


class DelayCause(enum.StrEnum):
    """Why a decision or report is late; drafting, the family and the chair delay only the report."""

    PARALLEL_PROCEEDINGS = "parallel_proceedings"
    AGENCY_INFORMATION = "agency_information"
    FAMILY_INVOLVEMENT = "family_involvement"
    CHAIR_OR_AUTHOR = "chair_or_author"
    DRAFTING_AND_SIGN_OFF = "drafting_and_sign_off"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "parallel_proceedings": "Parallel proceedings (trial, inquest, IOPC)",
            "agency_information": "Waiting for agencies' information (IMRs, chronologies)",
            "family_involvement": "Time for the family to take part",
            "chair_or_author": "Independent chair or report author availability",
            "drafting_and_sign_off": "Drafting and sign-off of the report",
            "other": "Another reason",
        }[self.value]

    @classmethod
    def delaying(cls, deadline: DeadlineKind) -> tuple[DelayCause, ...]:
        if deadline is DeadlineKind.DECISION:
            return (cls.PARALLEL_PROCEEDINGS, cls.AGENCY_INFORMATION, cls.OTHER)
        return tuple(cls)


class DelayNotice(db.Model):
    """The Home Office told that the decision or the report will be late: why, and when it is now expected."""

    __tablename__ = "delay_notices"
    __table_args__ = (
        # The date the Home Office was last given for a review's deadline, read from the index alone: the
        # count of late decisions and reports it has not been told of looks it up for each overdue review.
        sa.Index("ix_delay_notices_review_deadline_told", "review_id", "deadline", "told_on", "id", "expected_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"))
    deadline: Mapped[DeadlineKind] = mapped_column(db_enum(DeadlineKind, 16))
    told_on: Mapped[date]
    cause: Mapped[DelayCause] = mapped_column(db_enum(DelayCause))
    explanation: Mapped[str] = mapped_column(sa.Text)
    expected_on: Mapped[date]  # when the Home Office was told to expect the decision or report
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    review: Mapped[Review] = relationship(back_populates="delay_notices")


class ConsiderationAdvice(enum.StrEnum):
    """What a consideration panel advised the chair to decide."""

    HOLD = "hold"
    DO_NOT_HOLD = "do_not_hold"
    OTHER_REVIEW = "other_review"
    MORE_INFORMATION = "more_information"

    @property
    def label(self) -> str:
        return {
            "hold": "Hold a review",
            "do_not_hold": "Do not hold a review",
            "other_review": "Another kind of review instead (such as a Safeguarding Adults Review)",
            "more_information": "Meet again when more is known",
        }[self.value]


class ConsiderationPanel(db.Model):
    """A consideration panel or scoping meeting: agencies meet after the notification and advise the chair
    whether to hold a review. Some areas screen every notification this way; the decision stays the
    chair's, and the month to make it runs from the notification all the same."""

    __tablename__ = "consideration_panels"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    met_on: Mapped[date]
    attended_by: Mapped[str] = mapped_column(sa.Text)  # the agencies represented, as the notes of the meeting say
    advice: Mapped[ConsiderationAdvice] = mapped_column(db_enum(ConsiderationAdvice))
    rationale: Mapped[str] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    review: Mapped[Review] = relationship(back_populates="consideration_panels")


class DecisionResponseOutcome(enum.StrEnum):
    """What the Home Office said of a decision whether to hold a review."""

    ACKNOWLEDGED = "acknowledged"
    AGREED = "agreed"
    REVIEW_ADVISED = "review_advised"
    REVIEW_DIRECTED = "review_directed"

    @property
    def label(self) -> str:
        return {
            "acknowledged": "Acknowledged the decision to hold a review",
            "agreed": "The Quality Assurance Panel agreed a review is not needed",
            "review_advised": "The Quality Assurance Panel advised that a review be held",
            "review_directed": "The Home Secretary directed that a review be held",
        }[self.value]

    @property
    def asks_for_review(self) -> bool:
        return self in (DecisionResponseOutcome.REVIEW_ADVISED, DecisionResponseOutcome.REVIEW_DIRECTED)

    @classmethod
    def answering(cls, review_held: bool) -> tuple[DecisionResponseOutcome, ...]:
        """The responses a decision to hold a review (or not to) can have."""
        if review_held:
            return (cls.ACKNOWLEDGED,)
        return (cls.AGREED, cls.REVIEW_ADVISED, cls.REVIEW_DIRECTED)


class DecisionResponse(db.Model):
    """The Home Office's answer to one decision whether to hold a review.

    A decision not to hold one goes to the Home Office's Quality Assurance Panel, which may agree or
    ask for a review (as may the Home Secretary); a decision to hold one is acknowledged. The
    decision answered is kept by its date and kind, so a review reopened after a decline shows its
    new decision as awaiting a response while the answer to the old one stays on record.
    """

    __tablename__ = "decision_responses"
    # Also the index for a review's responses (review_id leads).
    __table_args__ = (sa.UniqueConstraint("review_id", "decision_on", "review_held",
                                          name="uq_decision_responses_review_decision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"))
    decision_on: Mapped[date]
    review_held: Mapped[bool]
    received_on: Mapped[date]
    outcome: Mapped[DecisionResponseOutcome] = mapped_column(db_enum(DecisionResponseOutcome))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    review: Mapped[Review] = relationship(back_populates="decision_responses")


def answers_current_decision() -> sa.ColumnElement[bool]:
    """Review.decision_response in SQL: a response to the review's current decision, by its date and kind."""
    return sa.and_(
        DecisionResponse.review_id == Review.id, DecisionResponse.decision_on == Review.decision_on,
        sa.or_(sa.and_(DecisionResponse.review_held.is_(False), Review.status == Stage.NOT_COMMISSIONED),
               sa.and_(DecisionResponse.review_held.is_(True), Review.status != Stage.NOT_COMMISSIONED)))


class QAOutcome(enum.StrEnum):
    PUBLISH = "publish"
    PUBLISH_AFTER_CHANGES = "publish_after_changes"
    REVISE = "revise"

    @property
    def label(self) -> str:
        return {
            "publish": "Content to publish",
            "publish_after_changes": "Publish after listed final changes",
            "revise": "Revise and resubmit",
        }[self.value]


class QARound(db.Model):
    """One submission of the report to the Home Office Quality Assurance Panel."""

    __tablename__ = "qa_rounds"
    __table_args__ = (sa.UniqueConstraint("review_id", "number", name="uq_qa_rounds_review_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    submitted_on: Mapped[date]
    panel_meeting_on: Mapped[date | None]
    letter_on: Mapped[date | None]
    outcome: Mapped[QAOutcome | None] = mapped_column(db_enum(QAOutcome))
    changes_requested: Mapped[str | None] = mapped_column(sa.Text)

    review: Mapped[Review] = relationship(back_populates="qa_rounds")


class PanelRole(enum.StrEnum):
    INDEPENDENT_CHAIR = "independent_chair"
    REPORT_AUTHOR = "report_author"
    AGENCY_REPRESENTATIVE = "agency_representative"
    ADVOCATE = "advocate"
    OBSERVER = "observer"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class PanelMembership(db.Model):
    __tablename__ = "panel_memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    panel_role: Mapped[PanelRole] = mapped_column(db_enum(PanelRole))
    started_on: Mapped[date]
    ended_on: Mapped[date | None]

    review: Mapped[Review] = relationship(back_populates="panel")
    user: Mapped[User] = relationship(lazy="joined")
    agency: Mapped[Organisation] = relationship(lazy="joined")

    def is_active_on(self, day: date) -> bool:
        # ended_on is the day access ended: removing a member today ends their access at once.
        return self.started_on <= day and (self.ended_on is None or day < self.ended_on)


class EventKind(enum.StrEnum):
    CREATED = "created"
    TRANSITION = "transition"
    CHANGE = "change"


class CaseEvent(db.Model):
    """One entry in a review's append-only, hash-chained history.

    Never updated or deleted: on PostgreSQL a trigger refuses both; on every database each event
    carries the hash of the one before, so `dhr verify-audit` finds any alteration.
    """

    __tablename__ = "case_events"
    __table_args__ = (sa.UniqueConstraint("review_id", "seq", name="uq_case_events_review_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id"))
    seq: Mapped[int]
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[EventKind] = mapped_column(db_enum(EventKind, 16))
    trigger: Mapped[str | None] = mapped_column(sa.String(40))
    field: Mapped[str | None] = mapped_column(sa.String(60))
    from_value: Mapped[str | None] = mapped_column(sa.Text)
    to_value: Mapped[str | None] = mapped_column(sa.Text)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The review version the writer saw: "what changed since version v" is every event based on v or later.
    based_on_version: Mapped[int]
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True, insert_sentinel=True)
    # Since redaction exists, the hash commits to a salted digest of each free text (from, to,
    # reason and every text in the payload), not the text itself: a text can then be redacted and
    # the chain still verifies. None: an entry from before, whose texts are in its hash.
    salt: Mapped[str | None] = mapped_column(sa.String(32))
    # {path: {"sha256": the original text's digest, "entry": the redaction's seq}} for each redacted text.
    redacted: Mapped[dict | None] = mapped_column(sa.JSON)

    actor: Mapped[User | None] = relationship(lazy="joined")
    # Never read (the history has its own queries): it tells the writes to add a review before its entries,
    # when both are written together.
    review: Mapped[Review] = relationship(lazy="raise")

    @property
    def is_restricted(self) -> bool:
        return self.field in RESTRICTED_FIELDS

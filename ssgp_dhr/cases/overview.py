"""What a review's overview shows the person reading it: what needs attention now, with the next step,
and the actions they may take, each with what it needs done first.

The task lists are the workflow's own requirements (workflow.prerequisites): the guard that refuses an
action judges the same predicates, so the page and the guard cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import url_for

from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases import deadlines, workflow
from ssgp_dhr.cases.models import DeadlineKind, Review
from ssgp_dhr.cases.policy import can_advance
from ssgp_dhr.cases.stages import MAIN_PATH, Stage
from ssgp_dhr.presentation import uk_date

# A delay can be reported from this many days before the deadline (a coordinator who knows the report will
# be late tells the Home Office before it is); earlier, nothing is late and the link is not offered.
DELAY_REPORTABLE_DAYS = 14


@dataclass(frozen=True)
class Task:
    """One thing an action needs done first, where it is done, and whether it is."""

    text: str
    href: str
    done: bool


@dataclass(frozen=True)
class Offer:
    """An action this person may take now, with its task list."""

    action: workflow.Action
    tasks: list[Task]
    primary: bool
    note: str = ""

    @property
    def ready(self) -> bool:
        return all(task.done for task in self.tasks)


@dataclass(frozen=True)
class Attention:
    """Something overdue or waiting on someone else, and the next step (with where to take it, for those who may)."""

    text: str
    next_step: str
    href: str | None = None
    urgent: bool = True


def offers(review: Review, user: User) -> list[Offer]:
    """The actions `user` may take on `review` now: none for someone who may not advance it."""
    if review.disposed_on is not None or not can_advance(user, review):
        return []
    open_now = workflow.available_triggers(review.status)
    after = {spec["trigger"]: spec["dest"] for spec in workflow.TRANSITIONS
             if spec["trigger"] in open_now and review.status in workflow.sources_of(spec)}
    main_next = next((t for t in open_now if after.get(t) in MAIN_PATH and t != "resume"), None)
    if review.status == Stage.NOT_COMMISSIONED and not (review.decision_response and
                                                   review.decision_response.outcome.asks_for_review):
        main_next = None  # reopening a decline is the exception, until the Home Office asks for a review
    found = []
    for trigger in open_now:
        tasks = [Task(req.reason, req.done_at(review), done) for req, done in workflow.prerequisites(review, trigger)]
        note = ""
        if trigger == "resume" and review.status_before_hold:
            note = f"The review goes back to being {workflow.STAGE_BY_NAME[review.status_before_hold].in_words}."
            main_next = main_next or trigger
        found.append(Offer(workflow.ACTIONS[trigger], tasks, primary=trigger == main_next, note=note))
    return found


def attention(review: Review, user: User, today: date) -> list[Attention]:
    """What is overdue, or waiting on the Home Office, with the next step."""
    if review.disposed_on is not None:
        return []
    acts = can_advance(user, review)
    found: list[Attention] = []
    owed = deadlines.delay_owed(review)
    if owed is not None and owed.is_overdue(today):
        name = owed.name[0].lower() + owed.name[1:]
        what = f"The {name} was due on {uk_date(owed.due_on)}: {owed.days_overdue(today)} days overdue."
        latest = deadlines.latest_delay_notice(review)
        if deadlines.untold_delay(review, today):
            told = (f" The Home Office was told to expect it by {uk_date(latest.expected_on)}, which has passed."
                    if latest else " The Home Office has not been told of the delay.")
            found.append(Attention(what + told, "Tell the Home Office why, and when to expect it; then record that.",
                                   url_for("cases.record_delay", reference=review.reference) if acts else None))
        else:
            found.append(Attention(
                what + f" The Home Office was told on {uk_date(latest.told_on)} to expect it by {uk_date(latest.expected_on)}.",
                _next_for(owed), None, urgent=False))
    hold = review.current_hold
    if hold is not None and hold.expected_end_on < today:
        found.append(Attention(
            f"On hold ({hold.reason.label.lower()}) past its expected end, {uk_date(hold.expected_end_on)}.",
            "Resume the review if the proceedings have ended; if not, record the new expected end and why.",
            url_for("cases.change_hold_end", reference=review.reference) if acts else None))
    if review.status == Stage.HOME_OFFICE_REVIEW and review.current_qa_round is not None:
        found.append(Attention(
            f"With the Home Office's Quality Assurance Panel since {uk_date(review.current_qa_round.submitted_on)}.",
            "Record its letter when it comes: approval, or the changes it asks for.", None, urgent=False))
    if review.status == Stage.NOT_COMMISSIONED and review.home_office_told_on:
        response = review.decision_response
        if response is None:
            found.append(Attention(
                "The Home Office has not yet answered the decision not to hold a review "
                f"(told {uk_date(review.home_office_told_on)}).",
                "Record its answer when it comes.",
                url_for("cases.record_decision_response", reference=review.reference) if acts else None, urgent=False))
        elif response.outcome.asks_for_review:
            found.append(Attention("The Home Office asked for a review to be held.", "Reopen the review.",
                                   url_for("cases.action", reference=review.reference, trigger="reopen") if acts else None))
    return found


def delay_reportable(review: Review, today: date) -> deadlines.Deadline | None:
    """The decision or report whose delay may be reported now: overdue, or due within DELAY_REPORTABLE_DAYS."""
    owed = deadlines.delay_owed(review)
    if owed is None or owed.recorded_after_event or (owed.due_on - today).days > DELAY_REPORTABLE_DAYS:
        return None
    return owed


def _next_for(deadline: deadlines.Deadline) -> str:
    return ("Record the decision once it is made." if deadline.kind is DeadlineKind.DECISION
            else "Submit the report to the Home Office once it is signed off.")

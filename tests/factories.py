"""Factories for the domain: partnerships, agencies, people with roles, reviews at any stage."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from ssgp_dhr.accounts.models import Role, RoleAssignment, User
from ssgp_dhr.accounts.passwords import hash_password
from ssgp_dhr.cases import services
from ssgp_dhr.cases.models import PanelMembership, PanelRole, Review
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import Organisation, OrganisationKind

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)
_PASSWORD_HASH: str | None = None


def _password_hash() -> str:
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = hash_password(PASSWORD)
    return _PASSWORD_HASH


def organisation(short_name: str, name: str | None = None, kind: OrganisationKind = OrganisationKind.AGENCY) -> Organisation:
    found = db.session.scalar(sa.select(Organisation).where(Organisation.short_name == short_name))
    if found:
        return found
    org = Organisation(name=name or short_name, short_name=short_name, kind=kind)
    db.session.add(org)
    db.session.commit()
    return org


def ssgp() -> Organisation:
    return organisation("SSGP", "Stronger Safer Gloucester Partnership", OrganisationKind.PARTNERSHIP)


def safer_glos() -> Organisation:
    return organisation("SG", "Safer Gloucestershire", OrganisationKind.PARTNERSHIP)


def user(*roles: tuple[Role, Organisation] | Role, email: str | None = None, organisation_: Organisation | None = None,
         **fields: Any) -> User:
    """A person holding `roles`; a bare Role is held for the SSGP."""
    n = next(_counter)
    person = User(
        email=email or f"person{n}@example.org", full_name=fields.pop("full_name", f"Person {n}"),
        organisation=organisation_ or ssgp(), password_hash=_password_hash(), **fields,
    )
    person.roles = [
        RoleAssignment(role=r, partnership=ssgp()) if isinstance(r, Role) else RoleAssignment(role=r[0], partnership=r[1])
        for r in roles
    ]
    db.session.add(person)
    db.session.commit()
    return person


def coordinator(partnership: Organisation | None = None) -> User:
    return user((Role.COORDINATOR, partnership or ssgp()))


def manager(partnership: Organisation | None = None) -> User:
    return user((Role.MANAGER, partnership or ssgp()))


def panel_member(partnership: Organisation | None = None) -> User:
    return user((Role.PANEL_MEMBER, partnership or ssgp()))


def notified_review(by: User | None = None, *, lead: Organisation | None = None, joint: Organisation | None = None,
                    notified_on: date | None = None, **fields: Any) -> Review:
    lead = lead or ssgp()
    by = by or coordinator(lead)
    notified_on = notified_on or today_uk() - timedelta(days=10)
    values = {
        "pseudonym": "Scott", "victim_name": "Victoria Realname", "perpetrator_name": "Peter Realname",
        "victim_age": 40, "date_of_death": notified_on - timedelta(days=3), "notified_on": notified_on,
        "notified_by": "Gloucestershire Constabulary", "circumstances": "Test case.",
    }
    values.update(fields)
    return services.record_notification(
        by, lead_partnership_id=lead.id, review_type="Domestic Homicide Review",
        joint_partnership_id=joint.id if joint else None, **values,
    )


# The data each trigger needs, relative to a review's notification date.
def trigger_data(review: Review, trigger: str) -> dict[str, Any]:
    n = review.notified_on
    last_round = review.current_qa_round
    after_submission = (last_round.submitted_on if last_round else n) + timedelta(days=1)
    return {
        "commission": {"decision_on": n + timedelta(days=1), "home_office_told_on": n + timedelta(days=2)},
        "decline": {"decision_on": n + timedelta(days=1), "home_office_told_on": n + timedelta(days=2),
                    "decline_reasons": "Criteria not met."},
        "reopen": {"reopen_reason": "The Home Office QA Panel disagreed.", "decision_on": n + timedelta(days=3),
                   "home_office_told_on": n + timedelta(days=3)},
        "convene_panel": {"chair_name": "Independent Chair", "chair_appointed_on": n + timedelta(days=3),
                          "terms_of_reference_agreed_on": n + timedelta(days=4)},
        "pause": {"hold_reason": "inquest", "hold_details": "Inquest opened.", "hold_started_on": n + timedelta(days=4),
                  "hold_expected_end_on": n + timedelta(days=60)},
        "resume": {"hold_ended_on": n + timedelta(days=5)},
        "submit": {"overview_report_completed_on": n + timedelta(days=4), "executive_summary_completed_on": n + timedelta(days=4),
                   "action_plan_completed_on": n + timedelta(days=4), "panel_signed_off_on": n + timedelta(days=4),
                   "partnership_signed_off_on": n + timedelta(days=4), "submitted_on": n + timedelta(days=5)},
        "request_revisions": {"letter_on": after_submission, "changes_requested": "More on agency contact."},
        "resubmit": {"submitted_on": (last_round.letter_on if last_round and last_round.letter_on else n) + timedelta(days=1)},
        "approve": {"letter_on": after_submission, "qa_outcome": "publish"},
        "publish": {"published_on": after_submission + timedelta(days=1), "publication_url": "https://example.org/dhr",
                    "published_documents": ["overview_report", "executive_summary"]},
        "publish_summary": {"summary_only_reason": "Harm to surviving children.", "family_agreed_summary_on": after_submission,
                            "home_office_agreed_summary_on": after_submission, "published_on": after_submission},
        "close": {"closed_on": after_submission + timedelta(days=2)},
    }[trigger]


PATHS = {
    "notified": [],
    "not_commissioned": ["decline"],
    "commissioned": ["commission"],
    "panel": ["commission", "convene_panel"],
    "on_hold": ["commission", "convene_panel", "pause"],
    "home_office_review": ["commission", "convene_panel", "submit"],
    "revising": ["commission", "convene_panel", "submit", "request_revisions"],
    "approved": ["commission", "convene_panel", "submit", "approve"],
    "published": ["commission", "convene_panel", "submit", "approve", "publish"],
    "summary_only": ["commission", "convene_panel", "submit", "approve", "publish_summary"],
    "closed": ["commission", "convene_panel", "submit", "approve", "publish", "close"],
}


def prepare(review: Review, trigger: str, by: User) -> None:
    """What a trigger needs besides its own data: for publishing, the decision, the public summary and
    a passing anonymisation check on clean documents."""
    from ssgp_dhr.publication import services as publication

    if trigger not in ("publish", "publish_summary"):
        return
    summary = trigger == "publish_summary"
    data = trigger_data(review, trigger)
    publication.record_decision(
        review, by, review.version, form="summary_only" if summary else "full",
        decided_on=review.current_qa_round.letter_on,
        **({k: data[k] for k in ("summary_only_reason", "family_agreed_summary_on", "home_office_agreed_summary_on")}
           if summary else {}))
    publication.record_details(review, by, review.version, {
        "public_summary": f"{review.pseudonym} was killed by a former partner.",
        "learning_summary": "Agencies should share information sooner." if summary else None})
    kinds = ["learning_summary"] if summary else data["published_documents"]
    publication.run_check(review, by, [publication.DocumentToPublish(k, f"{k}.txt", b"An anonymised report about "
                                                                     + review.pseudonym.encode()) for k in kinds])


def review_at(status: str, by: User | None = None, **fields: Any) -> Review:
    """A review taken through the real workflow to `status`."""
    lead = fields.pop("lead", None) or ssgp()
    by = by or coordinator(lead)
    review = notified_review(by, lead=lead, notified_on=today_uk() - timedelta(days=200), **fields)
    for trigger in PATHS[status]:
        prepare(review, trigger, by)
        services.advance(review, trigger, by, review.version, **trigger_data(review, trigger))
    assert review.status == status
    return review


def seat_on_panel(review: Review, person: User, role: PanelRole = PanelRole.AGENCY_REPRESENTATIVE,
                  agency: Organisation | None = None, **fields: Any) -> PanelMembership:
    membership = PanelMembership(review=review, user=person, agency=agency or organisation("Constabulary"),
                                 panel_role=role, started_on=fields.pop("started_on", review.notified_on), **fields)
    db.session.add(membership)
    db.session.commit()
    return membership

"""Demo data: clearly fictional reviews across the stages, for both partnerships.

Every name, date and event here is invented. Reviews are moved through the real workflow service,
so their history is the same as for a review worked in the tracker.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from ssgp_dhr.accounts import second_factor
from ssgp_dhr.accounts.models import Role, RoleAssignment, User
from ssgp_dhr.accounts.passwords import hash_password
from ssgp_dhr.action_plan import services as action_plan
from ssgp_dhr.cases import services
from ssgp_dhr.cases.models import PanelMembership, PanelRole, Review
from ssgp_dhr.clock import today_uk, utcnow
from ssgp_dhr.costs import services as costs
from ssgp_dhr.documents import services as document_services
from ssgp_dhr.documents.models import DocumentType
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import AgencyKind, Organisation, OrganisationKind
from ssgp_dhr.panel import services as panel_services
from ssgp_dhr.panel.models import InputKind, RequestKind, RequestStatus
from ssgp_dhr.publication import copies, name_decisions
from ssgp_dhr.publication import services as publication

DEMO_PASSWORD = "demo-password-not-for-real-use"  # noqa: S105 - fictional demo accounts only

PARTNERSHIPS = (
    ("Stronger Safer Gloucester Partnership", "SSGP"),
    ("Safer Gloucestershire", "SG"),
)
AGENCIES = (
    ("Gloucestershire Constabulary", "Constabulary", AgencyKind.POLICE),
    ("Gloucester City Council", "City Council", AgencyKind.COUNCIL),
    ("Gloucestershire County Council", "County Council", AgencyKind.COUNCIL),
    ("Office of the Police and Crime Commissioner", "OPCC", AgencyKind.OTHER),
    ("NHS Gloucestershire Integrated Care Board", "NHS Glos", AgencyKind.HEALTH),
    ("Gloucestershire Fire and Rescue Service", "Fire and Rescue", AgencyKind.OTHER),
    ("Youth Support Team", "Youth Support", AgencyKind.COUNCIL),
    ("Probation Service (Gloucestershire)", "Probation", AgencyKind.PROBATION),
    ("Gloucester City Homes", "Housing", AgencyKind.OTHER),
    ("Gloucestershire Domestic Abuse Support Service", "GDASS", AgencyKind.SPECIALIST),
)


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    organisation: str
    roles: tuple[tuple[Role, str], ...]
    description: str


DEMO_ACCOUNTS = (
    DemoAccount("coordinator@ssgp.example", "Alex Morgan (demo)", "SSGP",
                ((Role.COORDINATOR, "SSGP"),), "DHR coordinator, Stronger Safer Gloucester Partnership"),
    DemoAccount("coordinator@safer-glos.example", "Sam Patel (demo)", "SG",
                ((Role.COORDINATOR, "SG"),), "DHR coordinator, Safer Gloucestershire"),
    DemoAccount("manager@ssgp.example", "Jordan Reeve (demo)", "SSGP",
                ((Role.MANAGER, "SSGP"),), "Partnership manager, SSGP (no real names)"),
    DemoAccount("chair@reviews.example", "Chris Hale (demo)", "SSGP",
                ((Role.PANEL_MEMBER, "SSGP"), (Role.PANEL_MEMBER, "SG")), "Independent chair on two reviews"),
    DemoAccount("police@panel.example", "Taylor Brooks (demo)", "Constabulary",
                ((Role.PANEL_MEMBER, "SSGP"),), "Constabulary panel member on one review"),
    DemoAccount("health@panel.example", "Robin Shaw (demo)", "NHS Glos",
                ((Role.PANEL_MEMBER, "SSGP"), (Role.PANEL_MEMBER, "SG")), "NHS panel member"),
    DemoAccount("admin@ssgp.example", "Casey Flint (demo)", "SSGP",
                ((Role.ADMIN, "SSGP"), (Role.ADMIN, "SG")), "Account administrator (no case content)"),
)


def database_is_empty() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0


def load_demo_data() -> None:
    """Create the demo organisations, accounts and reviews (in an empty database)."""
    orgs = _organisations()
    users = _accounts(orgs)
    db.session.commit()
    write_demo_accounts_file(users.values())
    _reviews(orgs, users)


def enrol_demo_accounts() -> None:
    """Give demo accounts from before the second factor existed a secret, and rewrite the secrets file."""
    emails = [account.email for account in DEMO_ACCOUNTS]
    users = db.session.scalars(sa.select(User).where(User.email.in_(emails)).order_by(User.id)).all()
    for user in users:
        if not user.totp_secret:
            user.totp_secret, user.totp_confirmed_at, user.totp_last_step = second_factor.new_secret(), utcnow(), None
    db.session.commit()
    if users:
        write_demo_accounts_file(users)


def demo_accounts_file() -> Path:
    return Path(current_app.instance_path) / "demo-accounts.txt"


def write_demo_accounts_file(users: object) -> Path:
    """The demo accounts with their authenticator secrets, for adding to an app (instance/ is not in git)."""
    path = demo_accounts_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# Demo accounts (fictional). Password for each: " + DEMO_PASSWORD,
             "# Add a secret to an authenticator app, or print a current code with:",
             "#   flask --app wsgi dhr demo-code EMAIL", ""]
    lines += [f"{user.email}  authenticator secret: {user.totp_secret}" for user in users]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def _organisations() -> dict[str, Organisation]:
    orgs = {}
    for name, short in PARTNERSHIPS:
        orgs[short] = Organisation(name=name, short_name=short, kind=OrganisationKind.PARTNERSHIP)
    for name, short, agency_kind in AGENCIES:
        orgs[short] = Organisation(name=name, short_name=short, kind=OrganisationKind.AGENCY, agency_kind=agency_kind)
    db.session.add_all(orgs.values())
    return orgs


def _accounts(orgs: dict[str, Organisation]) -> dict[str, User]:
    password_hash = hash_password(DEMO_PASSWORD)
    users = {}
    for account in DEMO_ACCOUNTS:
        # Enrolled already, so that a demo can start at the security code: see demo-accounts.txt.
        user = User(email=account.email, full_name=account.full_name, organisation=orgs[account.organisation],
                    password_hash=password_hash, totp_secret=second_factor.new_secret(), totp_confirmed_at=utcnow())
        user.roles = [RoleAssignment(role=role, partnership=orgs[p]) for role, p in account.roles]
        users[account.email] = user
    db.session.add_all(users.values())
    return users


def _notify(coordinator: User, lead: Organisation, pseudonym: str, victim: str, perpetrator: str,
            age: int, died_days_ago: int, joint: Organisation | None = None, **facts: object) -> Review:
    died = today_uk() - timedelta(days=died_days_ago)
    details = {"notified_by": "Gloucestershire Constabulary, Major Crime Investigation Team",
               "circumstances": "Fictional demonstration case. Adult found deceased at home; partner arrested.",
               **facts}
    return services.record_notification(
        coordinator, lead_partnership_id=lead.id, review_type=current_app.config["REVIEW_TYPE_NAME"],
        joint_partnership_id=joint.id if joint else None,
        pseudonym=pseudonym, victim_name=f"{victim} (fictional)", perpetrator_name=f"{perpetrator} (fictional)",
        victim_age=age, date_of_death=died, notified_on=died + timedelta(days=4),
        press_contact="Partnership communications team, 01452 000000 (demo)",
        recorded_on=died + timedelta(days=4),  # the demo's reviews were entered as each notification came in
        **details,
    )


# The documents a demo review has before each step (the workflow asks for them), as small text files.
DEMO_DOCUMENTS = {
    "convene_panel": ((DocumentType.TERMS_OF_REFERENCE, "Terms of reference", "terms-of-reference.txt"),),
    "submit": (
        (DocumentType.OVERVIEW_REPORT, "Overview report", "overview-report.txt"),
        (DocumentType.EXECUTIVE_SUMMARY, "Executive summary", "executive-summary.txt"),
        (DocumentType.ACTION_PLAN, "Action plan", "action-plan.csv"),
    ),
}


def _demo_document_text(review: Review, title: str, filename: str) -> bytes:
    if filename.endswith(".csv"):
        return ("Recommendation,Agency,Owner,Due\r\n"
                f"Share risk information at MARAC ({review.pseudonym} demo),Constabulary,Demo owner,31/03/2099\r\n"
                "Review domestic abuse training,City Council,Demo owner,30/06/2099\r\n").encode()
    return (f"{title} – {review.reference} ({review.pseudonym})\n\n"
            "FICTIONAL DEMONSTRATION DOCUMENT. Every name, date and event in it is invented.\n"
            "It exists so that the tracker's demo data has documents to list and download.\n").encode()


def _step(review: Review, actor: User, trigger: str, **data: object) -> None:
    for document_type, title, filename in DEMO_DOCUMENTS.get(trigger, ()):
        document_services.upload_document(
            review, actor, document_type=document_type, title=f"{title} (demo)", filename=filename,
            stream=io.BytesIO(_demo_document_text(review, title, filename)))
    services.advance(review, trigger, actor, review.version, **data)


def _reviews(orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    ssgp, sg = orgs["SSGP"], orgs["SG"]
    alex, sam = users["coordinator@ssgp.example"], users["coordinator@safer-glos.example"]
    chair, police, health = (users["chair@reviews.example"], users["police@panel.example"],
                             users["health@panel.example"])
    today = today_uk()

    # Notified recently: decision still due; agencies have met and advised the chair.
    robin = _notify(alex, ssgp, "Robin", "Jane Example", "John Example", 34, died_days_ago=12)
    services.record_consideration_panel(
        robin, alex, robin.version, met_on=robin.notified_on + timedelta(days=5),
        attended_by="Gloucestershire Constabulary, adult social care, NHS Gloucestershire, the domestic abuse service",
        advice="hold", rationale="Police and health services knew of controlling behaviour in the year before "
                                 "Robin's death. (Fictional demo.)")

    # Notified long ago and still undecided: overdue decision.
    _notify(sam, sg, "Morgan", "Ann Sample", "Mark Sample", 61, died_days_ago=60)

    # Commissioned: chair being appointed.
    ellis = _notify(alex, ssgp, "Ellis", "Kim Oakhurst", "Lee Oakhurst", 27, died_days_ago=90, joint=sg)
    _step(ellis, alex, "commission", decision_on=ellis.notified_on + timedelta(days=20),
          home_office_told_on=ellis.notified_on + timedelta(days=22))
    services.record_decision_response(ellis, alex, ellis.version, received_on=ellis.notified_on + timedelta(days=30),
                                      outcome="acknowledged", notes="")

    # Panel under way, with panel members from partner agencies.
    avery = _notify(alex, ssgp, "Avery", "Pat Imaginary", "Jo Imaginary", 45, died_days_ago=220)
    _step(avery, alex, "commission", decision_on=avery.notified_on + timedelta(days=25),
          home_office_told_on=avery.notified_on + timedelta(days=26))
    _seat_panel(avery, [(chair, orgs["SSGP"], PanelRole.INDEPENDENT_CHAIR),
                        (police, orgs["Constabulary"], PanelRole.AGENCY_REPRESENTATIVE),
                        (health, orgs["NHS Glos"], PanelRole.AGENCY_REPRESENTATIVE)])
    _step(avery, alex, "convene_panel", chair_name=chair.full_name,
          chair_appointed_on=avery.notified_on + timedelta(days=40),
          terms_of_reference_agreed_on=avery.notified_on + timedelta(days=55))
    _panel_work(avery, alex, orgs, police, health)
    services.update_details(avery, alex, avery.version, {
        "joint_review_kind": "safeguarding_adults_review", "joint_review_with": "Gloucestershire Safeguarding Adults Board"})

    _suicide_review(orgs, alex, chair, police, health, today)

    # On hold for a criminal trial.
    quinn = _notify(sam, sg, "Quinn", "Lou Madeup", "Ray Madeup", 52, died_days_ago=300)
    _step(quinn, sam, "commission", decision_on=quinn.notified_on + timedelta(days=28),
          home_office_told_on=quinn.notified_on + timedelta(days=29))
    _seat_panel(quinn, [(chair, orgs["SG"], PanelRole.INDEPENDENT_CHAIR),
                        (health, orgs["NHS Glos"], PanelRole.AGENCY_REPRESENTATIVE)])
    _step(quinn, sam, "convene_panel", chair_name=chair.full_name,
          chair_appointed_on=quinn.notified_on + timedelta(days=45),
          terms_of_reference_agreed_on=quinn.notified_on + timedelta(days=60))
    _step(quinn, sam, "pause", hold_reason="criminal_proceedings",
          hold_details="Crown Court trial listed; panel agreed to pause interviews with the family until verdict.",
          hold_started_on=quinn.notified_on + timedelta(days=90),
          hold_expected_end_on=quinn.notified_on + timedelta(days=180))
    services.change_hold_end(quinn, sam, quinn.version, expected_end_on=today + timedelta(days=60),
                             reason="The Crown Court relisted the trial after the defence asked for an adjournment.")
    services.record_delay_notice(
        quinn, sam, quinn.version, told_on=today - timedelta(days=20), cause="parallel_proceedings",
        explanation="The panel cannot speak to the family or witnesses until the trial ends; the trial has been "
                    "relisted. The partnership will resume the review after the verdict.",
        expected_on=today + timedelta(days=240))

    # With the Home Office after one round of revisions.
    sky = _notify(alex, ssgp, "Sky", "Dee Marchbank", "Max Marchbank", 38, died_days_ago=600)
    _through_submission(sky, alex, chair)
    _step(sky, alex, "request_revisions", letter_on=sky.qa_rounds[-1].submitted_on + timedelta(days=50),
          changes_requested="Strengthen the analysis of agency contact in the year before the death.")
    _step(sky, alex, "resubmit", submitted_on=sky.qa_rounds[-1].letter_on + timedelta(days=30))

    # Published in full with the Home Office letter.
    scott = _notify(alex, ssgp, "Drew", "Val Pretend", "Kit Pretend", 41, died_days_ago=900)
    _through_submission(scott, alex, chair)
    _step(scott, alex, "approve", letter_on=scott.qa_rounds[-1].submitted_on + timedelta(days=60),
          qa_outcome="publish")
    # The family asked for the victim's own first name to be used: recorded, and confirmed by the manager.
    allowed = name_decisions.record_allowed_name(
        scott, alex, scott.version, name_key="victim_name", reason="family_asked",
        details="The family asked for her own first name to be used in what is published. (Fictional demo.)",
        family_agreed_on=scott.qa_rounds[-1].letter_on, home_office_agreed_on=scott.qa_rounds[-1].letter_on)
    name_decisions.confirm(scott, users["manager@ssgp.example"], allowed)
    _prepare_publication(scott, alex, "full", scott.qa_rounds[-1].letter_on + timedelta(days=5),
                         ["overview_report", "executive_summary", "home_office_letter"],
                         summary="Val, called Drew in the review until her family asked for her own first name to be "
                                 "used, was 41 when she was killed by a partner. (Fictional demo.)")
    _step(scott, alex, "publish", published_on=scott.qa_rounds[-1].letter_on + timedelta(days=30),
          publication_url="https://www.example.org/dhr/drew",
          published_documents=["overview_report", "executive_summary", "home_office_letter"])

    # Learning summary only, agreed with the family and the Home Office.
    rowan = _notify(sam, sg, "Rowan", "Bo Notreal", "Cy Notreal", 29, died_days_ago=800)
    _through_submission(rowan, sam, chair)
    letter = rowan.qa_rounds[-1].submitted_on + timedelta(days=55)
    _step(rowan, sam, "approve", letter_on=letter, qa_outcome="publish")
    publication.record_decision(rowan, sam, rowan.version, form="summary_only", decided_on=letter + timedelta(days=20),
                                summary_only_reason="Publication of the full report would harm surviving children.",
                                family_agreed_summary_on=letter + timedelta(days=10),
                                home_office_agreed_summary_on=letter + timedelta(days=20))
    _prepare_publication(rowan, sam, None, None, ["learning_summary"])
    _step(rowan, sam, "publish_summary", summary_only_reason="Publication of the full report would harm surviving children.",
          family_agreed_summary_on=letter + timedelta(days=10), home_office_agreed_summary_on=letter + timedelta(days=20),
          published_on=letter + timedelta(days=40))

    _copies_sent(scott, alex, ["Home Office (for the Secretary of State)", "Domestic Abuse Commissioner"])
    _copies_sent(rowan, sam, list(copies.USUAL_RECIPIENTS))

    _recommendations(scott, alex, orgs, today)
    _recommendations(rowan, sam, orgs, today)
    _costs(scott, alex, orgs)

    # Decided not to hold a review.
    _declined = _notify(sam, sg, "Harper", "Em Fakename", "Gus Fakename", 70, died_days_ago=150)
    _step(_declined, sam, "decline", decision_on=_declined.notified_on + timedelta(days=21),
          home_office_told_on=_declined.notified_on + timedelta(days=23),
          decline_reasons="The criteria are not met: the death followed a road traffic collision with no abuse indicated.")

    # Decided seven years ago not to hold a review: past the demonstration's 6-year retention, due for disposal.
    kai = _notify(alex, ssgp, "Kai", "Rae Oldcase", "Ty Oldcase", 66, died_days_ago=7 * 365 + 40)
    _step(kai, alex, "decline", decision_on=kai.notified_on + timedelta(days=24),
          home_office_told_on=kai.notified_on + timedelta(days=25),
          decline_reasons="The criteria are not met: the coroner found the death was from natural causes.")
    services.record_decision_response(kai, alex, kai.version, received_on=kai.notified_on + timedelta(days=80),
                                      outcome="agreed", notes="")


def _suicide_review(orgs: dict[str, Organisation], coordinator: User, chair: User, police: User, health: User,
                    today: date) -> Review:
    """A review after a suicide following domestic abuse: panel work under way, then paused for the inquest.
    Nobody is charged: the other person is the person alleged to have caused harm."""
    jamie = _notify(coordinator, orgs["SSGP"], "Jamie", "Sol Madeupname", "Ash Madeupname", 31, died_days_ago=240,
                    death_kind="suicide", notifier_kind="coroner",
                    notified_by="HM Coroner for Gloucestershire (demo)",
                    circumstances="Fictional demonstration case. Adult found deceased at home; the coroner opened an "
                                  "inquest. The family told the police of years of controlling behaviour by a former "
                                  "partner, who has not been charged.")
    _step(jamie, coordinator, "commission", decision_on=jamie.notified_on + timedelta(days=26),
          home_office_told_on=jamie.notified_on + timedelta(days=27))
    _seat_panel(jamie, [(chair, orgs["SSGP"], PanelRole.INDEPENDENT_CHAIR),
                        (police, orgs["Constabulary"], PanelRole.AGENCY_REPRESENTATIVE),
                        (health, orgs["NHS Glos"], PanelRole.AGENCY_REPRESENTATIVE)])
    _step(jamie, coordinator, "convene_panel", chair_name=chair.full_name,
          chair_appointed_on=jamie.notified_on + timedelta(days=40),
          terms_of_reference_agreed_on=jamie.notified_on + timedelta(days=52))
    _panel_work(jamie, coordinator, orgs, police, health)
    _step(jamie, coordinator, "pause", hold_reason="inquest",
          hold_details="The coroner resumed the inquest and asked the panel not to interview witnesses before it.",
          hold_started_on=today - timedelta(days=14), hold_expected_end_on=today + timedelta(days=45),
          inquest_on=today + timedelta(days=30))
    services.record_coroner_request(
        jamie, coordinator, jamie.version, received_on=today - timedelta(days=10), sent_on=None,
        details="The coroner asked for the overview report once the panel has signed it off. (Fictional demo.)")
    return jamie


# The published documents each kind of publication needs beyond those uploaded for submission.
PUBLICATION_DOCUMENTS = {
    "home_office_letter": ("Home Office QA Panel letter", "home-office-letter.txt"),
    "learning_summary": ("Learning summary", "learning-summary.txt"),
}


def _prepare_publication(review: Review, coordinator: User, form: str | None, decided_on: object,
                         kinds: list[str], summary: str | None = None) -> None:
    """The decision (unless made already), the public summary, the stored documents to publish and a
    passing anonymisation check on them; the publish action then marks them published."""
    if form:
        publication.record_decision(review, coordinator, review.version, form=form, decided_on=decided_on)
    publication.record_details(review, coordinator, review.version, {
        "public_summary": summary or f"{review.pseudonym}, aged {review.victim_age}, was killed by a partner. "
                                     "(Fictional demo.)",
        "learning_summary": "Agencies should ask about domestic abuse at every contact. (Fictional demo.)"
        if kinds == ["learning_summary"] else None})
    for kind in kinds:
        if kind in PUBLICATION_DOCUMENTS and publication.current_document(review, kind) is None:
            title, filename = PUBLICATION_DOCUMENTS[kind]
            document_services.upload_document(
                review, coordinator, document_type=DocumentType(kind), title=f"{title} (demo)", filename=filename,
                stream=io.BytesIO(_demo_document_text(review, title, filename)))
    check = publication.run_check(review, coordinator, kinds)
    if not check.passed:  # demo documents hold no real names: a finding here is a bug in the demo
        raise RuntimeError(f"the demo documents of {review.reference} failed the anonymisation check")


def _copies_sent(review: Review, coordinator: User, sent_to: list[str]) -> None:
    """The lead partnership's usual list of whom copies go to (started once), and the copies sent a few days
    after publication: those not in `sent_to` are still to send, for the publication board."""
    if not copies.recipients(review.lead_partnership_id, retired=True):
        copies.add_usual_recipients(coordinator, review.lead_partnership_id)
    for recipient in copies.recipients(review.lead_partnership_id):
        if recipient.name in sent_to:
            copies.record_copy_sent(review, coordinator, review.version, recipient_id=recipient.id,
                                    sent_on=review.published_on + timedelta(days=3))


def _costs(review: Review, coordinator: User, orgs: dict[str, Organisation]) -> None:
    """The chair's fees, administration and family advocacy, paid by the partnership, the PCC's office and
    the NHS, the shares they agreed, and the PCC's office's recharge settling the partnership's overpayment:
    the NHS is still owed what the PCC's office still owes."""
    n = review.notified_on
    for days, kind, pence, payer, note in (
            (60, "chair", 350_000, "SSGP", "Invoice CH-101: panel meetings 1 to 3. (Fictional demo.)"),
            (200, "chair", 275_000, "NHS Glos", "Invoice CH-117: drafting and sign-off. (Fictional demo.)"),
            (90, "administration", 48_000, "SSGP", "Minute-taking. (Fictional demo.)"),
            (120, "family_advocacy", 90_000, "OPCC", "Specialist advocate. (Fictional demo.)")):
        costs.record_cost(review, coordinator, review.version, incurred_on=n + timedelta(days=days), kind=kind,
                          amount_pence=pence, funder_id=orgs[payer].id, description=note)
    costs.agree_cost_sharing(review, coordinator, review.version, agreed_on=n + timedelta(days=50),
                             shares=[(orgs["SSGP"].id, 4000), (orgs["OPCC"].id, 3000), (orgs["NHS Glos"].id, 3000)],
                             note="Agreed at the partnership board. (Fictional demo.)")
    costs.record_recharge(review, coordinator, review.version, paid_on=n + timedelta(days=230),
                          payer_id=orgs["OPCC"].id, payee_id=orgs["SSGP"].id, amount_pence=92_800,
                          reference="Recharge RI-12: the partnership's overpayment. (Fictional demo.)")


def _recommendations(review: Review, coordinator: User, orgs: dict[str, Organisation], today: date) -> None:
    """Recommendations in each RAG state: complete, red (overdue), amber (due soon), green."""
    for number, (agency, target_days, complete) in enumerate(
            (("Constabulary", -90, True), ("NHS Glos", -20, False), ("Constabulary", 20, False),
             ("NHS Glos", 120, False)), start=1):
        recommendation = action_plan.add_recommendation(
            review, coordinator, review.version, reference=f"R{number}", level="single_agency",
            text=f"Fictional recommendation {number}: improve the recording of domestic abuse disclosures.",
            owning_agency_id=orgs[agency].id, actions="Training and an audit of records.",
            target_on=today + timedelta(days=target_days))
        action_plan.post_progress(recommendation, coordinator, text="Training plan agreed. (Fictional demo.)")
        if number == 4:  # a target moved, as the partnership agreed: the first one stays on record
            action_plan.revise_recommendation(
                recommendation, coordinator, review.version, target_on=today + timedelta(days=200),
                reason="The partnership board agreed more time: the training provider changed. (Fictional demo.)")
        if complete:
            action_plan.accept_completion(recommendation, coordinator, completed_on=today - timedelta(days=100))


def _through_submission(review: Review, coordinator: User, chair: User) -> None:
    n = review.notified_on
    _step(review, coordinator, "commission", decision_on=n + timedelta(days=24), home_office_told_on=n + timedelta(days=25))
    _seat_panel(review, [(chair, review.lead_partnership, PanelRole.INDEPENDENT_CHAIR)])
    _step(review, coordinator, "convene_panel", chair_name=chair.full_name, chair_appointed_on=n + timedelta(days=40),
          terms_of_reference_agreed_on=n + timedelta(days=50))
    panel_services.update_family(review, coordinator, advocate_organisation="AAFDA (demo)",
                                 pseudonym_agreed_on=n + timedelta(days=70), draft_shared_on=n + timedelta(days=236))
    _step(review, coordinator, "submit", overview_report_completed_on=n + timedelta(days=230),
          executive_summary_completed_on=n + timedelta(days=232), action_plan_completed_on=n + timedelta(days=235),
          panel_signed_off_on=n + timedelta(days=240), partnership_signed_off_on=n + timedelta(days=250),
          submitted_on=n + timedelta(days=255))


def _panel_work(review: Review, coordinator: User, orgs: dict[str, Organisation], police: User, health: User) -> None:
    """Agency requests (one overdue), a panel meeting, an input log entry and the family's involvement."""
    today = today_uk()
    seats = {m.user_id: m.id for m in review.panel}
    asked = today - timedelta(days=60)
    panel_services.record_request(review, coordinator, agency_id=orgs["Constabulary"].id, kind=RequestKind.IMR,
                                  requested_on=asked, due_on=today - timedelta(days=10), responsible_id=seats[police.id])
    chronology = panel_services.record_request(
        review, coordinator, agency_id=orgs["NHS Glos"].id, kind=RequestKind.CHRONOLOGY, requested_on=asked,
        due_on=today - timedelta(days=20), responsible_id=seats[health.id])
    panel_services.update_request(review, coordinator, chronology.id, status=RequestStatus.ACCEPTED,
                                  due_on=chronology.due_on, received_on=today - timedelta(days=25),
                                  responsible_id=seats[health.id], note="Received by secure e-mail (demo).")
    meeting = panel_services.record_meeting(
        review, coordinator, held_on=today - timedelta(days=30), agenda="Scoping; terms of reference; family contact.",
        minutes="Minutes circulated by the chair (demo).", attendee_ids=list(seats.values()))
    panel_services.add_meeting_action(review, coordinator, meeting.id, description="Send the IMR template to the police.",
                                      owner_id=seats[police.id], due_on=today + timedelta(days=14))
    panel_services.post_input(review, police, kind=InputKind.REQUEST_ANSWER,
                              text="Two call-outs to the address in the year before the death; details in the IMR.")
    panel_services.update_family(review, coordinator, advocate_name="A. Advocate (demo)",
                                 advocate_organisation="AAFDA (demo)", pseudonym_agreed_on=today - timedelta(days=40))


def _seat_panel(review: Review, members: list[tuple[User, Organisation, PanelRole]]) -> None:
    start = review.terms_of_reference_agreed_on or review.notified_on
    for user, agency, role in members:
        db.session.add(PanelMembership(review=review, user=user, agency=agency, panel_role=role, started_on=start))
    db.session.commit()

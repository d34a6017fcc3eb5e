"""`flask --app wsgi dhr ...`: administration commands."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from ssgp_dhr.extensions import db
from ssgp_dhr.single_run import AlreadyRunning, only_one_run


class _PlainErrors(click.Group):
    """A command that meets a database it cannot use says so in one line and exits 1, without a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from ssgp_dhr.database import DatabaseUnavailable, describe_failure

        try:
            return super().invoke(ctx)
        except (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.ProgrammingError, DatabaseUnavailable) as problem:
            db.session.rollback()
            raise click.ClickException(describe_failure(problem, current_app.config["SQLALCHEMY_DATABASE_URI"])) from None


@click.group(cls=_PlainErrors)
def dhr() -> None:
    """Administer the Domestic Homicide Review tracker."""


@dhr.command("setup-database")
@with_appcontext
def setup_database() -> None:
    """Create or upgrade the database, and load the demo data if it is empty (development only)."""
    from ssgp_dhr import demo
    from ssgp_dhr.database_roles import grant_to_service_role

    upgrade()
    granted = grant_to_service_role(current_app.config)
    if granted:
        click.echo(f"The service's database role {granted} has its privileges (none to alter, truncate, or change "
                   "the history or the access log).")
    if current_app.config["ENV_NAME"] == "development" and demo.database_is_empty():
        demo.load_demo_data()
        click.echo("Loaded the demo data.")
    elif current_app.config["ENV_NAME"] == "development":
        demo.enrol_demo_accounts()  # a database from before the second factor: its demo accounts too
    if current_app.config["ENV_NAME"] == "development":
        print_demo_accounts()


@dhr.command("create-admin")
@click.argument("email")
@click.option("--partnership", "partnership_name", required=True,
              help="The partnership they administer, by its full name: added if there is none of that name.")
@click.option("--short-name", default=None, help="A new partnership's short name (default: its initials).")
@click.option("--name", "full_name", prompt="Their full name", help="The administrator's full name.")
@click.option("--password-file", type=click.File("r", encoding="utf-8"), default=None,
              help="Read the password from the first line of this file ('-': standard input) instead of a prompt.")
@with_appcontext
def create_admin(email: str, partnership_name: str, short_name: str | None, full_name: str,
                 password_file: Any) -> None:
    """Create an administrator of a partnership (and the partnership, if it is new): the first account of a new
    service. The password comes from a prompt or a file, never the command line; they set up their
    authenticator app when they first sign in."""
    from ssgp_dhr.accounts.administrators import AdministratorRefused, create_administrator

    if password_file is not None:
        password = password_file.readline().rstrip("\r\n")
    else:
        password = click.prompt("Their password", hide_input=True, confirmation_prompt=True)
    try:
        made = create_administrator(email, full_name, partnership_name, password, short_name=short_name)
    except AdministratorRefused as refused:
        raise click.ClickException(str(refused)) from None
    if made.partnership_added:
        click.echo(f"Added the partnership {made.partnership.name} ({made.partnership.short_name}).")
    click.echo(f"Created {made.person.email}, administrator of {made.partnership.name}. They sign in at "
               f"{_sign_in_address()} and set up an authenticator app the first time.")


def _sign_in_address() -> str:
    base = current_app.config.get("BASE_URL") or f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"
    return base.rstrip("/") + "/sign-in"


def print_demo_accounts() -> None:
    from ssgp_dhr import demo

    click.echo(f"\nDemo accounts (password for each: {demo.DEMO_PASSWORD}):")
    for account in demo.DEMO_ACCOUNTS:
        click.echo(f"  {account.email:<34} {account.description}")
    click.echo(f"\nEach is enrolled for the second factor: secrets in {demo.demo_accounts_file()};")
    click.echo("print a current security code with: flask --app wsgi dhr demo-code EMAIL")
    click.echo(f"\nSign in at http://127.0.0.1:{os.environ.get('PORT', '5000')}/sign-in\n")


@dhr.command("load-demo")
@with_appcontext
def load_demo() -> None:
    """Load the demo data into an empty database."""
    from ssgp_dhr import demo

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("Demo data is never loaded into a production database.")
    if not demo.database_is_empty():
        raise click.ClickException("The database already holds data: demo data goes only into an empty one.")
    demo.load_demo_data()
    click.echo("Loaded the demo data.")


def _parse_value(field: str, value: str) -> object:
    """A field named *_on is a date (decision_on, told_on): one that is not a real date is refused here, by name."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        if field.endswith("_on") and value:
            raise click.ClickException(f"{field} must be a date written YYYY-MM-DD, not {value!r}") from None
        return value


def _parse_values(values: tuple[str, ...]) -> dict[str, object]:
    """--set FIELD=VALUE pairs as keyword arguments: dates as dates, published documents as a list."""
    data: dict[str, object] = {}
    for item in values:
        field, sep, value = item.partition("=")
        if not sep:
            raise click.ClickException(f"Write data as FIELD=VALUE, not {item!r}")
        data[field] = value.split(",") if field == "published_documents" else _parse_value(field, value)
    return data


def _review_and_actor(reference: str, actor_email: str) -> tuple[Any, Any]:
    from ssgp_dhr.accounts.models import User
    from ssgp_dhr.cases.models import Review

    review = db.session.scalar(sa.select(Review).where(Review.reference == reference))
    if review is None:
        raise click.ClickException(f"There is no review {reference}")
    actor = db.session.scalar(sa.select(User).where(User.email == actor_email.lower()))
    if actor is None:
        raise click.ClickException(f"There is no account {actor_email}")
    return review, actor


_SET_HELP = "Data the action needs, e.g. --set decision_on=2026-01-05 (dates as YYYY-MM-DD)."


@dhr.command("advance", context_settings={"ignore_unknown_options": True})
@click.argument("reference")
@click.argument("trigger")
@click.option("--as", "actor_email", required=True, help="E-mail of the coordinator taking the action.")
@click.option("--set", "values", multiple=True, metavar="FIELD=VALUE", help=_SET_HELP)
@with_appcontext
def advance_command(reference: str, trigger: str, actor_email: str, values: tuple[str, ...]) -> None:
    """Take the workflow action TRIGGER on review REFERENCE, as the coordinator given by --as."""
    from ssgp_dhr.cases.services import RequirementsNotMet, WorkflowError, advance

    review, actor = _review_and_actor(reference, actor_email)
    data = _parse_values(values)
    try:
        advance(review, trigger, actor, review.version, **data)
    except RequirementsNotMet as refused:
        raise click.ClickException("Not done:\n  - " + "\n  - ".join(refused.reasons)) from None
    except WorkflowError as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"{reference} is now {review.status}")


@dhr.command("import-reviews")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--partnership", "partnership_name", required=True, help="The partnership whose reviews they are.")
@click.option("--as", "actor_email", required=True, help="E-mail of the partnership's coordinator bringing them in.")
@click.option("--confirm", is_flag=True, help="Save them; without it, only show what would happen.")
@with_appcontext
def import_reviews_command(path: str, partnership_name: str, actor_email: str, confirm: bool) -> None:
    """Bring in a partnership's reviews from its spreadsheet (XLSX or CSV): every row's result first, and with
    --confirm the whole file saved in one transaction, or nothing if any row is refused."""
    from ssgp_dhr.accounts.models import User
    from ssgp_dhr.organisations.models import Organisation
    from ssgp_dhr.review_import.reading import LARGEST_FILE, SpreadsheetRefused
    from ssgp_dhr.review_import.services import ImportRefused, Outcome, import_reviews

    partnership = db.session.scalar(sa.select(Organisation).where(
        sa.or_(Organisation.name == partnership_name, Organisation.short_name == partnership_name)))
    if partnership is None:
        raise click.ClickException(f"There is no partnership {partnership_name}")
    actor = db.session.scalar(sa.select(User).where(User.email == actor_email.lower()))
    if actor is None:
        raise click.ClickException(f"There is no account {actor_email}")
    # A file larger than the import takes is refused without being read into memory.
    content = Path(path).read_bytes() if Path(path).stat().st_size <= LARGEST_FILE else b"x" * (LARGEST_FILE + 1)
    try:
        result = import_reviews(content, Path(path).name, partnership, actor, confirm=confirm)
    except (SpreadsheetRefused, ImportRefused) as refused:
        raise click.ClickException(str(refused)) from None
    for row in result.rows:
        where = f"{row.sheet}, row" if row.sheet else "Row"
        line = f"{where} {row.number} ({row.partnership_reference or 'no reference'}): {row.outcome.value}"
        click.echo(line + (f" as {row.reference}" if row.reference and row.outcome is not Outcome.REFUSED else ""))
        for problem in row.problems:
            click.echo(f"  - {problem.place + ': ' if problem.place else ''}{problem.reason}")
    counts = ", ".join(f"{result.count(o)} {o.value}" for o in Outcome)
    if result.refused:
        raise click.ClickException(f"{counts}. Nothing was saved: correct the refused rows and import the file again")
    click.echo(f"{counts}. " + ("Saved." if result.saved else "Nothing saved yet: run again with --confirm to save"))


# What `dhr record` records; _recordings() gives each its service (imported only when the command runs).
RECORDABLE = ("delay", "hold-end", "decision-response", "consideration-panel", "cost", "cost-sharing", "recharge")


def _recordings() -> dict[str, tuple[Callable[..., Any], tuple[str, ...], str]]:
    """What `dhr record` can record besides a workflow action: the service, the data it takes, and what it did."""
    from ssgp_dhr.cases import services

    return {
        "delay": (services.record_delay_notice, ("told_on", "cause", "explanation", "expected_on"),
                  "the delay the Home Office was told of"),
        "hold-end": (services.change_hold_end, ("expected_end_on", "reason"), "the hold's new expected end"),
        "decision-response": (services.record_decision_response, ("received_on", "outcome", "notes"),
                              "the Home Office's response to the decision"),
        "consideration-panel": (services.record_consideration_panel, ("met_on", "attended_by", "advice", "rationale"),
                                "the consideration panel and its advice"),
        "cost": (_record_cost, ("incurred_on", "kind", "amount", "funder", "description"), "the cost"),
        "cost-sharing": (_agree_cost_sharing, ("agreed_on", "shares", "note"), "the agreed shares of the costs"),
        "recharge": (_record_recharge, ("paid_on", "payer", "payee", "amount", "reference"), "the recharge"),
    }


def _organisation_id(short_name: Any) -> int | None:
    from ssgp_dhr.organisations.models import Organisation

    return db.session.scalar(sa.select(Organisation.id).where(Organisation.short_name == short_name)) \
        if short_name else None


def _record_cost(review: Any, actor: Any, version: int, *, incurred_on: Any, kind: Any, amount: Any, funder: Any,
                 description: Any) -> Any:
    """A cost as typed on the command line: the amount in pounds, the payer by its short name (SSGP, OPCC)."""
    from ssgp_dhr.costs import services as costs
    from ssgp_dhr.costs.forms import parse_pounds

    return costs.record_cost(review, actor, version, incurred_on=incurred_on, kind=kind,
                             amount_pence=parse_pounds(amount if isinstance(amount, str) else None),
                             funder_id=_organisation_id(funder), description=description)


def _record_recharge(review: Any, actor: Any, version: int, *, paid_on: Any, payer: Any, payee: Any, amount: Any,
                     reference: Any) -> Any:
    """A recharge as typed on the command line: the amount in pounds, payer and payee by short name."""
    from ssgp_dhr.costs import services as costs
    from ssgp_dhr.costs.forms import parse_pounds

    return costs.record_recharge(review, actor, version, paid_on=paid_on, payer_id=_organisation_id(payer),
                                 payee_id=_organisation_id(payee),
                                 amount_pence=parse_pounds(amount if isinstance(amount, str) else None),
                                 reference=reference)


def _agree_cost_sharing(review: Any, actor: Any, version: int, *, agreed_on: Any, shares: Any, note: Any) -> Any:
    """Shares as the history writes them: "SSGP 40%, NHS Glos 30%, OPCC 30%" (organisations by short name)."""
    from ssgp_dhr.costs import services as costs
    from ssgp_dhr.costs.forms import parse_percent

    rows = []
    for item in str(shares or "").split(","):
        name, _, percent = item.strip().rpartition(" ")
        if name or percent:
            rows.append((_organisation_id(name), parse_percent(percent)))
    return costs.agree_cost_sharing(review, actor, version, agreed_on=agreed_on, shares=rows, note=note)


@dhr.command("record", context_settings={"ignore_unknown_options": True})
@click.argument("reference")
@click.argument("what", type=click.Choice(RECORDABLE))
@click.option("--as", "actor_email", required=True, help="E-mail of the coordinator recording it.")
@click.option("--set", "values", multiple=True, metavar="FIELD=VALUE",
              help="The data, e.g. --set told_on=2026-11-20 (dates as YYYY-MM-DD).")
@with_appcontext
def record_command(reference: str, what: str, actor_email: str, values: tuple[str, ...]) -> None:
    """Record WHAT on review REFERENCE, as the coordinator given by --as: a delay the Home Office was told
    of (told_on, cause, explanation, expected_on), a hold's new expected end (expected_end_on, reason),
    the Home Office's response to the decision (received_on, outcome, notes), a consideration panel's
    advice before the decision (met_on, attended_by, advice, rationale), a cost (incurred_on, kind,
    amount in pounds, funder by short name, description), the agreed shares of the costs (agreed_on,
    shares as "SSGP 40%, NHS Glos 30%, OPCC 30%", note), or a recharge between funders settling them
    (paid_on, payer and payee by short name, amount in pounds, reference)."""
    from ssgp_dhr.cases.services import InvalidChange, WorkflowError

    review, actor = _review_and_actor(reference, actor_email)
    service, fields, recorded = _recordings()[what]
    data = _parse_values(values)
    unexpected = set(data) - set(fields)
    if unexpected:
        raise click.ClickException(f"'{what}' takes {', '.join(fields)}, not {', '.join(sorted(unexpected))}")
    try:
        # What is not given goes in empty, so the service says in a sentence what is missing.
        service(review, actor, review.version, **{field: data.get(field) for field in fields})
    except InvalidChange as refused:
        raise click.ClickException("Not done:\n  - " + "\n  - ".join(s for _, s in refused.problems)) from None
    except WorkflowError as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"{reference}: recorded {recorded}")


@dhr.command("demo-code")
@click.argument("email")
@with_appcontext
def demo_code(email: str) -> None:
    """Print the current security code of demo account EMAIL (development only)."""
    from ssgp_dhr import demo
    from ssgp_dhr.accounts.models import User
    from ssgp_dhr.accounts.second_factor import code_for

    if current_app.config["ENV_NAME"] != "development":
        raise click.ClickException("Security codes are printed only for demo accounts in development.")
    if email.lower() not in {account.email for account in demo.DEMO_ACCOUNTS}:
        raise click.ClickException(f"{email} is not a demo account")
    user = db.session.scalar(sa.select(User).where(User.email == email.lower()))
    if user is None or not user.totp_secret:
        raise click.ClickException(f"{email} has no authenticator set up: sign in to set one up")
    click.echo(code_for(user.totp_secret))


@dhr.command("verify-audit")
@click.option("--against", "checkpoint_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A checkpoint from audit-checkpoint: also find entries removed or rewritten since it.")
@click.option("--key", "key_file", envvar="AUDIT_VERIFY_KEY_FILE", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="The public key that checks the checkpoint (default: AUDIT_VERIFY_KEY_FILE).")
@with_appcontext
def verify_audit(checkpoint_file: Path | None, key_file: Path | None) -> None:
    """Check every review's history chain; exit 1 naming every broken event."""
    from ssgp_dhr.cases import checkpoints
    from ssgp_dhr.cases.history import chain_breaks, redactions
    from ssgp_dhr.presentation import uk_datetime

    checked, breaks = chain_breaks()
    for broken in breaks:
        click.echo(f"History chain broken at {broken}", err=True)
    # A redaction keeps the chain, and is reported as what it is.
    for redaction in redactions():
        click.echo(f"Redacted: {redaction}")
    findings = []
    if checkpoint_file is not None:
        if key_file is None:
            raise click.ClickException("--against needs the checkpoint's public key: --key FILE or AUDIT_VERIFY_KEY_FILE")
        try:
            checkpoint = checkpoints.read_checkpoint(checkpoint_file, checkpoints.read_public_key(key_file))
        except checkpoints.CheckpointRefused as refused:
            raise click.ClickException(str(refused)) from None
        findings = checkpoints.findings_against(checkpoint)
        when = uk_datetime(checkpoints.taken_at(checkpoint))
        for finding in findings:
            click.echo(f"Changed since the checkpoint of {when}: {finding}", err=True)
    if breaks or findings:
        click.echo(f"History not intact: {len(breaks)} break(s) in the chain, "
                   f"{len(findings)} review(s) changed since the checkpoint.", err=True)
        sys.exit(1)
    click.echo(f"History chain intact: {checked} events verified.")
    if checkpoint_file is not None:
        click.echo(f"Every entry recorded in the checkpoint of {when} is present and unchanged "
                   f"({len(checkpoint['reviews'])} reviews).")


@dhr.command("audit-key")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def audit_key(path: Path) -> None:
    """Make the key that signs history checkpoints (PATH) and its public key (PATH.pub)."""
    from ssgp_dhr.cases import checkpoints

    try:
        public_path = checkpoints.write_signing_key(path)
    except (checkpoints.CheckpointRefused, OSError) as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"Signing key written to {path}: keep it off the database's machine and out of its backups.")
    click.echo(f"Public key written to {public_path}: verify-audit --against needs only this one.")


@dhr.command("audit-checkpoint")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--key", "key_file", envvar="AUDIT_SIGNING_KEY_FILE", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="The signing key from audit-key (default: AUDIT_SIGNING_KEY_FILE).")
@with_appcontext
def audit_checkpoint(file: Path, key_file: Path) -> None:
    """Write a signed checkpoint of every review's history to FILE; run daily and keep the files elsewhere."""
    from ssgp_dhr.cases import checkpoints

    try:
        checkpoint = checkpoints.write_checkpoint(file, checkpoints.read_signing_key(key_file))
    except checkpoints.CheckpointRefused as refused:
        raise click.ClickException(str(refused)) from None
    except OSError as problem:
        raise click.ClickException(f"cannot write {file}: {problem.strerror}") from None
    click.echo(f"Checkpoint of {len(checkpoint['reviews'])} reviews ({checkpoint['entries_checked']} entries) "
               f"written to {file}.")


@dhr.command("verify-store")
@with_appcontext
def verify_store_command() -> None:
    """Check every document version's file is in the store with its SHA-256; list files no row names; remove
    uploads left half-written over an hour ago. Exit 1 if a file is missing or altered."""
    from ssgp_dhr.documents.verify import verify_store

    check = verify_store()
    for where in check.missing:
        click.echo(f"Missing: {where}", err=True)
    for where in check.altered:
        click.echo(f"Altered (not the SHA-256 recorded): {where}", err=True)
    for name in check.unnamed:
        click.echo(f"Named by no document version: {name}", err=True)
    if check.temporaries_removed:
        click.echo(f"Removed {len(check.temporaries_removed)} upload(s) left half-written.")
    click.echo(f"{check.checked} document versions checked: {len(check.missing)} missing, {len(check.altered)} altered, "
               f"{len(check.unnamed)} files named by no version.")
    if not check.ok:
        sys.exit(1)


@dhr.command("backup")
@click.argument("destination", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(destination: Path) -> None:
    """Back up the database and every stored document to DESTINATION, a new or empty folder, while the service
    runs; exit 1 if a document could not be copied whole."""
    from ssgp_dhr.backups.services import BackupRefused, take_backup

    try:
        report = take_backup(destination)
    except BackupRefused as refused:
        raise click.ClickException(str(refused)) from None
    for name in report.missing:
        click.echo(f"Missing from the store (a disposal after the snapshot?): {name}", err=True)
    for name in report.altered:
        click.echo(f"Altered in the store (not the SHA-256 recorded): {name}", err=True)
    click.echo(f"Backed up the database, {report.reviews} reviews' history heads and {report.documents} document "
               f"versions to {destination}.")
    if not report.ok:
        sys.exit(1)


@dhr.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restore_command(source: Path) -> None:
    """Restore the backup in SOURCE into an empty database and document store, then check the history chains,
    the store and each review's history head against the backup's manifest."""
    from ssgp_dhr.backups.services import BackupRefused, restore_backup

    try:
        report = restore_backup(source)
    except BackupRefused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"Restored the database and {report.documents} document versions from {source}.")
    click.echo(f"History chains: {report.history_events} events verified" +
               (f", broken at {report.history_break}" if report.history_break else ", intact") + ".")
    for reference in report.heads_differing:
        click.echo(f"History head not as backed up: {reference}", err=True)
    click.echo(f"Document store: {report.store.checked} versions checked, {len(report.store.missing)} missing, "
               f"{len(report.store.altered)} altered, {len(report.store.unnamed)} files named by no version.")
    if not report.ok:
        sys.exit(1)


@dhr.command("purge-access-log")
@with_appcontext
def purge_access_log() -> None:
    """Delete access log entries older than ACCESS_LOG_RETENTION_DAYS; run daily by a scheduler.

    Without the setting the log is kept whole; a setting under the shortest allowed exits 1.
    """
    from ssgp_dhr.accounts.access_log import RetentionTooShort, purge_entries_older_than
    from ssgp_dhr.presentation import uk_datetime

    days = current_app.config.get("ACCESS_LOG_RETENTION_DAYS")
    if not days:
        click.echo("ACCESS_LOG_RETENTION_DAYS is not set: the access log is kept whole.")
        return
    try:
        with only_one_run("purge-access-log"):
            deleted, cutoff = purge_entries_older_than(days)
    except AlreadyRunning:
        click.echo("Another purge-access-log run is under way: this one did nothing.")
        return
    except RetentionTooShort as refused:
        click.echo(str(refused), err=True)
        sys.exit(1)
    click.echo(f"Deleted {deleted} access log entr{'y' if deleted == 1 else 'ies'} from before {uk_datetime(cutoff)}.")


@dhr.command("send-reminders")
@with_appcontext
def send_reminders_command() -> None:
    """E-mail the deadline reminders and welcomes due today, each at most once; run daily by a scheduler.

    Exits 1 when a message was refused, its outcome is unknown, or e-mail is not configured.
    """
    from ssgp_dhr.reminders.mailer import MailNotConfigured
    from ssgp_dhr.reminders.services import send_reminders

    try:
        with only_one_run("send-reminders"):
            report = send_reminders()
    except AlreadyRunning:
        click.echo("Another send-reminders run is under way: this one did nothing.")
        return
    except MailNotConfigured as problem:
        raise click.ClickException(f"No reminders sent: {problem}") from None
    click.echo(f"Reminders by {report.transport}: {report.recorded} new, {report.sent} e-mailed.")
    if report.refused:
        click.echo(f"{report.refused} refused by the mail server: tried again on the next run.", err=True)
    if report.interrupted:
        click.echo(f"{report.interrupted} interrupted mid-message: may not have arrived, not sent again.", err=True)
    for withheld in report.withheld:
        click.echo(f"Withheld (would carry restricted details): {withheld}", err=True)
    if report.stopped:
        click.echo(f"Stopped early: {report.stopped}", err=True)
    if report.unconfirmed:
        click.echo(f"{report.unconfirmed} reminder e-mails in all are not confirmed as sent: see /outbox.", err=True)
    if not report.ok:
        sys.exit(1)


DIAGRAM_START = "<!-- workflow diagram: start (regenerate with: flask --app wsgi dhr diagram --write docs/workflow.md) -->"
DIAGRAM_END = "<!-- workflow diagram: end -->"


def diagram_block(diagram: str) -> str:
    """The diagram as it sits in a Markdown page, between its markers."""
    return f"{DIAGRAM_START}\n```mermaid\n{diagram}```\n{DIAGRAM_END}"


def replace_diagram(page: str, diagram: str) -> str:
    """`page` with the text between the diagram markers replaced by `diagram`."""
    start, end = page.find(DIAGRAM_START), page.find(DIAGRAM_END)
    if start < 0 or end < start:
        raise click.ClickException(f"The page has no diagram markers: add the lines\n{DIAGRAM_START}\n{DIAGRAM_END}")
    return page[:start] + diagram_block(diagram) + page[end + len(DIAGRAM_END):]


@dhr.command("diagram")
@click.option("--write", "page", type=click.Path(exists=True, dir_okay=False, writable=True), default=None,
              help="Replace the diagram between the markers in this Markdown page instead of printing it.")
def diagram(page: str | None) -> None:
    """Print the review workflow as a mermaid stateDiagram-v2 (or update it in a page with --write)."""
    from ssgp_dhr.cases.workflow import mermaid_diagram

    if page is None:
        click.echo(mermaid_diagram(), nl=False)
        return
    with open(page, encoding="utf-8") as f:
        text = f.read()
    updated = replace_diagram(text, mermaid_diagram())
    if updated != text:
        with open(page, "w", encoding="utf-8") as f:
            f.write(updated)
    click.echo(f"{page}: diagram {'updated' if updated != text else 'already up to date'}.")

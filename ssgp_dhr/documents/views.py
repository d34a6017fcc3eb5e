"""Pages for a review's documents: the list on the case page, a document's versions, uploads, downloads.

Views stay thin: services.py writes, policy.py decides who may do what, storage.py holds the bytes.
A download answers only through download(), which checks access; the access log records it
(ssgp_dhr.access logs every successful GET of a download endpoint on a case).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import wrap_file

from ssgp_dhr import errors
from ssgp_dhr.access import _session_expired
from ssgp_dhr.cases import areas, history
from ssgp_dhr.cases.forms import error_list
from ssgp_dhr.cases.models import Review
from ssgp_dhr.cases.routes import part_of_review_or_404, review_rule
from ssgp_dhr.documents import forms, policy, services, storage
from ssgp_dhr.documents.models import Document, DocumentType, DocumentVersion
from ssgp_dhr.extensions import db

documents = Blueprint("documents", __name__, template_folder="templates")

UPLOAD_ENDPOINTS = ("documents.upload", "documents.upload_version")


@dataclass
class CaseDocuments:
    """What the case page's Documents section shows the current user."""

    review: Review
    documents: list[Document]
    may_upload: bool
    downloadable: set[int] = field(default_factory=set)


def case_documents(review: Review) -> CaseDocuments:
    found = services.documents_of(review)
    return CaseDocuments(review, found, policy.can_upload(current_user, review),
                         {d.id for d in found if policy.can_download(current_user, d)})


@documents.app_context_processor
def documents_on_the_case_page() -> dict:
    return {"case_documents": case_documents}


@documents.app_template_filter("file_size")
def file_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


@documents.get("/cases/<reference>/documents/<int:document_id>")
@review_rule(policy.can_list_documents, after_disposal=True)
def document_page(review: Review, document_id: int):  # noqa: ANN201
    document = part_of_review_or_404(review, Document, document_id)
    return render_template("documents/document.html", review=review, document=document,
                           may_download=policy.can_download(current_user, document),
                           downloadable={v.number for v in document.versions
                                         if policy.can_download_version(current_user, v)},
                           may_upload=policy.can_upload(current_user, review))


def _render_upload(review: Review, form: forms.UploadForm | forms.VersionForm, document: Document | None,
                   status: int) -> tuple[str, int]:
    form.file.description = forms.file_hint(current_app.config["MAX_UPLOAD_MB"])
    template = "documents/upload_version.html" if document else "documents/upload.html"
    return render_template(template, review=review, document=document, form=form, errors=error_list(form)), status


def _refuse_on_file(form: forms.UploadForm | forms.VersionForm, message: str) -> None:
    form.file.errors = [*form.file.errors, message]


@documents.route("/cases/<reference>/documents/new", methods=["GET", "POST"])
@review_rule(policy.can_upload)
def upload(review: Review):  # noqa: ANN201
    form = forms.UploadForm()
    if not form.is_submitted() and request.args.get("type") in set(DocumentType):
        form.document_type.data = request.args["type"]  # from a requirement's "Upload the …" link
    if not form.validate_on_submit():
        return _render_upload(review, form, None, 400 if form.errors else 200)
    try:
        version = services.upload_document(
            review, current_user, document_type=DocumentType(form.document_type.data), title=form.title.data,
            stream=form.file.data.stream, filename=form.file.data.filename)
    except services.FileRefused as refused:
        _refuse_on_file(form, str(refused))
        return _render_upload(review, form, None, 400)
    except services.UploadConflict as conflict:
        _refuse_on_file(form, str(conflict))
        return _render_upload(review, form, None, 409)
    except services.DocumentError as refused:
        form.title.errors = [*form.title.errors, str(refused)]
        return _render_upload(review, form, None, 400)
    flash(f"{version.document.document_type.label} “{version.document.title}” uploaded")
    return redirect(url_for("documents.document_page", reference=review.reference, document_id=version.document_id))


@documents.route("/cases/<reference>/documents/<int:document_id>/versions/new", methods=["GET", "POST"])
@review_rule(policy.can_upload)
def upload_version(review: Review, document_id: int):  # noqa: ANN201
    document = part_of_review_or_404(review, Document, document_id)
    form = forms.VersionForm()
    if not form.validate_on_submit():
        return _render_upload(review, form, document, 400 if form.errors else 200)
    try:
        version = services.upload_version(document, current_user, stream=form.file.data.stream,
                                          filename=form.file.data.filename)
    except services.UploadConflict as conflict:
        _refuse_on_file(form, str(conflict))
        return _render_upload(review, form, document, 409)
    except services.DocumentError as refused:
        _refuse_on_file(form, str(refused))
        return _render_upload(review, form, document, 400)
    except services.FileRefused as refused:
        _refuse_on_file(form, str(refused))
        return _render_upload(review, form, document, 400)
    flash(f"Version {version.number} of “{document.title}” uploaded")
    return redirect(url_for("documents.document_page", reference=review.reference, document_id=document.id))


@documents.errorhandler(RequestEntityTooLarge)
def upload_too_large(error: RequestEntityTooLarge):  # noqa: ANN201
    """An upload over MAX_CONTENT_LENGTH: the form again with the reason, not a bare 413.

    Werkzeug refuses the body before the CSRF check and the access rule run, so this handler makes
    the checks itself; the form starts empty because nothing of the body was read.
    """
    args = request.view_args or {}
    if (request.endpoint not in UPLOAD_ENDPOINTS or not current_user.is_authenticated or _session_expired()
            or current_user.must_change_password):
        return errors.render_error(413, storage.too_large_message())
    review = db.session.scalar(sa.select(Review).where(Review.reference == args.get("reference")))
    if review is None or not policy.can_list_documents(current_user, review):
        return errors.render_error(404)
    if not policy.can_upload(current_user, review):
        return errors.render_error(403)
    document = part_of_review_or_404(review, Document, args["document_id"]) if "document_id" in args else None
    form = forms.VersionForm(formdata=None) if document else forms.UploadForm(formdata=None)
    _refuse_on_file(form, storage.too_large_message() + ". Nothing was uploaded: choose a smaller file")
    return _render_upload(review, form, document, 413)


@documents.get("/cases/<reference>/documents/<int:document_id>/versions/<int:number>/download")
@review_rule(policy.can_list_documents, after_disposal=True)
def download(review: Review, document_id: int, number: int) -> Response:
    document = part_of_review_or_404(review, Document, document_id)
    if not policy.can_download(current_user, document):
        abort(403)  # managers: the list, not the contents, of unpublished documents
    version = document.version(number)
    if version is None:
        abort(404)
    if not policy.can_download_version(current_user, version):
        abort(403)  # managers: the published version, not the drafts before it
    return send_version(version)


def send_version(version: DocumentVersion, download_name: str | None = None) -> Response:
    """The stored file of `version` as an attachment under its safe name (or `download_name`, the
    name the service made for a published file), streamed; 404 if it is missing.

    The one way a document leaves the tracker, for the case's people and for the public alike.
    """
    try:
        handle = services.open_version(version)
    except FileNotFoundError:
        current_app.logger.error("document version %s is missing from the store", version.id)
        abort(404)
    except storage.StoredFileDamaged:
        current_app.logger.error("document version %s in the store does not match its recorded SHA-256", version.id)
        abort(404)
    response = Response(wrap_file(request.environ, handle), direct_passthrough=True)
    response.headers["Content-Type"] = version.content_type
    response.headers["Content-Length"] = str(version.size_bytes)
    response.headers["Content-Disposition"] = storage.content_disposition(download_name or version.original_filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """What documents add to a review: their section, the workflow's need for them, their history."""
    services.register_requirements()
    areas.register_sub_page(app, areas.SubPage("documents", "Documents", order=20))
    areas.register_section(app, areas.Section("documents", "Documents", "documents/_case_documents.html",
                                              page="documents", order=10))
    history.register_titles({"documents": "Documents"})
    history.register_topic("documents", "Documents", ("documents",))

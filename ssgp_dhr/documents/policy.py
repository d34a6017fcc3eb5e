"""Who may see, upload and download a review's documents.

- Coordinators of the review's partnerships upload and download everything.
- The review's independent chair and report author (active panel seats) upload and download.
- Other active panel members of the review download.
- Managers of the review's partnerships see the list (type, versions, dates) but download only
  documents marked published, and of those only the version published.
- Everyone else, including panel members of other reviews and admin-only accounts, sees nothing:
  the pages answer 404 so that a document's existence is not revealed.
"""

from __future__ import annotations

from ssgp_dhr.accounts.models import Role, User
from ssgp_dhr.cases.models import PanelRole, Review
from ssgp_dhr.cases.policy import active_membership, can_view_review, coordinates
from ssgp_dhr.documents.models import Document, DocumentVersion

UPLOADING_PANEL_ROLES = frozenset({PanelRole.INDEPENDENT_CHAIR, PanelRole.REPORT_AUTHOR})


def _on_panel(user: User, review: Review):  # noqa: ANN202
    return active_membership(user, review) if user.has_role(Role.PANEL_MEMBER) else None


def can_list_documents(user: User, review: Review) -> bool:
    return user.is_enabled and can_view_review(user, review)


def can_upload(user: User, review: Review) -> bool:
    if not user.is_enabled or review.disposed_on is not None:
        return False
    if coordinates(user, review):
        return True
    membership = _on_panel(user, review)
    return membership is not None and membership.panel_role in UPLOADING_PANEL_ROLES


def can_download(user: User, document: Document) -> bool:
    review = document.review
    if not can_list_documents(user, review):
        return False
    if coordinates(user, review) or _on_panel(user, review) is not None:
        return True
    return document.is_published  # managers: published documents only


def can_download_version(user: User, version: DocumentVersion) -> bool:
    """As can_download; but someone who may read only published documents (a manager) gets only the
    version that was published: earlier drafts may hold the real names the check found."""
    document = version.document
    if not can_download(user, document):
        return False
    if coordinates(user, document.review) or _on_panel(user, document.review) is not None:
        return True
    return document.published_version == version.number


def can_mark_published(user: User, review: Review) -> bool:
    return user.is_enabled and review.disposed_on is None and coordinates(user, review)

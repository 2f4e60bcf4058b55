"""The per-reader bits of a page, fetched by reader-state.js after a (cached) page loads."""

from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from masthead.readers.services import public_name

from .pagecache.app import ANONYMOUS_READER_STATE

# Any page id works for building the template; the script substitutes the real one.
_PLACEHOLDER_ID = 1234567890


def reader_state_payload(request) -> dict:
    """What the page needs to know about the reader: signed in, name, email (for forms
    to fill in), where their account page is, may edit.

    Without a session cookie the session is empty and request.user resolves to
    AnonymousUser without a database query.  "Staff" means anyone who may use
    the Wagtail admin (Wagtail's own access permission, not Django's is_staff);
    the admin still checks per-page permissions when the link is followed.
    """
    user = request.user
    if not user.is_authenticated:
        return dict(ANONYMOUS_READER_STATE)
    staff = user.has_perm("wagtailadmin.access_admin")
    edit_url = reverse("wagtailadmin_pages:edit", args=[_PLACEHOLDER_ID])
    return {
        "signed_in": True,
        # What their comments will be signed with.
        "name": public_name(user),
        "email": user.email or None,
        # Staff keep their account in the admin; the reader's page is for readers.
        "account_url": reverse("wagtailadmin_account" if staff else "readers:account"),
        "is_staff": staff,
        "edit_url_template": edit_url.replace(str(_PLACEHOLDER_ID), "{id}") if staff else None,
    }


@require_safe
def reader_state(request):
    response = JsonResponse(reader_state_payload(request))
    # One reader's answer: no shared cache may keep it, no browser may reuse it.
    response["Cache-Control"] = "private, no-store"
    return response

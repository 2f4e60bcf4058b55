"""Page privacy checks that cost nothing while no page is restricted.

Wagtail checks view restrictions of a page and all its ancestors on every
request, and `.public()` querysets ask for every restriction each time they
run.  A publication rarely restricts anything, so whether any restriction
exists is remembered per content generation (restriction edits bump it).
"""

from wagtail.models import PageViewRestriction

from masthead.core.memo import per_generation


def any_view_restrictions() -> bool:
    return per_generation("newsroom:any-view-restrictions", PageViewRestriction.objects.exists)


class CheapViewRestrictions:
    """Page mixin: skip the ancestor walk when nothing on the site is restricted."""

    def get_view_restrictions(self):
        if not any_view_restrictions():
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()

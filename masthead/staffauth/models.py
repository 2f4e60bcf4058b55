"""The administrator's two-factor policy: one setting for the whole admin.

A generic (not per-site) setting because the admin is shared by every site: a
per-site policy could be sidestepped by opening the admin under another host name.
"""

from django.contrib.auth import get_user_model
from django.db import models
from wagtail.admin.panels import FieldPanel, HelpPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.permission_policies import ModelPermissionPolicy


class SuperusersOnlyPolicy(ModelPermissionPolicy):
    """Only active superusers may change the policy, whatever group permissions say:
    a group granted the setting's permission could otherwise switch off the requirement
    for its own members."""

    def user_has_permission(self, user, action):
        return user.is_active and user.is_superuser

    def user_has_any_permission(self, user, actions):
        return self.user_has_permission(user, None)

    def users_with_any_permission(self, actions):
        return get_user_model().objects.filter(is_active=True, is_superuser=True)


@register_setting(icon="key")
class StaffAuthSettings(BaseGenericSetting):
    require_for_all_staff = models.BooleanField(
        "Require two-factor sign-in for all staff",
        default=False,
        help_text=(
            "Everyone who can open the admin must set up an authenticator app before "
            "they can do anything else."
        ),
    )
    require_for_superusers = models.BooleanField(
        "Require two-factor sign-in for superusers",
        default=False,
        help_text="Only administrators (superusers) must set up an authenticator app.",
    )

    panels = [
        HelpPanel(
            content=(
                "<p>Staff set up two-factor sign-in under Account → More actions → "
                "Two-factor sign-in. The environment variable "
                "<code>STAFF_2FA_REQUIRED=true</code> requires it for all staff "
                "whatever is chosen here.</p>"
            )
        ),
        FieldPanel("require_for_all_staff"),
        FieldPanel("require_for_superusers"),
    ]

    class Meta:
        verbose_name = "Staff sign-in"

    @classmethod
    def get_permission_policy(cls):
        return SuperusersOnlyPolicy(cls)

"""A panel on the article edit view: its views so far, and a link to its chart."""

from django.urls import reverse
from wagtail.admin.panels import Panel


class ReadershipPanel(Panel):
    class BoundPanel(Panel.BoundPanel):
        template_name = "metrics/admin/readership_panel.html"

        def is_shown(self):
            return bool(self.instance and self.instance.pk) and super().is_shown()

        def get_context_data(self, parent_context=None):
            from . import selectors  # lazily: this module is imported while models load

            context = super().get_context_data(parent_context)
            context["total"] = selectors.view_count(self.instance.pk)
            context["chart_url"] = reverse("metrics_admin:article", args=[self.instance.pk])
            return context

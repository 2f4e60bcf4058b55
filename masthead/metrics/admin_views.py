"""The editors' readership dashboard in the Wagtail admin."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Site

from . import selectors
from .charts import daily_bar_chart

DAYS = 30
TOP_WINDOWS = [("Last 24 hours", 24), ("Last 7 days", 24 * 7), ("Last 30 days", 24 * 30)]


class ReadershipDashboard(WagtailAdminTemplateMixin, TemplateView):
    page_title = "Readership"
    header_icon = "view"
    template_name = "metrics/admin/dashboard.html"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        site = Site.find_for_request(self.request) or Site.objects.get(is_default_site=True)
        root = site.root_page
        context["chart"] = daily_bar_chart(
            selectors.daily_views(days=DAYS, site_root=root),
            title=f"Views per day of {site.site_name or site.hostname}, last {DAYS} days",
        )
        context["top"] = [
            (label, selectors.top_articles(site_root=root, hours=hours))
            for label, hours in TOP_WINDOWS
        ]
        context["referrers"] = selectors.top_referrers(days=DAYS)
        return context


class ArticleReadership(WagtailAdminTemplateMixin, TemplateView):
    header_icon = "view"
    template_name = "metrics/admin/article.html"

    def dispatch(self, request, *args, article_id: int, **kwargs):
        from masthead.newsroom.models import ArticlePage

        self.article = get_object_or_404(ArticlePage, pk=article_id)
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return f"Readership: {self.article.title}"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("metrics_admin:dashboard"), "label": "Readership"},
            {"url": "", "label": self.article.title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["article"] = self.article
        context["total"] = selectors.view_count(self.article.pk)
        context["chart"] = daily_bar_chart(
            selectors.daily_views(days=DAYS, article=self.article),
            title=f"Views per day of “{self.article.title}”, last {DAYS} days",
        )
        return context

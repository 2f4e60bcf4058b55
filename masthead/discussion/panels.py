"""The dashboard's comments panel: how many wait for a decision, and comments per day."""

import dataclasses

from django.db.models import Count
from django.urls import reverse
from wagtail.admin.panels import Panel
from wagtail.admin.ui.components import Component

from masthead.metrics.charts import daily_bar_chart

from . import selectors
from .models import Comment, CommentStatus


def can_moderate(user) -> bool:
    from .admin_views import can_moderate as allowed

    return allowed(user)


DAYS = 14


def comments_chart(series):
    chart = daily_bar_chart(series, title=f"Comments per day, last {len(series)} days")
    total = sum(n for _, n in series)
    if series:
        busiest = max(series, key=lambda item: item[1])
        description = (
            f"{total:,} comment{'' if total == 1 else 's'} from {series[0][0]:%-d %B} "
            f"to {series[-1][0]:%-d %B %Y}; the busiest day was {busiest[0]:%-d %B} "
            f"with {busiest[1]:,}."
        )
        chart = dataclasses.replace(chart, description=description)
    return chart


class CommentsPanel(Component):
    name = "discussion_comments"
    template_name = "discussion/admin/dashboard_panel.html"
    order = 90  # above Wagtail's own panels: comments wait on editors, pages do not

    class Media:
        css = {"all": ["discussion/admin/moderation.css"]}

    def get_context_data(self, parent_context=None):
        return {
            "pending": selectors.pending_count(),
            "queue_url": reverse("discussion_comments:index"),
            "chart": comments_chart(selectors.daily_comments(days=DAYS)),
        }


class ArticleCommentsPanel(Panel):
    """On the article's edit view: its comments by status, linking to them in the queue.
    Only for people who may moderate; others see nothing."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "discussion/admin/article_panel.html"

        def is_shown(self):
            return (
                bool(self.instance and self.instance.pk)
                and self.request is not None
                and can_moderate(self.request.user)
                and super().is_shown()
            )

        def get_context_data(self, parent_context=None):
            from .admin_views import queue_url

            context = super().get_context_data(parent_context)
            counts = dict(
                Comment.objects.filter(article_id=self.instance.pk)
                .order_by()
                .values_list("status")
                .annotate(n=Count("pk"))
            )
            context["counts"] = [
                (label, counts[value], queue_url(article=self.instance.pk, status=value))
                for value, label in CommentStatus.choices
                if counts.get(value)
            ]
            context["total"] = sum(counts.values())
            return context

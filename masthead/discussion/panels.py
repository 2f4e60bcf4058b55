"""The dashboard's comments panel: how many wait for a decision, and comments per day."""

import dataclasses
import datetime as dt

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.panels import Panel
from wagtail.admin.ui.components import Component

from masthead.metrics.charts import Tick, daily_bar_chart

from . import selectors
from .models import Comment, CommentStatus


def can_moderate(user) -> bool:
    from .admin_views import can_moderate as allowed

    return allowed(user)


DAYS = 14


def daily_comments(*, days: int = DAYS, today: dt.date | None = None) -> list[tuple]:
    """[(date, comments)] for each of the last `days` UTC days, oldest first, zeros
    included; spam is not counted (a bot's burst says nothing about the readers)."""
    today = today or timezone.now().astimezone(dt.UTC).date()
    first = today - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=dt.UTC)
    per_day = dict(
        Comment.objects.filter(created_at__gte=start)
        .exclude(status=CommentStatus.SPAM)
        .annotate(day=TruncDate("created_at", tzinfo=dt.UTC))
        .order_by()
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    return [
        (first + dt.timedelta(days=i), per_day.get(first + dt.timedelta(days=i), 0))
        for i in range(days)
    ]


def _whole_number_ticks(chart):
    """Axis labels at whole comment counts (0, half, top), each at its true height: the
    shared chart puts "half" at the midpoint, which for a top of 5 would read 2."""
    top_value = int(chart.y_ticks[-1].label.replace(",", ""))
    height = chart.baseline - chart.top
    return [
        Tick(position=round(chart.baseline - height * value / top_value, 2), label=f"{value:,}")
        for value in sorted({0, top_value // 2, top_value})
    ]


def comments_chart(series):
    chart = daily_bar_chart(series, title=f"Comments per day, last {len(series)} days")
    chart = dataclasses.replace(chart, y_ticks=_whole_number_ticks(chart))
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
            "chart": comments_chart(daily_comments()),
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

"""Readership numbers: hourly view counts per article, referring domains per day, and the
short-lived state that counting needs (today's salt, recent visitor claims).

Hours and days are stored as integers counted from the Unix epoch in UTC
(hour = unix_seconds // 3600, day = hour // 24): every database does the
arithmetic the trending score and the daily charts need on plain integers.
"""

import datetime as dt

from django.db import models


def hour_start(hour: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(hour * 3600, tz=dt.UTC)


def day_date(day: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=day)


class ArticleHourlyViews(models.Model):
    """How many counted views an article had in one hour."""

    article = models.ForeignKey(
        "newsroom.ArticlePage", on_delete=models.CASCADE, related_name="hourly_views"
    )
    hour = models.IntegerField(help_text="Hours since 1970-01-01 00:00 UTC.")
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "hour"], name="metrics_one_row_per_hour")
        ]
        indexes = [models.Index(fields=["hour"], name="metrics_hourly_hour")]

    def __str__(self) -> str:
        return f"{self.article_id} @ {hour_start(self.hour):%Y-%m-%d %H:00}: {self.views}"


class ArticleViewTotal(models.Model):
    """An article's all-time count, kept beside the hourly rows so showing it is one lookup."""

    article = models.OneToOneField(
        "newsroom.ArticlePage",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="view_total",
    )
    views = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.article_id}: {self.views}"


class ReferrerDailyViews(models.Model):
    """Counted views that arrived from another site, by its domain name only (never the URL)."""

    domain = models.CharField(max_length=253)
    day = models.IntegerField(help_text="Days since 1970-01-01 (UTC).")
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["domain", "day"], name="metrics_one_row_per_domain_day")
        ]
        indexes = [models.Index(fields=["day"], name="metrics_referrer_day")]

    def __str__(self) -> str:
        return f"{self.domain} {day_date(self.day)}: {self.views}"


class DailySalt(models.Model):
    """The secret mixed into visitor hashes for one UTC day; older days' rows are deleted."""

    day = models.DateField(unique=True)
    salt = models.CharField(max_length=64)

    def __str__(self) -> str:
        return str(self.day)


class ViewClaim(models.Model):
    """A visitor's claim on an article's view until `expires` (Unix seconds).

    `visitor` is the salted hash of (salt, IP, user agent, article), so one row
    stands for one visitor reading one article.  A view counts only when it can
    take the claim (none yet, or the last one expired); flushes take claims with
    one upsert, which is what makes replaying a batch, or two processes flushing
    the same views, count each view once.
    """

    visitor = models.CharField(max_length=32, primary_key=True)
    expires = models.BigIntegerField(db_index=True)

    def __str__(self) -> str:
        return self.visitor

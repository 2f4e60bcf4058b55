"""An issue as an email: the articles it carries, its HTML (CSS inlined) and its text.

The rendered mail is the same for every subscriber except two links, the
unsubscribe and the manage link; those are placeholders here and replaced
per delivery (`personalise`), because rendering the template once per
subscriber would cost more than the sending at 100,000 addresses.

Every link is absolute (SITE_URL), and links to articles carry UTM
parameters naming the newsletter, so the site's analytics can tell the
newsletter's readers apart.
"""

import datetime as dt
import html
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode

import css_inline
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from wagtail.rich_text import expand_db_html

from .models import Issue, IssueKind

UNSUBSCRIBE_PLACEHOLDER = "MASTHEAD-UNSUBSCRIBE-URL"
MANAGE_PLACEHOLDER = "MASTHEAD-MANAGE-URL"
# The part of the mail the web version shows (the site has its own header and footer).
CONTENT_START = "<!--issue-content-->"
CONTENT_END = "<!--/issue-content-->"


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str

    def personalise(self, *, unsubscribe_url: str, manage_url: str) -> "Rendered":
        return Rendered(
            subject=self.subject,
            html=personalise(self.html, unsubscribe_url=unsubscribe_url, manage_url=manage_url),
            text=personalise(self.text, unsubscribe_url=unsubscribe_url, manage_url=manage_url),
        )


def personalise(content: str, *, unsubscribe_url: str, manage_url: str) -> str:
    return content.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe_url).replace(
        MANAGE_PLACEHOLDER, manage_url
    )


# --- which articles -------------------------------------------------------------------


def _trend_window(days: int) -> str:
    if days <= 1:
        return "24h"
    return "7d" if days <= 7 else "30d"


def _default_site():
    from wagtail.models import Site

    return Site.objects.filter(is_default_site=True).select_related("root_page").first()


def digest_articles(*, days: int, size: int) -> list:
    """The latest articles of the last `days` days and the most read of that period.

    About half the places go to what readers read most (which may be an older
    story still being read), the rest to the newest; each article once, at
    most `size`, the most read first.
    """
    from masthead.metrics.selectors import trending_scores
    from masthead.newsroom.models import ArticlePage

    if size <= 0:
        return []
    site = _default_site()
    live = ArticlePage.objects.live().public()
    if site is not None:
        live = live.descendant_of(site.root_page)
    since = timezone.now() - dt.timedelta(days=days)
    latest = list(
        live.filter(first_published_at__gte=since)
        .newest_first()
        .values_list("pk", flat=True)[:size]
    )
    trending = []
    if site is not None:
        scores = trending_scores(window=_trend_window(days), site_root=site.root_page, limit=size)
        trending = [pk for pk, _ in scores]
    top = math.ceil(size / 2)
    chosen: list[int] = []
    for pk in [*trending[:top], *latest, *trending[top:]]:
        if pk not in chosen:
            chosen.append(pk)
    chosen = chosen[:size]
    by_id = live.filter(pk__in=chosen).for_listing().in_bulk()
    return [by_id[pk] for pk in chosen if pk in by_id]


def issue_articles(issue: Issue) -> list:
    """The articles of `issue`: hand-picked in their order (live ones only), or the digest."""
    if issue.kind == IssueKind.DIGEST:
        return digest_articles(days=issue.digest_days, size=issue.digest_size)
    from masthead.newsroom.models import ArticlePage

    ids = [choice.article_id for choice in issue.chosen_articles.all()]
    by_id = ArticlePage.objects.live().public().filter(pk__in=ids).for_listing().in_bulk()
    return [by_id[pk] for pk in dict.fromkeys(ids) if pk in by_id]


# --- rendering ------------------------------------------------------------------------


def absolute(url: str) -> str:
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


def _article_url(article, campaign: str) -> str:
    parts = article.get_url_parts()
    path = parts[2] if parts else article.url_path
    query = urlencode({"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": campaign})
    return f"{settings.SITE_URL}{path}?{query}"


def _publication():
    """The default site's PublicationSettings (name, logo), or None without a site."""
    from masthead.newsroom.models import PublicationSettings

    site = _default_site()
    return PublicationSettings.for_site(site) if site is not None else None


def _logo_url(publication) -> str:
    if publication is None or publication.logo is None:
        return ""
    try:
        rendition = publication.logo.get_rendition("height-96|format-png")
    except Exception:  # a missing or unreadable file must not stop a newsletter
        return ""
    return absolute(rendition.url)


_HREF = re.compile(r'(href|src)="(/[^"]*)"')


def absolute_links(markup: str) -> str:
    return _HREF.sub(lambda m: f'{m.group(1)}="{settings.SITE_URL}{m.group(2)}"', markup)


def html_to_text(markup: str) -> str:
    """Rich text as plain text: links as "text (url)", list items as "- ", paragraphs apart."""
    value = re.sub(
        r'<a\b[^>]*href="([^"]*)"[^>]*>(.*?)</a>',
        lambda m: f"{m.group(2)} ({html.unescape(m.group(1))})",
        markup,
        flags=re.S | re.I,
    )
    value = re.sub(r"<li\b[^>]*>", "\n- ", value, flags=re.I)
    value = re.sub(r"<br\s*/?>", "\n", value, flags=re.I)
    value = re.sub(r"</(p|h\d|ul|ol|div|blockquote)>", "\n\n", value, flags=re.I)
    value = html.unescape(re.sub(r"<[^>]+>", "", value))
    lines = [" ".join(line.split()) for line in value.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _sections(issue: Issue) -> list[dict]:
    sections = []
    for block in issue.sections:
        if block.block_type != "section":
            continue
        markup = absolute_links(expand_db_html(block.value["text"].source))
        sections.append(
            {
                "heading": block.value.get("heading") or "",
                "html": markup,
                "text": html_to_text(markup),
            }
        )
    return sections


def web_path(issue: Issue) -> str:
    if issue.pk is None:  # an unsaved issue previewed in the admin: its archive stands in
        return reverse("newsletters:web_archive", args=[issue.newsletter.slug])
    return reverse("newsletters:web_issue", args=[issue.newsletter.slug, issue.pk])


@lru_cache(maxsize=1)
def _inliner() -> css_inline.CSSInliner:
    # keep_at_rules leaves @media rules in a <style> in the head (they cannot be
    # inlined); everything else becomes style attributes, which is all Gmail
    # and Outlook reliably apply.
    return css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


def render_issue(issue: Issue) -> Rendered:
    """The mail of `issue`, the same for all subscribers (their links are placeholders)."""
    from masthead.ads.serving import newsletter_ad
    from masthead.core.mail import header_text

    newsletter = issue.newsletter
    publication = _publication()
    publication_name = publication.name if publication is not None else "Masthead"
    articles = [
        {
            "title": article.title,
            "standfirst": article.standfirst,
            "url": _article_url(article, newsletter.slug),
        }
        for article in issue_articles(issue)
    ]
    intro_paragraphs = [p.strip() for p in re.split(r"\n\s*\n", issue.intro or "") if p.strip()]
    context = {
        "issue": issue,
        "newsletter": newsletter,
        "subject": header_text(issue.subject),
        "preheader": issue.preheader,
        "intro_paragraphs": intro_paragraphs,
        "intro_text": "\n\n".join(" ".join(p.split()) for p in intro_paragraphs),
        "articles": articles,
        "sections": _sections(issue),
        "publication": publication_name,
        "logo_url": _logo_url(publication),
        "site_url": settings.SITE_URL,
        "web_url": absolute(web_path(issue)),
        "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
        "manage_url": MANAGE_PLACEHOLDER,
        "content_start": CONTENT_START,
        "content_end": CONTENT_END,
        # After the content part, so the issue's web page (which has the site's own
        # slots) never shows an ad frozen at sending time.
        "ad": newsletter_ad(issue),
    }
    markup = render_to_string("newsletters/email/issue.html", context)
    text = render_to_string("newsletters/email/issue.txt", context)
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return Rendered(subject=context["subject"], html=_inliner().inline(markup), text=text)


def preview(issue: Issue) -> Rendered:
    """The mail as the admin shows it: the per-subscriber links point somewhere harmless."""
    example = absolute(reverse("newsletters:web_archive", args=[issue.newsletter.slug]))
    return render_issue(issue).personalise(unsubscribe_url=example, manage_url=example)


_STYLE_ATTRIBUTE = re.compile(r'\sstyle="[^"]*"')


def web_content(issue: Issue) -> str:
    """The frozen mail's content part for the web page: no inline styles, no personal links."""
    sent = issue.sent_html
    start, end = sent.find(CONTENT_START), sent.find(CONTENT_END)
    if start == -1 or end == -1:
        return ""
    content = _STYLE_ATTRIBUTE.sub("", sent[start + len(CONTENT_START) : end])
    signup = signup_url(issue)
    return personalise(content, unsubscribe_url=signup, manage_url=signup)


def signup_url(issue: Issue) -> str:
    from django.urls import NoReverseMatch

    try:
        return reverse("newsletters:signup")
    except NoReverseMatch:
        return reverse("newsletters:web_archive", args=[issue.newsletter.slug])

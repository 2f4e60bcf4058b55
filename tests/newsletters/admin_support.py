"""Helpers for the newsletter admin tests: people with permissions, lists, subscribers,
and the admin's own forms read back from the page (so the test posts what a browser would)."""

from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone

from masthead.newsletters.models import (
    Issue,
    IssueArticle,
    ListSubscription,
    Newsletter,
    Subscriber,
    SubscriptionStatus,
)


def staff_client(django_user_model, username: str, *codenames: str) -> Client:
    """A signed-in admin user whose group has exactly these newsletters permissions."""
    user = django_user_model.objects.create_user(username, f"{username}@example.org", "pw-12345")
    group = Group.objects.create(name=f"group of {username}")
    group.permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin")
    )
    for codename in codenames:
        group.permissions.add(
            Permission.objects.get(codename=codename, content_type__app_label="newsletters")
        )
    user.groups.add(group)
    client = Client()
    client.force_login(user)
    return client


def make_list(name="Daily briefing", slug="daily", **fields) -> Newsletter:
    fields.setdefault("sender_email", "desk@news.example")
    return Newsletter.objects.create(name=name, slug=slug, **fields)


def subscribe(newsletter, email, *, status=SubscriptionStatus.ACTIVE, name="", **fields):
    subscriber, _ = Subscriber.objects.get_or_create(email=email, defaults={"name": name})
    now = timezone.now()
    return ListSubscription.objects.create(
        subscriber=subscriber,
        newsletter=newsletter,
        status=status,
        confirmed_at=now if status == SubscriptionStatus.ACTIVE else None,
        unsubscribed_at=now if status == SubscriptionStatus.UNSUBSCRIBED else None,
        source=fields.pop("source", "form"),
        **fields,
    )


def make_issue(newsletter, *, articles=(), **fields) -> Issue:
    fields.setdefault("subject", "Tuesday: the harbour plan")
    fields.setdefault("intro", "Good morning.")
    issue = Issue.objects.create(newsletter=newsletter, **fields)
    for order, article in enumerate(articles):
        IssueArticle.objects.create(issue=issue, article=article, sort_order=order)
    return issue


def form_data(html: str, form_selector: str = "#w-editor-form") -> dict:
    """The named fields of a form as the browser would submit them untouched."""
    form = BeautifulSoup(html, "html.parser").select_one(form_selector)
    assert form is not None, f"no {form_selector} on the page"
    data = {}
    for field in form.select("input[name], textarea[name], select[name]"):
        name = field["name"]
        kind = field.get("type", "")
        if field.name == "input" and kind in ("checkbox", "radio"):
            if field.has_attr("checked"):
                data[name] = field.get("value", "on")
        elif field.name == "input" and kind in ("submit", "button", "file"):
            continue
        elif field.name == "textarea":
            data[name] = field.text
        elif field.name == "select":
            chosen = field.select_one("option[selected]")
            data[name] = chosen.get("value", "") if chosen else ""
        else:
            data[name] = field.get("value", "")
    return data


def with_articles(data: dict, articles) -> dict:
    """`data` with the issue's chosen-articles formset holding `articles`, in order."""
    data = {k: v for k, v in data.items() if not k.startswith("chosen_articles-")}
    data.update(
        {
            "chosen_articles-TOTAL_FORMS": str(len(articles)),
            "chosen_articles-INITIAL_FORMS": "0",
            "chosen_articles-MIN_NUM_FORMS": "0",
            "chosen_articles-MAX_NUM_FORMS": "1000",
            # The sections StreamField, empty (its inputs are drawn by the admin's script).
            "sections-count": "0",
        }
    )
    for i, article in enumerate(articles):
        data[f"chosen_articles-{i}-article"] = str(article.pk)
        data[f"chosen_articles-{i}-ORDER"] = str(i + 1)
        data[f"chosen_articles-{i}-id"] = ""
    return data


def text_of(response) -> str:
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())

"""Readers discuss an article in Chromium: post, reply, subscribe, confirm by email, get
notified; an editor approves a held comment in the admin and it appears."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from masthead.discussion.models import Comment, CommentStatus, DiscussionSettings, Subscription
from tests.browser.pages import AdminEditor
from tests.discussion.factories import make_comment
from tests.newsroom.factories import default_site, make_article, make_section

pytestmark = pytest.mark.django_db(transaction=True)


def _rules(**fields) -> None:
    rules = DiscussionSettings.for_site(default_site())
    for name, value in fields.items():
        setattr(rules, name, value)
    rules.save()


def _path_of_link(text: str, pattern: str) -> str:
    """The path of the first link in a mail matching `pattern` (mails link to the site's
    canonical host; the test server listens elsewhere)."""
    match = re.search(rf"https?://[^\s\"<>]*{pattern}[^\s\"<>]*", text)
    assert match, f"no link matching {pattern} in:\n{text}"
    return urlsplit(match[0]).path


def _fill_reply(form, *, name: str, email: str, body: str, notify: str = "") -> None:
    form.get_by_label("Comment").fill(body)
    form.get_by_label("Name").fill(name)
    form.get_by_label("Email").fill(email)
    if notify:
        form.get_by_label("Notify of").select_option(notify)
    # The form's token proves it was shown a moment ago (the minimum writing time).
    expect(form.locator("[data-form-token]")).not_to_have_value("")
    form.get_by_role("button", name="Post comment").click()


def _confirm(page, live_server, mail) -> None:
    page.goto(live_server.url + _path_of_link(mail.text(), "/subscriptions/confirm/"))
    page.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    expect(page.locator("main")).to_contain_text(re.compile("confirmed", re.I))


def test_guests_discuss_subscribe_and_an_editor_approves(
    live_server, browser, page, smtp_server, django_user_model
):
    news = make_section("News")  # (re)builds the page tree and site a flush removed
    _rules(
        moderation_mode="hold_first",
        min_submit_seconds=0,  # the unit tests cover the minimum; people type slower than this
        rate_limit_per_ip="",
        rate_limit_per_email="",
    )
    article = make_article(section=news, title="Harbour dredging starts in spring")
    bob = make_comment(article, author_name="Bob Harbour", body="About time too.")
    # Carl has commented before, so his comments are published at once.
    make_comment(make_article(section=news), author_email="carl@example.com", author_name="Carl")
    django_user_model.objects.create_superuser("editor", "editor@example.com", "correct-horse-9")

    # Ann, a first-time guest, comments and asks to hear of replies: she is held.
    page.goto(live_server.url + article.url)
    section = page.locator(f"#comments-{article.pk}")
    expect(section.locator(f"#comment-{bob.pk}")).to_contain_text("About time too.")
    form = section.locator("form[data-comment-form]")
    _fill_reply(
        form,
        name="Ann Reader",
        email="ann@example.com",
        body="Will the ferry run during the works?",
        notify="replies",
    )
    expect(form.locator("[data-form-status]")).to_contain_text("awaiting moderation")
    ann_first = Comment.objects.get(author_email="ann@example.com")
    assert ann_first.status == CommentStatus.PENDING

    # Her subscription waits for the emailed confirmation: the link shows a button.
    confirmation = smtp_server.wait_for(1)[0]
    assert confirmation["To"] == "ann@example.com"
    _confirm(page, live_server, confirmation)
    assert Subscription.objects.get(email="ann@example.com").confirmed_at is not None

    # Dora subscribes to every new comment without commenting.
    dora = browser.new_context(base_url=live_server.url).new_page()
    dora.goto(article.url)
    dora.get_by_text("Subscribe without commenting").click()
    subscribe = dora.locator("form[data-subscribe-form]")
    subscribe.get_by_label("Email").fill("dora@example.com")
    subscribe.get_by_label("Notify of").select_option("all")
    subscribe.get_by_role("button", name="Subscribe").click()
    dora.wait_for_load_state()
    dora_mail = smtp_server.wait_for(2)[1]
    assert dora_mail["To"] == "dora@example.com"
    _confirm(dora, live_server, dora_mail)

    # The editor approves Ann's held comment in the admin; it appears on the page.
    editor_page = browser.new_context(base_url=live_server.url).new_page()
    editor = AdminEditor(editor_page, live_server.url)
    editor.sign_in("editor", "correct-horse-9")
    editor_page.goto(live_server.url + "/admin/comments/")
    row = editor_page.locator("tr", has_text="Will the ferry run during the works?")
    row.get_by_role("button", name="Approve").click()
    expect(editor_page.locator("body")).to_contain_text(re.compile("approved", re.I))
    ann_first.refresh_from_db()
    assert ann_first.status == CommentStatus.APPROVED
    # A reload revalidates (the page may be kept 60 s by the browser); the approval
    # changed the page's generation, so the server sends the new page.
    page.goto(live_server.url + article.url)
    page.reload()
    expect(section.locator(f"#comment-{ann_first.pk}")).to_contain_text("Will the ferry run")
    # Dora hears of it; Ann is not told of her own comment.
    smtp_server.wait_for(3)
    assert [m["To"] for m in smtp_server.messages[2:]] == ["dora@example.com"]

    # Ann, now known, replies to Bob: published at once, nested under his comment.
    section.locator(f"#comment-{bob.pk} [data-reply]").first.click()
    expect(form.locator("[data-replying]")).to_be_visible()
    _fill_reply(form, name="Ann Reader", email="ann@example.com", body="Agreed, Bob.")
    expect(form.locator("[data-form-status]")).to_contain_text("published")
    reply = Comment.objects.get(body="Agreed, Bob.")
    assert reply.parent_id == bob.pk and reply.status == CommentStatus.APPROVED
    expect(section.locator(f"#comment-{bob.pk} #comment-{reply.pk}")).to_contain_text(
        "Agreed, Bob."
    )

    # Carl replies to Ann in his own browser; Ann gets the notification.
    smtp_server.wait_for(4)  # Dora's notice of Ann's reply
    smtp_server.clear()
    carl = browser.new_context(base_url=live_server.url).new_page()
    carl.goto(article.url)
    carl_section = carl.locator(f"#comments-{article.pk}")
    carl_section.locator(f"#comment-{ann_first.pk} [data-reply]").first.click()
    _fill_reply(
        carl_section.locator("form[data-comment-form]"),
        name="Carl",
        email="carl@example.com",
        body="Yes, on the winter timetable.",
    )
    expect(carl_section.locator("[data-form-status]")).to_contain_text("published")
    delivered = smtp_server.wait_for(2)
    by_recipient = {m["To"]: m for m in delivered}
    assert set(by_recipient) == {"ann@example.com", "dora@example.com"}
    notice = by_recipient["ann@example.com"]
    assert "Harbour dredging starts in spring" in notice["Subject"]
    assert "Yes, on the winter timetable." in notice.text()
    assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    carl_reply = Comment.objects.get(body="Yes, on the winter timetable.")
    assert f"#comment-{carl_reply.pk}" in notice.text()

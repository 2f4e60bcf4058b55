"""The moderation queue in the Wagtail admin: listing, filters, row and bulk actions, a
comment in context, staff replies, pinning, permissions, escaping, and the settings."""

import re

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.test import Client
from wagtail.models import Site

from masthead.discussion.models import Comment, CommentStatus, DiscussionSettings
from tests.discussion import factories
from tests.newsroom.factories import make_article

pytestmark = pytest.mark.django_db

QUEUE = "/admin/comments/"

HOSTILE_NAME = '<script>alert("name")</script><img src=x onerror=alert(1)>'
HOSTILE_BODY = '<script>alert("body")</script>\n<b onmouseover="alert(2)">bold</b> &amp; done'
HOSTILE_EMAIL = '"><svg onload=alert(3)>@evil.example'
HOSTILE_SITE = 'javascript:alert(4)//"><iframe src=x>'


def make_comment(article, **fields) -> Comment:
    """A stored comment as the queue usually sees one: pending, with an address."""
    return factories.make_comment(
        article, **{"status": CommentStatus.PENDING, "ip_address": "203.0.113.9", **fields}
    )


def _user(django_user_model, username, *codenames):
    user = django_user_model.objects.create_user(username, f"{username}@example.org", "pw-12345")
    group = Group.objects.create(name=f"group of {username}")
    for codename in ("access_admin", *codenames):
        app = "wagtailadmin" if codename == "access_admin" else "discussion"
        group.permissions.add(
            Permission.objects.get(codename=codename, content_type__app_label=app)
        )
    user.groups.add(group)
    return user


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss", "boss@example.org", "x"))
    return client


@pytest.fixture
def moderator_client(django_user_model):
    """A moderator who may change comments but not delete them."""
    client = Client()
    client.force_login(_user(django_user_model, "mod", "change_comment"))
    return client


@pytest.fixture
def outsider_client(django_user_model):
    """An editor with the admin but no permission on comments."""
    client = Client()
    client.force_login(_user(django_user_model, "writer"))
    return client


@pytest.fixture
def queue():
    first = make_article(title="First story")
    second = make_article(title="Second story")
    return {
        "first": first,
        "second": second,
        "held": make_comment(
            first,
            author_name="Held Harry",
            author_email="harry@example.com",
            body="Please approve me",
            held_because="First comment from this address",
            ip_address="198.51.100.23",
        ),
        "other_held": make_comment(second, author_name="Polly", body="Waiting on two"),
        "approved": make_comment(
            first, author_name="Ann", body="Already public", status="approved", upvotes=3
        ),
        "spam": make_comment(second, author_name="Bot", body="Buy pills", status="spam"),
        "trash": make_comment(first, author_name="Troll", body="Rude words", status="trash"),
    }


def rows(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return [
        tr.select_one("td.title").get_text(" ", strip=True)
        for tr in soup.select("table.discussion-queue tbody tr")
    ]


def ids_in(response):
    return {
        int(box["data-object-id"])
        for box in BeautifulSoup(response.content, "html.parser").select(
            "input[data-bulk-action-checkbox]"
        )
    }


def tabs(response):
    """{tab text: its aria-current} of the status tab strip."""
    soup = BeautifulSoup(response.content, "html.parser")
    return {
        a.get_text(" ", strip=True): a.get("aria-current")
        for a in soup.select("nav.discussion-tabs a")
    }


# --- listing and filters ---------------------------------------------------------


def test_queue_shows_pending_by_default_with_tabs_and_columns(admin_client, queue):
    response = admin_client.get(QUEUE)
    assert response.status_code == 200
    assert ids_in(response) == {queue["held"].pk, queue["other_held"].pk}
    assert tabs(response) == {
        "Pending 2": "page",
        "Approved 1": None,
        "Spam 1": None,
        "Trash 1": None,
        "All 5": None,
    }
    soup = BeautifulSoup(response.content, "html.parser")
    row = soup.find("span", id=f"comment_{queue['held'].pk}_title").find_parent("tr")
    text = row.get_text(" ", strip=True)
    for expected in (
        "Held Harry",
        "harry@example.com",
        "198.51.100.23",
        "Please approve me",
        "First story",
        "Pending",
        "First comment from this address",
        "+0 / −0",
    ):
        assert expected in text
    title_link = row.select_one("td.title a")
    assert title_link["href"] == f"{QUEUE}{queue['held'].pk}/"
    article_link = row.select_one("td.discussion-article a")
    assert article_link["href"] == f"{queue['first'].url}#comment-{queue['held'].pk}"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("approved", ["approved"]),
        ("spam", ["spam"]),
        ("trash", ["trash"]),
        ("all", ["held", "other_held", "approved", "spam", "trash"]),
        ("nonsense", ["held", "other_held"]),
    ],
)
def test_status_filter(admin_client, queue, status, expected):
    response = admin_client.get(QUEUE, {"status": status})
    assert response.status_code == 200
    assert ids_in(response) == {queue[name].pk for name in expected}


def test_filter_by_article(admin_client, queue):
    first = queue["first"].pk
    response = admin_client.get(QUEUE, {"article": first, "status": "all"})
    assert ids_in(response) == {queue[n].pk for n in ("held", "approved", "trash")}
    # The results view (what the filter drawer fetches) filters the same way.
    response = admin_client.get(f"{QUEUE}results/", {"article": first})
    assert ids_in(response) == {queue["held"].pk}
    assert "Pending 1" in tabs(response)


def test_an_invalid_article_never_widens_the_queue(admin_client, queue):
    """A stale or garbled article filter is dropped, not the status filter with it."""
    response = admin_client.get(QUEUE, {"article": "999999"})
    assert ids_in(response) == {queue["held"].pk, queue["other_held"].pk}


@pytest.mark.parametrize(
    ("commenter", "expected"),
    [("harry@example", {"held"}), ("polly", {"other_held"}), ("198.51.100.23", {"held"})],
)
def test_filter_by_commenter_email_name_or_ip(admin_client, queue, commenter, expected):
    response = admin_client.get(QUEUE, {"commenter": commenter})
    assert ids_in(response) == {queue[name].pk for name in expected}


def test_search_looks_in_the_body(admin_client, queue):
    response = admin_client.get(QUEUE, {"q": "pills", "status": "all"})
    assert ids_in(response) == {queue["spam"].pk}


# --- row actions -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "status"), [("approve", "approved"), ("spam", "spam"), ("trash", "trash")]
)
def test_row_action_changes_status_and_returns_to_the_listing(admin_client, queue, action, status):
    held = queue["held"]
    back = f"{QUEUE}?status=pending&commenter=harry"
    response = admin_client.post(f"{QUEUE}{held.pk}/moderate/", {"action": action, "next": back})
    assert response.status_code == 302
    assert response["Location"] == back
    held.refresh_from_db()
    assert held.status == status


def test_row_actions_in_the_listing_post_to_the_moderation_url(admin_client, queue):
    soup = BeautifulSoup(admin_client.get(QUEUE).content, "html.parser")
    form = soup.select_one(f"form[action='{QUEUE}{queue['held'].pk}/moderate/']")
    assert form["method"] == "post"
    assert form.select_one("input[name=csrfmiddlewaretoken]")["value"]
    assert form.select_one("input[name=next]")["value"] == QUEUE
    assert [b["value"] for b in form.select("button[name=action]")] == [
        "approve",
        "spam",
        "trash",
    ]


def test_detail_sends_an_approved_comment_back_to_pending(admin_client, queue):
    approved = queue["approved"]
    page = BeautifulSoup(admin_client.get(f"{QUEUE}{approved.pk}/").content, "html.parser")
    decide = page.find(id="decide-heading").find_parent("section")
    assert [b["value"] for b in decide.select("button[name=action]")] == [
        "spam",
        "trash",
        "pending",
    ]
    response = admin_client.post(f"{QUEUE}{approved.pk}/moderate/", {"action": "pending"})
    assert response["Location"] == f"{QUEUE}{approved.pk}/"
    approved.refresh_from_db()
    assert approved.status == "pending"


def test_unknown_or_deleting_row_action_is_refused(admin_client, queue):
    held = queue["held"]
    for action in ("delete", "publish", ""):
        response = admin_client.post(f"{QUEUE}{held.pk}/moderate/", {"action": action})
        assert response.status_code == 400
    assert Comment.objects.filter(pk=held.pk, status="pending").exists()
    assert admin_client.get(f"{QUEUE}{held.pk}/moderate/").status_code == 405


def test_offsite_next_is_ignored(admin_client, queue):
    held = queue["held"]
    response = admin_client.post(
        f"{QUEUE}{held.pk}/moderate/", {"action": "spam", "next": "https://evil.example/"}
    )
    assert response["Location"] == f"{QUEUE}{held.pk}/"


# --- bulk actions ----------------------------------------------------------------


def bulk_url(action, *comments, **params):
    query = "&".join([*(f"id={c.pk}" for c in comments), *(f"{k}={v}" for k, v in params.items())])
    return f"/admin/bulk/discussion/comment/{action}/?{query}"


def test_bulk_approve_publishes_on_the_article(
    admin_client, queue, django_capture_on_commit_callbacks
):
    held, other = queue["held"], queue["other_held"]
    reader = Client()
    assert "Please approve me" not in reader.get(queue["first"].url).content.decode()

    url = bulk_url("approve", held, other, next=QUEUE)
    confirm = admin_client.get(url)
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "Publish these comments" in page and "Please approve me" in page
    assert "Waiting on two" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url)
    assert response.status_code == 302 and response["Location"] == QUEUE
    assert set(
        Comment.objects.filter(pk__in=[held.pk, other.pk]).values_list("status", flat=True)
    ) == {"approved"}
    followed = admin_client.get(QUEUE)
    assert "2 comments approved." in followed.content.decode()
    public = reader.get(queue["first"].url)
    assert public.status_code == 200
    assert "Please approve me" in public.content.decode()


@pytest.mark.parametrize(("action", "status"), [("spam", "spam"), ("trash", "trash")])
def test_bulk_spam_and_trash(admin_client, queue, action, status):
    targets = [queue["held"], queue["approved"]]
    response = admin_client.post(bulk_url(action, *targets))
    assert response.status_code == 302
    assert {c.status for c in Comment.objects.filter(pk__in=[c.pk for c in targets])} == {status}
    assert Comment.objects.get(pk=queue["other_held"].pk).status == "pending"


def test_bulk_delete_asks_first_then_deletes(admin_client, queue):
    url = bulk_url("delete", queue["spam"], queue["trash"])
    confirm = admin_client.get(url)
    soup = BeautifulSoup(confirm.content, "html.parser")
    assert "cannot be undone" in soup.get_text()
    assert soup.select_one("form button.serious").get_text(strip=True) == "Yes, delete permanently"
    assert Comment.objects.filter(pk=queue["spam"].pk).exists()  # a GET changes nothing
    admin_client.post(url)
    assert not Comment.objects.filter(pk__in=[queue["spam"].pk, queue["trash"].pk]).exists()
    assert Comment.objects.count() == 3


def test_bulk_select_all_in_listing_keeps_the_filters(admin_client, queue):
    """ "Select all" sends id=all with the listing's query: only what was listed changes."""
    extra = make_comment(queue["second"], author_name="Polly", body="Also Polly", status="spam")
    admin_client.post(bulk_url("trash", id="all", commenter="polly"))
    assert Comment.objects.get(pk=queue["other_held"].pk).status == "trash"
    assert Comment.objects.get(pk=extra.pk).status == "spam"  # not in the pending listing
    assert Comment.objects.get(pk=queue["held"].pk).status == "pending"


def test_bulk_ignores_garbled_ids(admin_client, queue):
    response = admin_client.get("/admin/bulk/discussion/comment/approve/?id=abc&id=1%20OR%201")
    assert response.status_code == 200
    assert "None of the chosen comments" in response.content.decode()


# --- a comment in context ---------------------------------------------------------


@pytest.fixture
def thread():
    article = make_article(title="Thread story")
    top = make_comment(article, author_name="Top", body="Top level", status="approved")
    middle = make_comment(
        article,
        parent=top,
        author_name="Middle",
        author_email="mid@example.com",
        body="Middle reply",
        status="approved",
    )
    focus = make_comment(
        article,
        parent=middle,
        author_name="Focus",
        author_email="focus@example.com",
        body="The one in question",
        held_because="Contains the moderation word “refund”",
    )
    make_comment(article, parent=focus, body="A public answer", status="approved")
    make_comment(article, parent=focus, body="A spam answer", status="spam")
    make_comment(article, author_email="focus@example.com", body="Earlier", status="approved")
    make_comment(article, author_email="focus@example.com", body="Junk", status="spam")
    make_comment(article, author_email="focus@example.com", body="More junk", status="spam")
    return {"article": article, "top": top, "middle": middle, "focus": focus}


def test_detail_shows_the_comment_in_context(admin_client, thread):
    focus = thread["focus"]
    response = admin_client.get(f"{QUEUE}{focus.pk}/")
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    public = soup.select_one("a.discussion-public-link")["href"]
    assert public == f"{thread['article'].url}#comment-{focus.pk}"
    assert "Thread story" in soup.select_one(".discussion-article-line").get_text()
    ancestors = soup.find(id="ancestors-heading").find_parent("section")
    assert [a.get_text(strip=True) for a in ancestors.select("header strong")] == [
        "Top",
        "Middle",
    ]
    focus_section = soup.find(id="comment-heading").find_parent("section")
    assert "The one in question" in focus_section.get_text()
    assert "moderation word “refund”" in focus_section.select_one(".discussion-held").get_text()
    replies = soup.find(id="replies-heading").find_parent("section").get_text(" ", strip=True)
    assert "A public answer" in replies and "A spam answer" in replies
    others = soup.find(id="author-heading").find_parent("section")
    assert {li.get_text(strip=True) for li in others.select("li")} == {"Approved: 1", "Spam: 2"}
    assert "commenter=focus%40example.com" in others.select_one("a")["href"]
    decide = soup.find(id="decide-heading").find_parent("section")
    assert [b["value"] for b in decide.select("button[name=action]")] == [
        "approve",
        "spam",
        "trash",
    ]
    assert not decide.select(f"form[action='{QUEUE}{focus.pk}/pin/']")  # a reply: no pin
    assert admin_client.get(f"{QUEUE}999999/").status_code == 404


def test_staff_reply_is_published_and_marked(
    admin_client, thread, django_capture_on_commit_callbacks
):
    middle = thread["middle"]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"{QUEUE}{middle.pk}/", {"body": "Thanks, fixed it."})
    reply = Comment.objects.get(body="Thanks, fixed it.")
    assert response.status_code == 302 and response["Location"] == f"{QUEUE}{reply.pk}/"
    assert reply.status == "approved" and reply.is_staff_reply
    assert reply.parent_id == middle.pk and reply.article_id == middle.article_id
    assert reply.author_name == "boss"
    public = Client().get(thread["article"].url).content.decode()
    assert "Thanks, fixed it." in public


def test_replying_to_a_held_comment_approves_it_first(admin_client, thread):
    focus = thread["focus"]
    page = BeautifulSoup(admin_client.get(f"{QUEUE}{focus.pk}/").content, "html.parser")
    assert "Approve and reply" in page.find(id="reply-heading").find_parent("section").get_text()
    admin_client.post(f"{QUEUE}{focus.pk}/", {"body": "Welcome!"})
    focus.refresh_from_db()
    assert focus.status == "approved"
    reply = Comment.objects.get(body="Welcome!")
    assert reply.is_staff_reply and reply.status == "approved"
    # At the site's default depth (3) the reply attaches at the deepest allowed level.
    assert reply.depth <= 2


def test_empty_staff_reply_shows_an_error(admin_client, thread):
    focus = thread["focus"]
    response = admin_client.post(f"{QUEUE}{focus.pk}/", {"body": "   \n  "})
    assert response.status_code == 400
    assert "Write a reply first." in response.content.decode()
    assert not Comment.objects.filter(is_staff_reply=True).exists()


def test_pin_and_unpin_a_top_level_comment(admin_client, thread):
    top = thread["top"]
    page = BeautifulSoup(admin_client.get(f"{QUEUE}{top.pk}/").content, "html.parser")
    assert page.select_one(f"form[action='{QUEUE}{top.pk}/pin/'] button").get_text() == (
        "Pin to the top"
    )
    admin_client.post(f"{QUEUE}{top.pk}/pin/", {"pinned": "1"})
    top.refresh_from_db()
    assert top.is_pinned
    page = BeautifulSoup(admin_client.get(f"{QUEUE}{top.pk}/").content, "html.parser")
    assert page.select_one(f"form[action='{QUEUE}{top.pk}/pin/'] button").get_text() == "Unpin"
    admin_client.post(f"{QUEUE}{top.pk}/pin/", {"pinned": "0"})
    top.refresh_from_db()
    assert not top.is_pinned


def test_a_reply_cannot_be_pinned(admin_client, thread):
    middle = thread["middle"]
    response = admin_client.post(f"{QUEUE}{middle.pk}/pin/", {"pinned": "1"}, follow=True)
    assert "Only a top-level comment can be pinned." in response.content.decode()
    middle.refresh_from_db()
    assert not middle.is_pinned


# --- hostile text ----------------------------------------------------------------


def assert_inert(response, *needles):
    """No reader-written markup became an element or attribute on the page."""
    soup = BeautifulSoup(response.content, "html.parser")
    assert not soup.find_all(attrs={"onerror": True})
    assert not soup.find_all(attrs={"onmouseover": True})
    assert not soup.find_all(attrs={"onload": True})
    assert not soup.find_all("iframe")
    assert not [s for s in soup.find_all("script") if "alert(" in s.get_text()]
    assert not soup.select("a[href^='javascript:']")
    text = soup.get_text()
    for needle in needles:
        assert needle in text  # shown, as text


@pytest.fixture
def hostile():
    article = make_article(title='Story <i onmouseover="alert(5)">x</i>')
    return make_comment(
        article,
        author_name=HOSTILE_NAME,
        author_email=HOSTILE_EMAIL,
        author_website=HOSTILE_SITE,
        body=HOSTILE_BODY,
        held_because="Contains the moderation word “<script>”",
        user_agent="<script>alert(6)</script>",
    )


def test_hostile_text_is_escaped_in_the_listing(admin_client, hostile):
    response = admin_client.get(QUEUE)
    assert ids_in(response) == {hostile.pk}
    assert_inert(response, HOSTILE_NAME, HOSTILE_EMAIL, HOSTILE_SITE, '<script>alert("body")')
    assert b"&lt;script&gt;alert(&quot;name&quot;)" in response.content


def test_hostile_text_is_escaped_in_the_detail_view(admin_client, hostile):
    response = admin_client.get(f"{QUEUE}{hostile.pk}/")
    assert_inert(response, HOSTILE_NAME, HOSTILE_EMAIL, HOSTILE_SITE, '<b onmouseover="alert(2)">')
    assert "&amp;amp; done" in response.content.decode()  # an entity stays literal text


def test_hostile_name_is_escaped_in_the_confirmation_message(admin_client, hostile):
    response = admin_client.post(
        f"{QUEUE}{hostile.pk}/moderate/", {"action": "approve", "next": QUEUE}, follow=True
    )
    assert_inert(response, f"Comment by {HOSTILE_NAME} approved.")


def test_hostile_text_is_escaped_on_the_bulk_confirmation(admin_client, hostile):
    for action in ("approve", "spam", "trash", "delete"):
        response = admin_client.get(bulk_url(action, hostile))
        assert response.status_code == 200
        assert_inert(response, HOSTILE_NAME, HOSTILE_EMAIL)


# --- permissions -----------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, queue):
    response = client.get(QUEUE)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def denied(response) -> bool:
    """Wagtail's refusal: back to the dashboard with a message (403 to scripts)."""
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_an_editor_without_the_permission_is_refused_everywhere(outsider_client, queue):
    held = queue["held"]
    assert denied(outsider_client.get(QUEUE))
    assert "you do not have permission" in outsider_client.get("/admin/").content.decode()
    ajax = {"X-Requested-With": "XMLHttpRequest"}
    assert outsider_client.get(f"{QUEUE}results/", headers=ajax).status_code == 403
    assert outsider_client.get(QUEUE, headers=ajax).status_code == 403
    assert denied(outsider_client.get(f"{QUEUE}{held.pk}/"))
    assert denied(outsider_client.get(f"{QUEUE}999999/"))  # no probing which ids exist
    assert denied(outsider_client.post(f"{QUEUE}{held.pk}/", {"body": "hi"}))
    assert denied(outsider_client.post(f"{QUEUE}{held.pk}/moderate/", {"action": "approve"}))
    assert denied(outsider_client.post(f"{QUEUE}{queue['approved'].pk}/pin/", {"pinned": "1"}))
    for action in ("approve", "spam", "trash", "delete"):
        assert denied(outsider_client.get(bulk_url(action, held)))
        assert denied(outsider_client.post(bulk_url(action, held)))
    held.refresh_from_db()
    assert held.status == "pending"
    assert not Comment.objects.get(pk=queue["approved"].pk).is_pinned
    assert not Comment.objects.filter(is_staff_reply=True).exists()
    home = outsider_client.get("/admin/")
    assert home.status_code == 200
    assert '"Comments' not in home.content.decode()  # no menu item in the sidebar props
    assert not BeautifulSoup(home.content, "html.parser").select("#discussion-comments-section")


def test_a_moderator_can_moderate_but_not_delete(moderator_client, queue):
    held = queue["held"]
    assert moderator_client.get(QUEUE).status_code == 200
    moderator_client.post(f"{QUEUE}{held.pk}/moderate/", {"action": "approve"})
    held.refresh_from_db()
    assert held.status == "approved"
    assert moderator_client.post(bulk_url("spam", held)).status_code == 302
    assert denied(moderator_client.get(bulk_url("delete", held)))
    detail = BeautifulSoup(moderator_client.get(f"{QUEUE}{held.pk}/").content, "html.parser")
    assert "Delete permanently" not in detail.get_text()
    assert Comment.objects.filter(pk=held.pk).exists()


def test_menu_item_shows_the_pending_count(admin_client, queue):
    home = admin_client.get("/admin/").content.decode()
    labels = re.findall(r'"label": "(Comments[^"]*)"', home)
    assert labels == ["Comments (2)"]
    Comment.objects.filter(status="pending").update(status="approved")
    home = admin_client.get("/admin/").content.decode()
    assert re.findall(r'"label": "(Comments[^"]*)"', home) == ["Comments"]


# --- site settings ---------------------------------------------------------------


def test_discussion_settings_render_and_save_in_the_admin(admin_client, queue):
    site = Site.objects.get(is_default_site=True)
    url = f"/admin/settings/discussion/discussionsettings/{site.pk}/"
    page = admin_client.get(url)
    assert page.status_code == 200
    soup = BeautifulSoup(page.content, "html.parser")
    assert soup.select_one("select[name=moderation_mode]")
    form = {
        "comments_enabled": "on",
        "moderation_mode": "hold_all",
        "max_depth": "4",
        "close_after_days": "30",
        "page_size": "25",
        "honeypot_enabled": "on",
        "min_submit_seconds": "5",
        "rate_limit_per_ip": "3/m",
        "rate_limit_per_email": "",
        "max_links": "1",
        "spam_words": "casino\npills",
        "moderation_words": "refund",
        "blocked_emails": "@spam.example",
        "blocked_ips": "203.0.113.0/24",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 302
    saved = DiscussionSettings.for_site(site)
    assert saved.moderation_mode == "hold_all" and saved.max_depth == 4
    assert saved.rate_limit_per_ip == "3/m" and saved.blocked_ips == "203.0.113.0/24"
    assert not saved.gravatar_enabled

    bad = admin_client.post(url, {**form, "blocked_ips": "not-a-network", "rate_limit_per_ip": "x"})
    assert bad.status_code == 200
    soup = BeautifulSoup(bad.content, "html.parser")
    assert soup.select(".error-message, .w-field__errors")
    assert DiscussionSettings.for_site(site).blocked_ips == "203.0.113.0/24"


# --- the article's edit view -----------------------------------------------------


def test_article_panel_counts_comments_by_status(rf, django_user_model, queue):
    """The panel newsroom can put on the article edit view (see ArticleCommentsPanel)."""
    from masthead.discussion.panels import ArticleCommentsPanel
    from masthead.newsroom.models import ArticlePage

    panel = ArticleCommentsPanel(heading="Comments").bind_to_model(ArticlePage)
    request = rf.get("/admin/")
    request.user = django_user_model.objects.create_superuser("chief", "c@example.org", "x")
    bound = panel.get_bound_panel(instance=queue["first"], request=request, form=None)
    assert bound.is_shown()
    soup = BeautifulSoup(bound.render_html({"request": request}), "html.parser")
    assert soup.get_text(" ", strip=True) == "3 comments: 1 pending · 1 approved · 1 trash"
    first = queue["first"].pk
    assert [a["href"] for a in soup.select("a")] == [
        f"{QUEUE}?article={first}&status={status}" for status in ("pending", "approved", "trash")
    ]

    request.user = _user(django_user_model, "writer")
    assert not panel.get_bound_panel(instance=queue["first"], request=request).is_shown()


def test_listing_queries_do_not_grow_with_the_rows(admin_client, queue):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin_client.get(QUEUE)  # warm the per-process caches (site, content types)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(QUEUE)
    for n in range(10):
        make_comment(queue["second"], body=f"More {n}", ip_address=f"192.0.2.{n}")
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(QUEUE)
    assert len(ids_in(response)) == 12
    assert len(many) == len(few)


def test_moderation_can_be_granted_to_a_group_in_the_admin(admin_client):
    """The group editor offers the comment permissions, so a site can make moderators."""
    page = BeautifulSoup(admin_client.get("/admin/groups/new/").content, "html.parser")
    offered = {int(box["value"]) for box in page.select("input[name=permissions]")}
    wanted = Permission.objects.filter(
        content_type__app_label="discussion",
        codename__in=["change_comment", "delete_comment"],
    )
    assert len(wanted) == 2
    assert {p.pk for p in wanted} <= offered

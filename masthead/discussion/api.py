"""The discussion's part of /api/v1/: threads, posting, editing, votes and subscriptions.

Input goes through the HTML form's own classes (forms.CommentForm and friends), so a
field accepted or refused here is accepted or refused there too, and every comment
goes through services.post_comment: the same form token, minimum time, honeypot,
blocks, rate limits, link limit and word lists as on the page.

Every poster is a guest.  API requests carry no CSRF protection, so a browser
session that happens to come along must not let another site post, edit or vote
in a signed-in reader's name: the session and its user are never looked at.
"""

import datetime as dt
import json
from dataclasses import dataclass
from functools import wraps
from http import HTTPStatus
from typing import Literal

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router, Schema
from ninja.decorators import decorate_view
from pydantic import field_validator

from masthead.api.problems import (
    INVALID,
    NOT_FOUND,
    PROBLEM_CONTENT_TYPE,
    Problem,
    ProblemError,
    problem_response,
)
from masthead.core.http import client_ip
from masthead.newsroom.selectors import live_articles

from . import selectors, services, subscriptions, tokens
from .avatars import AVATAR_RELATIONS, gravatar_url, initials_avatar, uploaded_avatar_url
from .forms import CommentForm, EditForm, SubscribeForm
from .models import Comment, CommentStatus, DiscussionSettings
from .subscription_views import CLOSED as NOTHING_TO_SUBSCRIBE
from .subscription_views import GUEST_MESSAGE, RATE_LIMITED
from .text import render_body

router = Router(tags=["discussion"])

MAX_ID = 2**63 - 1
CLOSED_MESSAGE = "Comments are closed on this article."


# --- schemas ----------------------------------------------------------------


class Refusal(Problem):
    code: str | None = Field(
        None,
        description="Why, for programs: stale_form, too_fast, refused, rate_limited, "
        "too_many_links, bad_parent, closed, not_yours, edit_closed.",
    )


class Avatar(Schema):
    initials: str
    colour: str = Field(description="Background for the initials, as #rrggbb.")
    url: str | None = Field(
        description="An image to show instead: the reader's own, or Gravatar if the site uses it."
    )


class CommentAuthor(Schema):
    name: str
    website: str | None
    is_staff: bool
    avatar: Avatar


class Votes(Schema):
    up: int
    down: int
    score: int = Field(description="Up votes minus down votes.")


class CommentOut(Schema):
    id: int
    parent_id: int | None
    status: Literal["approved", "pending"] = Field(
        description='"pending" until a moderator approves it.'
    )
    author: CommentAuthor
    body_text: str = Field(description="As written: plain text, never to be shown as HTML.")
    body_html: str = Field(description="Escaped, with line breaks and links made.")
    created_at: dt.datetime
    edited: bool
    edited_at: dt.datetime | None
    pinned: bool
    votes: Votes
    depth: int = Field(description="0 for a top-level comment.")
    url: str


class ThreadComment(CommentOut):
    replies: list["ThreadComment"]


class Thread(Schema):
    count: int = Field(description="Published comments on the article, replies included.")
    page: int
    next: str | None = Field(description="The next page, or null on the last one.")
    sort: str
    comments_open: bool
    max_depth: int = Field(description="How many levels replies nest to.")
    comments: list[ThreadComment] = Field(
        description="Top-level comments (pinned first), each with its replies."
    )


class ThreadParams(Schema):
    sort: Literal["oldest", "newest", "votes"] = "oldest"
    page: int = Field(
        1, ge=1, le=10_000, description="A page past the last one is empty, not an error."
    )


class FormTokenOut(Schema):
    token: str
    min_seconds: int = Field(description="Send the comment no sooner than this after fetching.")


def _json_integer(cls, value):
    # Pydantic would read true and "1" as 1; JSON Schema's integer is a number (1.0 too).
    if isinstance(value, bool | str):
        raise ValueError("Input should be an integer")
    return value


class CommentIn(Schema):
    name: str = Field(..., max_length=80)
    email: str = Field(..., max_length=254, description="Never shown to anyone.")
    website: str = Field("", max_length=200)
    body: str = Field(..., max_length=5000, description="Plain text.")
    parent_id: int = Field(None, ge=1, le=MAX_ID, description="The comment replied to.")
    notify: Literal["", "all", "replies"] = Field(
        "", description="Email me new comments on the article (all) or replies to mine."
    )
    form_token: str = Field(
        ..., max_length=200, description="From GET …/comment-token, fetched before writing."
    )
    phone: str = Field("", max_length=200, description="Leave empty (a trap for robots).")

    _json_integer = field_validator("parent_id", mode="before")(_json_integer)


class PostedOut(Schema):
    id: int
    status: Literal["approved", "pending"]
    message: str
    edit_token: str = Field(description="Lets the author edit the comment for ten minutes.")
    comment: CommentOut | None = Field(description="The published comment; null while held.")


class EditIn(Schema):
    body: str = Field(..., max_length=5000)
    edit_token: str = Field(..., max_length=200)


class VoteIn(Schema):
    value: Literal[1, -1, 0] = Field(..., description="1 up, -1 down, 0 withdraw.")

    _json_integer = field_validator("value", mode="before")(_json_integer)


class VoteOut(Votes):
    mine: int = Field(description="This visitor's vote now: 1, -1 or 0.")


class SubscribeIn(Schema):
    email: str = Field(..., max_length=254)
    kind: Literal["all", "replies"]


class MessageOut(Schema):
    message: str


# What each write documents besides success, 404 and 422 (413: over the upload limit).
# 400 covers a body that is not JSON at all.
POST_REFUSALS = {400: Refusal, 403: Refusal, 413: Problem, 429: Refusal}
EDIT_REFUSALS = {400: Refusal, 403: Refusal, 413: Problem}
VOTE_REFUSALS = {400: Problem, 413: Problem}
SUBSCRIBE_REFUSALS = {400: Problem, 403: Refusal, 413: Problem, 429: Refusal}


# --- input and errors ---------------------------------------------------------


def _cleaned(form_class, payload: Schema, rename: dict[str, str] | None = None) -> dict:
    """The payload checked by the HTML form's own class; its errors become a 422 that
    names the API's fields.  (The schema's max_length on every string also makes
    pydantic refuse lone surrogates, which JSON can spell and no database stores.)"""
    rename = rename or {}
    data = {rename.get(k, k): "" if v is None else v for k, v in payload.model_dump().items()}
    form = form_class(data)
    if form.is_valid():
        return form.cleaned_data
    to_api = {form_name: api_name for api_name, form_name in rename.items()}
    errors = [
        {
            "loc": ["body", to_api.get(field, field)],
            "msg": error.messages[0],
            "type": error.code or "invalid",
        }
        for field, field_errors in form.errors.as_data().items()
        for error in field_errors
    ]
    raise _invalid(errors)


def _invalid(errors: list[dict]) -> ProblemError:
    detail = " ".join(f"{e['loc'][-1]}: {e['msg']}" for e in errors)
    return ProblemError(422, detail, errors=errors)


def _refusal(refused: services.CommentRefused) -> HttpResponse:
    """A refusal as problem details, with its code for programs to branch on."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(refused.status).phrase,
        "status": refused.status,
        "detail": refused.message,
        "code": refused.code,
    }
    return HttpResponse(json.dumps(body), status=refused.status, content_type=PROBLEM_CONTENT_TYPE)


def _whole_body(run):
    """Read the body before ninja does: Django refuses one over DATA_UPLOAD_MAX_MEMORY_SIZE
    by raising, which would otherwise reach the API as an unexpected error (a 500)."""

    @wraps(run)
    def guarded(request: HttpRequest, *args, **kwargs):
        try:
            request.body  # noqa: B018  (read for its side effect)
        except RequestDataTooBig:
            return problem_response(413, "The request body is too large.")
        return run(request, *args, **kwargs)

    return guarded


def _user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:300]


def _article(article_id: int):
    article = live_articles().filter(pk=article_id).first()
    if article is None:
        raise Http404
    return article


def _comment(comment_id: int, *, approved_only: bool) -> Comment:
    comments = Comment.objects.filter(
        pk=comment_id, article_id__in=live_articles().values("pk")
    ).select_related("article", *AVATAR_RELATIONS)
    if approved_only:
        comments = comments.approved()
    comment = comments.first()
    if comment is None:
        raise Http404
    return comment


# --- shaping ------------------------------------------------------------------


@dataclass
class _Shaper:
    """Turns comments into JSON for one request: one article URL, one avatar policy."""

    request: HttpRequest
    gravatar: bool
    max_level: int
    article_urls: dict

    def url_of(self, comment: Comment) -> str:
        if comment.article_id not in self.article_urls:
            article = comment.article
            self.article_urls[comment.article_id] = self.request.build_absolute_uri(
                article.get_url(self.request)
            )
        return f"{self.article_urls[comment.article_id]}#{comment.anchor}"

    def avatar(self, comment: Comment) -> dict:
        drawn = initials_avatar(comment.author_name)
        url = None
        uploaded = uploaded_avatar_url(comment.user)
        if uploaded:
            url = self.request.build_absolute_uri(uploaded)
        elif self.gravatar:
            url = gravatar_url(comment.author_email)
        return {"initials": drawn.initials, "colour": drawn.colour, "url": url}

    def one(self, comment: Comment, *, depth: int | None = None) -> dict:
        public = comment.status == CommentStatus.APPROVED
        return {
            "id": comment.pk,
            "parent_id": comment.parent_id,
            "status": "approved" if public else "pending",
            "author": {
                "name": comment.author_name,
                "website": comment.author_website or None,
                "is_staff": comment.is_staff_reply,
                "avatar": self.avatar(comment),
            },
            "body_text": comment.body,
            "body_html": str(render_body(comment.body)),
            "created_at": comment.created_at,
            "edited": comment.edited_at is not None,
            "edited_at": comment.edited_at,
            "pinned": comment.is_pinned,
            "votes": {"up": comment.upvotes, "down": comment.downvotes, "score": comment.score},
            "depth": comment.depth if depth is None else depth,
            "url": self.url_of(comment),
        }

    def nest(self, nodes: list, level: int = 0) -> list[dict]:
        """Threads as nested JSON.  Replies stored deeper than the site now allows
        (its depth was lowered) continue at the last level, in the order written."""
        if level > 0 and level >= self.max_level:
            flat = sorted(
                (n for node in nodes for n in _subtree(node)),
                key=lambda n: (n.comment.created_at, n.comment.pk),
            )
            return [{**self.one(n.comment, depth=level), "replies": []} for n in flat]
        return [
            {**self.one(node.comment, depth=level), "replies": self.nest(node.replies, level + 1)}
            for node in nodes
        ]


def _subtree(node):
    yield node
    for child in node.replies:
        yield from _subtree(child)


def _shaper(request: HttpRequest, rules: DiscussionSettings, article=None) -> _Shaper:
    urls = {}
    if article is not None:
        urls[article.pk] = request.build_absolute_uri(article.get_url(request))
    # Depth 1 puts new replies at the top level; older replies then stay one level in.
    return _Shaper(request, rules.gravatar_enabled, max(rules.max_depth - 1, 1), urls)


# --- handlers -----------------------------------------------------------------

ArticleId = Path(..., ge=1, le=MAX_ID)
CommentId = Path(..., ge=1, le=MAX_ID)


@router.get(
    "/articles/{article_id}/comments",
    response={200: Thread, **NOT_FOUND, **INVALID},
    summary="An article's comments, threaded, a page of top-level comments at a time",
)
def list_comments(request: HttpRequest, params: Query[ThreadParams], article_id: int = ArticleId):
    article = _article(article_id)
    rules = DiscussionSettings.for_request(request)
    page = selectors.thread_page(
        article_id=article.pk, sort=params.sort, page=params.page, per_page=rules.page_size
    )
    next_url = None
    if page.has_next:
        query = request.GET.copy()
        query["page"] = str(page.page + 1)
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return {
        "count": page.total,
        "page": page.page,
        "next": next_url,
        "sort": page.sort,
        "comments_open": services.comments_open(article=article, rules=rules),
        "max_depth": rules.max_depth,
        "comments": _shaper(request, rules, article).nest(page.nodes),
    }


@router.get(
    "/articles/{article_id}/comment-token",
    response={200: FormTokenOut, 403: Refusal, **NOT_FOUND, **INVALID},
    summary="A form token to send back with a new comment",
    description="Fetch it when the reader starts writing: a comment sent sooner than "
    "`min_seconds` after, or with a token more than a day old, is refused.",
)
def comment_token(request: HttpRequest, response: HttpResponse, article_id: int = ArticleId):
    article = _article(article_id)
    rules = DiscussionSettings.for_request(request)
    if not services.comments_open(article=article, rules=rules):
        return _refusal(services.CommentRefused(CLOSED_MESSAGE, status=403, code="closed"))
    response["Cache-Control"] = "no-store"
    # Bound to no session: the API treats everyone as a guest (see the module docstring).
    token = tokens.issue_form_token(article_id=article.pk)
    return {"token": token, "min_seconds": rules.min_submit_seconds}


@router.post(
    "/articles/{article_id}/comments",
    response={201: PostedOut, **POST_REFUSALS, **NOT_FOUND, **INVALID},
    summary="Post a comment as a guest",
    description="Get a form token from …/comment-token first.  A comment is published "
    "at once or held for moderation, as the site decides; `status` says which.",
)
@decorate_view(_whole_body)
def post_comment(request: HttpRequest, payload: CommentIn, article_id: int = ArticleId):
    article = _article(article_id)
    data = _cleaned(CommentForm, payload, {"parent_id": "parent"})
    rules = DiscussionSettings.for_request(request)
    commenter = services.Commenter(
        name=data["name"],
        email=data["email"],
        website=data["website"],
        ip=client_ip(request),
        user_agent=_user_agent(request),
    )
    try:
        posted = services.post_comment(
            article=article,
            body=data["body"],
            commenter=commenter,
            form_token=data["form_token"],
            rules=rules,
            honeypot=data["phone"],
            parent_id=data["parent"],
            notify=data["notify"],
        )
    except services.CommentRefused as refused:
        return _refusal(refused)
    comment = posted.comment
    public = comment.status == CommentStatus.APPROVED
    return 201, {
        "id": comment.pk,
        # Spam is reported as held: telling the sender would teach them what to change.
        "status": "approved" if public else "pending",
        "message": posted.message,
        "edit_token": posted.edit_token,
        "comment": _shaper(request, rules, article).one(comment) if public else None,
    }


@router.post(
    "/comments/{comment_id}/edit",
    response={200: CommentOut, **EDIT_REFUSALS, **NOT_FOUND, **INVALID},
    summary="Correct your own comment, within ten minutes of posting it",
)
@decorate_view(_whole_body)
def edit_comment(request: HttpRequest, payload: EditIn, comment_id: int = CommentId):
    comment = _comment(comment_id, approved_only=False)
    data = _cleaned(EditForm, payload)
    rules = DiscussionSettings.for_request(request)
    try:
        edited = services.edit_comment(
            comment=comment, token=data["edit_token"], body=data["body"], rules=rules
        )
    except services.CommentRefused as refused:
        return _refusal(refused)
    edited.article = comment.article
    return _shaper(request, rules).one(edited)


@router.post(
    "/comments/{comment_id}/votes",
    response={200: VoteOut, **VOTE_REFUSALS, **NOT_FOUND, **INVALID},
    summary="Vote a comment up or down, or withdraw your vote",
    description="One vote per visitor (address and browser) per comment; voting again "
    "replaces the earlier vote.",
)
@decorate_view(_whole_body)
def vote(request: HttpRequest, payload: VoteIn, comment_id: int = CommentId):
    comment = _comment(comment_id, approved_only=True)
    voter = tokens.voter_id(
        user_id=None, ip=client_ip(request), user_agent=_user_agent(request), comment_id=comment.pk
    )
    try:
        counted = services.cast_vote(comment=comment, voter=voter, value=payload.value)
    except services.CommentRefused as refused:
        return _refusal(refused)
    return {
        "up": counted.upvotes,
        "down": counted.downvotes,
        "score": counted.score,
        "mine": payload.value,
    }


@router.post(
    "/articles/{article_id}/subscriptions",
    response={202: MessageOut, **SUBSCRIBE_REFUSALS, **NOT_FOUND, **INVALID},
    summary="Ask to be emailed about new comments on an article",
    description="Nothing is sent until the address confirms by the link mailed to it.",
)
@decorate_view(_whole_body)
def subscribe(request: HttpRequest, payload: SubscribeIn, article_id: int = ArticleId):
    article = _article(article_id)
    rules = DiscussionSettings.for_request(request)
    if not services.comments_open(article=article, rules=rules):
        return _refusal(services.CommentRefused(NOTHING_TO_SUBSCRIBE, status=403, code="closed"))
    if subscriptions.over_ip_limit(client_ip(request)):
        return _refusal(services.CommentRefused(RATE_LIMITED, status=429, code="rate_limited"))
    data = _cleaned(SubscribeForm, payload)
    subscriptions.subscribe(article=article, email=data["email"], kind=data["kind"], user=None)
    # The same answer whether or not the address was subscribed already.
    return 202, {"message": GUEST_MESSAGE}

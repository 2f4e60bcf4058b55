"""The reader's side of comments over HTTP: the thread, posting, votes and edits.

Article pages come from a shared cache, so the comments section in them is the
same for every reader: it carries no CSRF token and no reader's own votes.
Posting is protected instead by the signed form token (fetched by
discussion.js, or handed out by the "check your comment" page to readers
without JavaScript) and by refusing requests that a browser says came from
another site; own votes are fetched after the page has loaded.
"""

import dataclasses

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from masthead.core.http import client_ip, is_cross_site
from masthead.newsroom.models import ArticlePage

from . import selectors, services, tokens
from .forms import CommentForm, EditForm
from .models import Comment, CommentStatus, CommentVote, DiscussionSettings
from .templatetags.discussion import section_context

MAX_VOTE_IDS = 500
FIX_FIELDS = "Please check the marked fields."
NO_SCRIPT_MESSAGE = "Please read your comment over, then press “Post comment” to publish it."
# Refusals a reader without JavaScript fixes by sending the same form again.
RETRY_CODES = ("stale_form", "too_fast")


# --- request helpers -----------------------------------------------------


def _wants_json(request: HttpRequest) -> bool:
    return (
        "application/json" in request.META.get("HTTP_ACCEPT", "")
        or request.META.get("HTTP_X_REQUESTED_WITH") == "fetch"
    )


def _user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:300]


def _binding(request: HttpRequest) -> str:
    """Signed-in readers' tokens are tied to their session; guests' to nothing."""
    if not request.user.is_authenticated:
        return ""
    return tokens.session_binding(request.session.session_key)


def _private_json(data: dict, *, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def _refused_json(message: str, *, status: int, code: str, **extra) -> JsonResponse:
    return _private_json({"code": code, "message": message, **extra}, status=status)


def _article(request: HttpRequest, article_id: int) -> ArticlePage:
    """The live article, if this reader may read it (a private section hides its comments)."""
    article = ArticlePage.objects.live().filter(pk=article_id).first()
    if article is None:
        raise Http404("No such article")
    for restriction in article.get_view_restrictions():
        if not restriction.accept_request(request):
            raise Http404("No such article")
    return article


def _comment_and_article(request: HttpRequest, comment_id: int) -> tuple[Comment, ArticlePage]:
    comment = Comment.objects.filter(pk=comment_id).first()
    if comment is None:
        raise Http404("No such comment")
    return comment, _article(request, comment.article_id)


def _comment_html(request, comment: Comment, *, article, rules) -> str:
    context = section_context(request=request, article=article, rules=rules, thread=None)
    context.update(node=selectors.ThreadNode(comment), held=not comment.is_public)
    return render_to_string("discussion/includes/comment.html", context, request=request)


def _field_errors(form) -> dict[str, list[str]]:
    return {
        field: list(dict.fromkeys(error["message"] for error in errors))
        for field, errors in form.errors.get_json_data().items()
    }


# --- the thread and posting ----------------------------------------------


@csrf_exempt  # POST is post_comment: see there
@require_http_methods(["GET", "HEAD", "POST"])
def comments(request: HttpRequest, article_id: int) -> HttpResponse:
    """GET: a page of the thread (?sort=, ?page=, ?reply=, ?partial=1); POST: a new comment."""
    if request.method == "POST":
        return post_comment(request, article_id)
    article = _article(request, article_id)
    rules = DiscussionSettings.for_request(request)
    thread = selectors.thread_page(
        article_id=article.pk,
        sort=selectors.clean_sort(request.GET.get("sort")),
        page=selectors.clean_page(request.GET.get("page")),
        per_page=rules.page_size,
    )
    context = section_context(request=request, article=article, rules=rules, thread=thread)
    if request.GET.get("partial") == "1":
        return TemplateResponse(request, "discussion/thread_partial.html", context)
    context["reply_to"] = _reply_target(article, request.GET.get("reply"))
    return TemplateResponse(request, "discussion/thread_page.html", context)


def _reply_target(article: ArticlePage, raw) -> Comment | None:
    """The comment named by ?reply= for the no-JavaScript reply form, if it may be answered."""
    if not raw or not str(raw).isdecimal() or len(raw) > 18:
        return None
    return Comment.objects.approved().filter(pk=int(raw), article_id=article.pk).first()


@csrf_exempt  # cached pages carry no CSRF token; the signed form token stands in for it
@never_cache
def post_comment(request: HttpRequest, article_id: int) -> HttpResponse:
    wants_json = _wants_json(request)
    if is_cross_site(request):
        message = "Comments can only be sent from this site's own pages."
        if wants_json:
            return _refused_json(message, status=403, code="cross_site")
        return HttpResponse(message, status=403, content_type="text/plain; charset=utf-8")
    article = _article(request, article_id)
    rules = DiscussionSettings.for_request(request)
    form = CommentForm(request.POST, signed_in=request.user.is_authenticated)
    if not form.is_valid():
        if wants_json:
            return _refused_json(FIX_FIELDS, status=400, code="invalid", errors=_field_errors(form))
        return _check_page(request, article, rules, form, message=FIX_FIELDS, status=400)
    data = form.cleaned_data
    try:
        posted = services.post_comment(
            article=article,
            body=data["body"],
            commenter=_commenter(request, data),
            form_token=data["form_token"],
            rules=rules,
            honeypot=data["phone"],
            parent_id=data["parent"],
            notify=data["notify"],
        )
    except services.CommentRefused as refused:
        if wants_json:
            return _refused_json(refused.message, status=refused.status, code=refused.code)
        status = 200 if refused.code in RETRY_CODES else refused.status
        message = refused.message
        if refused.code == "stale_form" and not data["form_token"]:
            message = NO_SCRIPT_MESSAGE  # the usual first step of a reader without JavaScript
        return _check_page(request, article, rules, form, message=message, status=status)
    comment = posted.comment
    if wants_json:
        return _private_json(
            {
                "status": comment.status if comment.is_public else "held",
                "message": posted.message,
                "comment_id": comment.pk,
                "parent_id": comment.parent_id,
                "edit_token": posted.edit_token,
                "html": _comment_html(request, comment, article=article, rules=rules),
            },
            status=201,
        )
    context = {"article": article, "comment": comment, "message": posted.message}
    return TemplateResponse(request, "discussion/posted.html", context)


def _commenter(request: HttpRequest, data: dict) -> services.Commenter:
    ip, agent = client_ip(request), _user_agent(request)
    if request.user.is_authenticated:
        # The account names the commenter; whatever the cached form sent is ignored.
        commenter = services.commenter_for_user(
            user=request.user, ip=ip, user_agent=agent, website=data["website"]
        )
        return dataclasses.replace(commenter, session_binding=_binding(request))
    return services.Commenter(
        name=data["name"], email=data["email"], website=data["website"], ip=ip, user_agent=agent
    )


def _check_page(request, article, rules, form, *, message: str, status: int) -> HttpResponse:
    """The comment again, with the reason and a fresh form token, for the reader to resend."""
    context = section_context(request=request, article=article, rules=rules, thread=None)
    parent = form.cleaned_data.get("parent") if hasattr(form, "cleaned_data") else None
    context.update(
        form=form,
        message=message,
        token=tokens.issue_form_token(article_id=article.pk, binding=_binding(request)),
        reply_to=_reply_target(article, str(parent) if parent else None),
    )
    return TemplateResponse(request, "discussion/check.html", context, status=status)


@require_safe
def form_token(request: HttpRequest, article_id: int) -> JsonResponse:
    """A fresh form token for this reader and article, and whether comments are still open."""
    article = _article(request, article_id)
    rules = DiscussionSettings.for_request(request)
    return _private_json(
        {
            "token": tokens.issue_form_token(article_id=article.pk, binding=_binding(request)),
            "open": services.comments_open(article=article, rules=rules),
        }
    )


# --- votes and edits ------------------------------------------------------


def _voter(request: HttpRequest, comment_id: int) -> str:
    user = request.user
    return tokens.voter_id(
        user_id=user.pk if user.is_authenticated else None,
        ip=client_ip(request),
        user_agent=_user_agent(request),
        comment_id=comment_id,
    )


@csrf_exempt  # votes come from cached pages too; cross-site ones are refused below
@require_POST
@never_cache
def vote(request: HttpRequest, comment_id: int) -> HttpResponse:
    """value=1 (up), -1 (down) or 0 (withdraw): JSON counts, or back to the comment."""
    wants_json = _wants_json(request)
    if is_cross_site(request):
        return _refused_json("Votes come from this site's pages.", status=403, code="cross_site")
    comment, article = _comment_and_article(request, comment_id)
    raw = request.POST.get("value", "")
    if raw not in ("1", "-1", "0"):
        return _refused_json(
            "A vote is 1 (up), -1 (down) or 0 (withdraw).", status=400, code="bad_vote"
        )
    value, voter = int(raw), _voter(request, comment.pk)
    try:
        counted = services.cast_vote(comment=comment, voter=voter, value=value)
    except services.CommentRefused as refused:
        return _refused_json(refused.message, status=refused.status, code=refused.code)
    if wants_json:
        return _private_json({"up": counted.upvotes, "down": counted.downvotes, "mine": value})
    response = HttpResponseRedirect(f"{article.url}#{comment.anchor}")
    response.status_code = 303
    return response


@require_safe
def vote_counts(request: HttpRequest, article_id: int) -> JsonResponse:
    """GET ?ids=1,2,3: the current counts and this visitor's own vote for those comments.

    Votes do not empty the page cache, so a cached page's numbers may be behind.
    """
    article = _article(request, article_id)
    ids = []
    for part in request.GET.get("ids", "").split(",")[:MAX_VOTE_IDS]:
        if part.isdecimal() and len(part) <= 18:
            ids.append(int(part))
    rows = list(
        Comment.objects.approved()
        .filter(article_id=article.pk, pk__in=ids)
        .values_list("pk", "upvotes", "downvotes")
    )
    voters = {pk: _voter(request, pk) for pk, _up, _down in rows}
    # A visitor's hash differs per comment, so matching any of them finds only their own.
    mine = dict(
        CommentVote.objects.filter(
            comment_id__in=list(voters), voter__in=set(voters.values())
        ).values_list("comment_id", "value")
    )
    return _private_json(
        {
            "comments": {
                str(pk): {"up": up, "down": down, "mine": mine.get(pk, 0)} for pk, up, down in rows
            }
        }
    )


@csrf_exempt  # the edit token (kept by the author's browser) authorises the edit
@require_POST
@never_cache
def edit(request: HttpRequest, comment_id: int) -> JsonResponse:
    """The author's correction within ten minutes: body + edit_token -> the comment's new HTML."""
    if is_cross_site(request):
        return _refused_json("Edits come from this site's pages.", status=403, code="cross_site")
    comment, article = _comment_and_article(request, comment_id)
    if comment.status in (CommentStatus.SPAM, CommentStatus.TRASH):
        raise Http404("No such comment")
    form = EditForm(request.POST)
    if not form.is_valid():
        return _refused_json(FIX_FIELDS, status=400, code="invalid", errors=_field_errors(form))
    rules = DiscussionSettings.for_request(request)
    try:
        edited = services.edit_comment(
            comment=comment,
            token=form.cleaned_data["edit_token"],
            body=form.cleaned_data["body"],
            rules=rules,
        )
    except services.CommentRefused as refused:
        return _refused_json(refused.message, status=refused.status, code=refused.code)
    return _private_json(
        {
            "status": edited.status if edited.is_public else "held",
            "message": "Your comment is updated."
            if edited.is_public
            else "Your comment is updated and awaits moderation.",
            "comment_id": edited.pk,
            "html": _comment_html(request, edited, article=article, rules=rules),
        }
    )

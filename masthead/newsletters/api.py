"""The newsletters' part of /api/v1/: the lists open for signup, and signing up to them.

A signup through the API is always double opt-in: API requests carry no CSRF
protection, so a browser session that comes along is never looked at, and
every address is mailed a confirmation link first.  The answer is the same
whether or not the address was subscribed already.
"""

from functools import wraps

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.decorators import decorate_view

from masthead.api.problems import Problem, ProblemError, problem_response
from masthead.core.http import client_ip

from . import subscriptions
from .views import CHECK_INBOX

router = Router(tags=["newsletters"])

MAX_LISTS = 20


class NewsletterOut(Schema):
    slug: str = Field(description="Names the list in a subscription request.")
    name: str
    description: str
    frequency: str = Field(description="daily, weekly, monthly or irregular.")
    frequency_label: str = Field(description='For people: "Weekly", "When there is news".')


class SignupIn(Schema):
    email: str = Field(..., max_length=254)
    newsletters: list[str] = Field(
        ...,
        min_length=1,
        max_length=MAX_LISTS,
        description="Slugs of lists from GET /newsletters.",
    )
    name: str = Field("", max_length=100, description="Optional; used to greet the reader.")


class MessageOut(Schema):
    message: str


def _whole_body(run):
    """Read the body before ninja does: one over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413,
    not an unexpected error."""

    @wraps(run)
    def guarded(request: HttpRequest, *args, **kwargs):
        try:
            request.body  # noqa: B018  (read for its side effect)
        except RequestDataTooBig:
            return problem_response(413, "The request body is too large.")
        return run(request, *args, **kwargs)

    return guarded


def _invalid(errors: list[dict]) -> ProblemError:
    detail = " ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in errors)
    return ProblemError(422, detail, errors=errors)


@router.get(
    "/newsletters",
    response=list[NewsletterOut],
    summary="The newsletters open for signup",
)
def list_newsletters(request: HttpRequest):
    return [
        {
            "slug": n.slug,
            "name": n.name,
            "description": n.description,
            "frequency": n.frequency,
            "frequency_label": n.get_frequency_display(),
        }
        for n in subscriptions.open_newsletters()
    ]


@router.post(
    "/newsletters/subscriptions",
    response={202: MessageOut, 400: Problem, 413: Problem, 422: Problem, 429: Problem},
    summary="Ask for newsletters to be sent to an address",
    description="Nothing is sent until the address confirms by the link mailed to it.  "
    "The answer is the same whether or not the address was subscribed already.",
)
@decorate_view(_whole_body)
def subscribe(request: HttpRequest, payload: SignupIn):
    ip = client_ip(request)
    if subscriptions.over_ip_limit(ip):
        return problem_response(429, subscriptions.RATE_LIMITED)
    errors = []
    try:
        email = subscriptions.normalise_email(payload.email)
    except ValidationError as error:
        errors.append(
            {"loc": ["body", "email"], "msg": error.messages[0], "type": error.code or "invalid"}
        )
    try:
        name = subscriptions.clean_name(payload.name)
    except ValidationError as error:
        errors.append(
            {"loc": ["body", "name"], "msg": error.messages[0], "type": error.code or "invalid"}
        )
    open_lists = {n.slug: n for n in subscriptions.open_newsletters()}
    chosen = []
    for index, slug in enumerate(payload.newsletters):
        if slug not in open_lists:
            errors.append(
                {
                    "loc": ["body", "newsletters", index],
                    "msg": "There is no newsletter with this slug open for signup.",
                    "type": "unknown_newsletter",
                }
            )
        elif open_lists[slug] not in chosen:
            chosen.append(open_lists[slug])
    if errors:
        raise _invalid(errors)
    if subscriptions.over_email_limit(email):
        return problem_response(429, subscriptions.RATE_LIMITED)
    subscriptions.request_subscription(
        email=email, newsletters=chosen, source="api", ip=ip or None, name=name, user=None
    )
    return 202, {"message": CHECK_INBOX}

"""RFC 9457 problem details: every API error is one JSON shape, application/problem+json."""

import json
import logging
from http import HTTPStatus

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError, ValidationError

PROBLEM_CONTENT_TYPE = "application/problem+json"

logger = logging.getLogger("django.request")


class FieldProblem(Schema):
    loc: list[str | int]
    msg: str
    type: str


class Problem(Schema):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None


class ProblemError(HttpError):
    """Raised by handlers for a client error that is not a schema validation failure."""

    def __init__(self, status: int, detail: str, *, errors: list[dict] | None = None) -> None:
        super().__init__(status, detail)
        self.errors = errors


def problem_response(
    status: int, detail: str, *, errors: list[dict] | None = None, headers: dict | None = None
) -> HttpResponse:
    # "about:blank" means the status code says it all; its title must be the reason phrase.
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return HttpResponse(
        json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE, headers=headers
    )


def _field_problems(raw_errors: list[dict]) -> list[dict]:
    return [
        {
            "loc": [part if isinstance(part, int) else str(part) for part in err.get("loc", ())],
            "msg": str(err.get("msg", "Invalid value.")),
            "type": str(err.get("type", "value_error")),
        }
        for err in raw_errors
    ]


def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(404, "No such resource.")


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(exc.status_code, exc.message, errors=getattr(exc, "errors", None))


def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return problem_response(
        422, "The request parameters are not valid.", errors=_field_problems(exc.errors)
    )


def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.error(
        "Internal Server Error: %s",
        request.path,
        exc_info=exc,
        extra={"status_code": 500, "request": request},
    )
    return problem_response(500, "Something went wrong on our side.")


def install_problem_handlers(api: NinjaAPI) -> None:
    api.add_exception_handler(Exception, _server_error)
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(ValidationError, _validation_error)


def invalid_parameter(name: str, message: str, *, status: int = 422) -> ProblemError:
    """A problem naming one query parameter, shaped like a schema validation failure."""
    return ProblemError(
        status,
        f"{name}: {message}",
        errors=[{"loc": ["query", name], "msg": message, "type": "value_error"}],
    )


# What each operation documents besides its success response.
BAD_REQUEST = {400: Problem}
NOT_FOUND = {404: Problem}
INVALID = {422: Problem}

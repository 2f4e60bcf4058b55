"""Cursor pagination on a unique sort key.

The cursor carries the sort key of the last item served, not an offset, so
a page boundary stays put when new articles are published in between two
requests: no item is served twice and none is skipped.
"""

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Sequence

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Schema

from .problems import invalid_parameter

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_DB_INT_RANGE = range(-(2**63), 2**63)


class PageParams(Schema):
    limit: int = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="How many items to return (1-100)."
    )
    cursor: str = Field(
        None,
        max_length=500,
        description="Where to continue: take it from the `next` link of the previous page.",
    )


def _encode(values: Sequence) -> str:
    def default(value):
        if isinstance(value, dt.datetime):
            return value.isoformat()
        raise TypeError(f"Cannot put {type(value).__name__} in a cursor")

    raw = json.dumps(list(values), default=default, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str, model: type[Model], keys: Sequence[str]) -> list:
    bad = invalid_parameter("cursor", "Not a cursor this API issued.", status=400)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise bad from exc
    if not isinstance(values, list) or len(values) != len(keys):
        raise bad
    decoded = []
    for key, value in zip(keys, values, strict=True):
        field = model._meta.pk if key == "pk" else model._meta.get_field(key)
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise bad
        try:
            value = field.to_python(value)
        except (DjangoValidationError, TypeError, ValueError) as exc:
            raise bad from exc
        if isinstance(value, int) and value not in _DB_INT_RANGE:
            raise bad
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            raise bad
        decoded.append(value)
    return decoded


def _after(keys: Sequence[str], values: Sequence, *, descending: bool) -> Q:
    """Rows strictly past `values` in the (keys) order: a row-value comparison spelled out."""
    op = "lt" if descending else "gt"
    condition = Q()
    for i, key in enumerate(keys):
        equal_so_far = {k: v for k, v in zip(keys[:i], values[:i], strict=True)}
        condition |= Q(**equal_so_far, **{f"{key}__{op}": values[i]})
    return condition


def paginate_by_key(
    request: HttpRequest,
    queryset: QuerySet,
    *,
    params: PageParams,
    keys: Sequence[str],
    descending: bool = True,
    prepare: Callable[[list], list] | None = None,
) -> dict:
    """One page of `queryset` ordered by `keys` (the last must be unique), with count and next.

    `prepare` gets the page's items, to fetch in bulk what they need to be shown.
    """
    ordered = queryset.order_by(*(f"-{k}" if descending else k for k in keys))
    count = queryset.count()
    if params.cursor:
        values = _decode(params.cursor, queryset.model, keys)
        ordered = ordered.filter(_after(keys, values, descending=descending))
    rows = list(ordered[: params.limit + 1])
    items, more = rows[: params.limit], len(rows) > params.limit
    next_url = None
    if more:
        query = request.GET.copy()
        query["cursor"] = _encode([getattr(items[-1], k) for k in keys])
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    if prepare is not None:
        items = prepare(items)
    return {"items": items, "count": count, "next": next_url}

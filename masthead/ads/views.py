"""(being written)"""

from django.http import Http404


def _missing(*args, **kwargs):
    raise Http404


slots = frame = impression = click = _missing

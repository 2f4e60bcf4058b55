"""Email addresses as readers type them: one normal form, and refusals with reasons."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

MAX_LENGTH = 254
# CR, LF and the other controls: any of them in an address could add a mail header.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_validate = EmailValidator(message="Enter a valid email address, like name@example.com.")


def normalise_email(value) -> str:
    """`value` stripped and lower-cased; ValidationError if it is not one plain address."""
    if not isinstance(value, str):
        raise ValidationError("Enter your email address.", code="required")
    if _CONTROL.search(value):
        raise ValidationError(
            "An email address cannot contain line breaks or control characters.", code="invalid"
        )
    email = value.strip().lower()
    if not email:
        raise ValidationError("Enter your email address.", code="required")
    if len(email) > MAX_LENGTH:
        raise ValidationError(
            f"An email address has at most {MAX_LENGTH} characters.", code="max_length"
        )
    _validate(email)
    return email

"""The "Staff" mark on a comment needs the whole sign-in: password and, when set up, the code."""

import pytest

from masthead.discussion.services import commenter_for_user

from .helpers import add_authenticator, make_editor

pytestmark = pytest.mark.django_db


def _commenter(user, verified: bool):
    # django-otp's middleware gives the request's user is_verified(); a session
    # signed in by password only answers False until the code is entered.
    user.is_verified = lambda: verified
    return commenter_for_user(user=user, ip="203.0.113.5", user_agent="test")


def test_staff_with_authenticator_is_staff_only_after_the_code(django_user_model):
    editor = make_editor(django_user_model)
    add_authenticator(editor)
    assert _commenter(editor, verified=False).is_staff is False
    assert _commenter(editor, verified=True).is_staff is True


def test_staff_without_authenticator_is_staff_unless_policy_requires_one(
    django_user_model, monkeypatch
):
    editor = make_editor(django_user_model)
    assert _commenter(editor, verified=False).is_staff is True
    monkeypatch.setenv("STAFF_2FA_REQUIRED", "true")
    assert _commenter(editor, verified=False).is_staff is False


def test_reader_is_never_staff(django_user_model):
    reader = django_user_model.objects.create_user("reader-x", "r@example.com")
    assert _commenter(reader, verified=True).is_staff is False

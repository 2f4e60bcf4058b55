"""Reader accounts: who may sign in by mail, and what an account holds.

A reader is a Django user with no staff rights and no usable password: the
only way in is a link mailed to their address.  Staff accounts (anyone who may
use the Wagtail admin) never sign in that way: an address belonging to one
gets a mail pointing to the admin's own sign-in instead, so a mailbox alone
can never open the admin.
"""

import datetime as dt
import uuid

from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from masthead.discussion import ratelimits

from . import registry, tokens
from .models import ReaderProfile

# Sign-in links asked for, per address and per client address.
SIGN_INS_PER_EMAIL = "5/15m"
SIGN_INS_PER_IP = "20/h"
# Email-change confirmations asked for, per account.
EMAIL_CHANGES_PER_USER = "5/h"
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


class SignInRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class EmailChangeRefused(SignInRefused):
    pass


def is_staff_account(user) -> bool:
    """Whether `user` may use (or administer) the admin: such accounts are not readers."""
    if user is None or not getattr(user, "pk", None):
        return False
    return bool(
        user.is_staff
        or user.is_superuser
        or user.user_permissions.filter(codename="access_admin").exists()
        or user.groups.filter(permissions__codename="access_admin").exists()
    )


def accounts_for(email: str):
    return get_user_model().objects.filter(email__iexact=email).order_by("pk")


def staff_address(email: str) -> bool:
    """Whether any account with this address is a staff account."""
    return any(is_staff_account(user) for user in accounts_for(email))


def get_or_create_reader(email: str) -> AbstractBaseUser:
    """The account for `email` (the oldest, should there be several), created if none.

    A new account has an unusable password, no staff flag, no groups and no
    permissions; its username is random, because the address may be longer
    than a username may be and may change later.
    """
    email = email.strip().lower()
    existing = accounts_for(email).first()
    if existing is not None:
        ReaderProfile.objects.get_or_create(user=existing)
        return existing
    User = get_user_model()
    with transaction.atomic():
        user = User(username=f"reader-{uuid.uuid4().hex}", email=email, is_staff=False)
        user.set_unusable_password()
        user.save()
        ReaderProfile.objects.create(user=user)
    # Two first sign-ins for one new address at the same moment (on two servers) may
    # each create an account.  Once both are committed each sees both, and the newer
    # yields to the older, so the address ends with one account.
    oldest = accounts_for(email).first()
    if oldest is not None and oldest.pk != user.pk:
        user.delete()
        ReaderProfile.objects.get_or_create(user=oldest)
        return oldest
    return user


def profile_of(user) -> ReaderProfile:
    profile, _ = ReaderProfile.objects.get_or_create(user=user)
    return profile


ANONYMOUS_NAME = "Reader"


def public_name(user) -> str:
    """The name shown with what someone writes in public: a reader's display name, else
    "Reader" (never their address, never the random username); for other accounts
    (staff) their full name or username, as before."""
    profile = getattr(user, "reader_profile", None)
    if profile is not None:
        return profile.display_name or user.get_full_name() or ANONYMOUS_NAME
    return user.get_full_name() or user.get_username()


def display_name(user) -> str:
    """The name on the reader's own pages: their display name, else their address."""
    profile = getattr(user, "reader_profile", None)
    if profile is not None and profile.display_name:
        return profile.display_name
    return user.get_full_name() or user.email or user.get_username()


def set_display_name(user, name: str) -> None:
    """Save the reader's display name and sign their account's comments with it."""
    from masthead.core.pagecache import bump_generation
    from masthead.discussion.models import Comment, CommentStatus

    with transaction.atomic():
        profile = profile_of(user)
        profile.display_name = name
        profile.save(update_fields=["display_name"])
        user.reader_profile = profile
        theirs = Comment.objects.filter(user=user)
        theirs.update(author_name=public_name(user))
        if theirs.filter(status=CommentStatus.APPROVED).exists():
            # Cached article pages show the old name.
            transaction.on_commit(bump_generation)


def set_avatar(user, picture) -> None:
    """Store a checked picture (avatar_images.avatar_file) as the reader's avatar, or
    remove it (None).  The old file goes once the change is committed."""
    from masthead.core.pagecache import bump_generation
    from masthead.discussion.models import Comment, CommentStatus

    with transaction.atomic():
        profile = profile_of(user)
        old, storage = (profile.avatar.name if profile.avatar else ""), profile.avatar.storage
        if picture is None:
            profile.avatar = ""
        else:
            profile.avatar.save("avatar.webp", picture, save=False)
        profile.save(update_fields=["avatar"])
        if old:
            transaction.on_commit(lambda: storage.delete(old))
        if Comment.objects.filter(user=user, status=CommentStatus.APPROVED).exists():
            # Cached article pages draw this reader's comments with the old picture.
            transaction.on_commit(bump_generation)


# --- signing in ---------------------------------------------------------------


def over_sign_in_limit(*, email: str, ip: str) -> bool:
    """Count one request for a link; True when the address or the client asked too often."""
    over_ip = ratelimits.hit(scope="readers.signin_ip", value=ip, rate=SIGN_INS_PER_IP)
    over_email = ratelimits.hit(scope="readers.signin_email", value=email, rate=SIGN_INS_PER_EMAIL)
    return over_ip or over_email


def request_sign_in(*, email: str, next_path: str) -> None:
    """Queue the mail for `email`: a sign-in link, or for staff a pointer to the admin.

    The request itself looks up nothing, so its answer (and its timing) is the
    same whether or not the address has an account.
    """
    from .tasks import send_sign_in_mail

    send_sign_in_mail.enqueue(email=email, next_path=next_path)


def sign_in(request: HttpRequest, token: str) -> tuple[AbstractBaseUser, str]:
    """Spend a sign-in token and sign its address's account in; (user, next path).

    Raises tokens.BadToken for a bad, old or used link and SignInRefused for an
    address that belongs to staff or to a deactivated account.
    """
    value = tokens.read_sign_in_token(token)
    email = value["e"]
    if staff_address(email):
        raise SignInRefused(
            "This address belongs to a staff account. Staff sign in through the admin's own "
            "sign-in page, never by an emailed link."
        )
    tokens.spend(value["n"], "sign-in")
    # Outside any transaction of ours: the account must be committed before the
    # check for a twin created at the same moment can see it (get_or_create_reader).
    user = get_or_create_reader(email)
    if not user.is_active:
        raise SignInRefused("This account is closed.")
    login(request, user, backend=LOGIN_BACKEND)
    return user, value.get("x") or ""


# --- changing the address -----------------------------------------------------------
#
# An account moves only with the say-so of both addresses' owners:
#   1. the signed-in reader names a new address; a link goes to the old one;
#   2. that link, POSTed by the same signed-in reader, sends a link to the new address;
#   3. that link, POSTed on any device (it proves control of the new address and is
#      bound to the account and its old address), moves the account and everything
#      filed under the old address, then tells the old address.
# Without step 3 a reader could move their account, and through the providers'
# hooks their confirmed newsletter subscriptions, onto someone else's address.


class EmailChangeConflict(EmailChangeRefused):
    """The change can no longer happen as asked: the address is taken, or the account's
    own address is no longer the one the link was sent from."""


class OtherReaderSignedIn(SignInRefused):
    """The new address's link was opened in a browser signed in to another account."""


def request_email_change(user, new_email: str) -> None:
    """Mail a confirmation link for the change to the account's current address."""
    if ratelimits.hit(
        scope="readers.email_change", value=str(user.pk), rate=EMAIL_CHANGES_PER_USER
    ):
        raise EmailChangeRefused(
            "You have asked to change your address several times in a short while. "
            "Please try again later."
        )
    from .tasks import send_email_change_mail

    send_email_change_mail.enqueue(user_id=user.pk, new_email=new_email)


def pending_email_change(user, token: str) -> dict:
    """The change the old address's link asks for, checked against the signed-in account."""
    value = tokens.read_email_change_token(token)
    if value["u"] != user.pk or (user.email or "").lower() != value["o"]:
        raise tokens.BadToken(
            "This link belongs to another account, or to an address this account no longer has.",
            reason="invalid",
        )
    return value


def confirm_old_address(user, token: str) -> dict:
    """Spend the old address's link and mail the new address its own link; the change
    itself waits for that one.  Returns the change ({"o": old, "w": new, ...}).

    Whether the new address already has an account is not checked here: the answer
    would tell anyone with an account which addresses have one.  Its owner learns it
    at the last step."""
    value = pending_email_change(user, token)
    tokens.spend(value["n"], "email-change")
    from .tasks import send_email_verify_mail

    send_email_verify_mail.enqueue(user_id=user.pk, old=value["o"], new=value["w"])
    return value


def _check_change_possible(user, old: str, new: str) -> None:
    current = (user.email or "").lower()
    if current == new:
        raise EmailChangeConflict(f"Your account already uses {new}. Nothing more to do.")
    if current != old:
        raise EmailChangeConflict(
            f"This account no longer uses {old}, so this link no longer applies and "
            "nothing has changed. To change the address, ask again from your account page."
        )
    if is_staff_account(user):
        raise SignInRefused("Staff accounts are managed in the admin.")
    if accounts_for(new).exclude(pk=user.pk).exists():
        raise EmailChangeConflict(
            f"{new} now belongs to another account, so this one cannot move to it. "
            "Your address is unchanged."
        )


def pending_email_verification(token: str, *, signed_in=None) -> tuple[AbstractBaseUser, dict]:
    """The account and change the new address's link asks for, if it can still happen.

    `signed_in` is the browser's user: someone signed in to another account there is
    refused, so nobody finishes a change on another reader's behalf by mistake.
    """
    value = tokens.read_email_verify_token(token)
    if signed_in is not None and signed_in.is_authenticated and signed_in.pk != value["u"]:
        raise OtherReaderSignedIn(
            "This link is for a different reader account than the one signed in on this "
            "browser. Sign out, then open the link again (or open it in another browser)."
        )
    user = get_user_model().objects.filter(pk=value["u"], is_active=True).first()
    if user is None:
        raise tokens.BadToken(
            "This link belongs to an account that no longer exists.", reason="invalid"
        )
    _check_change_possible(user, value["o"], value["w"])
    return user, value


def _lock_address(email: str) -> None:
    """Serialise changes to one address across transactions.  SQLite's IMMEDIATE
    transactions already take the one write lock at BEGIN; PostgreSQL's row locks
    cannot cover an address no row has yet, so an advisory lock keyed by it does."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", ["masthead.readers.email:" + email]
            )


def verify_new_address(token: str, *, signed_in=None) -> tuple[AbstractBaseUser, str, str]:
    """Spend the new address's link and move the account (and everything filed under the
    old address) to it; (user, old, new).  EmailChangeConflict if another account took
    the address meanwhile or the account's address is no longer the old one."""
    user, value = pending_email_verification(token, signed_in=signed_in)
    old, new = value["o"], value["w"]
    with transaction.atomic():
        _lock_address(new)
        locked = get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if locked is None:
            raise tokens.BadToken(
                "This link belongs to an account that no longer exists.", reason="invalid"
            )
        _check_change_possible(locked, old, new)
        tokens.spend(value["n"], "email-verify")
        locked.email = new
        locked.save(update_fields=["email"])
        for provider in registry.providers():
            if provider.email_changed is not None:
                provider.email_changed(locked, old, new)
    from .tasks import send_email_changed_notice

    transaction.on_commit(
        lambda: send_email_changed_notice.enqueue(user_id=locked.pk, old=old, new=new),
        robust=True,
    )
    return locked, old, new


# --- export and deletion ---------------------------------------------------------------


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_data(request: HttpRequest, user) -> dict:
    """Everything stored about the reader, as one JSON-serialisable object."""
    profile = profile_of(user)
    data = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "display_name": profile.display_name,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "avatar_url": request.build_absolute_uri(profile.avatar.url)
            if profile.avatar
            else None,
        },
    }
    for provider in registry.providers():
        data[provider.key] = provider.export(user)
    return data


def delete_account(request: HttpRequest, user) -> None:
    """Erase the reader everywhere, then the account itself, in one transaction.

    The avatar file goes only once the rows are gone for good: a failure that
    rolls the deletion back must not leave a profile pointing at nothing.
    """
    if is_staff_account(user):
        raise SignInRefused("Staff accounts are managed in the admin.")
    profile = ReaderProfile.objects.filter(user=user).first()
    avatar = profile.avatar if profile is not None and profile.avatar else None
    with transaction.atomic():
        for provider in registry.providers():
            provider.erase(user)
        if profile is not None:
            profile.delete()
        get_user_model().objects.filter(pk=user.pk).delete()
    if avatar is not None:
        storage, name = avatar.storage, avatar.name
        transaction.on_commit(lambda: storage.delete(name))
    # logout() flushes the session: nothing of the reader stays in it.
    logout(request)

"""For a staff member who lost both their phone and their backup codes: remove their
authenticator so they can sign in with the password alone and set up a new one (at
once, if two-factor sign-in is required)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from masthead.staffauth.devices import remove_all


class Command(BaseCommand):
    help = "Remove a user's two-factor authenticator and backup codes."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist as exc:
            raise CommandError(f"No user named {username!r}.") from exc
        removed = remove_all(user)
        if not removed:
            self.stdout.write(f"{username} had no two-factor sign-in set up.")
        else:
            self.stdout.write(
                f"Removed two-factor sign-in for {username}; they can sign in with their "
                "password and set it up again."
            )

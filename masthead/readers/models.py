"""A reader's account: a Django user who is not staff, with a profile and an avatar."""

from django.conf import settings
from django.db import models
from django.utils import timezone


def avatar_path(instance: "ReaderProfile", filename: str) -> str:
    # A random name: the file name a reader chose is theirs, not the public's.
    from uuid import uuid4

    return f"readers/avatars/{uuid4().hex}.webp"


class ReaderProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reader_profile"
    )
    display_name = models.CharField(max_length=80, blank=True)
    avatar = models.ImageField(upload_to=avatar_path, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.display_name or f"reader {self.user_id}"


class UsedToken(models.Model):
    """A single-use token that has been spent: its nonce, so a second use is refused.

    The primary key makes "use" an insert that only one request, on any app
    server, can win.
    """

    nonce = models.CharField(max_length=64, primary_key=True)
    purpose = models.CharField(max_length=20)
    used_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.purpose}:{self.nonce[:8]}"

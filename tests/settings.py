"""Test settings: the real settings, with a throwaway data dir and fast hashing."""

import os
import tempfile

os.environ.setdefault("MASTHEAD_DATA_DIR", tempfile.mkdtemp(prefix="masthead-test-"))
os.environ["MASTHEAD_TESTING"] = "1"
os.environ.setdefault("CACHE_URL", "locmem://")

from masthead.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

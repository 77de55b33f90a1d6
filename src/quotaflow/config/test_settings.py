"""Settings for the test suite: the production settings with plain HTTP and a fast hasher."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("QUOTAFLOW_HTTPS", "0")

from quotaflow.config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
# WhiteNoise warns about a missing STATIC_ROOT; tests serve through the finders instead.
STATIC_ROOT = Path(tempfile.gettempdir()) / "quotaflow-test-static"
STATIC_ROOT.mkdir(exist_ok=True)
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

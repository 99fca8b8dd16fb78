"""Settings for the test suite: PostgreSQL on 127.0.0.1:5432 unless DATABASE_URL names another server."""
import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("CREDENTIALS_KEY", "dGVzdC1vbmx5LWtleS1ub3QtZm9yLXByb2R1Y3Rpb24=")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mops")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("VENDOR_URL_ALLOW_PRIVATE", "true")

from .base import *  # noqa: E402,F401,F403

MEDIA_ROOT = Path(tempfile.gettempdir()) / "mops-test-media"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
REDIS_TEST_URL = env.str("REDIS_TEST_URL", default="redis://127.0.0.1:6379/15")
# Retries against the local fake vendor servers need no real backoff.
VENDOR_RETRY_BACKOFF_SECONDS = 0.01
INVENTORY_FETCH_WEBSITES = False

"""Settings for `make run`: demo secrets, SQLite and eager tasks, unless environment variables set others."""
import os

os.environ.setdefault("SECRET_KEY", "demo-only-secret-key-not-for-production")
# Demo-only Fernet key; production sets CREDENTIALS_KEY.
os.environ.setdefault("CREDENTIALS_KEY", "ZGVtby1vbmx5LWtleS1ub3QtZm9yLXByb2R1Y3Rpb24=")
os.environ.setdefault("DEBUG", "true")
# `make run` prints its own summary; set LOG_LEVEL=INFO to see every step logged.
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
os.environ.setdefault("VENDOR_URL_ALLOW_PRIVATE", "true")

from .base import *  # noqa: E402,F401,F403

# The demo's sample clients have no reachable websites.
INVENTORY_FETCH_WEBSITES = False

# `make run` prints a summary; one line per eager task would bury it.
LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}
LOGGING["loggers"]["portals.sample_data"] = {"level": "WARNING"}

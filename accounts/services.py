"""Services that change accounts: API keys, memberships and client users."""
import hashlib
import logging
import secrets

from django.db import transaction
from django.utils import timezone

from .models import ApiKey, ClientUser, Membership, User

logger = logging.getLogger(__name__)

API_KEY_PREFIX = "mops"


def hash_api_key_secret(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_create(*, user, name):
    """Create an API key and return (api_key, plaintext). The plaintext is not stored anywhere."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(user=user, name=name, prefix=prefix, hashed_secret=hash_api_key_secret(secret))

    logger.info("api key created user_id=%s api_key_id=%s prefix=%s", user.pk, api_key.pk, prefix)
    return api_key, f"{API_KEY_PREFIX}_{prefix}_{secret}"


def api_key_revoke(*, api_key):
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        logger.info("api key revoked user_id=%s api_key_id=%s", api_key.user_id, api_key.pk)
    return api_key


def api_key_authenticate(plaintext):
    """Return the active user of a presented key, or None. Updates the key's last-used time."""
    parts = plaintext.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX:
        return None

    _, prefix, secret = parts
    api_key = ApiKey.objects.select_related("user").filter(prefix=prefix, revoked_at__isnull=True).first()
    if api_key is None or not secrets.compare_digest(api_key.hashed_secret, hash_api_key_secret(secret)):
        return None
    if not api_key.user.is_active:
        return None

    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now())
    return api_key.user


@transaction.atomic
def client_user_create(*, client, email, password, full_name="", job_title=""):
    """Create a login for a person at a client company."""
    user = User.objects.create_user(email=email, password=password, full_name=full_name)
    client_user = ClientUser.objects.create(user=user, client=client, job_title=job_title)

    logger.info("client user created client_id=%s user_id=%s", client.pk, user.pk)
    return client_user


@transaction.atomic
def membership_create(*, organization, email, role, password=None, full_name="", assigned_clients=()):
    """Add a consultant or admin to an organization, creating the user when the email is new."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, full_name=full_name)
    membership = Membership.objects.create(organization=organization, user=user, role=role)
    membership.assigned_clients.set(assigned_clients)

    logger.info("membership created organization_id=%s user_id=%s role=%s", organization.pk, user.pk, role)
    return membership

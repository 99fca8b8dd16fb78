import ipaddress
import re
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def normalize_domain(value):
    """Reduce a URL or domain ("https://www.Acme.test/") to its host name without "www." ("acme.test")."""
    text = value.strip().lower()
    if "//" not in text:
        text = "//" + text
    host = (urlsplit(text).hostname or "").rstrip(".")
    return host[4:] if host.startswith("www.") else host


def validate_domain_list(values):
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise ValidationError('Website domains must be a list of strings, e.g. ["acme.com"].')
    for value in values:
        if not _HOSTNAME.match(normalize_domain(value)):
            raise ValidationError(f'"{value}" is not a valid domain name; enter a host such as "acme.com".')


def _is_public_address(host):
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror:
        # An unresolvable host is refused later by the connection itself; it reaches nothing private.
        return True
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            return False
    return True


def validate_vendor_base_url(value):
    """Allow only https URLs on public addresses, unless VENDOR_URL_ALLOW_PRIVATE is set for tests and the demo."""
    parts = urlsplit(value)
    allow_private = getattr(settings, "VENDOR_URL_ALLOW_PRIVATE", False)
    allowed_schemes = {"https", "http"} if allow_private else {"https"}

    if parts.scheme not in allowed_schemes or not parts.hostname:
        raise ValidationError(f'"{value}" is not a valid API base URL; use https://host[:port].')
    if not allow_private and not _is_public_address(parts.hostname):
        raise ValidationError(
            f'"{value}" points to a private, loopback or link-local address; use the vendor\'s public API host.'
        )

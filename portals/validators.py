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
    return all(_is_global(info[4][0]) for info in infos)


# IPv6 ranges that embed an IPv4 address in their last 32 bits (IPv4-compatible, IPv4-translated, NAT64).
_EMBEDDING_NETWORKS = [ipaddress.ip_network(net) for net in ("::/96", "::ffff:0:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48")]


def _embedded_ipv4(address):
    if address.version != 6:
        return None
    mapped = address.ipv4_mapped or address.sixtofour
    if mapped is not None:
        return mapped
    if any(address in network for network in _EMBEDDING_NETWORKS):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _is_global(text):
    address = ipaddress.ip_address(text.split("%")[0])
    address = _embedded_ipv4(address) or address
    return address.is_global and not address.is_multicast


def _is_link_local(host):
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror:
        return False
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        address = _embedded_ipv4(address) or address
        if address.is_link_local:
            return True
    return False


def validate_vendor_base_url(value):
    """Allow only https URLs on public addresses, unless VENDOR_URL_ALLOW_PRIVATE is set for tests and the demo."""
    parts = urlsplit(value)
    allow_private = getattr(settings, "VENDOR_URL_ALLOW_PRIVATE", False)
    allowed_schemes = {"https", "http"} if allow_private else {"https"}

    if parts.scheme not in allowed_schemes or not parts.hostname:
        raise ValidationError(f'"{value}" is not a valid API base URL; use https://host[:port].')
    if _is_link_local(parts.hostname):
        # Link-local covers cloud metadata services (169.254.169.254); never reachable, not even in tests.
        raise ValidationError(f'"{value}" points to a link-local address; use the vendor\'s public API host.')
    if not allow_private and not _is_public_address(parts.hostname):
        raise ValidationError(
            f'"{value}" points to a private, loopback or link-local address; use the vendor\'s public API host.'
        )

"""Normalisers that turn raw CRM values into comparison keys for duplicate matching and routing.

Each function takes one raw value (possibly None or blank) and returns a string, with "" meaning
"no usable value", so callers can skip blanks with a plain truth test.
"""
import re
import unicodedata
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from portals.validators import normalize_domain as _normalize_host

# Legal-form words dropped from the end of a company name ("Acme Widgets Inc." -> "acme widgets").
LEGAL_SUFFIXES = frozenset({
    "ab", "ag", "as", "bv", "co", "company", "corp", "corporation", "gmbh", "inc", "incorporated", "kg",
    "kk", "limited", "llc", "llp", "lp", "ltd", "ltda", "nv", "oy", "plc", "pty", "sa", "sarl", "sas",
    "se", "spa", "srl",
})

# A phone number needs this many digits to be a matching key. Shorter values are extensions or junk.
PHONE_MIN_DIGITS = 7
# Numbers are compared on their last 10 digits, so "+1 555 010 2000" equals "555-010-2000".
PHONE_KEY_DIGITS = 10

_NON_WORD = re.compile(r"[^a-z0-9]+")
_NON_LETTER = re.compile(r"[^a-z]+")
_NON_DIGIT_ASCII = re.compile(r"[^0-9]+")


def normalize_email(value, strip_plus_tags=False):
    """Trim and lower-case an email address, and drop a "+tag" from the local part when `strip_plus_tags` is set."""
    email = (value or "").strip().lower()
    if not strip_plus_tags or "@" not in email:
        return email

    local, _, domain = email.rpartition("@")
    local = local.split("+", 1)[0]
    return f"{local}@{domain}"


def is_valid_email(value):
    """True when the trimmed value is a syntactically valid email address (Django's EmailValidator rules).

    The steps are those of EmailValidator.__call__ in Django 5.2 (the version requirements.txt allows),
    with the domain verdict cached, because a portal's addresses share few domains. An address that
    these steps reject is checked once more by validate_email itself.
    """
    email = (value or "").strip()
    if not email:
        return False

    if "@" in email and len(email) <= 320:
        user_part, domain_part = email.rsplit("@", 1)
        if _email_user_part().match(user_part) and _is_valid_email_domain(domain_part):
            return True
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


@lru_cache(maxsize=1)
def _email_user_part():
    # The compiled pattern itself, because each use of Django's lazily compiled one goes through a proxy.
    return re.compile(validate_email.user_regex.pattern, validate_email.user_regex.flags)


@lru_cache(maxsize=65536)
def _is_valid_email_domain(domain_part):
    return domain_part in validate_email.domain_allowlist or validate_email.validate_domain_part(domain_part)


def email_domain(value):
    """Return the normalised domain of an email address ("Kim.Lee@WWW.Acme.test " -> "acme.test"), or ""."""
    email = (value or "").strip()
    if "@" not in email:
        return ""
    return normalize_domain(email.rpartition("@")[2])


def normalize_domain(value):
    """Reduce a URL or domain ("https://www.Acme.test/path") to its lower-case host without "www."."""
    text = (value or "").strip()
    if not text:
        return ""
    return _normalize_host(text)


def phone_key(value):
    """Return the last 10 digits of a phone number, or "" when it has fewer than 7 digits."""
    value = value or ""
    if value.isascii():
        digits = _NON_DIGIT_ASCII.sub("", value)
    else:
        # str.isdigit also accepts non-ASCII digits such as "²", which the ASCII pattern does not.
        digits = "".join(character for character in value if character.isdigit())
    if len(digits) < PHONE_MIN_DIGITS:
        return ""
    return digits[-PHONE_KEY_DIGITS:]


def normalize_company_name(value):
    """Lower-case a company name, drop accents and punctuation and remove trailing legal-form words."""
    words = _NON_WORD.sub(" ", _ascii_lower(value).replace("&", " and ")).split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def normalize_person_name(value):
    """Lower-case a first or last name and keep only its letters ("O'Brien-Smith" -> "obriensmith")."""
    return _NON_LETTER.sub("", _ascii_lower(value))


def _ascii_lower(value):
    if value is None or value.isascii():
        # NFKD leaves ASCII text unchanged, so plain text skips the decomposition.
        return (value or "").lower()
    decomposed = unicodedata.normalize("NFKD", value or "")
    return decomposed.encode("ascii", "ignore").decode("ascii").lower()

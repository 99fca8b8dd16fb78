"""Load the tool catalog from the JSON files next to this module and validate every entry."""
import json
import re
from functools import lru_cache
from pathlib import Path

from .entries import CATEGORIES, CRMS, Catalog, MetaFingerprint, ToolEntry

CATALOG_DIR = Path(__file__).resolve().parent

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")
DOMAIN_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
COOKIE_RE = re.compile(r"^[A-Za-z0-9_.\-]+\*?$")
GLOBAL_RE = re.compile(r"^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$")
MIN_SCRIPT_LENGTH = 5

ENTRY_FIELDS = {"slug", "name", "vendor", "category", "domain", "crm_integrations", "fingerprints", "data_values"}
REQUIRED_FIELDS = ("slug", "name", "vendor", "category", "domain")
FINGERPRINT_FIELDS = {"scripts", "cookies", "globals", "meta"}


class CatalogError(ValueError):
    """Invalid catalog entries. `errors` lists one message per problem, each naming the entry and field."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("invalid tool catalog:\n" + "\n".join(self.errors))


def load_catalog(extra_entries=()):
    """Return the shipped catalog with `extra_entries` (dicts in the same shape) appended.

    Raises CatalogError listing every invalid entry: a duplicate slug, an unknown category or CRM,
    a malformed domain or fingerprint, or an unknown field.
    """
    errors = []
    entries = []

    for file_name, category, raw in _shipped_raw_entries():
        entries.append(_parse_entry(raw, file_name, errors, file_category=category))

    for index, raw in enumerate(extra_entries):
        entries.append(_parse_entry(raw, "custom entry %d" % index, errors))

    _check_unique_slugs(entries, errors)
    if errors:
        raise CatalogError(errors)

    return Catalog(entries=tuple(entries))


@lru_cache(maxsize=1)
def _read_shipped_files():
    files = []
    for path in sorted(CATALOG_DIR.glob("*.json")):
        try:
            files.append((path.name, json.loads(path.read_text(encoding="utf-8"))))
        except json.JSONDecodeError as error:
            message = "%s: invalid JSON at line %d column %d: %s" % (path.name, error.lineno, error.colno, error.msg)
            raise CatalogError([message]) from error
    return tuple(files)


def _shipped_raw_entries():
    errors = []
    pairs = []
    for file_name, data in _read_shipped_files():
        category = file_name[: -len(".json")]
        if category not in CATEGORIES:
            errors.append("%s: file name is not a known category; rename it to one of %s" % (file_name, sorted(CATEGORIES)))
            continue
        if not isinstance(data, list):
            errors.append("%s: expected a JSON list of entries" % file_name)
            continue
        for raw in data:
            pairs.append((file_name, category, raw))
    if errors:
        raise CatalogError(errors)
    return pairs


def _parse_entry(raw, source, errors, *, file_category=None):
    if not isinstance(raw, dict):
        errors.append("%s: entry must be a JSON object, got %r" % (source, raw))
        return None

    label = "entry %r in %s" % (raw.get("slug", "?"), source)
    problems = []
    _check_fields(raw, problems)
    _check_identity(raw, file_category, problems)
    crm_integrations = _check_crm_integrations(raw.get("crm_integrations", []), problems)
    fingerprints = _check_fingerprints(raw.get("fingerprints", {}), problems)
    data_values = _check_data_values(raw.get("data_values", []), problems)

    if problems:
        errors.extend("%s: %s" % (label, problem) for problem in problems)
        return None

    return ToolEntry(
        slug=raw["slug"], name=raw["name"].strip(), vendor=raw["vendor"].strip(), category=raw["category"],
        domain=raw["domain"], crm_integrations=crm_integrations, data_values=data_values, custom=file_category is None,
        **fingerprints,
    )


def _check_fields(raw, problems):
    for name in sorted(set(raw) - ENTRY_FIELDS):
        problems.append("unknown field %r; allowed fields are %s" % (name, sorted(ENTRY_FIELDS)))
    for name in REQUIRED_FIELDS:
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            problems.append("field %s is missing or empty" % name)


def _check_identity(raw, file_category, problems):
    slug = raw.get("slug")
    if isinstance(slug, str) and not SLUG_RE.match(slug):
        problems.append("field slug %r must use lower-case letters, digits and '_'" % slug)

    category = raw.get("category")
    if isinstance(category, str) and category not in CATEGORIES:
        problems.append("field category %r is not a known category; use one of %s" % (category, sorted(CATEGORIES)))
    elif file_category and category != file_category:
        problems.append("field category %r does not match its file; move the entry to %s.json" % (category, category))

    domain = raw.get("domain")
    if isinstance(domain, str) and domain and not DOMAIN_RE.match(domain):
        problems.append("field domain %r must be a lower-case host name such as example.com, without scheme or path" % domain)


def _check_crm_integrations(value, problems):
    if not isinstance(value, list):
        problems.append("field crm_integrations must be a list")
        return ()
    for crm in value:
        if crm not in CRMS:
            problems.append("field crm_integrations contains %r; use a subset of %s" % (crm, sorted(CRMS)))
    return tuple(value)


def _check_fingerprints(value, problems):
    parsed = {"scripts": (), "cookies": (), "globals": (), "meta": ()}
    if not isinstance(value, dict):
        problems.append("field fingerprints must be an object with keys %s" % sorted(FINGERPRINT_FIELDS))
        return parsed
    for name in sorted(set(value) - FINGERPRINT_FIELDS):
        problems.append("unknown field fingerprints.%s; allowed keys are %s" % (name, sorted(FINGERPRINT_FIELDS)))

    parsed["scripts"] = _check_strings(value, "scripts", problems, _script_problem)
    parsed["cookies"] = _check_strings(value, "cookies", problems, _cookie_problem)
    parsed["globals"] = _check_strings(value, "globals", problems, _global_problem)
    parsed["meta"] = _check_meta(value.get("meta", []), problems)
    return parsed


def _check_strings(container, name, problems, item_problem):
    items = container.get(name, [])
    if not isinstance(items, list):
        problems.append("field fingerprints.%s must be a list of strings" % name)
        return ()
    for index, item in enumerate(items):
        problem = item_problem(item) if isinstance(item, str) else "must be a string"
        if problem:
            problems.append("field fingerprints.%s[%d] %r %s" % (name, index, item, problem))
    return tuple(items)


def _script_problem(item):
    if len(item) < MIN_SCRIPT_LENGTH or item != item.strip() or " " in item:
        return "must be a URL substring of at least %d characters without spaces" % MIN_SCRIPT_LENGTH
    if item != item.lower():
        return "must be lower case because URLs are matched lower-cased"
    return ""


def _cookie_problem(item):
    if not COOKIE_RE.match(item):
        return "is not a valid cookie name; use letters, digits, '_', '-', '.' and an optional trailing '*'"
    return ""


def _global_problem(item):
    if not GLOBAL_RE.match(item):
        return "is not a JavaScript identifier or dotted path such as dataLayer or window.Intercom"
    return ""


def _check_meta(items, problems):
    if not isinstance(items, list):
        problems.append("field fingerprints.meta must be a list of {\"name\", \"content\"} objects")
        return ()
    parsed = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or set(item) - {"name", "content"}:
            problems.append("field fingerprints.meta[%d] must be an object with keys name and optional content" % index)
            continue
        name, content = item.get("name"), item.get("content", "")
        if not isinstance(name, str) or not name.strip() or not isinstance(content, str):
            problems.append("field fingerprints.meta[%d] needs a non-empty string name and a string content" % index)
            continue
        parsed.append(MetaFingerprint(name=name.strip().lower(), content=content))
    return tuple(parsed)


def _check_data_values(items, problems):
    if not isinstance(items, list):
        problems.append("field data_values must be a list of strings")
        return ()
    for index, item in enumerate(items):
        if not isinstance(item, str) or not item.strip() or item != item.strip().lower():
            problems.append("field data_values[%d] %r must be a non-empty lower-case string" % (index, item))
    return tuple(items)


def _check_unique_slugs(entries, errors):
    seen = set()
    for entry in entries:
        if entry is None:
            continue
        if entry.slug in seen:
            origin = "custom entry" if entry.custom else "shipped entry"
            errors.append("%s %r: slug is already used by another entry; choose a unique slug" % (origin, entry.slug))
        seen.add(entry.slug)

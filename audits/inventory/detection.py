"""Detection: one piece of evidence that a client uses a catalog tool."""
from dataclasses import dataclass
from datetime import datetime

# Kinds found by scanning a web page.
PAGE_KINDS = ("script", "pixel", "iframe", "link", "form", "inline_script", "global", "meta", "cookie", "set_cookie")
# Kinds found in CRM data or a questionnaire.
VALUE_KINDS = ("utm_source", "referrer", "connected_app", "touchpoint_source", "questionnaire")
# Value kinds whose count is a number of CRM records.
COUNTED_KINDS = ("utm_source", "referrer", "touchpoint_source")

KIND_LABELS = {
    "script": "website script",
    "pixel": "website pixel",
    "iframe": "website iframe",
    "link": "website link tag",
    "form": "website form action",
    "inline_script": "inline script",
    "global": "JavaScript global",
    "meta": "meta tag",
    "cookie": "cookie",
    "set_cookie": "Set-Cookie header",
    "utm_source": "utm_source",
    "referrer": "referrer",
    "connected_app": "connected app",
    "touchpoint_source": "touchpoint source",
    "questionnaire": "questionnaire answer",
}


@dataclass(frozen=True)
class Detection:
    """Evidence for one tool: the catalog entry, the kind of evidence, and the matched text.

    `source` is the page URL for page kinds, "" for data values. `count` is the number of records that
    carry a data value (1 for page evidence). `weak` marks evidence that alone does not prove use.
    """

    tool: object
    kind: str
    evidence: str
    source: str = ""
    count: int = 1
    last_seen: datetime | None = None
    weak: bool = False

    @property
    def slug(self):
        return self.tool.slug

    @property
    def name(self):
        return self.tool.name

    @property
    def category(self):
        return self.tool.category

    def describe(self):
        """Return a short phrase such as "referrer app.drift.com on 14 records"."""
        label = KIND_LABELS.get(self.kind, self.kind)
        if self.kind in COUNTED_KINDS:
            noun = "record" if self.count == 1 else "records"
            return "%s %r on %d %s" % (label, self.evidence, self.count, noun)
        return "%s %s" % (label, _shorten(self.evidence))

    def as_dict(self):
        return {
            "slug": self.slug,
            "name": self.name,
            "category": self.category,
            "kind": self.kind,
            "evidence": self.evidence,
            "source": self.source,
            "count": self.count,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "weak": self.weak,
        }


def _shorten(text, limit=80):
    return text if len(text) <= limit else text[: limit - 1] + "…"

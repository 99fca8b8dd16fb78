"""Marketing touchpoints and sales activities of one person, vendor-neutral.

The first touch carries the person's first-touch UTM values (planted variants included). Every later
touch uses only canonical values of the client's channel table or of its tools, so UTM problems
appear on exactly the planted persons.
"""
import time

from .channels import campaign_name
from .core import AS_OF, DAY, MINUTE

# Later-touch kinds and their weights.
_LATER_KINDS = (("email_open", 35), ("email_click", 20), ("visit", 25), ("ad_click", 10), ("tool", 10))
_KIND_NAMES = tuple(kind for kind, _ in _LATER_KINDS)
_KIND_WEIGHTS = tuple(weight for _, weight in _LATER_KINDS)
PAGES = ("/", "/pricing", "/product", "/blog/revops-checklist", "/customers", "/resources/guide", "/contact")


def quarter_campaign(seconds, topic):
    moment = time.gmtime(seconds)
    return campaign_name(moment.tm_year, (moment.tm_mon - 1) // 3 + 1, topic)


class Touch:
    """One touchpoint: kind is visit, form, email_open, email_click, ad_click or tool."""

    __slots__ = ("kind", "at", "source", "medium", "campaign", "term", "referrer", "gclid", "url", "form", "first", "channel")

    def __init__(self, kind, at, url="", source="", medium="", campaign="", term="", referrer="", gclid="", form=None, first=False,
                 channel=""):
        self.kind, self.at, self.url = kind, at, url
        self.source, self.medium, self.campaign, self.term = source, medium, campaign, term
        self.referrer, self.gclid, self.form, self.first = referrer, gclid, form, first
        # The GA4 channel of a first touch or an ad click, as the client's channel table intends it.
        self.channel = channel


def person_touches(pop, person, rng, mean_later=8):
    """Return the person's touches in time order (first touch, form submission, later touches)."""
    domain = "https://www.%s" % pop.profile.domain
    touches = []
    if person.first_seen is not None:
        touch = person.touch
        touches.append(Touch(
            "visit", person.first_seen, _landing(domain, rng), touch["source"], touch["medium"], touch["campaign"],
            touch["term"], touch["referrer"], touch["gclid"], first=True, channel=person.channel.ga4,
        ))
    elif person.mql_at is not None:
        # An MQL qualifies on fit plus engagement, so a person without a tracked first visit (offline sources)
        # clicks a newsletter between its creation and its MQL date.
        at = person.created + rng.randrange(max(1, person.mql_at - person.created))
        touches.append(Touch("email_click", at, _landing(domain, rng), "newsletter", "email", quarter_campaign(at, "newsletter")))
    if person.form is not None:
        touches.append(Touch("form", person.created, domain + "/forms/%d" % person.form, form=person.form))

    paid = [channel for channel in pop.channels if channel.paid and channel.weight > 0]
    tools = pop.profile.extra.get("tool_touches", ())
    span = max(DAY, AS_OF - person.created - MINUTE)
    for _ in range(rng.randint(mean_later // 2, mean_later + mean_later // 2)):
        at = person.created + MINUTE + rng.randrange(span)
        kind = rng.choices(_KIND_NAMES, _KIND_WEIGHTS)[0]
        touches.append(_later_touch(kind, at, domain, paid, tools, rng))
    touches.sort(key=lambda item: item.at)
    return touches


def _landing(domain, rng):
    return domain + rng.choice(PAGES)


def _later_touch(kind, at, domain, paid, tools, rng):
    if kind == "email_open":
        return Touch(kind, at, campaign=quarter_campaign(at, "newsletter"))
    if kind == "email_click":
        return Touch(kind, at, _landing(domain, rng), "newsletter", "email", quarter_campaign(at, "newsletter"))
    if kind == "ad_click":
        channel = rng.choice(paid)
        gclid = "Cj0KCQ%010d" % rng.randrange(10 ** 10) if channel.gclid else ""
        return Touch(kind, at, _landing(domain, rng), channel.source, channel.medium,
                     quarter_campaign(at, rng.choice(channel.topics)), channel.term, channel.referrer, gclid, channel=channel.ga4)
    if kind == "tool" and tools:
        source, medium, referrer, topic = rng.choice(tools)
        campaign = quarter_campaign(at, topic) if source else ""
        return Touch("visit", at, _landing(domain, rng), source, medium, campaign, referrer=referrer)
    referrer = rng.choice(("", "https://www.google.com/", "https://www.bing.com/"))
    return Touch("visit", at, _landing(domain, rng), referrer=referrer)


def acquisition_channel(touches):
    """Return the GA4 channel of the first touch that can acquire a person (visit, form, email click, ad click).

    An audit credits an MQL to this touch. The value is "" when that touch carries no channel of the client's
    channel table (a later visit, a form or an email click), which is never a paid channel.
    """
    for touch in touches:
        if touch.kind in ("visit", "form", "email_click", "ad_click"):
            return touch.channel
    return ""


def sales_activities(person, rng):
    """Return (at, kind) of the first sales activity and of up to two follow-up calls."""
    if person.first_activity is None:
        return []
    first_at, kind = person.first_activity
    activities = [(first_at, kind)]
    for _ in range(rng.randrange(3)):
        activities.append((min(AS_OF - MINUTE, activities[-1][0] + rng.randrange(DAY, 20 * DAY)), "call"))
    return activities

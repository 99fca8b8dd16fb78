"""ORM versions of the checks' raw-SQL reads, for databases other than PostgreSQL.

speed_to_lead and cost_per_mql read the snapshot with PostgreSQL SQL (LATERAL joins, EXTRACT(EPOCH),
arrays), which is much faster on large portals. SQLite, the embedded default, runs these ORM queries
instead. Each returns rows of the same shape as its SQL, so the checks compute the same results.
"""
from datetime import datetime, timedelta, timezone

from django.db.models import Exists, F, OuterRef, Q, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber

from audits.checks.lifecycle import any_of
from portals.models import Contact, Form, Touchpoint

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def epoch_microseconds(value):
    """Return an aware datetime as microseconds since 1970-01-01 UTC, or None."""
    return None if value is None else (value - _EPOCH) // _MICROSECOND


def lead_clock_rows(context):
    """Return [(contact id, clock start, owner id, original source, first sales activity or None)], instants in microseconds."""
    keywords = context.thresholds["demo_form_keywords"]
    demo_form = Form.objects.filter(portal_id=OuterRef("portal_id"), external_id=OuterRef("form_external_id")).filter(
        any_of([Q(name__icontains=keyword) for keyword in keywords])
    )
    first_demo_request = (
        Touchpoint.objects.filter(
            client_id=OuterRef("client_id"), contact_external_id=OuterRef("external_id"), portal_id=OuterRef("portal_id"),
            kind=Touchpoint.Kind.FORM_SUBMISSION,
        )
        .filter(Exists(demo_form))
        .order_by("occurred_at")
        .values("occurred_at")[:1]
    )
    first_activity = (
        Touchpoint.objects.filter(
            client_id=OuterRef("client_id"), contact_external_id=OuterRef("external_id"), portal_id=OuterRef("portal_id"),
            is_sales_activity=True, occurred_at__gte=OuterRef("clock_start"),
        )
        .order_by("occurred_at")
        .values("occurred_at")[:1]
    )
    contacts = (
        context.scoped(Contact)
        .annotate(clock_start=Coalesce("became_mql_at", Subquery(first_demo_request)))
        .filter(clock_start__isnull=False, clock_start__lte=context.now)
        .annotate(first_activity_at=Subquery(first_activity))
        .values_list("external_id", "clock_start", "owner_external_id", "original_source", "first_activity_at")
    )
    return [
        (external_id, epoch_microseconds(start), owner, source, epoch_microseconds(activity))
        for external_id, start, owner, source, activity in contacts
    ]


def mql_first_touch_rows(context, kinds):
    """Return [(portal id, contact id, MQL date in microseconds, original source, first touchpoint id, its UTM source,
    medium, campaign, referrer and click id)] of the MQLs, with None for the touchpoint columns when there is none."""
    mqls = context.scoped(Contact).filter(became_mql_at__isnull=False)
    is_mql = mqls.filter(portal_id=OuterRef("portal_id"), external_id=OuterRef("contact_external_id"))
    first = (
        context.scoped(Touchpoint).filter(kind__in=kinds).filter(Exists(is_mql))
        .annotate(position=Window(RowNumber(), partition_by=[F("portal_id"), F("contact_external_id")],
                                  order_by=[F("occurred_at").asc(), F("pk").asc()]))
        .filter(position=1)
        .values_list("portal_id", "contact_external_id", "pk", "utm_source", "utm_medium", "utm_campaign", "referrer", "click_id")
    )
    touches = {(portal, contact): rest for portal, contact, *rest in first}
    no_touch = (None,) * 6
    return [
        (portal, external_id, epoch_microseconds(became_mql_at), source, *touches.get((portal, external_id), no_touch))
        for portal, external_id, became_mql_at, source in mqls.values_list("portal_id", "external_id", "became_mql_at", "original_source")
    ]

"""Every URL route and API endpoint keeps the tenant's data away from users of other tenants.

Routes are discovered from the URL resolver, so endpoints added later are covered without
listing them here. A route whose path parameters cannot be filled fails the test with a hint.
"""
import json
import re
import secrets

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.test import Client as DjangoClient
from django.urls import get_resolver, resolve
from django.urls.resolvers import RoutePattern, URLPattern, URLResolver

from tests.conftest import TENANT_MARKER, login

WRITE_METHODS = ["post", "put", "patch", "delete"]
# Models that only superusers manage in the Django admin; organization admins get 403 there.
SUPERUSER_ONLY_MODELS = {"accounts.User"}
SUPERUSER_ONLY_ROUTES = {"admin/accounts/organization/<path:object_id>/delete/"}
GROUP = re.compile(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)")
CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _discover_routes():
    """Yield (path template, callback) for every URL pattern, with nested includes flattened."""

    def walk(patterns, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + _pattern_text(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + _pattern_text(entry.pattern), entry.callback

    return list(walk(get_resolver().url_patterns, ""))


def _pattern_text(pattern):
    text = str(pattern)
    if isinstance(pattern, RoutePattern):
        return text
    return text.lstrip("^").rstrip("$")


def _route_model(callback):
    """The model a route acts on: a DRF viewset's, a class-based view's or a ModelAdmin's."""
    bound_admin = getattr(getattr(callback, "__wrapped__", None), "__self__", None)
    owners = (
        getattr(callback, "cls", None),
        getattr(callback, "view_class", None),
        getattr(callback, "model_admin", None),
        bound_admin,
    )
    for owner in owners:
        model = getattr(owner, "model", None)
        if model is not None:
            return model
    return None


def _tenant_object(world, model):
    """An object of `model` that belongs to the tenant under test."""
    candidates = {
        "portals.Client": world.client,
        "portals.Engagement": world.engagement,
        "portals.Portal": world.portal,
        "accounts.Organization": world.organization,
        "accounts.Membership": world.consultant.memberships.get(),
        "accounts.ClientUser": world.client_user.client_user,
        "accounts.ApiKey": world.api_key,
        "accounts.User": world.consultant,
    }
    for label, obj in _extra_tenant_objects(world).items():
        candidates.setdefault(label, obj)
    if model._meta.label not in candidates:
        pytest.fail(f"No tenant object for {model._meta.label}: add one to _tenant_object in tests/test_isolation.py.")
    return candidates[model._meta.label]


def _extra_tenant_objects(world):
    """Objects of client-scoped models added by later apps: the first row of the tenant's client, if any."""
    found = {}
    for model in apps.get_models():
        if any(f.name == "client" for f in model._meta.fields):
            obj = model.objects.filter(client=world.client).first()
            if obj is not None:
                found[model._meta.label] = obj
    return found


def _fill(template, callback, world, missing=False):
    """Build a concrete path from a route template; `missing` uses ids that exist nowhere."""
    model = _route_model(callback)

    def value(name):
        if name == "format":
            return "json"
        if name == "object_id" and template.startswith("admin/r/"):
            return "987654321" if missing else str(world.client.pk)
        if name in ("pk", "id", "object_id"):
            if model is None:
                pytest.fail(f"Route {template} has parameter {name} but no model; set `model` on its view.")
            return "987654321" if missing else str(_tenant_object(world, model).pk)
        if name == "app_label":
            return model._meta.app_label if model else "portals"
        if name == "content_type_id":
            return str(ContentType.objects.get_for_model(world.client).pk)
        if name == "url":
            return "no-such-page/"
        if name == "token":
            # Share tokens: a random one matches no link, so every user gets the share page's 404.
            return secrets.token_urlsafe(32)
        pytest.fail(f"Route {template} has parameter {name} that the isolation test cannot fill; teach _fill about it.")

    path = GROUP.sub(lambda m: value(m.group(1)), template)
    path = CONVERTER.sub(lambda m: ".json" if m.group(1) == "drf_format_suffix" else value(m.group(2)), path)
    path = path.replace("\\.", ".").replace("/?", "/").replace("\\", "")
    return "/" + path


def _tenant_snapshot(world):
    """Every row that belongs to the tenant's organization, as plain values, to detect any change."""
    snapshot = {}
    organization_id = world.organization.pk
    for model in apps.get_models():
        names = {f.name for f in model._meta.fields}
        if "client" in names:
            rows = model.objects.filter(client__organization_id=organization_id)
        elif "organization" in names:
            rows = model.objects.filter(organization_id=organization_id)
        elif model._meta.label == "accounts.Organization":
            rows = model.objects.filter(pk=organization_id)
        elif model._meta.label == "accounts.ApiKey":
            rows = model.objects.filter(user=world.admin).exclude(last_used_at__isnull=False)
        else:
            continue
        snapshot[model._meta.label] = sorted(json.dumps(row, default=str, sort_keys=True) for row in rows.values())
    return snapshot


def _has_object_param(template):
    names = GROUP.findall(template) + [name for _, name in CONVERTER.findall(template)]
    return any(name in ("pk", "id", "object_id") for name in names)


def _shared_with(attacker, world, callback):
    """True when the route's object is the tenant's organization and the attacker is one of its members."""
    model = _route_model(callback)
    is_organization = model is not None and model._meta.label == "accounts.Organization"
    return is_organization and attacker.memberships.filter(organization=world.organization).exists()


def _payload(world):
    """A body that names the tenant's objects, as an attacker would send it."""
    return {
        "client": world.client.pk,
        "organization": world.organization.pk,
        "name": "attack",
        "vendor": "hubspot",
        "kind": "audit",
        "email": "attacker@evil.test",
        "password": "a-long-enough-password-42",
        "role": "admin",
        "assigned_clients": [world.client.pk],
    }


@pytest.fixture
def routes():
    found = _discover_routes()
    assert len(found) > 20, "route discovery found too few routes"
    return found


ATTACKERS = ["sibling_client_user", "unassigned_consultant", "other_org_admin", "other_org_consultant", "other_org_client_user"]


@pytest.mark.django_db
@pytest.mark.parametrize("attacker_name", ATTACKERS)
def test_routes_leak_nothing_to_other_tenants(world, routes, attacker_name):
    attacker = world.attackers[attacker_name]
    http = login(DjangoClient(), attacker)
    before = _tenant_snapshot(world)
    payload = _payload(world)

    for template, callback in routes:
        path = _fill(template, callback, world)
        assert resolve(path).func == callback, f"built path {path} does not resolve to the route {template}"

        # Log in again for every route, because the logout route ends the session.
        http.force_login(attacker)
        response = http.get(path, follow=False)
        body = response.content.decode(errors="replace").lower()
        assert TENANT_MARKER not in body, f"GET {path} as {attacker_name} shows the tenant's data"
        if _has_object_param(template) and not _shared_with(attacker, world, callback):
            missing = http.get(_fill(template, callback, world, missing=True), follow=False)
            assert response.status_code == missing.status_code, (
                f"GET {path} as {attacker_name} answers {response.status_code} but a missing object answers "
                f"{missing.status_code}; another tenant's object must look like a missing one"
            )

        for method in WRITE_METHODS:
            http.force_login(attacker)
            response = getattr(http, method)(path, data=json.dumps(payload), content_type="application/json")
            body = response.content.decode(errors="replace").lower()
            assert TENANT_MARKER not in body, f"{method.upper()} {path} as {attacker_name} shows the tenant's data"

    assert _tenant_snapshot(world) == before, f"{attacker_name} changed the tenant's data"


@pytest.mark.django_db
def test_object_routes_reach_tenant_objects_as_owner(world, routes):
    """The paths the attack test builds do reach the objects, so its 404s mean something."""
    http = login(DjangoClient(), world.admin)
    checked = 0

    for template, callback in routes:
        if not _has_object_param(template) or template.startswith("admin/r/") or template in SUPERUSER_ONLY_ROUTES:
            continue
        model = _route_model(callback)
        if model is not None and model._meta.label in SUPERUSER_ONLY_MODELS:
            continue
        path = _fill(template, callback, world)
        response = http.get(path)
        if response.status_code == 405:
            continue
        # 400 comes from actions that need query parameters, after the object was found.
        assert response.status_code in (200, 302, 400), f"GET {path} as the tenant's admin answers {response.status_code}"
        checked += 1

    assert checked >= 10


@pytest.mark.django_db
def test_api_lists_are_empty_for_other_tenants(world, api_client):
    """A consultant of another organization lists none of the tenant's rows on any list endpoint."""
    login(api_client, world.attackers["other_org_consultant"])

    for basename in ("client", "engagement", "portal", "membership", "client-user", "organization"):
        response = api_client.get(f"/api/v1/{basename}s/")
        ids = {row["id"] for row in response.json()["results"]}
        assert response.status_code == 200
        assert TENANT_MARKER not in response.content.decode().lower(), f"/api/v1/{basename}s/ leaks the tenant"
        assert world.client.pk not in ids or basename != "client"

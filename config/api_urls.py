from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from accounts.api import views as account_api
from portals.api import views as portal_api

app_name = "api"

router = DefaultRouter()
router.register("organizations", account_api.OrganizationViewSet, basename="organization")
router.register("memberships", account_api.MembershipViewSet, basename="membership")
router.register("client-users", account_api.ClientUserViewSet, basename="client-user")
router.register("api-keys", account_api.ApiKeyViewSet, basename="api-key")
router.register("clients", portal_api.ClientViewSet, basename="client")
router.register("engagements", portal_api.EngagementViewSet, basename="engagement")
router.register("portals", portal_api.PortalViewSet, basename="portal")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="api-redoc"),
    *router.urls,
]

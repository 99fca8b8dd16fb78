from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from accounts.api import views as account_api
from audits.api import inventory as inventory_api
from audits.api import views as audit_api
from portals.api import sync_views as sync_api
from portals.api import views as portal_api
from reports.api import views as report_api

app_name = "api"

router = DefaultRouter()
router.register("organizations", account_api.OrganizationViewSet, basename="organization")
router.register("memberships", account_api.MembershipViewSet, basename="membership")
router.register("client-users", account_api.ClientUserViewSet, basename="client-user")
router.register("api-keys", account_api.ApiKeyViewSet, basename="api-key")
router.register("clients", portal_api.ClientViewSet, basename="client")
router.register("engagements", portal_api.EngagementViewSet, basename="engagement")
router.register("portals", portal_api.PortalViewSet, basename="portal")
router.register("sync-runs", sync_api.SyncRunViewSet, basename="sync-run")
router.register("csv-uploads", sync_api.CsvUploadViewSet, basename="csv-upload")
router.register("contacts", sync_api.ContactViewSet, basename="contact")
router.register("companies", sync_api.CompanyViewSet, basename="company")
router.register("audit-runs", audit_api.AuditRunViewSet, basename="audit-run")
router.register("findings", audit_api.FindingViewSet, basename="finding")
router.register("remediation-tasks", audit_api.RemediationTaskViewSet, basename="remediation-task")
router.register("checks", audit_api.CheckRegistryView, basename="check")
router.register("reports", report_api.ReportViewSet, basename="report")
router.register("report-versions", report_api.ReportVersionViewSet, basename="report-version")
router.register("share-links", report_api.ShareLinkViewSet, basename="share-link")
router.register("delivery-schedules", report_api.DeliveryScheduleViewSet, basename="delivery-schedule")
router.register("inventory-runs", inventory_api.InventoryRunViewSet, basename="inventory-run")
router.register("tool-answers", inventory_api.ToolAnswerViewSet, basename="tool-answer")
router.register("website-pages", inventory_api.WebsitePageViewSet, basename="website-page")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="api-redoc"),
    *router.urls,
]

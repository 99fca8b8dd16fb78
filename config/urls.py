from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views as account_views
from audits import inventory_views
from audits import views as audit_views
from portals import views as portal_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("home/", account_views.client_home, name="client-home"),
    path("clients/", portal_views.ClientListView.as_view(), name="client-list"),
    path("clients/<int:pk>/", portal_views.ClientDetailView.as_view(), name="client-detail"),
    path("clients/<int:pk>/contacts/", portal_views.ClientContactListView.as_view(), name="client-contacts"),
    path("clients/<int:pk>/audits/", audit_views.ClientAuditRunListView.as_view(), name="client-audit-runs"),
    path("clients/<int:pk>/audits/new/", audit_views.AuditRunCreateView.as_view(), name="audit-run-create"),
    path("clients/<int:pk>/tasks/", audit_views.ClientTaskListView.as_view(), name="client-tasks"),
    path("contacts/<int:pk>/", portal_views.ContactDetailView.as_view(), name="contact-detail"),
    path("portals/<int:pk>/sync/", portal_views.PortalSyncView.as_view(), name="portal-sync"),
    path("portals/<int:pk>/syncs/", portal_views.PortalSyncRunListView.as_view(), name="portal-sync-runs"),
    path("portals/<int:pk>/uploads/new/", portal_views.CsvUploadCreateView.as_view(), name="csv-upload-create"),
    path("syncs/<int:pk>/", portal_views.SyncRunDetailView.as_view(), name="sync-run-detail"),
    path("syncs/<int:pk>/resume/", portal_views.SyncRunResumeView.as_view(), name="sync-run-resume"),
    path("uploads/<int:pk>/", portal_views.CsvUploadDetailView.as_view(), name="csv-upload-detail"),
    path("audits/<int:pk>/", audit_views.AuditRunDetailView.as_view(), name="audit-run-detail"),
    path("audits/<int:pk>/compare/", audit_views.AuditRunCompareView.as_view(), name="audit-run-compare"),
    path("clients/<int:pk>/inventory/", inventory_views.ClientInventoryView.as_view(), name="client-inventory"),
    path("clients/<int:pk>/inventory/new/", inventory_views.InventoryRunCreateView.as_view(), name="inventory-run-create"),
    path("inventories/<int:pk>/", inventory_views.InventoryRunDetailView.as_view(), name="inventory-run-detail"),
    path("findings/<int:pk>/", audit_views.FindingDetailView.as_view(), name="finding-detail"),
    path("tasks/<int:pk>/", audit_views.TaskDetailView.as_view(), name="task-detail"),
    path("tasks/<int:pk>/comments/", audit_views.TaskCommentCreateView.as_view(), name="task-comment-create"),
    path("", include("reports.urls")),
    path("api/v1/", include("config.api_urls")),
    path("admin/", admin.site.urls),
]

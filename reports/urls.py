"""Page routes of the reports app: report pages, publishing, share links, the dashboard and the client portal."""
from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("clients/<int:pk>/timeline/", views.ClientTimelineView.as_view(), name="client-timeline"),
    path("clients/<int:pk>/reports/new/", views.ReportCreateView.as_view(), name="report-create"),
    path("reports/", views.ReportListView.as_view(), name="report-list"),
    path("reports/<int:pk>/", views.ReportDetailView.as_view(), name="report-detail"),
    path("reports/<int:pk>/render/", views.ReportRenderView.as_view(), name="report-render"),
    path("reports/<int:pk>/publish/", views.ReportPublishView.as_view(), name="report-publish"),
    path("reports/<int:pk>/pdf/", views.ReportPdfView.as_view(), name="report-pdf"),
    path("reports/<int:pk>/share-links/", views.ShareLinkCreateView.as_view(), name="share-link-create"),
    path("report-versions/<int:pk>/pdf/", views.VersionPdfView.as_view(), name="report-version-pdf"),
    path("share-links/<int:pk>/revoke/", views.ShareLinkRevokeView.as_view(), name="share-link-revoke"),
    path("share/<str:token>/", views.ShareReportView.as_view(), name="share-report"),
    path("share/<str:token>/pdf/", views.SharePdfView.as_view(), name="share-report-pdf"),
    path("home/tasks/<int:pk>/status/", views.ClientTaskStatusView.as_view(), name="client-task-status"),
    path("home/tasks/<int:pk>/comments/", views.ClientTaskCommentView.as_view(), name="client-task-comment"),
    path("brand/", views.BrandSettingsView.as_view(), name="brand-settings"),
]

"""Page routes of the reports app: report pages, publishing, share links, the dashboard and the client portal."""

urlpatterns = []

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views as account_views
from portals import views as portal_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("home/", account_views.client_home, name="client-home"),
    path("clients/", portal_views.ClientListView.as_view(), name="client-list"),
    path("clients/<int:pk>/", portal_views.ClientDetailView.as_view(), name="client-detail"),
    path("", include("reports.urls")),
    path("api/v1/", include("config.api_urls")),
    path("admin/", admin.site.urls),
]

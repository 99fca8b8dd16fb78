from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from portals.views import page_of
from reports import selectors as report_selectors
from reports.forms import TaskStatusForm
from reports.models import Report

from .tenancy import client_user_client_id


@login_required
def home(request):
    """Send consultants to their dashboard and client users to their own client's page."""
    if request.user.is_client_user:
        return redirect("client-home")
    return redirect("dashboard")


# Remediation tasks per page of a client user's home page.
CLIENT_HOME_TASKS_PER_PAGE = 25


@login_required
def client_home(request):
    """Show a client user's landing page: the published reports and remediation tasks of their client."""
    if client_user_client_id(request.user) is None:
        return redirect("client-list")

    client = request.user.client_user.client
    reports = (
        Report.objects.visible_to(request.user)
        .select_related("published_version")
        .defer("published_version__html", "published_version__data")
        .order_by("-published_at")
    )
    page = page_of(request, report_selectors.client_user_tasks(request.user), CLIENT_HOME_TASKS_PER_PAGE)
    context = {
        "client": client,
        "brand": report_selectors.brand_for(client.organization),
        "reports": reports,
        "page_obj": page,
        "is_paginated": page.has_other_pages(),
        "status_choices": TaskStatusForm.base_fields["status"].choices,
    }
    return render(request, "accounts/client_home.html", context)

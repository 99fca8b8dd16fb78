from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from .tenancy import client_user_client_id


@login_required
def home(request):
    """Send consultants to their client list and client users to their own client's page."""
    if request.user.is_client_user:
        return redirect("client-home")
    return redirect("client-list")


@login_required
def client_home(request):
    """The landing page of a client user: what is published to their client."""
    if client_user_client_id(request.user) is None:
        return redirect("client-list")

    client = request.user.client_user.client
    return render(request, "accounts/client_home.html", {"client": client})

def branding(request):
    """The consultancy whose name and colour the page shows: the user's organization or their client's."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    if user.is_client_user:
        organization = user.client_user.client.organization
    else:
        membership = user.memberships.select_related("organization").first()
        organization = membership.organization if membership else None
    return {"brand_organization": organization}

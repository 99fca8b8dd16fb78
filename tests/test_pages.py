import pytest

from tests.conftest import login


@pytest.mark.django_db
def test_login_page_renders(client):
    response = client.get("/login/")

    assert response.status_code == 200
    assert b"Log in" in response.content


@pytest.mark.django_db
def test_login_with_email_lands_consultant_on_dashboard(client, world, password):
    response = client.post("/login/", {"username": world.consultant.email, "password": password}, follow=True)

    assert response.redirect_chain[-1][0] == "/dashboard/"
    assert b"Zebra Corp" in response.content
    assert b"Sibling Ltd" not in response.content


@pytest.mark.django_db
def test_wrong_password_shows_error(client, world):
    response = client.post("/login/", {"username": world.consultant.email, "password": "wrong"})

    assert b"didn&#x27;t match" in response.content or b"didn't match" in response.content


@pytest.mark.django_db
def test_client_user_lands_on_own_page(client, world):
    login(client, world.client_user)

    response = client.get("/", follow=True)

    assert response.redirect_chain[-1][0] == "/home/"
    assert b"Zebra Corp" in response.content
    assert b"Nothing has been published" in response.content


@pytest.mark.django_db
def test_client_user_cannot_open_client_list(client, world):
    login(client, world.client_user)

    response = client.get("/clients/")

    assert response.status_code == 403


@pytest.mark.django_db
def test_client_detail_lists_engagements_and_portals(client, world):
    login(client, world.consultant)

    response = client.get(f"/clients/{world.client.pk}/")

    assert b"Zebra audit" in response.content
    assert b"ZEBRA-4471" in response.content
    assert b"pat-zebra-secret" not in response.content


@pytest.mark.django_db
def test_client_detail_of_unassigned_client_is_404(client, world):
    login(client, world.consultant)

    response = client.get(f"/clients/{world.sibling_client.pk}/")

    assert response.status_code == 404


@pytest.mark.django_db
def test_anonymous_user_is_sent_to_login(client):
    response = client.get("/clients/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_logout_ends_session(client, world):
    login(client, world.consultant)

    client.post("/logout/")

    assert client.get("/clients/").status_code == 302

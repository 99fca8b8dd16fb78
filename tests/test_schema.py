import pytest
import yaml
from django.core.management import call_command


@pytest.fixture
def schema(tmp_path):
    path = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def test_every_operation_is_described(schema):
    undocumented = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if not operation.get("summary") or not operation.get("description")
    ]

    assert undocumented == []


def test_portal_schema_has_no_readable_credentials(schema):
    portal = schema["components"]["schemas"]["Portal"]

    assert "credentials" not in portal["properties"]


def test_api_key_auth_is_declared(schema):
    assert "ApiKeyAuth" in schema["components"]["securitySchemes"]


@pytest.mark.django_db
def test_docs_page_is_served(client, world):
    client.force_login(world.admin)

    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .services import api_key_authenticate


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Authenticate `Authorization: Api-Key <key>` with a personal API key."""

    keyword = "Api-Key"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header.startswith(self.keyword + " "):
            return None

        user = api_key_authenticate(header[len(self.keyword) + 1 :].strip())
        if user is None:
            raise exceptions.AuthenticationFailed(
                "Invalid or revoked API key. Create a new key at /api/v1/api-keys/ while logged in."
            )
        return user, None

    def authenticate_header(self, request):
        return self.keyword


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Personal API key, sent as `Api-Key <key>`.",
        }

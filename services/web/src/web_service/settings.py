"""The pages' configuration (pydantic-settings): the shared ``BORGERPLAN_*`` settings plus ``BORGERPLAN_WEB_*``.

The pages hold no citizen data; what they configure is where the gateway is, how sessions behave and which
OpenID Connect providers sign staff and citizens in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from borgerplan_plumbing.settings import Settings


class WebSettings(Settings):
    model_config = SettingsConfigDict(env_prefix="BORGERPLAN_", extra="ignore", populate_by_name=True)

    service_name: str = "web"
    # The public API the pages are a client of, with the signed-in person's own token.
    gateway_url: str = Field(
        default="http://127.0.0.1:8000",
        validation_alias=AliasChoices("BORGERPLAN_WEB_GATEWAY_URL", "BORGERPLAN_GATEWAY_URL"),
    )
    web_gateway_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    web_session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # None: Secure cookies everywhere but in development and test (plain http on localhost).
    web_cookie_secure: bool | None = None
    # A JSON file {"unit-id": "Name people read", ...} added to the built-in demo units.
    web_units_file: Path | None = None
    # The demo citizen the development sign-in offers (written by ``borgerplan dev``).
    web_demo_file: Path | None = None

    # OpenID Connect (authorization code flow with PKCE). A provider is configured when its issuer is set.
    web_oidc_staff_issuer: str | None = None
    web_oidc_staff_client_id: str | None = None
    web_oidc_staff_client_secret: SecretStr | None = None
    web_oidc_staff_redirect_uri: str | None = None  # default: redirect_uri() below
    web_oidc_staff_scopes: list[str] = Field(default_factory=lambda: ["openid", "profile"])
    web_oidc_staff_resource: str | None = None
    web_oidc_citizen_issuer: str | None = None
    web_oidc_citizen_client_id: str | None = None
    web_oidc_citizen_client_secret: SecretStr | None = None
    web_oidc_citizen_redirect_uri: str | None = None
    web_oidc_citizen_scopes: list[str] = Field(default_factory=lambda: ["openid", "profile"])
    web_oidc_citizen_resource: str | None = None

    @model_validator(mode="after")
    def _providers_complete(self) -> Self:
        for who in ("staff", "citizen"):
            if getattr(self, f"web_oidc_{who}_issuer") and not getattr(self, f"web_oidc_{who}_client_id"):
                raise ValueError(f"BORGERPLAN_WEB_OIDC_{who.upper()}_CLIENT_ID is needed with its issuer")
        return self

    @property
    def cookie_secure(self) -> bool:
        if self.web_cookie_secure is not None:
            return self.web_cookie_secure
        return self.environment == "production"

    @property
    def development_sign_in(self) -> bool:
        """The persona sign-in with development tokens: never in production."""
        return self.environment in ("development", "test")

    def redirect_uri(self) -> str:
        """The OIDC callback, the same for every provider (the provider is kept in the session)."""
        return f"{self.web_public_url.rstrip('/')}/auth/callback"

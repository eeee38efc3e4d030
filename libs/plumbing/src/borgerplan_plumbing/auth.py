"""Who is asking: JWT verification at the edge (RFC 8725) and the signed caller header inside.

The gateway verifies the bearer token and forwards the caller to the services in ``X-Borgerplan-Caller``:
the caller's claims as base64url JSON, a timestamp and an HMAC-SHA256 over both with the internal secret.
Services trust only that header, so a request that bypassed the gateway carries no identity.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any, Literal

import jwt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from borgerplan_plumbing.settings import Settings

Role = Literal["caseworker", "contact_person", "citizen", "case_system", "admin"]
UnitKind = Literal["authority", "provider", "external"]
CALLER_HEADER = "X-Borgerplan-Caller"
TOKEN_TYPE = "at+jwt"  # RFC 9068 access tokens; explicit typing per RFC 8725 §3.11


class Caller(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    sub: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=200)
    unit: str = Field(min_length=1, max_length=200)
    unit_kind: UnitKind
    roles: list[Role] = Field(min_length=1)
    citizen_id: str | None = None

    def has_role(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)


class AuthenticationError(Exception):
    """The token (or internal header) is missing, malformed, expired or not ours."""


class JwtVerifier:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.algorithms = [a for a in settings.jwt_algorithms if a.lower() != "none"]
        self._jwks = (
            jwt.PyJWKClient(settings.jwks_url, cache_keys=True, lifespan=300) if settings.jwks_url else None
        )

    def _key(self, token: str) -> Any:
        if self._jwks is not None:
            return self._jwks.get_signing_key_from_jwt(token).key
        return self.settings.jwt_secret.get_secret_value()

    def verify(self, token: str) -> Caller:
        try:
            header = jwt.get_unverified_header(token)
            if header.get("typ", "").lower() not in (TOKEN_TYPE, "jwt"):
                raise AuthenticationError("unexpected token type")
            claims = jwt.decode(
                token,
                self._key(token),
                algorithms=self.algorithms,
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
                leeway=30,
            )
            return Caller.model_validate(claims)
        except (jwt.PyJWTError, ValidationError) as exc:
            raise AuthenticationError(type(exc).__name__) from exc


def issue_development_token(
    settings: Settings,
    *,
    sub: str,
    name: str,
    unit: str,
    unit_kind: UnitKind,
    roles: list[Role],
    citizen_id: str | None = None,
    ttl_seconds: int = 8 * 3600,
) -> str:
    """A token the development issuer signs; refused outside development and test."""
    if settings.environment == "production":
        raise RuntimeError("the development issuer is not available in production")
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": sub,
        "name": name,
        "unit": unit,
        "unit_kind": unit_kind,
        "roles": roles,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "nbf": now,
        "exp": now + ttl_seconds,
    }
    if citizen_id:
        claims["citizen_id"] = citizen_id
    return jwt.encode(
        claims, settings.jwt_secret.get_secret_value(), algorithm="HS256", headers={"typ": TOKEN_TYPE}
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_caller(caller: Caller, secret: str, now: float | None = None) -> str:
    body = _b64(caller.model_dump_json().encode())
    stamp = str(int(now if now is not None else time.time()))
    mac = hmac.new(secret.encode(), f"{body}.{stamp}".encode(), hashlib.sha256).digest()
    return f"{body}.{stamp}.{_b64(mac)}"


def verify_caller(header: str, secret: str, max_age_seconds: int = 120, now: float | None = None) -> Caller:
    try:
        body, stamp, mac = header.split(".")
        expected = hmac.new(secret.encode(), f"{body}.{stamp}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(mac)):
            raise AuthenticationError("bad caller signature")
        if abs((now if now is not None else time.time()) - int(stamp)) > max_age_seconds:
            raise AuthenticationError("caller header expired")
        return Caller.model_validate(json.loads(_unb64(body)))
    except (ValueError, ValidationError) as exc:
        raise AuthenticationError("malformed caller header") from exc

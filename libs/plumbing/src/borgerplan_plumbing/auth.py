"""Who is asking: JWT verification at the edge (RFC 8725) and the signed caller header inside.

The gateway verifies the bearer token and forwards the caller to the services in ``X-Borgerplan-Caller``:
the caller's claims as base64url JSON, a timestamp and an HMAC-SHA256 with the internal secret over both and the
call's method, path and query. Services trust only that header and refuse every call without it (reads too), so a
request that bypassed the gateway is answered 401, and a header seen on one call is good for no other route.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, unquote

import httpx
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
    # The OIDC "email" claim: a professional's work address, the key of their notification preference (decision
    # 0023). Never logged.
    email: str | None = Field(default=None, max_length=320)

    def has_role(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)


class AuthenticationError(Exception):
    """The token (or internal header) is missing, malformed, expired or not ours."""


class JwksCache:
    """The OIDC issuer's signing keys (JWKS), cached and rotated.

    Keys are read again after ``ttl`` seconds, so a key the issuer retires stops being accepted within that
    time. A token naming a key id not in the cache makes it read the set at once (the issuer rotated), but at
    most once every ``min_refresh`` seconds, so tokens with made-up key ids cannot turn the gateway against the
    issuer. When the issuer cannot be reached the keys already known keep serving.
    """

    def __init__(
        self,
        url: str,
        *,
        ttl: float = 300.0,
        min_refresh: float = 10.0,
        clock: Any = time.monotonic,
    ) -> None:
        self.url = url
        self.ttl = ttl
        self.min_refresh = min_refresh
        self.clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None

    def _fetch(self) -> None:
        self._fetched_at = self.clock()
        try:
            response = httpx.get(self.url, timeout=5.0)
            response.raise_for_status()
            key_set = jwt.PyJWKSet.from_dict(response.json())
        except (httpx.HTTPError, ValueError, jwt.PyJWTError):
            if not self._keys:
                raise AuthenticationError("the issuer's keys could not be read") from None
            return
        self._keys = {k.key_id: k for k in key_set.keys if k.key_id and k.public_key_use in (None, "sig")}

    def must_fetch(self, kid: str | None) -> bool:
        """Whether ``key(kid)`` will read the issuer's keys first (stale cache, or a new key id)."""
        age = None if self._fetched_at is None else self.clock() - self._fetched_at
        stale = age is None or age >= self.ttl
        rotated = kid not in self._keys and (age is None or age >= self.min_refresh)
        return stale or rotated

    def current(self, kid: str | None) -> jwt.PyJWK | None:
        """The key of that id as last read, without reading the set."""
        return self._keys.get(kid) if kid is not None else None

    def key(self, kid: str | None) -> jwt.PyJWK:
        if self.must_fetch(kid):
            self._fetch()
        if kid is None or kid not in self._keys:
            raise AuthenticationError("unknown signing key")
        return self._keys[kid]


REVERIFY_SECONDS = 60.0
VERIFIED_TOKENS = 10_000  # at most this many remembered (then forgotten at once, like the access log's hints)


@dataclass(frozen=True)
class _KeyInForce:
    """The issuer's key a token was verified with, and where to ask whether it still is the issuer's."""

    keys: JwksCache
    kid: str | None
    key: jwt.PyJWK

    def holds(self) -> bool:
        # Not when the key set is due to be read again (it may no longer hold the key), nor once it was read anew.
        return not self.keys.must_fetch(self.kid) and self.keys.current(self.kid) is self.key


@dataclass(frozen=True)
class _Verified:
    caller: Caller
    until: float  # the token's expiry, or REVERIFY_SECONDS after it was verified (wall clock)
    in_force: _KeyInForce | None  # None: the development issuer's secret, which does not change

    def holds(self, now: float) -> bool:
        return now < self.until and (self.in_force is None or self.in_force.holds())


class JwtVerifier:
    """RFC 8725: an algorithm allow-list (never ``none``), explicit typing, ``iss``/``aud``/``exp``/``nbf``.

    With ``jwks_url`` or ``jwt_trusted_issuers`` set (production) tokens are checked against their issuer's
    keys, and only asymmetric algorithms are accepted, each key only with its own; otherwise against the
    development issuer's secret. With several issuers the token's unverified ``iss`` only picks the key set;
    the signature by that issuer's key and ``iss`` itself are then verified in full, so one issuer can never
    sign for another.
    """

    def __init__(
        self,
        settings: Settings,
        jwks: JwksCache | None = None,
        issuers: Mapping[str, JwksCache] | None = None,
    ) -> None:
        self.settings = settings
        self.algorithms = [a for a in settings.jwt_algorithms if a.lower() != "none"]
        self._jwks = jwks or (JwksCache(settings.jwks_url) if settings.jwks_url else None)
        self._issuers: dict[str, JwksCache] = {}
        if self._jwks is not None:
            self._issuers[settings.jwt_issuer] = self._jwks
        for trusted in settings.jwt_trusted_issuers:
            self._issuers.setdefault(trusted.issuer, JwksCache(trusted.jwks_url))
        self._issuers.update(issuers or {})
        if self._issuers:
            self.algorithms = [a for a in self.algorithms if not a.upper().startswith("HS")]
        self._verified: dict[str, _Verified] = {}  # by the token's text

    def _issuer(self, token: str) -> str:
        if not self._issuers:
            return self.settings.jwt_issuer
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        if not isinstance(issuer, str) or issuer not in self._issuers:
            raise AuthenticationError("untrusted issuer")
        return issuer

    def must_fetch_keys(self, token: str) -> bool:
        """Whether verifying ``token`` will read the issuer's keys over the network first."""
        if not self._issuers:
            return False
        try:
            cache = self._issuers[self._issuer(token)]
            return cache.must_fetch(jwt.get_unverified_header(token).get("kid"))
        except (jwt.PyJWTError, AuthenticationError):
            return False

    def _key(self, header: dict[str, Any], issuer: str) -> tuple[Any, list[str], _KeyInForce | None]:
        """The key to verify with, its algorithms, and (for an issuer's key) what tells whether it is still in force."""
        if not self._issuers:
            return self.settings.jwt_secret.get_secret_value(), self.algorithms, None
        keys, kid = self._issuers[issuer], header.get("kid")
        key = keys.key(kid)
        algorithm = key.algorithm_name
        if algorithm not in self.algorithms:
            raise AuthenticationError("the key's algorithm is not allowed")
        return key.key, [algorithm], _KeyInForce(keys, kid, key)

    def verify(self, token: str) -> Caller:
        """The token's caller. A token verified in the last ``REVERIFY_SECONDS`` is not verified again (the gateway
        sees the same few tokens per caseworker on every request, and decoding one is a tenth of a millisecond), but
        never past its expiry, and not once the key it was verified with is due to be read again or was replaced:
        a retired key stops being accepted exactly when it did before."""
        now = time.time()
        known = self._verified.get(token)
        if known is not None and known.holds(now):
            return known.caller
        verified = self._verify(token, now)
        if len(self._verified) >= VERIFIED_TOKENS:
            self._verified.clear()
        self._verified[token] = verified
        return verified.caller

    def _verify(self, token: str, now: float) -> _Verified:
        try:
            header = jwt.get_unverified_header(token)
            if header.get("typ", "").lower() not in (TOKEN_TYPE, "jwt"):
                raise AuthenticationError("unexpected token type")
            issuer = self._issuer(token)
            key, algorithms, in_force = self._key(header, issuer)
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self.settings.jwt_audience,
                issuer=issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
                leeway=30,
            )
            caller = Caller.model_validate(claims)
            return _Verified(caller, min(float(claims["exp"]), now + REVERIFY_SECONDS), in_force)
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
    email: str | None = None,
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
    if email:
        claims["email"] = email
    return jwt.encode(
        claims, settings.jwt_secret.get_secret_value(), algorithm="HS256", headers={"typ": TOKEN_TYPE}
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


CALLER_MAX_AGE_SECONDS = 120


def canonical_target(path: str, query: str = "") -> str:
    """The request target a caller signature binds: the path, one segment at a time, and the query, one pair at a time,
    each percent-encoded the one same way, so a client's or a proxy's choice of encoding (``%3A`` or ``:``, ``+`` or
    ``%20``) signs and verifies alike, while ``a%2Fb`` (one segment) stays another target than ``a/b`` (two)."""
    segments = "/".join(quote(unquote(segment), safe="") for segment in path.split("/"))
    if not query:
        return segments
    pairs = parse_qsl(query, keep_blank_values=True)
    return segments + "?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


def _caller_mac(secret: str, body: str, stamp: str, method: str, target: str) -> bytes:
    message = f"{body}.{stamp}.{method.upper()} {target}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def sign_caller(caller: Caller, secret: str, method: str, target: str, now: float | None = None) -> str:
    """``X-Borgerplan-Caller`` for one call: ``target`` is the path with its query (``canonical_target`` is applied),
    so the header is good for this method on this path only, and for ``CALLER_MAX_AGE_SECONDS``."""
    path, _, query = target.partition("?")
    body = _b64(caller.model_dump_json().encode())
    stamp = str(int(now if now is not None else time.time()))
    mac = _caller_mac(secret, body, stamp, method, canonical_target(path, query))
    return f"{body}.{stamp}.{_b64(mac)}"


def verify_caller(
    header: str,
    secret: str,
    method: str,
    target: str,
    max_age_seconds: int = CALLER_MAX_AGE_SECONDS,
    now: float | None = None,
) -> Caller:
    """The signed caller, when ``header`` was made with ``secret`` for this method and target, and is fresh."""
    path, _, query = target.partition("?")
    try:
        body, stamp, mac = header.split(".")
        expected = _caller_mac(secret, body, stamp, method, canonical_target(path, query))
        if not hmac.compare_digest(expected, _unb64(mac)):
            raise AuthenticationError("bad caller signature")
        if abs((now if now is not None else time.time()) - int(stamp)) > max_age_seconds:
            raise AuthenticationError("caller header expired")
        return Caller.model_validate(json.loads(_unb64(body)))
    except (ValueError, ValidationError) as exc:
        raise AuthenticationError("malformed caller header") from exc


class SignedCaller(httpx.Auth):
    """httpx's ``auth=``: each request signed as ``caller`` for its own method, path and query (a client of the
    services from outside the gateway: the command, the benchmarks, the tests)."""

    def __init__(self, caller: Caller, secret: str) -> None:
        self.caller = caller
        self.secret = secret

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        target = request.url.raw_path.decode("ascii")
        request.headers[CALLER_HEADER] = sign_caller(self.caller, self.secret, request.method, target)
        yield request

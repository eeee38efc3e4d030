"""OpenID Connect sign-in: the web pages as a relying party (authorization code flow with PKCE).

Staff and citizens sign in at the municipality's identity providers; each provider is one ``OidcClient``.
The access token it returns is the bearer token the web sends to the gateway on the person's behalf; the ID
token says who signed in. Both stay in the server-side session, never in a page.

Built on httpx and PyJWT only (decision 0014). What is checked, and why:
- PKCE with S256 (RFC 7636, RFC 9700 §2.1.1): a stolen authorization code is useless without the verifier.
- ``state`` compared in constant time: the callback belongs to the sign-in this browser started (CSRF).
- ``iss`` in the authorization response (RFC 9207) when the provider sends or advertises it: with two
  providers, a response from one must never be taken as the other's (mix-up attack).
- The ID token: signature by the provider's JWKS (asymmetric algorithms only, the key only with its own
  algorithm), ``iss``, ``aud``, ``azp``, ``exp``, ``iat``, ``nonce`` and ``at_hash`` (OIDC Core §3.1.3.7).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

import httpx
import jwt
from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# No HMAC: the ID token must be checked with the provider's published keys, never with a shared secret.
ID_TOKEN_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
_KEY_TYPES = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}
LEEWAY_SECONDS = 60
DISCOVERY_TTL_SECONDS = 3600.0
# The provider's keys, as in the gateway's JwksCache: re-read after a while so a retired key stops working,
# at once for an unknown key id (a rotation), but not more often than this, whatever key ids tokens name.
JWKS_TTL_SECONDS = 300.0
JWKS_MIN_REFRESH_SECONDS = 10.0
DEFAULT_EXPIRES_IN = 300  # when the provider omits expires_in: assume short, refresh early


@dataclass(frozen=True)
class AuthRequest:
    """One sign-in under way: keep it server-side until the callback, use it once."""

    url: str
    state: str
    nonce: str
    code_verifier: str
    provider: str


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    id_token: str | None
    expires_at: float  # epoch seconds when the access token expires
    claims: dict[str, Any]  # the verified ID token's claims


class OidcError(Exception):
    """The sign-in (or refresh) failed: the person must sign in again. ``error`` is the OAuth error code."""

    def __init__(self, message: str, *, error: str | None = None) -> None:
        super().__init__(message)
        self.error = error


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _at_hash(access_token: str, algorithm: str) -> str:
    """OIDC Core §3.1.3.6: the left half of the hash the signature algorithm uses."""
    bits = 512 if algorithm == "EdDSA" else int(algorithm[-3:])
    digest = hashlib.new(f"sha{bits}", access_token.encode("ascii")).digest()
    return _b64url(digest[: len(digest) // 2])


class OidcClient:
    def __init__(
        self,
        *,
        name: str,
        issuer: str,
        client_id: str,
        client_secret: str | None,
        redirect_uri: str,
        scopes: list[str],
        resource: str | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        if "openid" not in scopes:
            raise ValueError("an OpenID Connect sign-in needs the 'openid' scope")
        self.name = name
        self.issuer = issuer
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.scopes = list(scopes)
        self.resource = resource
        self._owns_http = http is None
        # Redirects are not followed: a provider endpoint that redirects is misconfigured, not to be trusted.
        self._http = http or httpx.AsyncClient(timeout=httpx.Timeout(10.0), follow_redirects=False)
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0
        self._keys: list[dict[str, Any]] = []
        self._keys_at: float | None = None
        # Two locks: reading the keys may need the discovery document first, and asyncio's locks do not nest.
        self._metadata_lock = asyncio.Lock()
        self._keys_lock = asyncio.Lock()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    # -- the provider's metadata and keys ------------------------------------------------------------------

    async def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            response = await self._http.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise OidcError(f"{self.name}: the provider's {what} could not be read") from exc
        if response.status_code != 200:
            raise OidcError(f"{self.name}: the provider's {what} answered {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise OidcError(f"{self.name}: the provider's {what} is not JSON") from exc
        if not isinstance(body, dict):
            raise OidcError(f"{self.name}: the provider's {what} is not a JSON object")
        return body

    async def _discovery(self) -> dict[str, Any]:
        if self._metadata is not None and time.monotonic() - self._metadata_at < DISCOVERY_TTL_SECONDS:
            return self._metadata
        async with self._metadata_lock:
            if self._metadata is not None and time.monotonic() - self._metadata_at < DISCOVERY_TTL_SECONDS:
                return self._metadata
            url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
            metadata = await self._get_json(url, "discovery document")
            # OIDC Discovery §4.3: the document must name exactly the issuer we asked, or it is someone else's.
            if metadata.get("issuer") != self.issuer:
                raise OidcError(f"{self.name}: the discovery document names another issuer")
            for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(metadata.get(endpoint), str):
                    raise OidcError(f"{self.name}: the discovery document lacks {endpoint}")
            methods = metadata.get("code_challenge_methods_supported")
            if methods is not None and "S256" not in methods:
                raise OidcError(f"{self.name}: the provider does not support PKCE with S256")
            self._metadata, self._metadata_at = metadata, time.monotonic()
            return metadata

    async def _signing_key(self, kid: str | None, algorithm: str) -> jwt.PyJWK:
        async with self._keys_lock:
            now = time.monotonic()
            age = None if self._keys_at is None else now - self._keys_at
            stale = age is None or age >= JWKS_TTL_SECONDS
            known = any(k.get("kid") == kid for k in self._keys)
            if stale or (not known and (age is None or age >= JWKS_MIN_REFRESH_SECONDS)):
                await self._read_keys()
        # The key named by the token, of the algorithm's type and (if it says) with that very algorithm. Without
        # a key id only a set that leaves no doubt will do (OIDC Core §10.1).
        kty = _KEY_TYPES[algorithm[:2]]
        matches = [
            k
            for k in self._keys
            if (kid is None or k.get("kid") == kid)
            and k.get("kty") == kty
            and k.get("alg") in (None, algorithm)
        ]
        if not matches:
            raise OidcError(f"{self.name}: the ID token is signed with an unknown key")
        if len(matches) > 1:
            raise OidcError(f"{self.name}: the ID token does not say which of the provider's keys signed it")
        try:
            return jwt.PyJWK(matches[0], algorithm=algorithm)
        except jwt.PyJWTError as exc:
            raise OidcError(f"{self.name}: the ID token's key does not fit its algorithm") from exc

    async def _read_keys(self) -> None:
        metadata = await self._discovery()
        self._keys_at = time.monotonic()
        try:
            body = await self._get_json(metadata["jwks_uri"], "key set")
        except OidcError:
            if self._keys:  # the keys already known keep serving while the provider is unreachable
                return
            raise
        keys = body.get("keys")
        if not isinstance(keys, list):
            raise OidcError(f"{self.name}: the provider's key set has no keys")
        self._keys = [k for k in keys if isinstance(k, dict) and k.get("use") in (None, "sig")]

    # -- the flow ------------------------------------------------------------------------------------------

    async def authorization_request(self) -> AuthRequest:
        metadata = await self._discovery()
        state = secrets.token_urlsafe(32)
        nonce = secrets.token_urlsafe(32)
        code_verifier = secrets.token_urlsafe(64)  # 86 characters, within RFC 7636's 43-128
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(self.scopes),
            "state": state,
            "nonce": nonce,
            "code_challenge": _b64url(hashlib.sha256(code_verifier.encode("ascii")).digest()),
            "code_challenge_method": "S256",
        }
        if self.resource:
            params["resource"] = self.resource
        url = httpx.URL(metadata["authorization_endpoint"]).copy_merge_params(params)
        return AuthRequest(
            url=str(url), state=state, nonce=nonce, code_verifier=code_verifier, provider=self.name
        )

    async def complete(self, params: Mapping[str, str], expected: AuthRequest) -> TokenSet:
        """The callback: ``params`` are the redirect's query parameters, ``expected`` the stored request."""
        if expected.provider != self.name:
            raise OidcError(f"{self.name}: the sign-in was started at another provider")
        if not _same(params.get("state", ""), expected.state):
            raise OidcError(f"{self.name}: the sign-in's state does not match")
        metadata = await self._discovery()
        issuer = params.get("iss")
        if issuer is None and metadata.get("authorization_response_iss_parameter_supported") is True:
            raise OidcError(f"{self.name}: the authorization response does not name its issuer")
        if issuer is not None and issuer != self.issuer:
            raise OidcError(f"{self.name}: the authorization response comes from another issuer")
        if "error" in params:
            # error_description is the provider's (or a forger's) text: kept out of the message on purpose.
            error = params["error"][:64]
            raise OidcError(f"{self.name}: the provider refused the sign-in ({error})", error=error)
        code = params.get("code")
        if not code:
            raise OidcError(f"{self.name}: the authorization response carries no code")
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": expected.code_verifier,
        }
        body = await self._token_request(form)
        return await self._token_set(body, nonce=expected.nonce, previous=None)

    async def refresh(self, tokens: TokenSet) -> TokenSet:
        if not tokens.refresh_token:
            raise OidcError(f"{self.name}: there is no refresh token; sign in again")
        body = await self._token_request(
            {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}
        )
        return await self._token_set(body, nonce=None, previous=tokens)

    async def end_session_url(self, tokens: TokenSet, post_logout_redirect_uri: str) -> str | None:
        """RP-initiated logout (OIDC RP-Initiated Logout 1.0), or None when the provider offers none."""
        endpoint = (await self._discovery()).get("end_session_endpoint")
        if not isinstance(endpoint, str):
            return None
        params = {"client_id": self.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        if tokens.id_token:
            params["id_token_hint"] = tokens.id_token
        return str(httpx.URL(endpoint).copy_merge_params(params))

    # -- the token endpoint --------------------------------------------------------------------------------

    def _client_authentication(self, metadata: dict[str, Any], form: dict[str, str]) -> dict[str, str]:
        if self.client_secret is None:  # a public client identifies itself; PKCE protects the code
            form["client_id"] = self.client_id
            return {}
        methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        if "client_secret_basic" not in methods and "client_secret_post" in methods:
            form["client_id"], form["client_secret"] = self.client_id, self.client_secret
            return {}
        # RFC 6749 §2.3.1: both parts form-urlencoded before base64 (httpx's BasicAuth does not do that).
        pair = f"{quote(self.client_id, safe='')}:{quote(self.client_secret, safe='')}"
        return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode("ascii")}

    async def _token_request(self, form: dict[str, str]) -> dict[str, Any]:
        metadata = await self._discovery()
        if self.resource:
            form["resource"] = self.resource  # RFC 8707: the access token is for this audience
        headers = {"Accept": "application/json", **self._client_authentication(metadata, form)}
        try:
            response = await self._http.post(metadata["token_endpoint"], data=form, headers=headers)
        except httpx.HTTPError as exc:
            raise OidcError(f"{self.name}: the token endpoint could not be reached") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200 or not isinstance(body, dict):
            error = body.get("error") if isinstance(body, dict) else None
            error = error[:64] if isinstance(error, str) else None
            raise OidcError(
                f"{self.name}: the token endpoint refused ({response.status_code} {error or ''})".rstrip(),
                error=error,
            )
        return body

    async def _token_set(
        self, body: dict[str, Any], *, nonce: str | None, previous: TokenSet | None
    ) -> TokenSet:
        access_token = body.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise OidcError(f"{self.name}: the token response carries no access token")
        if str(body.get("token_type", "")).lower() != "bearer":
            raise OidcError(f"{self.name}: the access token is not a bearer token")
        expires_in = body.get("expires_in", DEFAULT_EXPIRES_IN)
        if isinstance(expires_in, str) and expires_in.isdigit():
            expires_in = int(expires_in)
        if not isinstance(expires_in, int) or isinstance(expires_in, bool) or expires_in <= 0:
            raise OidcError(f"{self.name}: the token response's expires_in is not a positive number")
        refresh_token = body.get("refresh_token")
        if refresh_token is not None and not isinstance(refresh_token, str):
            raise OidcError(f"{self.name}: the token response's refresh token is malformed")
        id_token = body.get("id_token")
        if id_token is None:
            if previous is None:  # OIDC Core §3.1.3.3: the code flow's token response has an ID token
                raise OidcError(f"{self.name}: the token response carries no ID token")
            claims = previous.claims
        elif isinstance(id_token, str):
            claims = await self._verify_id_token(id_token, access_token=access_token, nonce=nonce)
            # OIDC Core §12.2: a refreshed ID token is about the same person from the same issuer.
            if previous is not None and any(claims.get(c) != previous.claims.get(c) for c in ("sub", "iss")):
                raise OidcError(f"{self.name}: the refreshed ID token is about someone else")
        else:
            raise OidcError(f"{self.name}: the token response's ID token is malformed")
        return TokenSet(
            access_token=access_token,
            refresh_token=refresh_token or (previous.refresh_token if previous else None),
            id_token=id_token or (previous.id_token if previous else None),
            expires_at=time.time() + expires_in,
            claims=claims,
        )

    async def _verify_id_token(
        self, id_token: str, *, access_token: str, nonce: str | None
    ) -> dict[str, Any]:
        metadata = await self._discovery()
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError as exc:
            raise OidcError(f"{self.name}: the ID token is malformed") from exc
        algorithm = header.get("alg")
        advertised = metadata.get("id_token_signing_alg_values_supported")
        if not isinstance(algorithm, str) or algorithm not in ID_TOKEN_ALGORITHMS:
            raise OidcError(f"{self.name}: the ID token's algorithm is not allowed")
        if advertised is not None and algorithm not in advertised:
            raise OidcError(f"{self.name}: the ID token's algorithm is not allowed")
        key = await self._signing_key(header.get("kid"), algorithm)
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key.key,
                algorithms=[algorithm],
                audience=self.client_id,
                issuer=self.issuer,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
                leeway=LEEWAY_SECONDS,
            )
        except jwt.PyJWTError as exc:
            raise OidcError(f"{self.name}: the ID token does not verify ({type(exc).__name__})") from exc
        audience = claims["aud"]
        if isinstance(audience, list) and len(audience) > 1 and "azp" not in claims:
            raise OidcError(f"{self.name}: the ID token has several audiences and no azp")
        if "azp" in claims and claims["azp"] != self.client_id:
            raise OidcError(f"{self.name}: the ID token was issued to another client")
        if nonce is not None:
            received = claims.get("nonce")
            if not isinstance(received, str) or not _same(received, nonce):
                raise OidcError(f"{self.name}: the ID token's nonce does not match")
        at_hash = claims.get("at_hash")
        if at_hash is not None and not _same(str(at_hash), _at_hash(access_token, algorithm)):
            raise OidcError(f"{self.name}: the ID token does not belong to the access token")
        return claims


# -- configuration ---------------------------------------------------------------------------------------


def _split_scopes(value: Any) -> Any:
    if isinstance(value, str):
        if value.lstrip().startswith("["):
            return json.loads(value)
        return [s for s in value.replace(",", " ").split() if s]
    return value


class OidcSettings(BaseSettings):
    """``BORGERPLAN_WEB_OIDC_{STAFF,CITIZEN}_*``: a provider is on when its issuer is set.

    The same ``BORGERPLAN_`` prefix as the shared ``Settings``, so the web's settings can inherit from both.
    Scopes are space- or comma-separated (or a JSON list).
    """

    model_config = SettingsConfigDict(env_prefix="BORGERPLAN_", extra="ignore")

    web_oidc_staff_issuer: str | None = None
    web_oidc_staff_client_id: str | None = None
    web_oidc_staff_client_secret: SecretStr | None = None
    web_oidc_staff_redirect_uri: str | None = None
    web_oidc_staff_scopes: Annotated[list[str], NoDecode] = ["openid", "profile"]
    web_oidc_staff_resource: str | None = None

    web_oidc_citizen_issuer: str | None = None
    web_oidc_citizen_client_id: str | None = None
    web_oidc_citizen_client_secret: SecretStr | None = None
    web_oidc_citizen_redirect_uri: str | None = None
    web_oidc_citizen_scopes: Annotated[list[str], NoDecode] = ["openid", "profile"]
    web_oidc_citizen_resource: str | None = None

    @field_validator("web_oidc_staff_scopes", "web_oidc_citizen_scopes", mode="before")
    @classmethod
    def _scopes(cls, value: Any) -> Any:
        return _split_scopes(value)


PROVIDER_NAMES = ("staff", "citizen")


def providers_from_settings(settings: Any) -> dict[str, OidcClient]:
    """The configured providers by name (``staff``, ``citizen``); in production only over HTTPS.

    A provider's redirect URI is ``web_oidc_<name>_redirect_uri`` when set, else ``settings.redirect_uri()``.
    """
    production = getattr(settings, "environment", None) == "production"
    providers: dict[str, OidcClient] = {}
    for name in PROVIDER_NAMES:
        issuer = getattr(settings, f"web_oidc_{name}_issuer", None)
        if not issuer:
            continue
        client_id = getattr(settings, f"web_oidc_{name}_client_id", None)
        redirect_uri = getattr(settings, f"web_oidc_{name}_redirect_uri", None)
        if not redirect_uri and callable(getattr(settings, "redirect_uri", None)):
            redirect_uri = settings.redirect_uri()  # the web's one callback for every provider
        if not client_id or not redirect_uri:
            raise ValueError(
                f"BORGERPLAN_WEB_OIDC_{name.upper()}_ISSUER needs _CLIENT_ID and _REDIRECT_URI as well"
            )
        if production and not (issuer.startswith("https://") and redirect_uri.startswith("https://")):
            raise ValueError(f"production signs in over HTTPS only (BORGERPLAN_WEB_OIDC_{name.upper()}_*)")
        secret = getattr(settings, f"web_oidc_{name}_client_secret", None)
        if isinstance(secret, SecretStr):
            secret = secret.get_secret_value()
        providers[name] = OidcClient(
            name=name,
            issuer=issuer,
            client_id=client_id,
            client_secret=secret or None,
            redirect_uri=redirect_uri,
            scopes=list(getattr(settings, f"web_oidc_{name}_scopes", None) or ["openid"]),
            resource=getattr(settings, f"web_oidc_{name}_resource", None) or None,
        )
    return providers

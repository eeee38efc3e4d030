"""Sign-in with OpenID Connect against a real, certified provider (panva's oidc-provider, started by the test).

The web's relying party (``web_service.oidc``) runs the authorization code flow with PKCE; the access token it
gets is verified by the gateway's own ``JwtVerifier``, configured with the providers as trusted issuers. A
browser is played with plain HTTP requests that keep the provider's cookies.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from borgerplan_plumbing.auth import AuthenticationError, Caller, JwtVerifier
from borgerplan_plumbing.settings import Settings, TrustedIssuer
from tests.support.oidc_provider import OidcProviders, running_oidc_providers, sign_in, sign_out
from web_service.oidc import AuthRequest, OidcClient, OidcError, TokenSet, providers_from_settings

pytestmark = pytest.mark.integration

METTE = Caller(
    sub="staff-mette", name="Mette Hansen", unit="hje-vest", unit_kind="authority", roles=["caseworker"]
)
ANNA = Caller(
    sub="citizen-anna",
    name="Anna Jensen",
    unit="borger",
    unit_kind="external",
    roles=["citizen"],
    citizen_id="cit-anna",
)


@pytest.fixture(scope="module")
def providers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProviders]:
    with running_oidc_providers(tmp_path_factory.mktemp("oidc")) as started:
        yield started


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10.0) as client:
        yield client


@pytest.fixture
async def browser() -> AsyncIterator[httpx.AsyncClient]:
    """A browser: its own cookie jar, redirects followed by hand to see where they go."""
    async with httpx.AsyncClient(timeout=10.0, follow_redirects=False) as client:
        yield client


def _client(providers: OidcProviders, http: httpx.AsyncClient, name: str, **overrides: object) -> OidcClient:
    values: dict[str, object] = {
        "name": name,
        "issuer": getattr(providers, name),
        "client_id": providers.client_id,
        "client_secret": providers.client_secret,
        "redirect_uri": providers.redirect_uri,
        "scopes": ["openid", "profile"],
        "resource": providers.resource,
        "http": http,
    }
    values.update(overrides)
    return OidcClient(**values)  # type: ignore[arg-type]


@pytest.fixture
def staff(providers: OidcProviders, http: httpx.AsyncClient) -> OidcClient:
    return _client(providers, http, "staff")


@pytest.fixture
def citizen(providers: OidcProviders, http: httpx.AsyncClient) -> OidcClient:
    return _client(providers, http, "citizen")


def _gateway(providers: OidcProviders, *issuers: str) -> JwtVerifier:
    """The gateway's verifier as production configures it: the providers' JWKS, no development secret."""
    settings = Settings(
        environment="production",
        internal_secret="a-production-internal-secret-of-enough-length",
        jwt_audience=providers.audience,
        jwt_algorithms=["RS256", "ES256"],
        jwt_trusted_issuers=[TrustedIssuer(issuer=i, jwks_url=providers.jwks_url(i)) for i in issuers],
    )
    return JwtVerifier(settings)


@pytest.fixture
def gateway(providers: OidcProviders) -> JwtVerifier:
    return _gateway(providers, providers.staff, providers.citizen)


async def _signed_in(
    client: OidcClient, browser: httpx.AsyncClient, providers: OidcProviders, login: str
) -> tuple[AuthRequest, dict[str, str]]:
    request = await client.authorization_request()
    params = await sign_in(browser, request.url, login=login, redirect_uri=providers.redirect_uri)
    return request, params


async def test_staff_sign_in_with_code_and_pkce_gives_tokens_the_gateway_accepts(
    staff: OidcClient, browser: httpx.AsyncClient, providers: OidcProviders, gateway: JwtVerifier
) -> None:
    request = await staff.authorization_request()
    query = parse_qs(urlsplit(request.url).query)
    assert query["code_challenge_method"] == ["S256"] and query["resource"] == [providers.resource]
    assert request.code_verifier not in request.url, "only the challenge travels through the browser"

    params = await sign_in(browser, request.url, login="mette", redirect_uri=providers.redirect_uri)
    assert params["iss"] == providers.staff and params["state"] == request.state
    tokens = await staff.complete(params, request)

    assert tokens.claims["iss"] == providers.staff
    assert tokens.claims["sub"] == "staff-mette" and tokens.claims["nonce"] == request.nonce
    assert tokens.claims["name"] == "Mette Hansen"
    assert tokens.refresh_token and tokens.id_token
    assert time.time() < tokens.expires_at <= time.time() + 300
    assert jwt.get_unverified_header(tokens.access_token)["typ"] == "at+jwt"
    assert gateway.verify(tokens.access_token) == METTE
    with pytest.raises(AuthenticationError):  # the ID token is for the web, never a bearer token
        gateway.verify(tokens.id_token)


async def test_a_citizen_from_the_second_issuer_verifies_too(
    citizen: OidcClient, browser: httpx.AsyncClient, providers: OidcProviders, gateway: JwtVerifier
) -> None:
    request, params = await _signed_in(citizen, browser, providers, "anna")
    tokens = await citizen.complete(params, request)
    assert tokens.claims["iss"] == providers.citizen
    assert gateway.verify(tokens.access_token) == ANNA
    with pytest.raises(AuthenticationError):  # a gateway trusting only the staff IdP refuses the citizen
        _gateway(providers, providers.staff).verify(tokens.access_token)


async def test_a_token_from_an_untrusted_issuer_is_refused(
    providers: OidcProviders, http: httpx.AsyncClient, browser: httpx.AsyncClient, gateway: JwtVerifier
) -> None:
    rogue = _client(providers, http, "rogue")
    request, params = await _signed_in(rogue, browser, providers, "mette")
    tokens = await rogue.complete(params, request)  # a well-formed token with Mette's claims
    assert jwt.decode(tokens.access_token, options={"verify_signature": False})["unit"] == "hje-vest"
    with pytest.raises(AuthenticationError):
        gateway.verify(tokens.access_token)


async def test_refresh_gives_a_new_access_token_that_verifies(
    staff: OidcClient, browser: httpx.AsyncClient, providers: OidcProviders, gateway: JwtVerifier
) -> None:
    request, params = await _signed_in(staff, browser, providers, "mette")
    tokens = await staff.complete(params, request)
    refreshed = await staff.refresh(tokens)
    assert refreshed.access_token != tokens.access_token
    assert gateway.verify(refreshed.access_token) == METTE
    assert refreshed.claims["sub"] == "staff-mette"
    assert refreshed.refresh_token and refreshed.refresh_token != tokens.refresh_token, "rotated"
    # A rotated refresh token used again is a stolen one: refused, and the provider ends the whole grant.
    with pytest.raises(OidcError) as replay:
        await staff.refresh(tokens)
    assert replay.value.error == "invalid_grant"
    with pytest.raises(OidcError):
        await staff.refresh(refreshed)


async def test_sign_out_ends_the_session_and_the_refresh_token(
    staff: OidcClient, browser: httpx.AsyncClient, providers: OidcProviders, gateway: JwtVerifier
) -> None:
    request, params = await _signed_in(staff, browser, providers, "mette")
    tokens = await staff.complete(params, request)

    url = await staff.end_session_url(tokens, providers.post_logout_redirect_uri)
    assert url is not None
    query = parse_qs(urlsplit(url).query)
    assert query["id_token_hint"] == [tokens.id_token]
    assert query["post_logout_redirect_uri"] == [providers.post_logout_redirect_uri]
    assert (await sign_out(browser, url)).startswith(providers.post_logout_redirect_uri)

    with pytest.raises(OidcError) as refused:
        await staff.refresh(tokens)
    assert refused.value.error == "invalid_grant"
    # The provider's session is gone: a new authorization asks for the password again.
    again = await staff.authorization_request()
    assert (await browser.get(again.url, follow_redirects=True)).text.count('name="password"') == 1
    # A JWT access token stays valid until it expires (five minutes here): why the web drops it on sign-out.
    assert gateway.verify(tokens.access_token) == METTE


async def test_a_tampered_state_is_refused_before_any_token_is_fetched(
    staff: OidcClient, browser: httpx.AsyncClient, providers: OidcProviders, gateway: JwtVerifier
) -> None:
    request, params = await _signed_in(staff, browser, providers, "mette")
    for state in (params["state"][:-1] + ("A" if params["state"][-1] != "A" else "B"), "", None):
        tampered = {k: v for k, v in params.items() if k != "state"} | (
            {} if state is None else {"state": state}
        )
        with pytest.raises(OidcError, match="state"):
            await staff.complete(tampered, request)
    # The refused callbacks never reached the token endpoint: the code is still unspent.
    tokens = await staff.complete(params, request)
    assert gateway.verify(tokens.access_token) == METTE


async def test_a_wrong_code_verifier_is_refused_by_the_provider(
    staff: OidcClient, browser: httpx.AsyncClient, providers: OidcProviders
) -> None:
    request, params = await _signed_in(staff, browser, providers, "mette")
    wrong = dataclasses.replace(request, code_verifier=secrets.token_urlsafe(64))
    with pytest.raises(OidcError) as refused:
        await staff.complete(params, wrong)
    assert refused.value.error == "invalid_grant"


async def test_a_code_is_used_once(
    staff: OidcClient, browser: httpx.AsyncClient, providers: OidcProviders
) -> None:
    request, params = await _signed_in(staff, browser, providers, "mette")
    await staff.complete(params, request)
    with pytest.raises(OidcError) as replay:
        await staff.complete(params, request)
    assert replay.value.error == "invalid_grant"


async def test_a_response_from_another_issuer_or_sign_in_is_refused(
    staff: OidcClient, citizen: OidcClient, browser: httpx.AsyncClient, providers: OidcProviders
) -> None:
    request, params = await _signed_in(staff, browser, providers, "mette")
    with pytest.raises(OidcError, match="another issuer"):  # mix-up (RFC 9207)
        await staff.complete({**params, "iss": providers.citizen}, request)
    with pytest.raises(OidcError, match="issuer"):  # advertised, so required
        await staff.complete({k: v for k, v in params.items() if k != "iss"}, request)
    with pytest.raises(OidcError, match="another provider"):
        await citizen.complete(params, request)
    with pytest.raises(OidcError, match="nonce"):  # the ID token belongs to another sign-in
        await staff.complete(params, dataclasses.replace(request, nonce=secrets.token_urlsafe(32)))


async def test_an_error_from_the_provider_is_reported_without_tokens(
    staff: OidcClient, providers: OidcProviders
) -> None:
    request = await staff.authorization_request()
    params = {
        "state": request.state,
        "iss": providers.staff,
        "error": "access_denied",
        "error_description": "x",
    }
    with pytest.raises(OidcError) as refused:
        await staff.complete(params, request)
    assert refused.value.error == "access_denied"


async def test_a_public_client_signs_in_with_pkce_alone(
    providers: OidcProviders, http: httpx.AsyncClient, browser: httpx.AsyncClient, gateway: JwtVerifier
) -> None:
    public = _client(providers, http, "citizen", client_id=providers.public_client_id, client_secret=None)
    request, params = await _signed_in(public, browser, providers, "anna")
    tokens = await public.complete(params, request)
    assert gateway.verify(tokens.access_token) == ANNA
    assert gateway.verify((await public.refresh(tokens)).access_token) == ANNA


async def test_a_wrong_client_secret_is_refused(
    providers: OidcProviders, http: httpx.AsyncClient, browser: httpx.AsyncClient
) -> None:
    wrong = _client(providers, http, "staff", client_secret="not-the-secret")
    request, params = await _signed_in(wrong, browser, providers, "mette")
    with pytest.raises(OidcError) as refused:
        await wrong.complete(params, request)
    assert refused.value.error == "invalid_client"


async def test_providers_from_settings(providers: OidcProviders, browser: httpx.AsyncClient) -> None:
    class WebSettings(Settings):
        web_oidc_staff_issuer: str | None = None
        web_oidc_staff_client_id: str | None = None
        web_oidc_staff_client_secret: str | None = None
        web_oidc_staff_resource: str | None = None

        def redirect_uri(self) -> str:
            return providers.redirect_uri

    configured = providers_from_settings(
        WebSettings(
            environment="test",
            web_oidc_staff_issuer=providers.staff,
            web_oidc_staff_client_id=providers.client_id,
            web_oidc_staff_client_secret=providers.client_secret,
            web_oidc_staff_resource=providers.resource,
        )
    )
    assert set(configured) == {"staff"}
    staff = configured["staff"]
    try:
        request, params = await _signed_in(staff, browser, providers, "lars")
        tokens: TokenSet = await staff.complete(params, request)
        assert _gateway(providers, providers.staff).verify(tokens.access_token).unit_kind == "provider"
    finally:
        await staff.aclose()


# -- an ID token the relying party must refuse, in a real provider's token response ---------------------------

TokenChange = Callable[[dict[str, Any]], dict[str, Any]]


class Tampering(httpx.AsyncBaseTransport):
    """Everything goes to the real provider; a test may change what its token endpoint answered."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.change: TokenChange | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if self.change is None or request.method != "POST" or not request.url.path.endswith("/token"):
            return response
        body = json.loads(await response.aread())
        return httpx.Response(response.status_code, json=self.change(body))

    async def aclose(self) -> None:
        await self.inner.aclose()


def _resigned(key: Any, alg: str, kid: str | None = "same") -> TokenChange:
    def change(body: dict[str, Any]) -> dict[str, Any]:
        claims = jwt.decode(body["id_token"], options={"verify_signature": False})
        header = jwt.get_unverified_header(body["id_token"])
        headers = {} if kid is None else {"kid": header["kid"] if kid == "same" else kid}
        return {**body, "id_token": jwt.encode(claims, key, algorithm=alg, headers=headers)}

    return change


def _payload_changed(body: dict[str, Any]) -> dict[str, Any]:
    head, _payload, signature = body["id_token"].split(".")
    claims = jwt.decode(body["id_token"], options={"verify_signature": False}) | {"sub": "staff-lars"}
    forged = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    return {**body, "id_token": f"{head}.{forged}.{signature}"}


STRANGER_KEY = rsa.generate_private_key(65537, 2048)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_payload_changed, "does not verify"),
        (_resigned(STRANGER_KEY, "RS256"), "does not verify"),  # a stranger's signature under the key's id
        (_resigned(STRANGER_KEY, "RS256", kid="made-up"), "unknown key"),
        # no key id: the provider's one RSA key is the only candidate, and it did not sign this
        (_resigned(STRANGER_KEY, "RS256", kid=None), "does not verify"),
        (_resigned(STRANGER_KEY, "PS256"), "algorithm"),  # an algorithm the provider does not use
        (_resigned("the-client-secret-is-no-signing-key-at-all", "HS256"), "algorithm"),
        (_resigned(None, "none", kid=None), "algorithm"),
        (lambda body: {k: v for k, v in body.items() if k != "id_token"}, "no ID token"),
        (lambda body: body | {"token_type": "DPoP"}, "bearer"),
        (lambda body: body | {"access_token": ""}, "no access token"),
    ],
)
async def test_a_bad_id_token_or_token_response_is_refused(
    providers: OidcProviders, browser: httpx.AsyncClient, change: TokenChange, message: str
) -> None:
    transport = Tampering()
    async with httpx.AsyncClient(transport=transport, timeout=10.0) as http:
        client = _client(providers, http, "staff")
        request, params = await _signed_in(client, browser, providers, "mette")
        transport.change = change
        with pytest.raises(OidcError, match=message):
            await client.complete(params, request)


async def test_an_id_token_for_another_client_is_refused(
    providers: OidcProviders, http: httpx.AsyncClient, browser: httpx.AsyncClient
) -> None:
    public = _client(providers, http, "staff", client_id=providers.public_client_id, client_secret=None)
    request, params = await _signed_in(public, browser, providers, "mette")
    others = await public.complete(params, request)

    transport = Tampering()
    async with httpx.AsyncClient(transport=transport, timeout=10.0) as tampered_http:
        client = _client(providers, tampered_http, "staff")
        request, params = await _signed_in(client, browser, providers, "mette")
        transport.change = lambda body: body | {"id_token": others.id_token}
        with pytest.raises(OidcError, match="InvalidAudience"):
            await client.complete(params, request)


async def test_a_discovery_document_naming_another_issuer_is_refused(
    providers: OidcProviders, http: httpx.AsyncClient
) -> None:
    # The issuer identifier is compared exactly (OIDC Discovery 4.3): even a trailing slash is another issuer.
    client = _client(providers, http, "staff", issuer=providers.staff + "/")
    with pytest.raises(OidcError, match="another issuer"):
        await client.authorization_request()

"""Signing in: the development personas, the free form, and the OIDC routes (with a fake provider)."""

from __future__ import annotations

import time
from typing import Any

import jwt

from tests.unit.web.conftest import Browser
from web_service import oidc
from web_service import wording as W


class FakeProvider:
    """Stands in for an ``oidc.OidcClient``: the flow's shape without a network."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def authorization_request(self) -> oidc.AuthRequest:
        return oidc.AuthRequest(
            url=f"https://idp.test/authorize?state=s-{self.name}",
            state=f"s-{self.name}",
            nonce="n",
            code_verifier="v",
            provider=self.name,
        )

    async def complete(self, params: dict[str, str], expected: oidc.AuthRequest) -> oidc.TokenSet:
        if params.get("state") != expected.state:
            raise oidc.OidcError("state mismatch")
        claims = {
            "sub": "s-1",
            "name": "Mette Sørensen",
            "unit": "kk-hjemloeseenheden",
            "unit_kind": "authority",
            "roles": ["caseworker"],
        }
        token = jwt.encode({**claims, "exp": int(time.time()) + 600}, "k" * 32, algorithm="HS256")
        return oidc.TokenSet(
            access_token=token, refresh_token="r", id_token=None, expires_at=time.time() + 600, claims={}
        )

    async def end_session_url(self, tokens: Any, post_logout_redirect_uri: str) -> str | None:
        return f"https://idp.test/logout?to={post_logout_redirect_uri}"


def _with_providers(browser: Browser) -> None:
    browser.client.app.state.oidc_providers = {
        "staff": FakeProvider("staff"),
        "citizen": FakeProvider("citizen"),
    }  # type: ignore[attr-defined]


def test_the_sign_in_page_offers_each_provider_and_the_personas(browser: Browser) -> None:
    _with_providers(browser)
    text = browser.get("/log-ind").text
    assert W.SIGN_IN_STAFF in text and W.SIGN_IN_CITIZEN in text
    assert 'href="/log-ind/staff"' in text
    assert "Log ind som Sara Lund" in text


def test_the_code_flow_checks_the_state_and_signs_in_with_a_new_session(browser: Browser) -> None:
    _with_providers(browser)
    browser.get("/log-ind")
    started = browser.client.get("/log-ind/staff", follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"].startswith("https://idp.test/authorize")
    forged = browser.client.get("/auth/callback?code=c&state=forged", follow_redirects=False)
    assert forged.headers["location"] == "/log-ind?fejl=1"
    browser.client.get("/log-ind/staff", follow_redirects=False)
    done = browser.client.get("/auth/callback?code=c&state=s-staff", follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/borgere"
    page = browser.get("/borgere")
    assert "Mette Sørensen" in page.text
    [session] = browser.sessions.docs.values()
    assert session["oidc"]["provider"] == "staff" and session["oidc"]["tokens"]["refresh_token"] == "r"
    out = browser.post("/log-ud", {})
    assert out.headers["location"].startswith("https://idp.test/logout")
    assert browser.sessions.docs == {}


def test_the_free_form_refuses_missing_fields_in_danish(browser: Browser) -> None:
    browser.get("/log-ind")
    response = browser.post(
        "/log-ind/fri", {"name": "", "unit": "", "unit_kind": "authority", "roles": "citizen"}
    )
    assert response.status_code == 422
    assert W.E_REQUIRED in response.text
    ok = browser.post(
        "/log-ind/fri",
        {"name": "Bent Jensen", "unit": "kk-jobcenter", "unit_kind": "external", "roles": "caseworker"},
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/borgere"

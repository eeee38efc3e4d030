"""Signing in and out.

In production: OpenID Connect, authorization code flow with PKCE, one provider for staff and one for citizens
(``web_service.oidc``). Locally (development and test only): the demo personas and a free form, one click each,
signed with the development issuer. Every sign-in gets a new session id; the gateway token stays in the session.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import jwt
from fastapi import APIRouter, Request
from fastapi.responses import Response

from borgerplan_plumbing.auth import issue_development_token
from web_service import wording as W
from web_service.forms import Form
from web_service.sessions import Session, SessionStore
from web_service.settings import WebSettings
from web_service.web import Ctx, PostedForm, RedirectError, Visitor, ensure_session, redirect, render

router = APIRouter()

DEV_TOKEN_SECONDS = 8 * 3600
UNIT_KINDS = {"authority": "Myndighed", "provider": "Udfører", "external": "Ekstern"}
ROLES = {
    "caseworker": "Sagsbehandler",
    "contact_person": "Kontaktperson / behandler",
    "citizen": "Borger",
    "admin": "Administrator",
}
# The demo personas of `borgerplan dev` (cli/src/borgerplan_cli/demo.py), repeated here because the pages must
# not import the CLI; the citizen is the demo citizen of .data/demo.json.
PERSONAS: dict[str, dict[str, Any]] = {
    "caseworker": {
        "sub": "demo-sagsbehandler-hje",
        "name": "Mette Sørensen",
        "unit": "kk-hjemloeseenheden",
        "unit_kind": "authority",
        "roles": ["caseworker"],
        "email": "mette.soerensen@hje.example.dk",
    },
    "addiction_caseworker": {
        "sub": "demo-sagsbehandler-mis",
        "name": "Jonas Holm",
        "unit": "kk-misbrugsmyndighed",
        "unit_kind": "authority",
        "roles": ["caseworker"],
        "email": "jonas.holm@mis.example.dk",
    },
    "contact_person": {
        "sub": "demo-kontaktperson",
        "name": "Ali Demir",
        "unit": "kk-herberg-sundholm",
        "unit_kind": "provider",
        "roles": ["contact_person"],
        "email": "ali.demir@herberg.example.dk",
    },
    "treatment": {
        "sub": "demo-behandler",
        "name": "Sara Lund",
        "unit": "kk-rusmiddelenheden",
        "unit_kind": "provider",
        "roles": ["contact_person"],
        "email": "sara.lund@rus.example.dk",
    },
}
CITIZEN_PERSONA: dict[str, Any] = {
    "sub": "demo-borger",
    "name": W.DEMO_CITIZEN_NAME,
    "unit": "borger",
    "unit_kind": "external",
    "roles": ["citizen"],
}


def _oidc() -> Any:
    """``web_service.oidc`` when it is there (another change brings it); development sign-in works without."""
    try:
        return importlib.import_module("web_service.oidc")
    except ImportError:
        return None


def oidc_providers(settings: WebSettings) -> dict[str, Any]:
    module = _oidc()
    if module is None:
        return {}
    providers: dict[str, Any] = module.providers_from_settings(settings)
    return providers


def demo_citizen_id(settings: WebSettings) -> str | None:
    file = settings.web_demo_file or Path(os.environ.get("BORGERPLAN_DATA_DIR", ".data")) / "demo.json"
    try:
        citizen_id = json.loads(Path(file).read_text()).get("citizen_id")
    except (OSError, ValueError):
        return None
    return str(citizen_id) if citizen_id else None


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host, no //)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _home(caller: dict[str, Any]) -> str:
    return "/min-plan" if "citizen" in caller.get("roles", []) else "/borgere"


async def _sign_in(
    request: Request, caller: dict[str, Any], token: str, expires_at: float, **extra: Any
) -> Response:
    store: SessionStore = request.app.state.sessions
    old: Session | None = request.state.session
    next_url = _safe_next((old.auth_request or {}).get("next") if old else None)
    request.state.session = await store.renew(
        old, caller=caller, token=token, token_expires_at=expires_at, **extra
    )
    return redirect(next_url or _home(caller))


def _development_token(settings: WebSettings, caller: dict[str, Any]) -> tuple[str, float]:
    token = issue_development_token(
        settings,
        sub=caller["sub"],
        name=caller["name"],
        unit=caller["unit"],
        unit_kind=caller["unit_kind"],
        roles=caller["roles"],
        citizen_id=caller.get("citizen_id"),
        email=caller.get("email"),
        ttl_seconds=DEV_TOKEN_SECONDS,
    )
    return token, time.time() + DEV_TOKEN_SECONDS


def _claims_of(access_token: str, extra: dict[str, Any]) -> dict[str, Any]:
    """Who the person is, for the pages' own use (names in the header, which pages): the access token's claims
    read without checking (the gateway checks it on every call) with the provider's ID token claims on top."""
    try:
        claims: dict[str, Any] = jwt.decode(access_token, options={"verify_signature": False})
    except jwt.PyJWTError:
        claims = {}
    merged = {**claims, **{k: v for k, v in extra.items() if v is not None}}
    roles = merged.get("roles") or []
    return {
        "sub": str(merged.get("sub", "")),
        "name": str(merged.get("name") or merged.get("sub", "")),
        "unit": str(merged.get("unit", "")),
        "unit_kind": str(merged.get("unit_kind", "")),
        "roles": [str(r) for r in (roles if isinstance(roles, list) else [roles])],
        "citizen_id": merged.get("citizen_id"),
    }


async def refresh_token(request: Request, session: Session) -> bool:
    """A fresh gateway token before the old one runs out: from the provider, or (development) minted again."""
    settings: WebSettings = request.app.state.settings
    if session.development and settings.development_sign_in and session.caller:
        token, expires_at = _development_token(settings, session.caller)
        session.set(token=token, token_expires_at=expires_at)
        return True
    module = _oidc()
    stored = session.oidc or {}
    client = request.app.state.oidc_providers.get(stored.get("provider"))
    if module is None or client is None or not stored.get("tokens"):
        return False
    try:
        tokens = await client.refresh(module.TokenSet(**stored["tokens"]))
    except Exception:
        return False
    session.set(
        token=tokens.access_token,
        token_expires_at=tokens.expires_at,
        oidc={"provider": stored["provider"], "tokens": asdict(tokens)},
    )
    return True


# --- the sign-in page ---------------------------------------------------------------------------------------------


def _sign_in_page(ctx: Ctx, form: Form | None = None, status: int = 200) -> Response:
    settings: WebSettings = ctx.settings
    request = ctx.request
    message = None
    if request.query_params.get("udloebet"):
        message = W.SESSION_EXPIRED
    elif request.query_params.get("logget-ud"):
        message = W.SIGNED_OUT
    elif request.query_params.get("fejl"):
        message = W.SIGN_IN_FAILED
    personas = []
    if settings.development_sign_in:
        for key, persona in PERSONAS.items():
            personas.append({"key": key, **persona, "what": W.PERSONA_ROLES[key]})
        citizen_id = demo_citizen_id(settings)
        personas.append(
            {
                "key": "citizen",
                **CITIZEN_PERSONA,
                "what": W.PERSONA_ROLES["citizen"],
                "citizen_id": citizen_id,
            }
        )
    return render(
        request,
        "sign_in.html",
        status,
        ctx=ctx,
        providers=list(request.app.state.oidc_providers),
        personas=personas,
        development=settings.development_sign_in,
        form=form or Form(values={"unit_kind": "authority", "roles": ["caseworker"]}),
        unit_kinds=UNIT_KINDS,
        roles=ROLES,
        message=message,
    )


@router.get("/log-ind")
async def sign_in_page(ctx: Visitor) -> Response:
    session = await ensure_session(ctx.request)
    ctx.session = session
    wanted = _safe_next(ctx.request.query_params.get("naeste"))
    if wanted and (session.auth_request or {}).get("next") != wanted:
        session.set(auth_request={**(session.auth_request or {}), "next": wanted})
    return _sign_in_page(ctx)


@router.post("/log-ind/demo")
async def sign_in_persona(ctx: Visitor, form: PostedForm) -> Response:
    settings: WebSettings = ctx.settings
    if not settings.development_sign_in:
        raise RedirectError("/log-ind")
    key = form.get("persona")
    if key == "citizen":
        citizen_id = form.get("citizen_id").strip() or demo_citizen_id(settings)
        if not citizen_id:
            form.add_error("citizen_id", W.DEMO_CITIZEN_MISSING)
            return _sign_in_page(ctx, form, 422)
        caller = {**CITIZEN_PERSONA, "sub": f"demo-borger-{citizen_id}"[:200], "citizen_id": citizen_id}
    elif key in PERSONAS:
        caller = {**PERSONAS[key], "citizen_id": None}
    else:
        raise RedirectError("/log-ind")
    token, expires_at = _development_token(settings, caller)
    return await _sign_in(ctx.request, caller, token, expires_at, development=True)


@router.post("/log-ind/fri")
async def sign_in_free(ctx: Visitor, form: PostedForm) -> Response:
    settings: WebSettings = ctx.settings
    if not settings.development_sign_in:
        raise RedirectError("/log-ind")
    name = form.text("name", required=True, max_length=200)
    unit = form.text("unit", required=True, max_length=200)
    unit_kind = form.choice("unit_kind", UNIT_KINDS, required=True)
    roles = form.choices("roles", ROLES, required=True)
    citizen_id = form.text("citizen_id", max_length=100)
    if "citizen" in roles and not citizen_id:
        form.add_error("citizen_id", W.E_REQUIRED)
    if not form.ok:
        return _sign_in_page(ctx, form, 422)
    assert name and unit and unit_kind
    slug = re.sub(r"[^a-z0-9]+", "-", f"{unit}-{name}".casefold()).strip("-")
    caller = {
        "sub": f"dev-{slug}"[:200],
        "name": name,
        "unit": unit,
        "unit_kind": unit_kind,
        "roles": roles,
        "citizen_id": citizen_id if "citizen" in roles else None,
    }
    token, expires_at = _development_token(settings, caller)
    return await _sign_in(ctx.request, caller, token, expires_at, development=True)


# --- OpenID Connect ------------------------------------------------------------------------------------------------


@router.get("/log-ind/{provider}")
async def sign_in_with(provider: str, ctx: Visitor) -> Response:
    client = ctx.request.app.state.oidc_providers.get(provider)
    if client is None:
        raise RedirectError("/log-ind")
    session = await ensure_session(ctx.request)
    auth = await client.authorization_request()
    session.set(
        auth_request={
            "url": auth.url,
            "state": auth.state,
            "nonce": auth.nonce,
            "code_verifier": auth.code_verifier,
            "provider": auth.provider,
            "next": (session.auth_request or {}).get("next"),
        }
    )
    return redirect(auth.url)


@router.get("/auth/callback")
async def sign_in_callback(ctx: Visitor) -> Response:
    module = _oidc()
    session: Session | None = ctx.request.state.session
    stored = (session.auth_request if session else None) or {}
    client = ctx.request.app.state.oidc_providers.get(stored.get("provider"))
    if module is None or client is None or "state" not in stored:
        raise RedirectError("/log-ind?fejl=1")
    expected = module.AuthRequest(
        url=stored["url"],
        state=stored["state"],
        nonce=stored["nonce"],
        code_verifier=stored["code_verifier"],
        provider=stored["provider"],
    )
    try:
        tokens = await client.complete(dict(ctx.request.query_params), expected)
    except module.OidcError:
        assert session is not None
        session.set(auth_request=None)
        raise RedirectError("/log-ind?fejl=1") from None
    caller = _claims_of(tokens.access_token, tokens.claims)
    return await _sign_in(
        ctx.request,
        caller,
        tokens.access_token,
        tokens.expires_at,
        oidc={"provider": stored["provider"], "tokens": asdict(tokens)},
    )


@router.post("/log-ud")
async def sign_out(ctx: Visitor, form: PostedForm) -> Response:
    session = ctx.session
    target = "/log-ind?logget-ud=1"
    if session is not None:
        stored = session.oidc or {}
        client = ctx.request.app.state.oidc_providers.get(stored.get("provider"))
        module = _oidc()
        if client is not None and module is not None and stored.get("tokens"):
            try:
                url = await client.end_session_url(
                    module.TokenSet(**stored["tokens"]),
                    f"{ctx.settings.web_public_url.rstrip('/')}/log-ind?logget-ud=1",
                )
            except Exception:
                url = None
            target = url or target
        await ctx.request.app.state.sessions.delete(session)
        ctx.request.state.session = None
    return redirect(target)


@router.get("/")
async def home(ctx: Visitor) -> Response:
    if ctx.session is None or not ctx.session.signed_in:
        return redirect("/log-ind")
    return redirect(_home(ctx.caller))


@router.get("/tilgaengelighed")
async def accessibility_statement(ctx: Visitor) -> Response:
    return ctx.render("accessibility.html")

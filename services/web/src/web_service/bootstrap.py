"""Wiring of the pages: a plain FastAPI app (no Kafka: the pages publish and consume nothing) with the sessions
database, one HTTP client to the gateway, the templates, the static assets and the routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from borgerplan_plumbing.door import WholeRequestMiddleware
from borgerplan_plumbing.heap import settle_heap
from borgerplan_plumbing.logs import configure_logging
from borgerplan_plumbing.mongo import Collection, make_client, ping, service_database
from web_service import web
from web_service.gateway import Gateway
from web_service.pages import citizen, consents, meeting_mode, meetings, outreach, plan, signin, staff
from web_service.sessions import SessionStore
from web_service.settings import WebSettings
from web_service.units import load_directory


def build(
    settings: WebSettings | None = None,
    *,
    gateway_transport: httpx.AsyncBaseTransport | None = None,
    session_collection: Collection | None = None,
    own_process: bool = False,
) -> FastAPI:
    """The app. Unit tests answer for the gateway (``gateway_transport``, an httpx.MockTransport) and keep the
    sessions in memory (``session_collection``). ``own_process``: the app is the whole process (uvicorn's factory),
    so once started it settles the heap (``borgerplan_plumbing.heap``)."""
    settings = settings or WebSettings()
    if settings.environment != "test":
        configure_logging("web", settings.log_level)
    client = make_client(settings)
    database = service_database(client, settings, "web")
    sessions = SessionStore(
        session_collection if session_collection is not None else database["sessions"],
        timedelta(minutes=settings.web_session_idle_minutes),
    )
    gateway = Gateway(
        httpx.AsyncClient(
            base_url=settings.gateway_url,
            transport=gateway_transport,
            timeout=settings.web_gateway_timeout_seconds,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        ),
        timeout=settings.web_gateway_timeout_seconds,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            await sessions.ensure_indexes()
        except Exception:  # the database may come later; /readyz says so until it does
            web.log.warning("sessions index not created yet")
        if own_process:
            settle_heap()
        try:
            yield
        finally:
            await gateway.close()
            await client.close()

    app = FastAPI(
        title="Borgerplan – siderne",
        description="Server-rendered pages for caseworkers, providers and the citizen.",
        version="1",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.sessions = sessions
    app.state.gateway = gateway
    app.state.units = load_directory(settings.web_units_file)
    app.state.templates = web.environment()
    app.state.oidc_providers = signin.oidc_providers(settings)
    app.state.refresh_token = signin.refresh_token
    app.add_middleware(web.SessionMiddleware)
    # outermost: a form is read whole, in bounded time and size, before a session is looked up (decision 0041)
    app.add_middleware(
        WholeRequestMiddleware,
        read_timeout_seconds=settings.read_timeout_seconds,
        max_body_bytes=settings.max_body_bytes,
    )
    web.install_error_pages(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "web"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        database_ok = True if session_collection is not None else await ping(database)
        checks = {"database": database_ok, "gateway": await gateway.ready()}
        ok = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ok else "not_ready", "checks": checks}, status_code=200 if ok else 503
        )

    app.mount("/static", StaticFiles(directory=web.STATIC, check_dir=False), name="static")
    for module in (signin, staff, plan, meetings, meeting_mode, consents, citizen, outreach):
        app.include_router(module.router)
    return app


def create_app() -> FastAPI:
    return build(own_process=True)

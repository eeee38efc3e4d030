"""docs/architecture.md says what the code says (as ``make contracts`` holds ``contracts/`` to the code).

``borgerplan_cli.architecture`` reads the code's source without importing it; here the routes it read are held to
the apps as FastAPI builds them, and every call it found to a route the callee has.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from borgerplan_cli import architecture
from borgerplan_plumbing.settings import Settings

CODE = architecture.read()


def test_the_committed_page_is_what_the_code_says() -> None:
    document = architecture.DOC.read_text()
    assert architecture.apply(document, architecture.sections(CODE)) == document, (
        "docs/architecture.md is out of date: run make docs"
    )


def _app(service: str) -> FastAPI:
    settings = Settings(environment="test", service_name=service)
    if service == "web":
        from web_service.bootstrap import build as build_pages
        from web_service.settings import WebSettings

        return build_pages(WebSettings(environment="test"))
    module: Any = __import__(f"{service}_service.bootstrap", fromlist=["build"])
    app: FastAPI = module.build(settings).app
    return app


@pytest.mark.parametrize("service", architecture.SERVICES)
def test_the_routes_read_from_the_source_are_the_apps_routes(service: str) -> None:
    # the routes as served, included routers' prefixes applied (FastAPI's own walk, as its OpenAPI takes them)
    built = {
        (method, str(route.path))
        for route in iter_route_contexts(_app(service).routes)
        if isinstance(route.original_route, APIRoute)
        for method in (route.methods or set()) - {"HEAD"}
    }
    assert CODE.services[service].routes == built


def test_every_call_between_processes_reaches_a_route_of_the_callee() -> None:
    assert CODE.calls, "no call found between the services"
    missing = [
        c for c in CODE.calls if not architecture.served_by(c.method, c.path, CODE.services[c.callee].routes)
    ]
    assert not missing


def test_every_row_of_the_gateways_table_is_sent_to_a_route_of_its_service() -> None:
    assert CODE.forwarded
    missing = [
        f
        for f in CODE.forwarded
        if f.here is None
        and not architecture.served_by(f.method, f.upstream, CODE.services[f.service].routes)
    ]
    assert not missing


def test_every_call_of_the_pages_is_a_public_route() -> None:
    assert CODE.pages
    gateway = CODE.services["gateway"].routes
    missing = [
        c
        for c in CODE.pages
        if c.path == "(computed)"
        or not architecture.served_by(c.method, c.path, gateway, architecture.PUBLIC)
    ]
    assert not missing


def test_every_consumer_reads_a_topic_of_the_contract() -> None:
    from borgerplan_contracts import topics

    assert CODE.consumers
    assert {c.topic for c in CODE.consumers} <= set(topics.ALL)


def test_a_call_in_a_shape_it_cannot_read_is_an_error(tmp_path: Any) -> None:
    """A service named, then a path, in a call the reader does not know: an error, not a row left out."""
    import ast

    source = 'async def f(client):\n    await some_helper(client, "plan", "/plans/x")\n'
    module = architecture.Module("x_service.m", architecture.ROOT / "x.py", ast.parse(source))
    with pytest.raises(architecture.Unreadable, match="looks like a call to a service"):
        architecture.calls_in("gateway", [module])

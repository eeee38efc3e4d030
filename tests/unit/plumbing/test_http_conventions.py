"""Problem details and request conventions, on a small FastAPI app in memory."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from borgerplan_plumbing.http import etag, parse_if_match
from borgerplan_plumbing.problems import Problem, install_problem_handlers
from borgerplan_plumbing.store import NotFoundError, VersionConflictError


class Thing(BaseModel):
    name: str = Field(min_length=1, max_length=5)
    count: int


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/things")
    async def create(thing: Thing) -> Thing:
        return thing

    @app.get("/missing")
    async def missing() -> None:
        raise NotFoundError("plan", "p1")

    @app.get("/stale")
    async def stale() -> None:
        raise VersionConflictError("p1", 3)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("citizen text must not leak")

    return app


CLIENT = TestClient(_app(), raise_server_exceptions=False)


def test_validation_errors_are_problem_details_naming_each_field() -> None:
    response = CLIENT.post("/things", json={"name": "too long a name"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith(":validation") and body["status"] == 422 and body["title"]
    assert {e["field"] for e in body["errors"]} == {"name", "count"}


def test_not_found_and_stale_versions() -> None:
    assert CLIENT.get("/missing").json()["status"] == 404
    stale = CLIENT.get("/stale")
    assert stale.status_code == 412 and stale.json()["type"].endswith("stale-version")


def test_unexpected_errors_do_not_leak_details() -> None:
    response = CLIENT.get("/boom")
    assert response.status_code == 500
    assert "citizen text" not in response.text


def test_if_match_parsing() -> None:
    assert parse_if_match(etag(4)) == 4
    assert parse_if_match('W/"4"') == 4
    with pytest.raises(Problem) as missing:
        parse_if_match(None)
    assert missing.value.status == 428
    with pytest.raises(Problem) as bad:
        parse_if_match('"abc"')
    assert bad.value.status == 412

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.unit.web.fakes import FakeCollection, FakeGateway
from web_service.bootstrap import build
from web_service.settings import WebSettings


class Browser:
    """A TestClient with the habits of a person: sign in, read the CSRF token off the page, post forms."""

    def __init__(self, client: TestClient, gateway: FakeGateway, sessions: FakeCollection) -> None:
        self.client = client
        self.gateway = gateway
        self.sessions = sessions
        self.csrf = ""

    def get(self, url: str, **kwargs: Any) -> Any:
        response = self.client.get(url, **kwargs)
        found = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, url: str, data: dict[str, Any], *, csrf: bool = True, **kwargs: Any) -> Any:
        return self.client.post(
            url,
            data={**({"csrf_token": self.csrf} if csrf else {}), **data},
            follow_redirects=False,
            **kwargs,
        )

    def sign_in(self, persona: str = "caseworker") -> None:
        self.get("/log-ind")
        response = self.post("/log-ind/demo", {"persona": persona, "citizen_id": "c-peter"})
        assert response.status_code == 303, response.text
        self.get(response.headers["location"])


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def sessions() -> FakeCollection:
    return FakeCollection()


@pytest.fixture
def browser(gateway: FakeGateway, sessions: FakeCollection) -> Iterator[Browser]:
    settings = WebSettings(environment="test", gateway_url="http://gateway.test")
    app = build(settings, gateway_transport=gateway.transport(), session_collection=sessions)  # type: ignore[arg-type]
    with TestClient(app, base_url="http://web.test") as client:
        yield Browser(client, gateway, sessions)

"""Bad input to every create is a 422 problem naming the fields, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest

from borgerplan_plumbing.settings import Settings
from consent_service.bootstrap import build as build_consent
from meetings_service.bootstrap import build as build_meetings
from plan_service.bootstrap import build as build_plan
from tests.support.services import running

pytestmark = pytest.mark.integration

CASES: list[tuple[Any, str, str, dict[str, Any], set[str]]] = [
    (build_plan, "/citizens", "citizens", {"cpr": "3213991234", "name": ""}, {"cpr", "name"}),
    (build_plan, "/citizens", "citizens", {"name": "Uden CPR"}, {"cpr"}),
    (
        build_plan,
        "/plans",
        "plans",
        {
            "citizen_id": "c",
            "kind": "weekly",
            "responsible_unit": "u",
            "valid_from": "2026-02-01",
            "valid_to": "2026-01-01",
        },
        {"kind"},
    ),
    (build_plan, "/plans", "plans", {"kind": "adult"}, {"citizen_id", "responsible_unit"}),
    (
        build_consent,
        "/consents",
        "consents",
        {
            "citizen_id": "c",
            "grantee_unit": "u",
            "categories": ["gossip"],
            "purposes": [],
            "form": {"kind": "oral"},
            "valid_from": "2026-01-01",
        },
        {"categories.0", "purposes", "form"},
    ),
    (
        build_meetings,
        "/meetings",
        "meetings",
        {
            "plan_id": "p",
            "kind": "party",
            "start": "2026-01-01T10:00:00",
            "end": "2026-01-01T09:00:00+01:00",
            "coordinator_unit": "u",
            "participants": [],
        },
        {"kind", "start", "participants"},
    ),
]


@pytest.mark.parametrize(
    ("build", "path", "collection", "body", "fields"), CASES, ids=[f"{c[1]}-{i}" for i, c in enumerate(CASES)]
)
async def test_bad_create_is_422_problem_and_stores_nothing(
    settings: Settings, build: Any, path: str, collection: str, body: dict[str, Any], fields: set[str]
) -> None:
    async with running(build, settings) as (runtime, client):
        before = await runtime.db[collection].count_documents({})
        response = await client.post(path, json=body)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["status"] == 422 and problem["title"] and problem["detail"]
        named = {e["field"] for e in problem["errors"]}
        assert fields <= named, named
        assert await runtime.db[collection].count_documents({}) == before

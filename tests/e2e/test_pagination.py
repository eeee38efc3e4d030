"""Lists are paged: ``limit`` and a cursor, the next page in ``Link: <...>; rel="next"``."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from tests.support.system import System

pytestmark = pytest.mark.e2e
AUTHORITY = "e2e-pg-myndighed"


def _next(response: httpx.Response) -> str | None:
    match = re.fullmatch(r'<([^>]+)>; rel="next"', response.headers.get("link", ""))
    return match.group(1) if match else None


def test_consents_are_paged_with_a_cursor_and_a_link_header(system: System) -> None:
    caseworker = {
        "Authorization": "Bearer "
        + system.token(sub="e2e-pg-cw", unit=AUTHORITY, unit_kind="authority", roles=["caseworker"])
    }
    with httpx.Client(base_url=system.api, timeout=15) as api:
        citizen_id = api.post(
            "/citizens", json={"cpr": "2106914321", "name": "Side Borger"}, headers=caseworker
        ).json()["citizen_id"]
        today = datetime.now(UTC).date()
        granted = []
        for i in range(5):
            response = api.post(
                "/consents",
                headers=caseworker,
                json={
                    "citizen_id": citizen_id,
                    "grantee_unit": f"e2e-pg-unit-{i}",
                    "categories": ["general"],
                    "purposes": ["view_plan"],
                    "form": {"kind": "written"},
                    "valid_from": (today - timedelta(days=i % 2)).isoformat(),
                },
            )
            assert response.status_code == 201, response.text
            granted.append(response.json()["consent_id"])

        seen: list[dict[str, str]] = []
        url: str | None = f"/citizens/{citizen_id}/consents?limit=2"
        pages = 0
        while url:
            response = api.get(url.removeprefix("/api/v1"), headers=caseworker)
            assert response.status_code == 200, response.text
            assert len(response.json()) <= 2
            seen += response.json()
            url = _next(response)
            assert url is None or url.startswith("/api/v1/citizens/")
            pages += 1
        assert pages == 3
        assert sorted(c["consent_id"] for c in seen) == sorted(granted), "every consent once, none twice"
        starts = [date.fromisoformat(c["valid_from"]) for c in seen]
        assert starts == sorted(starts), "in order of validity"

        everything = api.get(f"/citizens/{citizen_id}/consents", headers=caseworker)
        assert len(everything.json()) == 5 and "link" not in everything.headers

        bad = api.get(f"/citizens/{citizen_id}/consents?cursor=not-a-cursor", headers=caseworker)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"
        too_many = api.get(f"/citizens/{citizen_id}/consents?limit=100000", headers=caseworker)
        assert too_many.status_code == 422

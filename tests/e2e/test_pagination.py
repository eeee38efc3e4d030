"""Lists are paged: ``limit`` and a cursor, the next page in ``Link: <...>; rel="next"``."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from pymongo import MongoClient

from borgerplan_cli.system import System
from borgerplan_rules.workdays import WorkingDayCalendar
from meetings_service import domain

pytestmark = pytest.mark.e2e
AUTHORITY = "e2e-pg-myndighed"


def _let_time_pass(system: System, meeting_id: str, start: datetime, end: datetime) -> None:
    """The stored meeting as it is once its hour has passed: its time and the deadlines counted from it."""
    settings = system.settings.model_copy(
        update={"database_prefix": system.stack.env["BORGERPLAN_DATABASE_PREFIX"]}
    )
    with MongoClient(system.stack.env["MONGODB_URI"]) as client:
        meetings = client[settings.database_name("meetings")]["meetings"]
        stored = meetings.find_one({"_id": meeting_id})
        assert stored is not None
        calendar = WorkingDayCalendar.with_closing_days(settings.closing_days)
        moved = {
            **stored,
            "start": start,
            "end": end,
            "agenda_closes_on": domain.agenda_closes_on(start, calendar).isoformat(),
            "minutes_due_on": domain.minutes_due_on(end, calendar).isoformat(),
        }
        moved.update(domain.derived(moved, calendar))
        meetings.replace_one({"_id": meeting_id}, moved)


def _next(response: httpx.Response) -> str | None:
    match = re.fullmatch(r'<([^>]+)>; rel="next"', response.headers.get("link", ""))
    return match.group(1) if match else None


def test_consents_are_paged_with_a_cursor_and_a_link_header(system: System) -> None:
    caseworker = system.bearer(sub="e2e-pg-cw", unit=AUTHORITY, unit_kind="authority", roles=["caseworker"])
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


def test_mine_borgere_pages_every_citizen_overdue_first_and_finds_by_name(system: System) -> None:
    """A unit's whole caseload, a page at a time: the citizen with something overdue first, then everyone by name,
    each once; find by name searches them all; a unit taking part without consent finds no one by name."""
    unit, provider_unit = "e2e-mb-myndighed", "e2e-mb-udfoerer"
    caseworker = system.bearer(sub="e2e-mb-cw", unit=unit, unit_kind="authority", roles=["caseworker"])
    provider = system.bearer(
        sub="e2e-mb-pr", unit=provider_unit, unit_kind="provider", roles=["contact_person"]
    )
    names = ["Mb Åse", "mb bent", "Mb Carl", "Mb Dorte", "Mb Erik", "Mb Frida", "Mb Gert"]
    with httpx.Client(base_url=system.api, timeout=15) as api:
        ids: dict[str, str] = {}
        plans: dict[str, str] = {}
        for i, name in enumerate(names):
            citizen = api.post(
                "/citizens", json={"cpr": f"030385{7100 + i}", "name": name}, headers=caseworker
            )
            assert citizen.status_code == 201, citizen.text
            ids[name] = citizen.json()["citizen_id"]
            plan = api.post(
                "/plans",
                headers=caseworker,
                json={
                    "citizen_id": ids[name],
                    "kind": "adult",
                    "responsible_unit": unit,
                    "actors": [
                        {
                            "name": "Be Handler",
                            "kind": "provider",
                            "role": "behandler",
                            "unit": provider_unit,
                            "network_category": "health_treatment",
                        }
                    ],
                },
            )
            assert plan.status_code == 201, plan.text
            plans[name] = plan.json()["plan_id"]
        # Mb Frida's network meeting was held three weeks ago and its minutes were never sent: overdue. A meeting
        # is called for a time to come, so it is called for tomorrow and the three weeks are then let pass.
        soon = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
        meeting = api.post(
            "/meetings",
            headers=caseworker,
            json={
                "plan_id": plans["Mb Frida"],
                "kind": "network",
                "start": soon.isoformat(),
                "end": (soon + timedelta(hours=1)).isoformat(),
                "place": "Borgerens valg: biblioteket",
                "place_chosen_by_citizen": True,
                "coordinator_unit": unit,
                "participants": [{"name": "Borgeren", "kind": "citizen"}],
            },
        )
        assert meeting.status_code == 201, meeting.text
        held = (datetime.now(UTC) - timedelta(days=21)).replace(microsecond=0)
        _let_time_pass(system, meeting.json()["meeting_id"], held, held + timedelta(hours=1))
        # The caseload is a projection of the plan service's events (decision 0021): it follows the plans within a
        # moment, so the paging starts once every new plan is in it.
        deadline = time.monotonic() + 15
        while len(api.get("/me/citizens", params={"limit": 50}, headers=caseworker).json()) < len(names):
            assert time.monotonic() < deadline, "the new plans never reached the caseload"
            time.sleep(0.05)

        seen: list[dict[str, object]] = []
        url: str | None = "/me/citizens?limit=3"
        while url:
            response = api.get(url.removeprefix("/api/v1"), headers=caseworker)
            assert response.status_code == 200, response.text
            assert len(response.json()) <= 3
            seen += response.json()
            url = _next(response)
        assert [row["name"] for row in seen] == [
            "Mb Frida",
            "mb bent",
            "Mb Carl",
            "Mb Dorte",
            "Mb Erik",
            "Mb Gert",
            "Mb Åse",
        ], "overdue first, then by name (case does not matter; å after z, as in Danish)"
        assert seen[0]["overdue_count"] == 1 and seen[1]["overdue_count"] == 0
        assert all(row["relation"] == "responsible" and row["plans"] for row in seen)

        found = api.get("/me/citizens", params={"name": "MB D"}, headers=caseworker).json()
        assert [row["name"] for row in found] == ["Mb Dorte"]
        # The provider takes part in every plan but has no consent: it sees that the citizens are there (without who
        # they are) and finds no one by name.
        theirs = api.get("/me/citizens", headers=provider).json()
        assert len(theirs) == len(names) and all(row["name"] is None for row in theirs)
        assert api.get("/me/citizens", params={"name": "Mb"}, headers=provider).json() == []
        bad = api.get("/me/citizens", params={"cursor": "not-a-cursor"}, headers=caseworker)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"

"""Every plan event type, produced through the HTTP API and read back from Kafka: no CPR, no free text."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from borgerplan_contracts import topics
from borgerplan_contracts.events import plan as plan_events
from borgerplan_plumbing.settings import Settings
from plan_service.bootstrap import build
from tests.support.kafka import TopicProbe
from tests.support.services import running

pytestmark = pytest.mark.integration
CPR = "1212804321"
_markers = (f"FRITEKST{n:03d}" for n in itertools.count())
MARKERS: list[str] = []


def text() -> str:
    """A distinctive free text; the test later looks for every one of them on the topic."""
    marker = next(_markers)
    MARKERS.append(marker)
    return f"{marker} om borgeren"


async def test_no_plan_event_carries_cpr_or_free_text(settings: Settings) -> None:
    async with running(build, settings) as (_, client):

        async def ok(response: Any) -> dict[str, Any]:
            assert response.status_code in (200, 201), response.text
            body: dict[str, Any] = response.json()
            body["_etag"] = response.headers["etag"]
            return body

        citizen = await ok(await client.post("/citizens", json={"cpr": CPR, "name": text()}))
        citizen_id = citizen["citizen_id"]
        goal = {
            "title": text(),
            "description": text(),
            "category": "substance_use",
            "sub_goals": [{"title": text()}],
            "agreements": [{"who": text(), "what": text(), "when": text(), "how": text()}],
        }
        actor = {
            "name": text(),
            "role": text(),
            "kind": "provider",
            "unit": "t-behandling",
            "network_category": "health_treatment",
            "meeting_cadence": text(),
            "communication_agreements": [text()],
            "attention_points": text(),
        }
        child = await ok(
            await client.post(
                "/plans",
                json={
                    "citizen_id": citizen_id,
                    "kind": "child",
                    "responsible_unit": "t-authority",
                    "overview": {"purpose": text(), "occupied_with": text(), "own_words": {"dreams": text()}},
                    "goals": [goal],
                    "actors": [actor, {"name": text(), "role": text(), "kind": "private_network"}],
                    "child": {
                        "measures": [
                            {
                                "title": text(),
                                "granted_under": "SEL §52",
                                "kind": "placement",
                                "valid_from": "2026-01-01",
                            }
                        ],
                        "concern_basis": text(),
                        "goals_for_effort": text(),
                    },
                },
            )
        )
        path = f"/plans/{child['plan_id']}"
        goal_id = child["goals"][0]["goal_id"]
        actor_id = child["actors"][0]["actor_id"]
        etag = child["_etag"]
        etag = (
            await ok(
                await client.patch(path, json={"overview": {"notes": text()}}, headers={"If-Match": etag})
            )
        )["_etag"]
        etag = (
            await ok(
                await client.patch(
                    f"{path}/goals/{goal_id}",
                    json={
                        "description": text(),
                        "status": "in_progress",
                        "score": {"now": "2", "citizen_disagrees": True, "citizen_view": text()},
                    },
                    headers={"If-Match": etag},
                )
            )
        )["_etag"]
        await ok(
            await client.post(
                f"{path}/goals/{goal_id}/follow-ups", json={"date": "2026-02-01", "text": text()}
            )
        )
        # The citizen's own parts (decision 0061): their words stay in the plan, out of the events.
        await ok(await client.patch(f"{path}/citizen-words", json={"own_words": {"dreams": text()}}))
        await ok(await client.post(f"{path}/goals/{goal_id}/comments", json={"text": text()}))
        asked = await ok(
            await client.post(
                f"{path}/change-requests", json={"kind": "new_goal", "title": text(), "text": text()}
            )
        )
        await ok(
            await client.post(
                f"{path}/change-requests/{asked['change_requests'][0]['request_id']}/decision",
                json={"outcome": "changed", "reason": text(), "title": text()},
            )
        )
        await ok(await client.post(f"{path}/goals", json={**goal, "title": text()}))
        added = await ok(
            await client.post(f"{path}/actors", json={**actor, "name": text(), "unit": "t-skole"})
        )
        etag = added["_etag"]
        etag = (
            await ok(
                await client.patch(
                    f"{path}/actors/{actor_id}", json={"attention_points": text()}, headers={"If-Match": etag}
                )
            )
        )["_etag"]
        etag = (await ok(await client.delete(f"{path}/actors/{actor_id}", headers={"If-Match": etag})))[
            "_etag"
        ]
        await ok(
            await client.post(
                f"{path}/child-follow-ups",
                json={
                    "period_from": "2026-01-01",
                    "period_to": "2026-03-31",
                    "progress": text(),
                    "assessment_text": text(),
                    "assessments": ["goals_to_be_revised", "return_home"],
                },
            )
        )
        draft = await ok(
            await client.post(
                "/plans",
                json={
                    "citizen_id": citizen_id,
                    "kind": "adult",
                    "status": "draft",
                    "responsible_unit": "t-authority",
                },
            )
        )
        await ok(
            await client.patch(
                f"/plans/{draft['plan_id']}", json={"status": "active"}, headers={"If-Match": draft["_etag"]}
            )
        )
        await ok(
            await client.post(
                "/plans",
                json={
                    "citizen_id": citizen_id,
                    "kind": "unified",
                    "responsible_unit": "t-authority",
                    "collaboration_agreement": {"agreed_on": "2026-03-01", "current_situation": text()},
                },
            )
        )

        expected = {model.event_type() for model in plan_events.EVENTS}
        async with TopicProbe(settings.kafka_bootstrap_servers, settings.topic(topics.PLAN)) as probe:
            await probe.wait_for(lambda _: expected <= {e.type for e in probe.events()}, timeout=60)
            events = list({e.id: e for e in probe.events()}.values())

    assert expected <= {e.type for e in events}, "every plan event type was produced"
    assert len(MARKERS) > 25
    cpr_forms = (CPR, f"{CPR[:6]}-{CPR[6:]}")
    for event in events:
        payload = json.dumps(event.data, ensure_ascii=False)
        assert not any(form in payload for form in cpr_forms), event.type
        leaked = [m for m in MARKERS if m in payload]
        assert not leaked, f"{event.type} carries free text: {leaked}"
        assert event.subject == citizen_id

"""The caller's unit's worklists: its citizens ("Mine borgere") and its deadlines and tasks, overdue first.

Composed from the owning services' facts: the plan service knows the unit's caseload, the meetings service the next
meetings, overdue counts and deadlines (in Danish working days), the consent service which of a provider's citizens
it may see. A unit that takes part without the citizen's consent sees that the citizen is there, not who it is.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.internal import InternalClient, UnavailableError, path
from gateway_service import facts as facts_of

Doc = dict[str, Any]
LATER = datetime.max.isoformat()
BATCH = 1000


async def _post_json(client: InternalClient, service: str, url: str, caller: Caller, body: Doc) -> Any:
    """An answer the list can do without: None when the service does not answer."""
    try:
        response = await client.post(service, url, caller, json=body)
    except UnavailableError:
        return None
    return response.json() if response.status_code == 200 else None


async def my_citizens(client: InternalClient, caller: Caller, name: str | None) -> list[Doc]:
    response = await client.get(
        "plan", path("/units/{}/citizens", caller.unit), caller, params={"name": name} if name else None
    )
    if response.status_code != 200:
        raise facts_of.unavailable("plan")
    rows: list[Doc] = response.json()
    if not rows:
        return []
    ids = [r["citizen_id"] for r in rows]
    actors = [r["citizen_id"] for r in rows if r["relation"] == "actor"]
    batch = {"unit": caller.unit, "unit_kind": caller.unit_kind, "purpose": "view_plan"}
    answers = await asyncio.gather(
        *(
            _post_json(client, "meetings", "/meetings/summary", caller, {"citizen_ids": part})
            for part in _chunks(ids)
        ),
        *(
            _post_json(client, "consent", "/decisions/batch", caller, {**batch, "citizen_ids": part})
            for part in _chunks(actors)
        ),
    )
    summaries, permits = answers[: len(_chunks(ids))], answers[len(_chunks(ids)) :]
    by_citizen = {s["citizen_id"]: s for part in summaries for s in part or []}
    # Fail closed: when the consent service does not answer, no provider row shows who the citizen is.
    permitted = {p["citizen_id"] for part in permits for p in part or [] if p["permit"]}
    out = []
    for row in rows:
        consented = row["relation"] == "responsible" or row["citizen_id"] in permitted
        summary = by_citizen.get(row["citizen_id"], {}) if consented else {}
        out.append(
            {
                "citizen_id": row["citizen_id"],
                "name": row["name"] if consented else None,
                "birth_date": row["birth_date"] if consented else None,
                "relation": row["relation"],
                "consented": consented,
                "plans": row["plans"],
                "next_meeting": summary.get("next_meeting"),
                "overdue_count": summary.get("overdue_count", 0),
                "open_task_count": summary.get("open_task_count", 0),
            }
        )
    out.sort(
        key=lambda r: (
            -r["overdue_count"],
            (r["next_meeting"] or {}).get("start") or LATER,
            (r["name"] or "\uffff").casefold(),
            r["citizen_id"],
        )
    )
    return out


def _chunks(ids: list[str]) -> list[list[str]]:
    """The services answer at most ``BATCH`` citizens per call."""
    return [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]


async def my_deadlines(client: InternalClient, caller: Caller) -> list[Doc]:
    response = await client.get("meetings", path("/units/{}/deadlines", caller.unit), caller)
    if response.status_code != 200:
        raise facts_of.unavailable("meetings")
    items: list[Doc] = response.json()
    ids = sorted({i["citizen_id"] for i in items})
    names = await asyncio.gather(
        *(
            _post_json(client, "plan", "/citizens/lookup", caller, {"citizen_ids": part})
            for part in _chunks(ids)
        )
    )
    by_id = {n["citizen_id"]: n["name"] for part in names for n in part or []}
    return [{**item, "citizen_name": by_id.get(item["citizen_id"])} for item in items]

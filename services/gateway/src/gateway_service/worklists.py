"""The caller's unit's worklists: its citizens ("Mine borgere") and its deadlines and tasks, overdue first.

Composed from the owning services' facts: the plan service knows the unit's caseload, the meetings service the next
meetings, overdue counts and deadlines (in Danish working days), the consent service the consents the unit received;
which citizens it may see is the one answer (``borgerplan_rules.access``) per citizen. A unit that takes part without
the citizen's consent sees that the citizen is there, not who it is.
"""

from __future__ import annotations

import asyncio
from typing import Any

from borgerplan_plumbing import access as owners
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.internal import InternalClient, UnavailableError, path
from borgerplan_rules.access import CitizenFacts, ConsentFacts, PlanFacts, access_many
from borgerplan_rules.workdays import today
from gateway_service import facts as facts_of

Doc = dict[str, Any]
BATCH = 1000


async def _post_json(client: InternalClient, service: str, url: str, caller: Caller, body: Doc) -> Any:
    """An answer the list can do without: None when the service does not answer."""
    try:
        response = await client.post(service, url, caller, json=body)
    except UnavailableError:
        return None
    return response.json() if response.status_code == 200 else None


# Where a page of Mine borgere starts: in the block of overdue citizens (an offset), or in the rest by name (after
# this citizen; "" for the rest's beginning).
Position = tuple[str, int | str]
START: Position = ("overdue", 0)


async def my_citizens(
    client: InternalClient, caller: Caller, name: str | None, limit: int, position: Position = START
) -> tuple[list[Doc], Position | None]:
    """One page of the unit's citizens: those with something overdue first (most first, then by name), then the rest
    by name; with each row's next meeting and counts. Returns the page and where the next one starts.

    The services read a page, whatever the unit's size: the plan service pages the caseload by name (the unit's
    citizens found by index, ordered in the database), the meetings service names the citizens with something
    overdue, and only the page's citizens are asked for their meetings and, for a unit taking part, for consent.
    """
    late = await _overdue(client, caller, name)
    late_ids = {r["citizen_id"] for r in late}
    kind, value = position
    page: list[Doc] = []
    if kind == "overdue":
        offset = int(value)
        page = late[offset : offset + limit]
        if len(page) == limit:
            if offset + limit < len(late):
                return await _finish(client, caller, name, page), ("overdue", offset + limit)
            rest, _ = await _rest(client, caller, name, "", 1, late_ids)
            return await _finish(client, caller, name, page), ("after", "") if rest else None
        value = ""
    rest, more = await _rest(client, caller, name, str(value), limit - len(page), late_ids)
    page += rest
    following: Position | None = ("after", rest[-1]["citizen_id"]) if more and rest else None
    return await _finish(client, caller, name, page), following


async def _overdue(client: InternalClient, caller: Caller, name: str | None) -> list[Doc]:
    """The unit's citizens with something overdue, most first, then by name (none when meetings cannot say)."""
    try:
        response = await client.get("meetings", "/meetings/overdue", caller)
    except UnavailableError:
        return []
    counts = (
        {r["citizen_id"]: r["overdue_count"] for r in response.json()} if response.status_code == 200 else {}
    )
    if not counts:
        return []
    unit = path("/units/{}/citizens/among", caller.unit)
    found = await asyncio.gather(
        *(
            _post_json(client, "plan", unit, caller, {"citizen_ids": part, "name": name})
            for part in _chunks(list(counts))
        )
    )
    rows = [{**row, "overdue_count": counts[row["citizen_id"]]} for part in found for row in part or []]
    return sorted(rows, key=lambda r: (-r["overdue_count"], r["name"].casefold(), r["citizen_id"]))


async def _rest(
    client: InternalClient, caller: Caller, name: str | None, after: str, wanted: int, skip: set[str]
) -> tuple[list[Doc], bool]:
    """Up to ``wanted`` of the unit's citizens by name after ``after``, leaving out ``skip`` (shown already);
    and whether more follow."""
    params: dict[str, str | int] = {"limit": min(wanted + len(skip) + 1, BATCH)}
    if name:
        params["name"] = name
    if after:
        params["after"] = after
    response = await client.get("plan", path("/units/{}/citizens", caller.unit), caller, params=params)
    if response.status_code != 200:
        raise facts_of.unavailable("plan")
    fetched: list[Doc] = response.json()
    rows = [r for r in fetched if r["citizen_id"] not in skip]
    # more follow when rows beyond the page came back, or the fetch was cut at BATCH (many shown already)
    return rows[:wanted], len(rows) > wanted or len(fetched) == params["limit"]


async def _finish(client: InternalClient, caller: Caller, name: str | None, rows: list[Doc]) -> list[Doc]:
    """The page's rows with their meetings, and without who the citizen is where the unit lacks consent."""
    if not rows:
        return []
    ids = [r["citizen_id"] for r in rows]
    actors = [r["citizen_id"] for r in rows if r["relation"] == "actor"]
    summaries, received = await asyncio.gather(
        _post_json(client, "meetings", "/meetings/summary", caller, {"citizen_ids": ids}),
        owners.unit_consent_refs(client, caller, caller.unit, actors),
    )
    by_citizen = {s["citizen_id"]: s for s in summaries or []}
    # Fail closed: when the consent service does not answer, no provider row shows who the citizen is.
    citizens = [_facts(row, caller.unit, received) for row in rows]
    permitted = {
        citizen_id
        for citizen_id, seen in access_many(caller.unit, caller.unit_kind, "view_plan", citizens, today())
        if seen.permit
    }
    out = []
    for row in rows:
        consented = row["citizen_id"] in permitted
        if name and not consented:
            continue  # found by a name the unit may not know: not shown at all
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
    return out


def _facts(row: Doc, unit: str, received: dict[str, tuple[ConsentFacts, ...]] | None) -> CitizenFacts:
    """A row's facts as the caseload and the unit's consents state them. The caseload says the unit's part in the
    row's current plans (responsible for one, or taking part), which is all the relation needs of them; a unit
    that takes part may see what the consents it received cover."""
    responsible = row["relation"] == "responsible"
    plans = tuple(
        PlanFacts(
            plan_id=p["plan_id"],
            citizen_id=row["citizen_id"],
            responsible_unit=unit if responsible else "",
            actor_units=frozenset() if responsible else frozenset({unit}),
            status=p["status"],
        )
        for p in row["plans"]
    )
    consents = None if received is None else received.get(row["citizen_id"], ())
    return CitizenFacts(row["citizen_id"], plans, consents)


def _chunks(ids: list[str]) -> list[list[str]]:
    """The services answer at most ``BATCH`` citizens per call."""
    return [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]


async def my_deadlines(client: InternalClient, caller: Caller) -> list[Doc]:
    response = await client.get("meetings", path("/units/{}/deadlines", caller.unit), caller)
    if response.status_code != 200:
        raise facts_of.unavailable("meetings")
    return await _with_names(client, caller, response.json())


async def my_requests(client: InternalClient, caller: Caller) -> list[Doc]:
    """The citizens' requests waiting for the unit's answer: only in plans it is responsible for, so it sees who."""
    response = await client.get("plan", path("/units/{}/change-requests", caller.unit), caller)
    if response.status_code != 200:
        raise facts_of.unavailable("plan")
    return await _with_names(client, caller, response.json())


async def _with_names(client: InternalClient, caller: Caller, items: list[Doc]) -> list[Doc]:
    ids = sorted({i["citizen_id"] for i in items})
    names = await asyncio.gather(
        *(
            _post_json(client, "plan", "/citizens/lookup", caller, {"citizen_ids": part})
            for part in _chunks(ids)
        )
    )
    by_id = {n["citizen_id"]: n["name"] for part in names for n in part or []}
    return [{**item, "citizen_name": by_id.get(item["citizen_id"])} for item in items]

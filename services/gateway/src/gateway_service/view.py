"""The single composed view of a citizen's plan, as one caller may see it."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.problems import Problem
from gateway_service.upstream import Upstreams, UpstreamUnavailableError

PARTS = ("plans", "meetings", "consents")


async def _get(
    upstreams: Upstreams, service: str, path: str, caller: Caller, **kwargs: Any
) -> httpx.Response:
    return await upstreams.request(service, "GET", path, caller, **kwargs)


async def fetch_parts(upstreams: Upstreams, citizen_id: str, caller: Caller) -> dict[str, Any]:
    """Fetch citizen, plans, meetings and consents in parallel; a part that fails is ``None``."""
    params = {"citizen_id": citizen_id}
    calls = {
        "citizen": _get(upstreams, "plan", f"/citizens/{citizen_id}", caller),
        "plans": _get(upstreams, "plan", "/plans", caller, params=params),
        "meetings": _get(upstreams, "meetings", "/meetings", caller, params=params),
        "consents": _get(upstreams, "consent", f"/citizens/{citizen_id}/consents", caller),
    }
    results = await asyncio.gather(*calls.values(), return_exceptions=True)
    parts: dict[str, Any] = {}
    for name, result in zip(calls, results, strict=True):
        if isinstance(result, httpx.Response) and result.status_code == 200:
            parts[name] = result.json()
        elif isinstance(result, httpx.Response) and result.status_code == 404:
            parts[name] = "not_found"
        else:
            parts[name] = None
    return parts


async def decide(
    upstreams: Upstreams, citizen_id: str, caller: Caller, purpose: str
) -> dict[str, Any] | None:
    """The consent service's live answer; ``None`` when it cannot answer (the caller then fails closed)."""
    try:
        response = await upstreams.request(
            "consent",
            "POST",
            "/decisions",
            caller,
            json={"citizen_id": citizen_id, "unit": caller.unit, "purpose": purpose},
        )
    except UpstreamUnavailableError:
        return None
    if response.status_code != 200:
        return None
    decision: dict[str, Any] = response.json()
    return decision


async def compose(upstreams: Upstreams, citizen_id: str, caller: Caller) -> dict[str, Any]:
    is_citizen = caller.has_role("citizen")
    if is_citizen and caller.citizen_id != citizen_id:
        raise Problem(404, "Not found", "No citizen with that id.")
    parts, decision = await asyncio.gather(
        fetch_parts(upstreams, citizen_id, caller),
        decide(upstreams, citizen_id, caller, "view_plan") if not is_citizen else asyncio.sleep(0, None),
    )
    if parts["citizen"] == "not_found":
        raise Problem(404, "Not found", "No citizen with that id.")
    if parts["citizen"] is None or parts["plans"] is None:
        raise Problem(
            503,
            "Service unavailable",
            "The plan service did not answer; try again shortly.",
            headers={"Retry-After": "5"},
        )
    plans: list[dict[str, Any]] = [p for p in parts["plans"] if p["status"] != "closed"]
    responsible = any(p["responsible_unit"] == caller.unit for p in plans) and caller.unit_kind == "authority"
    degraded = [name for name in ("meetings", "consents") if parts[name] is None]
    withheld: list[dict[str, str]] = []

    if is_citizen or responsible:
        permitted: set[str] | None = None  # everything
    else:
        if decision is None:
            raise Problem(
                503,
                "Service unavailable",
                "Consent could not be checked, so nothing beyond your own unit's data is shown.",
                kind="consent-unavailable",
                headers={"Retry-After": "5"},
            )
        if decision["relation"] == "none":
            raise Problem(404, "Not found", "No citizen with that id.")
        if not decision["permit"]:
            raise Problem(
                403,
                "Consent missing",
                "The citizen has not consented to your unit seeing the plan.",
                kind="consent-missing",
            )
        permitted = set(decision["categories"])

    view_plans = []
    for plan in plans:
        goals = []
        for goal in plan.get("goals", []):
            if permitted is None or goal.get("category", "general") in permitted:
                goals.append(goal)
            else:
                withheld.append(
                    {
                        "section": f"plans.{plan['plan_id']}.goals.{goal['goal_id']}",
                        "category": goal.get("category", "general"),
                        "reason": "no_consent_for_category",
                    }
                )
        view_plans.append({**plan, "goals": goals})

    meetings = parts["meetings"] or []
    if permitted is not None and "general" not in permitted:
        withheld.append({"section": "meetings", "category": "general", "reason": "no_consent_for_category"})
        meetings = []
    consents = parts["consents"] or []
    if permitted is not None:
        consents = [c for c in consents if c.get("grantee_unit") == caller.unit]

    return {
        "citizen": parts["citizen"],
        "plans": view_plans,
        "meetings": meetings,
        "consent_summary": [
            {
                k: c.get(k)
                for k in (
                    "consent_id",
                    "grantee_unit",
                    "categories",
                    "purposes",
                    "status",
                    "valid_from",
                    "valid_until",
                )
            }
            for c in consents
        ],
        "withheld": withheld,
        "degraded": degraded,
        # For the gateway's disclosure record (removed before the response): the permit the view was built on.
        "_decision": decision if permitted is not None else None,
    }

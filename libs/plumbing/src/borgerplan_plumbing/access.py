"""The facts access is decided from, fetched from their owners once per request, and the one way a disclosure is
recorded. ``borgerplan_rules.access`` decides; this only asks and writes, through the one internal client.

- the plan service owns the plans: ``GET /citizens/{id}/plan-refs`` (no answer raises ``UnavailableError``: nothing
  can be decided without them);
- the consent service owns the consents: ``GET /citizens/{id}/consent-refs``, and one unit's over many citizens with
  ``POST /units/{unit}/consent-refs``; no answer is ``None`` (fail closed: ``access`` then permits nothing beyond the
  responsible unit's own data);
- the consent service owns the disclosure log: ``record_disclosure`` is the only writer (``POST /disclosures``).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence

from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.internal import InternalClient, UnavailableError, path
from borgerplan_rules.access import CitizenFacts, ConsentFacts, Disclosure, PlanFacts

Timings = dict[str, float]


async def plan_refs(client: InternalClient, caller: Caller, citizen_id: str) -> tuple[PlanFacts, ...]:
    """The citizen's plans as the plan service has them now; ``UnavailableError`` when it does not answer."""
    response = await client.get("plan", path("/citizens/{}/plan-refs", citizen_id), caller)
    if response.status_code != 200:
        raise UnavailableError("plan")
    return tuple(PlanFacts.of(ref) for ref in response.json())


async def consent_refs(
    client: InternalClient, caller: Caller, citizen_id: str, timings: Timings | None = None
) -> tuple[ConsentFacts, ...] | None:
    """Every consent of the citizen, in any state (a party to one is related even when it covers nothing now);
    ``None`` when the consent service does not answer."""
    try:
        response = await client.get("consent", path("/citizens/{}/consent-refs", citizen_id), caller)
    except UnavailableError:
        return None
    if timings is not None:
        timings["consent"] = response.elapsed_ms
    if response.status_code != 200:
        return None
    return tuple(ConsentFacts.of(ref) for ref in response.json())


async def citizen_facts(
    client: InternalClient, caller: Caller, citizen_id: str, *, consents: bool = True
) -> CitizenFacts:
    """The citizen's plans and (with ``consents``) consents, asked side by side.

    Without ``consents`` the consents are not known (``None``): enough for what the plans alone decide (a change
    is decided by the parties of what it changes; the responsible unit needs no consent).
    """
    if not consents:
        return CitizenFacts(citizen_id, await plan_refs(client, caller, citizen_id), None)
    plans, found = await asyncio.gather(
        plan_refs(client, caller, citizen_id), consent_refs(client, caller, citizen_id)
    )
    return CitizenFacts(citizen_id, plans, found)


async def with_consents(client: InternalClient, caller: Caller, facts: CitizenFacts) -> CitizenFacts:
    """The same facts with the citizen's consents, when the plans alone did not decide."""
    if facts.consents is not None:
        return facts
    return dataclasses.replace(facts, consents=await consent_refs(client, caller, facts.citizen_id))


async def unit_consent_refs(
    client: InternalClient, caller: Caller, unit: str, citizen_ids: Sequence[str]
) -> dict[str, tuple[ConsentFacts, ...]] | None:
    """The consents ``unit`` received, by citizen, among ``citizen_ids`` (one indexed query, whatever their
    number up to 1,000); ``None`` when the consent service does not answer."""
    ids = list(dict.fromkeys(citizen_ids))
    if not ids:
        return {}
    try:
        response = await client.post(
            "consent", path("/units/{}/consent-refs", unit), caller, json={"citizen_ids": ids}
        )
    except UnavailableError:
        return None
    if response.status_code != 200:
        return None
    found: dict[str, list[ConsentFacts]] = {citizen_id: [] for citizen_id in ids}
    for ref in response.json():
        consent = ConsentFacts.of(ref)
        found.setdefault(consent.citizen_id, []).append(consent)
    return {citizen_id: tuple(consents) for citizen_id, consents in found.items()}


class DisclosureNotRecordedError(UnavailableError):
    """The consent service did not store the disclosure: the data must not leave (a 503 at the gateway)."""

    def __init__(self) -> None:
        super().__init__("consent")


async def record_disclosure(client: InternalClient, caller: Caller, disclosure: Disclosure) -> str:
    """Record that data leaves for another unit on its consent; the disclosure's id. Raises
    ``DisclosureNotRecordedError`` when it is not stored: then nothing may be sent."""
    body = {
        "citizen_id": disclosure.citizen_id,
        "unit": disclosure.unit,
        "purpose": disclosure.purpose,
        "categories": list(disclosure.categories),
        "consent_ids": list(disclosure.consent_ids),
        "what": disclosure.what,
        "reference": disclosure.reference,
    }
    try:
        response = await client.post("consent", "/disclosures", caller, json=body)
    except UnavailableError as exc:
        raise DisclosureNotRecordedError() from exc
    if response.status_code != 201:
        raise DisclosureNotRecordedError()
    return str(response.json()["disclosure_id"])

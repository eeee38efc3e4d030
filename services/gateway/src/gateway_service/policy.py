"""Who may do what: the gateway's one policy, pure (docs/authorization.md).

``decide(action, caller, facts)`` answers from the caller's token (roles, unit kind) and the facts about the
resource the gateway read from its owning service (``Facts``): the caller's unit's relation to the citizen, as the one
answer (``borgerplan_rules.access``) gives it, and for a consent or a meeting the caller's part in it. It is the
table of actions; what a unit may see is the one answer's: ``allow_with_consent`` says the gateway shows what
``Access`` permits (the citizen's consents, read live from the consent service).

Refusals are ``not_found`` (404) when the caller has no relation to the citizen, since the existence of a plan is
itself sensitive, and ``forbidden`` (403) when a related caller asks for more than its part.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from borgerplan_plumbing.auth import Caller
from borgerplan_rules.access import Relation

Action = Literal[
    # without a citizen yet
    "register_citizen",
    "lookup_by_cpr",
    "create_plan",
    "grant_consent",
    "read_vocabulary",
    "outreach_deadlines",
    "read_worklist",
    "own_notification_preference",
    "open_course",
    "read_outreach_board",
    # an outreach course (decision 0056)
    "read_course",
    "change_course",
    # a citizen
    "read_citizen",
    # a citizen's plan
    "read_plan",
    "read_history",
    "change_plan",
    "record_progress",
    "write_own",
    "decide_request",
    # a citizen's meetings
    "schedule_meeting",
    "read_meeting",
    "manage_meeting",
    "take_part",
    "complete_task",
    # a citizen's consents and records
    "read_consent",
    "change_consent",
    "revoke_consent",
    "list_consents",
    "preview_consent",
    "list_disclosures",
    "read_access_log",
    # how the citizen is told (decision 0023): theirs alone
    "read_notification_preference",
    "set_notification_preference",
    "read_notifications",
]
Verdict = Literal["allow", "allow_with_consent", "forbidden", "not_found"]
# Reads, whose answer may rest on the citizen's consents (a unit named by one is related; what it sees is what they
# cover): their facts include the consents. A change is decided by the parties of what it changes, which the plans
# and the resource itself say, so its guard never waits on the consent service.
ASKS_CONSENT: frozenset[Action] = frozenset(
    {"read_citizen", "read_plan", "read_meeting", "list_consents", "preview_consent"}
)

STAFF = ("caseworker", "contact_person", "case_system", "admin")
# Roles that handle a citizen's case (the case system reads; it does not change plans, meetings or consents).
HANDLING = ("caseworker", "contact_person", "admin")
# Actions that need no citizen: the caller's token alone decides.
WITHOUT_CITIZEN: frozenset[Action] = frozenset(
    {
        "register_citizen",
        "lookup_by_cpr",
        "create_plan",
        "grant_consent",
        "read_vocabulary",
        "outreach_deadlines",
        "read_worklist",
        "own_notification_preference",
        "open_course",
        "read_outreach_board",
    }
)
# What the citizen may do about their own plan: read all of it, write their own parts of it (decision 0061: their
# words, their score, a comment, a request for a change), take part in meetings, withdraw a consent.
CITIZEN_MAY: frozenset[Action] = frozenset(
    {
        "write_own",
        "read_citizen",
        "read_plan",
        "read_history",
        "read_meeting",
        "take_part",
        "read_consent",
        "revoke_consent",
        "list_consents",
        "preview_consent",
        "list_disclosures",
        "read_access_log",
        "read_vocabulary",
        "read_notification_preference",
        "set_notification_preference",
        "read_notifications",
    }
)
# The citizen's own choice of channel, their contact details and what was sent to them: nobody else reads or sets
# them, not even the responsible caseworker (decision 0023); a related caller learns that (403), a stranger nothing.
CITIZEN_ONLY: frozenset[Action] = frozenset(
    {"read_notification_preference", "set_notification_preference", "read_notifications"}
)


@dataclass(frozen=True)
class Facts:
    """What the gateway learnt about the caller and the resource before deciding."""

    relation: Relation = "none"
    consent_party: bool = False  # the caller's unit received or registered the consent in question
    manages_meeting: bool = False  # the meeting's coordinating unit, or the responsible unit
    meeting_participant: bool = False  # the caller's unit is invited to the meeting
    course_team: bool = False  # the outreach team holding the course
    course_receiving: bool = False  # a unit that took the course over at its transition


NO_CITIZEN = Facts()


def decide(action: Action, caller: Caller, facts: Facts = NO_CITIZEN) -> Verdict:
    if caller.has_role("citizen"):
        return _citizen(action, facts)
    if action in WITHOUT_CITIZEN:
        return _by_token(action, caller)
    if not caller.has_role(*STAFF):  # type: ignore[arg-type]
        return "forbidden"
    handles = caller.has_role(*HANDLING)  # type: ignore[arg-type]
    relation = facts.relation
    related = relation in ("responsible", "actor")
    if action == "read_citizen":
        # Who the citizen is: the units around them, and authority caseworkers, who may look the citizen up by CPR
        # anyway (a registering caseworker has no plan yet); always audited.
        lookup = caller.unit_kind == "authority" and caller.has_role("caseworker", "admin")
        return "allow" if related or lookup else "not_found"
    if action == "read_plan":
        return "allow" if relation == "responsible" else "allow_with_consent" if related else "not_found"
    if action == "read_history":
        return "allow" if relation == "responsible" else "forbidden" if related else "not_found"
    if action == "write_own":
        # The citizen's own parts are written by the citizen alone; staff record theirs with the staff routes.
        return _related(related, False)
    if action in ("change_plan", "preview_consent", "decide_request"):
        return _related(related, handles and relation == "responsible")
    if action in ("record_progress", "schedule_meeting"):
        return _related(related, handles)
    if action == "read_meeting":
        if facts.manages_meeting:
            return "allow"
        return "allow_with_consent" if facts.meeting_participant or related else "not_found"
    if action == "manage_meeting":
        return _related(related or facts.meeting_participant, handles and facts.manages_meeting)
    if action in ("take_part", "complete_task"):
        part = facts.manages_meeting or facts.meeting_participant
        return _related(related or part, part and (handles or action == "take_part"))
    if action in ("read_consent", "change_consent", "revoke_consent"):
        return _related(facts.consent_party or relation == "responsible", handles)
    if action == "list_consents":
        if caller.has_role("admin") or (handles and relation == "responsible"):
            return "allow"
        if not (related or facts.consent_party):
            return "not_found"
        return "allow_with_consent" if handles else "forbidden"  # its own consents only
    if action == "read_course":
        return "allow" if facts.course_team or facts.course_receiving else "not_found"
    if action == "change_course":
        return _related(facts.course_team or facts.course_receiving, handles and facts.course_team)
    if action == "list_disclosures":
        return "allow" if caller.has_role("admin") else "not_found"
    if action == "read_access_log":
        return "allow" if caller.has_role("admin") else "forbidden"
    if action in CITIZEN_ONLY:
        return _related(related, False)
    return "forbidden"


def _related(related: bool, allowed: bool) -> Verdict:
    """A caller with no relation learns nothing (404); a related one asking for more than its part gets 403."""
    if not related:
        return "not_found"
    return "allow" if allowed else "forbidden"


def _citizen(action: Action, facts: Facts) -> Verdict:
    if action in WITHOUT_CITIZEN:
        return "allow" if action == "read_vocabulary" else "forbidden"
    if facts.relation != "self":
        return "not_found"
    return "allow" if action in CITIZEN_MAY else "forbidden"


def _by_token(action: Action, caller: Caller) -> Verdict:
    authority = caller.unit_kind == "authority"
    if action in ("register_citizen", "lookup_by_cpr", "create_plan", "open_course"):
        return "allow" if authority and caller.has_role("caseworker", "admin") else "forbidden"
    if action in ("grant_consent", "outreach_deadlines", "read_outreach_board"):
        return "allow" if caller.has_role(*HANDLING) else "forbidden"  # type: ignore[arg-type]
    if action == "own_notification_preference":
        # A person's own, for the address their sign-in carries (notify keys it by the token's, decision 0023): the
        # people who handle cases; a case system is told nothing, and the citizen has their own.
        return "allow" if caller.has_role(*HANDLING) else "forbidden"  # type: ignore[arg-type]
    if action in ("read_vocabulary", "read_worklist"):
        return "allow" if caller.has_role(*STAFF) else "forbidden"  # type: ignore[arg-type]
    return "forbidden"

"""The plan's forms: how a resource fills a form, how a form becomes the API's body, and which of the API's field
names belong to which form field. Pure functions; the pages in ``pages/plan.py`` call the API with them.

Each ``*_values`` function gives the form's values from what the API returned; the same function gives the
"base" a form remembers (hidden field) and the values after someone else's change, so a stale edit (412) can show
exactly which fields changed.
"""

from __future__ import annotations

import json
from typing import Any

from borgerplan_rules.access import PROFESSIONAL_KINDS
from borgerplan_rules.workdays import today
from web_service import wording as W
from web_service.forms import Form, iso

AGREEMENT_FIELDS = ("who", "what", "when", "how")
SCALES = {"1-10": (1, 10), "0-4": (0, 4), "words": None}
CHANGEABLE_STATUS = {k: v for k, v in W.GOAL_STATUS.items() if k != "baseline"}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def encode_base(values: dict[str, Any]) -> str:
    return json.dumps(values, ensure_ascii=False, sort_keys=True)


def decode_base(text: str) -> dict[str, Any]:
    try:
        loaded = json.loads(text) if text else {}
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def changed_fields(
    base: dict[str, Any], current: dict[str, Any], labels: dict[str, str]
) -> list[dict[str, str]]:
    """The fields whose value changed between what the person saw (base) and what is stored now."""
    rows = []
    for name in sorted(set(base) | set(current)):
        before, after = base.get(name, ""), current.get(name, "")
        if before != after and name in labels:
            rows.append({"field": name, "label": labels[name], "was": _show(before), "now": _show(after)})
    return rows


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "–"
    return str(value) if value not in (None, "") else "–"


# --- creating a plan and its overview -----------------------------------------------------------------------------

OVERVIEW_LABELS = {
    "purpose": W.PURPOSE,
    "occupied_with": W.OCCUPIED_WITH,
    **{f"own_{k}": v for k, v in W.OWN_WORDS_FIELDS.items()},
    "employment": W.EMPLOYMENT,
    "notes": W.NOTES,
    "legal_bases": W.LEGAL_BASES,
    "legal_bases_other": W.LEGAL_BASES_OTHER,
    "valid_from": W.VALID_FROM,
    "valid_to": W.VALID_TO,
    "follow_up_period": W.FOLLOW_UP_PERIOD,
}
OVERVIEW_API_FIELDS = {
    "overview.purpose": "purpose",
    "overview.occupied_with": "occupied_with",
    **{f"overview.own_words.{k}": f"own_{k}" for k in W.OWN_WORDS_FIELDS},
    "overview.employment": "employment",
    "overview.notes": "notes",
    "legal_bases": "legal_bases_other",
    "valid_from": "valid_from",
    "valid_to": "valid_to",
    "follow_up_period": "follow_up_period",
    "kind": "kind",
    "responsible_unit": "responsible_unit",
    "citizen_id": "kind",
}


def overview_values(plan: dict[str, Any], listed: set[str]) -> dict[str, Any]:
    overview = plan.get("overview") or {}
    own = overview.get("own_words") or {}
    bases = list(plan.get("legal_bases") or [])
    return {
        "purpose": _text(overview.get("purpose")),
        "occupied_with": _text(overview.get("occupied_with")),
        **{f"own_{k}": _text(own.get(k)) for k in W.OWN_WORDS_FIELDS},
        "employment": _text(overview.get("employment")),
        "notes": _text(overview.get("notes")),
        "legal_bases": [b for b in bases if b in listed],
        "legal_bases_other": "\n".join(b for b in bases if b not in listed),
        "valid_from": _text(plan.get("valid_from")),
        "valid_to": _text(plan.get("valid_to")),
        "follow_up_period": _text(plan.get("follow_up_period")),
    }


def words_body(form: Form) -> dict[str, Any]:
    """The overview and the citizen's own words (the meeting mode's «purpose» part changes only these)."""
    own = {k: form.text(f"own_{k}", max_length=2000) for k in W.OWN_WORDS_FIELDS}
    return {
        "overview": {
            "purpose": form.text("purpose", max_length=2000),
            "occupied_with": form.text("occupied_with", max_length=2000),
            "own_words": own,
            "employment": form.text("employment", max_length=2000),
            "notes": form.text("notes", max_length=4000),
        }
    }


def details_body(form: Form, listed: dict[str, str]) -> dict[str, Any]:
    """The plan's details: legal bases, validity, follow-up (the meeting mode's «plan details» part)."""
    valid_from = form.date("valid_from")
    valid_to = form.date("valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        form.add_error("valid_to", W.E_VALID_TO_BEFORE_FROM)
    bases = form.choices("legal_bases", listed) + form.lines("legal_bases_other", max_length=60)
    return {
        "legal_bases": list(dict.fromkeys(bases)),
        "valid_from": iso(valid_from),
        "valid_to": iso(valid_to),
        "follow_up_period": form.text("follow_up_period", max_length=200),
    }


def overview_body(form: Form, listed: dict[str, str]) -> dict[str, Any]:
    return {**words_body(form), **details_body(form, listed)}


def plan_create_body(form: Form, citizen_id: str, listed: dict[str, str]) -> dict[str, Any]:
    kind = form.choice("kind", W.PLAN_KINDS, required=True)
    unit = form.text("responsible_unit", required=True, max_length=200)
    body = overview_body(form, listed)
    overview = {k: v for k, v in body["overview"].items() if v}
    overview["own_words"] = {k: v for k, v in body["overview"]["own_words"].items() if v}
    return {
        "citizen_id": citizen_id,
        "kind": kind,
        "status": "active",
        "responsible_unit": unit,
        "legal_bases": body["legal_bases"],
        "valid_from": body["valid_from"],
        "valid_to": body["valid_to"],
        "follow_up_period": body["follow_up_period"],
        "overview": overview,
    }


# --- goals --------------------------------------------------------------------------------------------------------

GOAL_LABELS = {
    "title": W.GOAL_TITLE,
    "description": W.GOAL_DESCRIPTION,
    "category": W.GOAL_CATEGORY,
    "sof_theme": W.SOF_THEME,
    "vum_theme": W.VUM_THEME,
    "sub_goals": W.SUB_GOALS,
    "agreements": W.AGREEMENTS,
}


def goal_values(goal: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": _text(goal.get("title")),
        "description": _text(goal.get("description")),
        "category": _text(goal.get("category") or "general"),
        "sof_theme": _text(goal.get("sof_theme")),
        "vum_theme": _text(goal.get("vum_theme")),
        "sub_goals": "\n".join(
            f"{'[x] ' if s.get('achieved') else ''}{s.get('title', '')}" for s in goal.get("sub_goals") or []
        ),
    }
    agreements = goal.get("agreements") or []
    for i, agreement in enumerate(agreements):
        for part in AGREEMENT_FIELDS:
            values[f"agreement-{i}-{part}"] = _text(agreement.get(part))
    values["agreements"] = " | ".join(
        " – ".join(_text(a.get(p)) for p in AGREEMENT_FIELDS if a.get(p)) for a in agreements
    )
    values["agreement_rows"] = str(len(agreements))
    return values


def agreement_rows(form: Form) -> int:
    """How many agreement rows the form has (the stored ones plus one empty row to add another)."""
    count = 0
    for key in form.values:
        if key.startswith("agreement-") and key.count("-") == 2:
            count = max(count, int(key.split("-")[1]) + 1) if key.split("-")[1].isdigit() else count
    return count


def goal_body(form: Form) -> dict[str, Any]:
    title = form.text("title", required=True, max_length=300)
    sub_goals = []
    for line in form.lines("sub_goals", max_length=504):
        achieved = line.lower().startswith("[x]")
        text = line[3:].strip() if achieved else line
        if text:
            sub_goals.append({"title": text[:500], "achieved": achieved})
    if len(sub_goals) > 10:
        form.add_error("sub_goals", W.E_TOO_MANY.format(n=10))
    agreements = []
    for i in range(agreement_rows(form)):
        parts = {p: form.get(f"agreement-{i}-{p}").strip() for p in AGREEMENT_FIELDS}
        if not any(parts.values()):
            continue
        for part in ("who", "what"):
            if not parts[part]:
                form.add_error(f"agreement-{i}-{part}", W.E_REQUIRED)
        agreements.append({p: (v or None) for p, v in parts.items()})
    return {
        "title": title,
        "description": form.text("description", max_length=4000),
        "category": form.choice("category", W.CATEGORIES, required=True) or "general",
        "sof_theme": form.choice("sof_theme", W.SOF_THEMES),
        "vum_theme": form.choice("vum_theme", W.VUM_THEMES),
        "sub_goals": sub_goals,
        "agreements": agreements,
    }


def goal_api_fields(form: Form) -> dict[str, str]:
    fields = {k: k for k in ("title", "description", "category", "sof_theme", "vum_theme", "sub_goals")}
    for i in range(max(agreement_rows(form), 1)):
        fields[f"agreements.{i}"] = f"agreement-{i}-what"
        for part in AGREEMENT_FIELDS:
            fields[f"agreements.{i}.{part}"] = f"agreement-{i}-{part}"
    fields["agreements"] = "agreement-0-what"
    return fields


# --- scores, status, follow-ups -----------------------------------------------------------------------------------

SCORE_LABELS = {
    "scale": W.SCORE_SCALE,
    "now": W.SCORE_NOW,
    "expected": W.SCORE_EXPECTED,
    "citizen_score": W.SCORE_CITIZEN,
}
SCORE_API_FIELDS = {
    "score.scale": "scale",
    "score.now": "now",
    "score.expected": "expected",
    "score.citizen_score": "citizen_score",
    "score.citizen_disagrees": "citizen_disagrees",
    "score.citizen_view": "citizen_view",
    "score.now_words": "now_words",
    "score.expected_words": "expected_words",
    "score": "now",
}


def score_values(goal: dict[str, Any]) -> dict[str, Any]:
    """A new score starts from the last one's scale and expected score."""
    scores = goal.get("scores") or []
    last = scores[-1] if scores else {}
    return {
        "scale": _text(last.get("scale") or "1-10"),
        "now": "",
        "expected": _text(last.get("expected")),
        "citizen_score": "",
        "expected_words": _text(last.get("expected_words")),
        "count": str(len(scores)),
    }


def score_body(form: Form) -> dict[str, Any]:
    """The score as the API takes it; the citizen's own score and words count only when they disagree (the
    professional score is recorded and the disagreement noted), and the form says so next to the field."""
    scale = form.choice("scale", SCALES, required=True) or "1-10"
    disagrees = form.checked("citizen_disagrees")
    view = form.text("citizen_view", max_length=500)
    body: dict[str, Any] = {"scale": scale, "citizen_disagrees": disagrees, "citizen_view": view}
    bounds = SCALES.get(scale)
    if bounds is None:
        body["now_words"] = form.text("now_words", required=True, max_length=200)
        body["expected_words"] = form.text("expected_words", max_length=200)
        body["citizen_score"] = None
    else:
        low, high = bounds
        body["now"] = form.integer("now", required=True, low=low, high=high)
        body["expected"] = form.integer("expected", low=low, high=high)
        body["citizen_score"] = form.integer("citizen_score", low=low, high=high)
    own_given = body["citizen_score"] is not None or bool(view) or bool(form.get("citizen_score").strip())
    if own_given and not disagrees:
        form.add_error("citizen_score", W.E_CITIZEN_OWN_ONLY_WHEN_DISAGREES)
    elif disagrees and not own_given:
        form.add_error("citizen_score", W.E_CITIZEN_OWN_MISSING)
    return {"score": body}


def score_given(form: Form) -> bool:
    """A score was given in a form that also holds the goal (the meeting mode): any of its fields filled."""
    named = ("now", "expected", "now_words", "expected_words", "citizen_score", "citizen_view")
    return any(form.get(name).strip() for name in named) or form.checked("citizen_disagrees")


def goal_in_one_place_body(form: Form, goal: dict[str, Any]) -> dict[str, Any]:
    """The goal as the meeting mode edits it, in one place: its content, ladder and agreements; a score when one
    was given today; its status when it changed."""
    body = goal_body(form)
    if score_given(form):
        body.update(score_body(form))
    status = form.choice("status", CHANGEABLE_STATUS) or (
        "in_progress" if goal.get("status") == "in_progress" else None
    )
    step = form.integer("step", low=1, high=3) if status == "in_progress" else None
    if status and (status != goal.get("status") or (step is not None and step != goal.get("step"))):
        body["status"] = status
        if step is not None:
            body["step"] = step
    return body


def goal_in_one_place_api_fields(form: Form) -> dict[str, str]:
    return {**goal_api_fields(form), **SCORE_API_FIELDS, "status": "status", "step": "step", "score": "now"}


STATUS_LABELS = {"status": W.STATUS, "step": W.STATUS}
STATUS_API_FIELDS = {"status": "status", "step": "step"}
FOLLOW_UP_API_FIELDS = {"date": "date", "text": "text"}


def status_values(goal: dict[str, Any]) -> dict[str, Any]:
    return {"status": _text(goal.get("status")), "step": _text(goal.get("step"))}


def status_body(form: Form) -> dict[str, Any]:
    status = form.choice("status", CHANGEABLE_STATUS, required=True)
    step = form.integer("step", low=1, high=3) if status == "in_progress" else None
    return {"status": status, **({"step": step} if step is not None else {})}


def follow_up_body(form: Form) -> dict[str, Any]:
    day = form.date("date", required=True)
    return {"date": iso(day), "text": form.text("text", required=True, max_length=4000)}


# --- consents -----------------------------------------------------------------------------------------------------


def new_consent(**values: Any) -> Form:
    """A new consent's form as it starts: general information, to see the plan, be invited and receive minutes,
    valid from today; ``values`` change that."""
    return Form(
        values={
            "categories": ["general"],
            "purposes": ["view_plan", "meeting_invitation", "receive_minutes"],
            "form_kind": "written",
            "basis": "consent",
            "valid_from": today().isoformat(),
            **values,
        }
    )


# --- actors ---------------------------------------------------------------------------------------------------------

ACTOR_API_FIELDS = {
    "name": "name",
    "role": "role",
    "kind": "kind",
    "network_category": "network_category",
    "unit": "unit",
    "unit_name": "unit_name",
    "email": "email",
    "phone": "phone",
    "anchor": "anchor",
    "meeting_cadence": "meeting_cadence",
    "communication_agreements": "communication_agreements",
    "attention_points": "attention_points",
    "interpreter_language": "interpreter_language",
}


def actor_body(form: Form) -> dict[str, Any]:
    kind = form.choice("kind", W.ACTOR_KINDS, required=True)
    unit = form.text("unit_other", max_length=200) or form.text("unit", max_length=200)
    if kind in PROFESSIONAL_KINDS and not unit:
        form.add_error("unit", W.E_PROFESSIONAL_UNIT)
    body = {
        "name": form.text("name", required=True, max_length=200),
        "role": form.text("role", required=True, max_length=200),
        "kind": kind,
        "network_category": form.choice("network_category", W.NETWORK_CATEGORIES, required=True),
        "unit": unit if kind != "private_network" else None,
        "unit_name": form.text("unit_name", max_length=200),
        "email": form.text("email", max_length=200),
        "phone": form.text("phone", max_length=40),
        "anchor": form.choice("anchor", W.ANCHORS),
        "in_contact": form.checked("in_contact"),
        "meeting_cadence": form.text("meeting_cadence", max_length=200),
        "communication_agreements": form.lines("communication_agreements", max_length=500),
        "attention_points": form.text("attention_points", max_length=2000),
        "interpreter_language": form.text("interpreter_language", max_length=100),
    }
    if body["email"] and "@" not in str(body["email"]):
        form.add_error("email", W.E_EMAIL)
    return {k: v for k, v in body.items() if v not in (None, "", [])} | {"in_contact": body["in_contact"]}

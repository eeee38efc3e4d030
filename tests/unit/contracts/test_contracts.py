from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from borgerplan_contracts import CloudEvent, UnknownEventTypeError, new_event, topics
from borgerplan_contracts.events import ALL_EVENTS, EVENT_TYPES, PlanCreated
from borgerplan_contracts.schemas import DEFAULT_DIR, differences, generate


def test_committed_schemas_match_the_models() -> None:
    assert differences() == [], "run: uv run python -m borgerplan_contracts.schemas"


def test_every_event_has_a_schema_file_named_by_its_type() -> None:
    names = {p.name for p in DEFAULT_DIR.glob("*.json")}
    for model in ALL_EVENTS:
        assert f"{model.event_type()}.json" in names


def test_event_types_follow_the_contract() -> None:
    for event_type, model in EVENT_TYPES.items():
        assert re.fullmatch(
            r"dk\.borgerplan\.(plan|consent|meetings|notify|outreach)\.[a-z_]+\.v[0-9]+", event_type
        )
        assert model.schema_uri().endswith(event_type)


@pytest.mark.parametrize("model", ALL_EVENTS, ids=lambda m: m.event_type())
def test_no_event_carries_cpr_or_free_text_fields(model: type) -> None:
    # Events carry ids, kinds, statuses, dates and professional contact data; never CPR or prose.
    forbidden = {"cpr", "description", "text", "notes", "minutes", "overview", "own_words", "purpose"}
    schema = json.dumps(generate()[f"{model.event_type()}.json"])
    fields = set(re.findall(r'"([a-z_]+)": \{', schema))
    assert not fields & forbidden


def test_envelope_round_trip_and_typed_payload() -> None:
    data = PlanCreated(plan_id="p1", citizen_id="c1", kind="adult", status="active", responsible_unit="u1")
    event = new_event(data, subject="c1", time=datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
    decoded = CloudEvent.from_bytes(event.to_bytes())
    assert decoded == event
    assert decoded.source == "/services/plan"
    assert decoded.type == "dk.borgerplan.plan.plan_created.v1"
    assert decoded.specversion == "1.0"
    assert decoded.parse_data() == data


def test_envelope_rejects_a_type_outside_the_namespace() -> None:
    with pytest.raises(ValidationError):
        CloudEvent(
            id="1",
            source="/services/plan",
            type="com.example.thing",
            subject="c1",
            time=datetime.now(UTC),
            dataschema="x",
            data={},
        )


def test_unknown_event_type_is_reported() -> None:
    event = CloudEvent(
        id="1",
        source="/services/plan",
        type="dk.borgerplan.plan.no_such_thing.v1",
        subject="c1",
        time=datetime.now(UTC),
        dataschema="x",
        data={},
    )
    with pytest.raises(UnknownEventTypeError):
        event.parse_data()


def test_consumers_tolerate_fields_added_by_a_newer_producer() -> None:
    payload = {
        "plan_id": "p1",
        "citizen_id": "c1",
        "kind": "adult",
        "status": "active",
        "responsible_unit": "u1",
        "added_in_v1_5": True,
    }
    assert PlanCreated.model_validate(payload).plan_id == "p1"


def test_topic_names() -> None:
    assert topics.topic_name(topics.PLAN, "t1.") == "t1.borgerplan.plan.v1"
    assert topics.dead_letter_topic("borgerplan.plan.v1", "consent") == "borgerplan.plan.v1.consent.dlt"

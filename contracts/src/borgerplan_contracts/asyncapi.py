"""The AsyncAPI 3.0 document of Borgerplan's topics, committed as ``contracts/asyncapi.json`` and checked in CI.

Built from the same models as the JSON Schemas (``borgerplan_contracts.schemas``): one channel per topic, one
message per event type whose payload is the CloudEvents envelope with that event's ``data``, the Kafka key (the
``citizen_id``), and one send operation per channel (the owning service publishes; case systems subscribe).

``python -m borgerplan_contracts.asyncapi`` writes it; ``--check`` exits 1 when the committed file differs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from borgerplan_contracts import topics
from borgerplan_contracts.envelope import CloudEvent
from borgerplan_contracts.events import ALL_EVENTS, EventData

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "asyncapi.json"
SERVICES = {
    topics.PLAN: ("plan", "Citizens, plans, goals, scores, actors: the plan service's events."),
    topics.CONSENT: ("consent", "Consents granted, narrowed, renewed, revoked and expiring."),
    topics.MEETINGS: ("meetings", "Meetings, agenda items, minutes, tasks and their deadlines."),
    topics.NOTIFY: ("notify", "What happened to each notification: sent or failed."),
    topics.OUTREACH: ("outreach", "Outreach courses: referral, milestones, identification, transition."),
}
DESCRIPTION = """Borgerplan's events, for departments' case systems to subscribe to.

- One topic per owning service; a deployment may put a prefix in front (one namespace per municipality).
- Key: the `citizen_id`, so one citizen's events keep their order. Value: a CloudEvents 1.0 JSON envelope
  (`application/cloudevents+json`); `type` is `dk.borgerplan.<service>.<event-name>.v<N>`, `subject` the citizen.
- Events carry ids, kinds, statuses, dates and professional contact data: never a CPR number, never free text
  about the citizen. Fetch content through the API, where the citizen's consent applies.
- Delivery is at least once: deduplicate on the envelope's `id`. Changes within a major version are additive.
"""


def _name(model: type[EventData]) -> str:
    return "".join(part.capitalize() for part in model.name.split("_"))


def _payload(model: type[EventData], defs: dict[str, Any]) -> dict[str, Any]:
    """The envelope with this event's data schema in ``data`` and its ``type`` fixed."""
    data = model.model_json_schema(ref_template="#/components/schemas/{model}")
    defs.update(data.pop("$defs", {}))
    return {
        "allOf": [
            {"$ref": "#/components/schemas/CloudEvent"},
            {
                "type": "object",
                "properties": {
                    "type": {"const": model.event_type()},
                    "source": {"const": f"/services/{model.service}"},
                    "dataschema": {"const": model.schema_uri()},
                    "data": data,
                },
                "required": ["type", "data"],
            },
        ]
    }


def generate() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    envelope = CloudEvent.model_json_schema(ref_template="#/components/schemas/{model}")
    defs.update(envelope.pop("$defs", {}))
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic, (service, about) in SERVICES.items():
        events = [m for m in ALL_EVENTS if m.service == service]
        channel_messages = {}
        for model in events:
            name = _name(model)
            messages[name] = {
                "name": model.event_type(),
                "title": model.name.replace("_", " "),
                "summary": (model.__doc__ or model.name).strip().splitlines()[0],
                "contentType": CloudEvent.content_type,
                "payload": _payload(model, defs),
                "bindings": {
                    "kafka": {
                        "key": {"type": "string", "description": "the citizen_id (the envelope's subject)"},
                        "bindingVersion": "0.5.0",
                    }
                },
            }
            channel_messages[name] = {"$ref": f"#/components/messages/{name}"}
        channel_id = service
        channels[channel_id] = {
            "address": topic,
            "title": topic,
            "description": about,
            "messages": channel_messages,
            "bindings": {"kafka": {"topic": topic, "bindingVersion": "0.5.0"}},
        }
        operations[f"publish_{service}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": f"The {service} service publishes its events (case systems subscribe with their own group)",
            "messages": [{"$ref": f"#/channels/{channel_id}/messages/{name}"} for name in channel_messages],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Borgerplan events", "version": "1.0.0", "description": DESCRIPTION},
        "defaultContentType": CloudEvent.content_type,
        "servers": {
            "local": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "the local development broker",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": {"CloudEvent": envelope, **defs}, "messages": messages},
    }


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render(generate())
    if "--check" in args:
        if not DEFAULT_FILE.exists() or DEFAULT_FILE.read_text() != text:
            print("out of date: contracts/asyncapi.json (run: make contracts)")
            return 1
        return 0
    DEFAULT_FILE.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

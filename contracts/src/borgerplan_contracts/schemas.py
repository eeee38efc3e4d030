"""Generate the JSON Schemas of the envelope and every event into ``contracts/schemas/``.

``python -m borgerplan_contracts.schemas`` writes them; ``--check`` exits 1 when the committed files
differ from what the models generate (CI runs the same comparison as a test).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from borgerplan_contracts.envelope import CloudEvent
from borgerplan_contracts.events import ALL_EVENTS

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "schemas"


def generate() -> dict[str, dict[str, Any]]:
    """File name → schema, for the envelope and each event type."""
    out: dict[str, dict[str, Any]] = {}
    envelope = CloudEvent.model_json_schema()
    envelope["$id"] = "urn:borgerplan:schema:cloudevent"
    out["cloudevent.json"] = envelope
    for model in ALL_EVENTS:
        schema = model.model_json_schema()
        schema["$id"] = model.schema_uri()
        schema["x-event-type"] = model.event_type()
        out[f"{model.event_type()}.json"] = schema
    return out


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def differences(directory: Path = DEFAULT_DIR) -> list[str]:
    """Names of schema files that are missing, stale or no longer generated."""
    wanted = {name: render(schema) for name, schema in generate().items()}
    present = {p.name for p in directory.glob("*.json")} if directory.exists() else set()
    diff = [n for n, text in wanted.items() if n not in present or (directory / n).read_text() != text]
    diff += sorted(present - wanted.keys())
    return sorted(diff)


def write(directory: Path = DEFAULT_DIR) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    wanted = generate()
    for stale in set(p.name for p in directory.glob("*.json")) - wanted.keys():
        (directory / stale).unlink()
    for name, schema in wanted.items():
        (directory / name).write_text(render(schema))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "--check" in args:
        diff = differences()
        for name in diff:
            print(f"out of date: {name}")
        return 1 if diff else 0
    write()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

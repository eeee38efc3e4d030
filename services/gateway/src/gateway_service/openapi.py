"""The public contract: the gateway's OpenAPI, committed as ``contracts/openapi.json`` and checked in CI.

``python -m gateway_service.openapi`` writes it; ``--check`` exits 1 when the code and the committed file differ.
Only the public operations (``/api/v1``) are in it; problems are ``application/problem+json`` with one model.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

CONTRACT = Path(__file__).resolve().parents[4] / "contracts" / "openapi.json"
PROBLEM = "application/problem+json"
DESCRIPTION = """The public API of Borgerplan: one shared plan for the citizen, made at the network meeting, seen by
each party as far as the citizen has consented.

- JSON in and out, `snake_case`, times RFC 3339 with offset, dates `YYYY-MM-DD`, ids UUIDs.
- Errors are RFC 9457 problem details (`application/problem+json`); a 422 names the fields in `errors`.
- `Authorization: Bearer <JWT>` (claims `sub`, `name`, `unit`, `unit_kind`, `roles`, `citizen_id` for citizens).
- Plans, meetings and consents answer with an `ETag`; changes take `If-Match` (412 when stale, 428 when missing).
- A POST with `Idempotency-Key` returns the first answer when retried.
- Lists take `limit` and `cursor`; the next page is in `Link: <…>; rel="next"`.
- Beyond its capacity the API answers 503 with `Retry-After` at once; retry then.
"""


def install(app: FastAPI) -> None:
    """Serve the finished document at /openapi.json (and /docs)."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]


def build(app: FastAPI) -> dict[str, Any]:
    doc = get_openapi(
        title="Borgerplan API",
        version="1.0.0",
        openapi_version="3.1.0",
        description=DESCRIPTION,
        routes=app.routes,
        servers=[{"url": "http://localhost:8000", "description": "the local development stack"}],
    )
    # The process's own probes and metrics (outside /api/v1) are for the orchestrator, not the contract.
    doc["paths"] = {p: ops for p, ops in doc["paths"].items() if p.startswith("/api/v1/")}
    for operations in doc["paths"].values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            for status, response in responses.items():
                content = response.get("content", {})
                if status.isdigit() and int(status) >= 400 and "application/json" in content:
                    content[PROBLEM] = content.pop("application/json")
            operation.setdefault("security", [{"HTTPBearer": []}])
            _optional_body(operation)
    schemas = doc.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        if unused in schemas and unused not in json.dumps(doc["paths"]):
            del schemas[unused]
    return doc


def _optional_body(operation: dict[str, Any]) -> None:
    """An optional body is documented as "may be left out" (``required: false``), not as "may be null": clients
    generated from the contract then send nothing, rather than a JSON null, when the caller gives none."""
    body = operation.get("requestBody")
    if not body or body.get("required"):
        return
    schema = body["content"]["application/json"]["schema"]
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if len(options) == 1 and len(schema["anyOf"]) == 2:
        extra = {k: v for k, v in schema.items() if k != "anyOf"}
        body["content"]["application/json"]["schema"] = {**options[0], **extra}


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def current() -> str:
    from borgerplan_plumbing.settings import Settings
    from gateway_service.bootstrap import build as build_gateway

    runtime = build_gateway(Settings(environment="test", service_name="gateway"))
    return render(runtime.app.openapi())


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = current()
    if "--check" in args:
        if not CONTRACT.exists() or CONTRACT.read_text() != text:
            print(f"out of date: {CONTRACT.relative_to(CONTRACT.parents[1])} (run: make contracts)")
            return 1
        return 0
    CONTRACT.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

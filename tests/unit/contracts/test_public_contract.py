"""The committed public contract: the gateway's OpenAPI (contracts/openapi.json) and the topics' AsyncAPI
(contracts/asyncapi.json) are what the code generates, and the OpenAPI is complete enough to generate a client from."""

from __future__ import annotations

import json
from typing import Any

import pytest

from borgerplan_contracts import asyncapi, topics
from borgerplan_contracts.events import ALL_EVENTS
from gateway_service import openapi

DOC: dict[str, Any] = json.loads(openapi.CONTRACT.read_text())
OPERATIONS = [
    (method.upper(), path, operation)
    for path, operations in DOC["paths"].items()
    for method, operation in operations.items()
]
API = [op for op in OPERATIONS if not op[1].endswith(("/healthz", "/readyz"))]
PROBLEM_REF = "#/components/schemas/ProblemDetails"


def test_the_committed_openapi_is_what_the_gateway_serves() -> None:
    assert openapi.CONTRACT.read_text() == openapi.current(), "run: make contracts"


def test_the_committed_asyncapi_is_what_the_models_generate() -> None:
    assert asyncapi.DEFAULT_FILE.read_text() == asyncapi.render(asyncapi.generate()), "run: make contracts"


def _ids(ops: list[tuple[str, str, dict[str, Any]]]) -> list[str]:
    return [f"{m} {p}" for m, p, _ in ops]


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [o for o in API if o[0] in ("POST", "PUT", "PATCH")],
    ids=_ids([o for o in API if o[0] in ("POST", "PUT", "PATCH")]),
)
def test_every_write_documents_its_request_body(method: str, path: str, operation: dict[str, Any]) -> None:
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema.get("$ref") or schema.get("anyOf") or schema.get("type"), schema


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=_ids(OPERATIONS))
def test_every_operation_documents_its_answer(method: str, path: str, operation: dict[str, Any]) -> None:
    success = [s for s in operation["responses"] if s.startswith("2")]
    assert success, "no 2xx response"
    for status in success:
        content = operation["responses"][status]["content"]
        assert any(body.get("schema") for body in content.values()), f"{status} has no schema"
    assert operation["operationId"] and operation["tags"] and operation["summary"]


@pytest.mark.parametrize(("method", "path", "operation"), API, ids=_ids(API))
def test_every_operation_documents_its_problems(method: str, path: str, operation: dict[str, Any]) -> None:
    wanted = {"401", "403", "404", "422", "429", "503"}
    if "requestBody" in operation:
        wanted |= {"400", "413"}
    if method != "GET":
        wanted.add("409")
    if any(
        p["name"] == "If-Match" and "not needed" not in p.get("description", "")
        for p in operation.get("parameters", [])
    ):
        wanted |= {"412", "428"}
    responses = operation["responses"]
    assert wanted <= set(responses), f"missing {sorted(wanted - set(responses))}"
    for status in wanted:
        content = responses[status]["content"]
        assert list(content) == ["application/problem+json"], status
        assert content["application/problem+json"]["schema"]["$ref"] == PROBLEM_REF
    assert operation["security"] == [{"HTTPBearer": []}]


def test_the_contract_names_its_security_and_has_examples() -> None:
    schemes = DOC["components"]["securitySchemes"]
    assert schemes["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": schemes["HTTPBearer"]["description"],
    }
    ids = [op["operationId"] for _, _, op in OPERATIONS]
    assert len(ids) == len(set(ids)), "operation ids are unique"
    for method, path in (
        ("post", "/api/v1/plans"),
        ("post", "/api/v1/consents"),
        ("post", "/api/v1/meetings"),
    ):
        examples = DOC["paths"][path][method]["requestBody"]["content"]["application/json"]["examples"]
        assert examples, f"{method} {path} has no example"
    problem = DOC["components"]["schemas"]["ProblemDetails"]
    assert {"type", "title", "status", "detail"} <= set(problem["required"])


def test_every_path_id_is_a_uuid() -> None:
    for path, operations in DOC["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    assert parameter["schema"]["format"] == "uuid", (path, parameter["name"])


def test_the_asyncapi_has_every_topic_and_event() -> None:
    doc = json.loads(asyncapi.DEFAULT_FILE.read_text())
    assert doc["asyncapi"] == "3.0.0"
    assert sorted(c["address"] for c in doc["channels"].values()) == sorted(topics.ALL)
    names = {m["name"] for m in doc["components"]["messages"].values()}
    assert names == {model.event_type() for model in ALL_EVENTS}
    for channel in doc["channels"].values():
        assert channel["messages"]
    for message in doc["components"]["messages"].values():
        assert message["bindings"]["kafka"]["key"]["type"] == "string"
        assert message["payload"]["allOf"][0] == {"$ref": "#/components/schemas/CloudEvent"}

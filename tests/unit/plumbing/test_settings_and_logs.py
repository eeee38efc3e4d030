from __future__ import annotations

import json
import logging

import pytest
from pydantic import ValidationError

from borgerplan_plumbing.logs import JsonFormatter, redact
from borgerplan_plumbing.settings import Settings


def test_production_refuses_development_secrets() -> None:
    with pytest.raises(ValidationError, match="BORGERPLAN_JWKS_URL"):
        Settings(environment="production")


def test_production_accepts_real_secrets() -> None:
    settings = Settings(
        environment="production",
        jwks_url="https://login.kommune.example/jwks",
        internal_secret="a-real-internal-secret-0123456789",
    )
    assert settings.jwks_url


def test_conventional_server_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    monkeypatch.setenv("MONGODB_URI", "mongodb://db:27017/")
    settings = Settings()
    assert settings.kafka_bootstrap_servers == "kafka:9092"
    assert settings.mongodb_uri == "mongodb://db:27017/"


def test_namespace_prefixes_topics_and_databases() -> None:
    settings = Settings(topic_prefix="t1.", database_prefix="t1_")
    assert settings.topic("borgerplan.plan.v1") == "t1.borgerplan.plan.v1"
    assert settings.database_name("plan") == "t1_borgerplan_plan"


@pytest.mark.parametrize("text", ["cpr 010190-1234 found", "0101901234", "x=3112991234;"])
def test_cpr_shaped_numbers_are_redacted(text: str) -> None:
    assert "[redacted]" in redact(text)
    assert not any(ch.isdigit() for ch in redact(text).replace("[redacted]", "").replace("x=", ""))


def test_ids_and_dates_are_not_redacted() -> None:
    assert redact("plan 3f2a meeting at 2026-01-05 id 12345") == "plan 3f2a meeting at 2026-01-05 id 12345"


def test_json_log_lines_redact_message_and_extras() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "lookup %s", ("0101901234",), None)
    record.cpr_hint = "0101901234"
    line = json.loads(JsonFormatter("plan").format(record))
    assert line["message"] == "lookup [redacted]"
    assert line["cpr_hint"] == "[redacted]"
    assert line["service"] == "plan"

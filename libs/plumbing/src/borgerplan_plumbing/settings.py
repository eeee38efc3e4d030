"""Configuration, read only through pydantic-settings.

Every service reads the same ``BORGERPLAN_*`` variables (plus the conventional ``KAFKA_BOOTSTRAP_SERVERS``
and ``MONGODB_URI``); each takes what it needs. Secrets have development defaults that are refused
outside ``development`` and ``test``.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import AliasChoices, BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "borgerplan-development-only-jwt-secret-change-me"
DEV_INTERNAL_SECRET = "borgerplan-development-only-internal-secret"

Environment = Literal["development", "test", "production"]


class TrustedIssuer(BaseModel):
    """An OIDC issuer whose access tokens the gateway accepts, verified with its own keys only."""

    issuer: str = Field(min_length=1)
    jwks_url: str = Field(min_length=1)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BORGERPLAN_", extra="ignore", populate_by_name=True)

    environment: Environment = "development"
    service_name: str = "borgerplan"
    log_level: str = "INFO"

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("BORGERPLAN_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"),
    )
    mongodb_uri: str = Field(
        default="mongodb://127.0.0.1:27017/",
        validation_alias=AliasChoices("BORGERPLAN_MONGODB_URI", "MONGODB_URI"),
    )
    # A namespace isolates one deployment (or one test run) on shared servers: it prefixes topic names
    # ("t42." + "borgerplan.plan.v1") and database names ("t42_" + "borgerplan_plan").
    topic_prefix: str = ""
    database_prefix: str = ""

    jwt_issuer: str = "borgerplan-dev"
    jwt_audience: str = "borgerplan"
    jwt_algorithms: list[str] = ["HS256"]
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwks_url: str | None = None
    # More issuers besides ``jwt_issuer`` (staff and citizens sign in at different providers), as JSON:
    # [{"issuer": "https://...", "jwks_url": "https://.../jwks"}, ...]. Each token is checked against its own
    # issuer's keys; with any JWKS configured the development secret is never used (decision 0014).
    jwt_trusted_issuers: list[TrustedIssuer] = []
    internal_secret: SecretStr = SecretStr(DEV_INTERNAL_SECRET)

    # Consumers: how often one message is tried before it goes to the dead-letter topic.
    consumer_max_attempts: int = Field(default=3, ge=1, le=20)
    consumer_retry_backoff_seconds: float = Field(default=0.2, ge=0)
    consumer_batch: int = Field(default=100, ge=1, le=1000)  # messages per poll; one commit each
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    outbox_claim_seconds: float = Field(default=30.0, gt=0)

    # Load is shed, not queued (decision 0032): each process works on at most ``max_in_flight`` requests; a
    # request beyond that waits at most ``max_queue_ms`` for a slot (and only while ``max_queued`` others wait),
    # otherwise it is answered 503 with Retry-After at once. One process has one event loop: a few requests in
    # flight keep it busy while others wait on I/O; more only queue inside it, and the refusals queue behind them.
    # Measured with bench/overload.py at 5x capacity, refusals' p99: 6 s at 32/64/50 ms, 0.25 s at 16/16/20 ms,
    # 0.08 s at 8/8/20 ms; but 8 refuses writes of a caller working 16 at a time, which 16/16 never does.
    max_in_flight: int = Field(default=16, ge=1, le=10_000)
    max_queued: int = Field(default=16, ge=0, le=10_000)
    max_queue_ms: int = Field(default=20, ge=0, le=10_000)
    # Every request has a deadline: its database calls (PyMongo's client-side operation timeout) and its calls
    # to other services get what is left of it, so no query outlives the request that wanted it.
    request_timeout_seconds: float = Field(default=5.0, gt=0)
    # The deadline of a database call outside a request (background loops, start-up).
    db_timeout_seconds: float = Field(default=10.0, gt=0)
    db_pool_size: int = Field(default=40, ge=1, le=1000)
    # Test-only: append the shape of every database query this process sends to this file (tests run explain
    # on each of them). Never set in a deployment.
    query_log: str | None = None

    plan_url: str = "http://127.0.0.1:8001"
    meetings_url: str = "http://127.0.0.1:8002"
    consent_url: str = "http://127.0.0.1:8003"
    notify_url: str = "http://127.0.0.1:8004"
    outreach_url: str = "http://127.0.0.1:8005"
    upstream_timeout_seconds: float = Field(default=2.0, gt=0)
    public_base_url: str = "http://localhost:8000"
    # Where people reach the pages: the pages build their sign-in from it, an invitation (.ics) links to the
    # meeting's page with it (a person follows a link to a page, not to the API).
    web_public_url: str = "http://localhost:8080"
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # A request is read whole before anything works on it (decision 0041): its line and headers, then its body,
    # within this many seconds from its first byte (else 408), its head at most ``max_header_bytes`` (else 431).
    read_timeout_seconds: float = Field(default=10.0, gt=0)
    max_header_bytes: int = Field(default=16_384, ge=1024)
    rate_limit_per_second: float = Field(default=20.0, gt=0)
    rate_limit_burst: int = Field(default=60, ge=1)

    # The municipality's own closing days besides weekends and public holidays ("MM-DD"), for working-day deadlines.
    closing_days: list[str] = ["06-05", "12-24", "12-31"]

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    smtp_sender: str = "borgerplan@localhost"
    sms_url: str | None = None
    digital_post_url: str | None = None
    notify_retry_base_seconds: float = Field(default=2.0, gt=0)
    notify_max_attempts: int = Field(default=6, ge=1, le=20)
    notify_poll_seconds: float = Field(default=1.0, gt=0)

    @model_validator(mode="after")
    def _no_development_secrets_in_production(self) -> Self:
        if self.environment == "production":
            issuer_keys = self.jwks_url or self.jwt_trusted_issuers
            if self.jwt_secret.get_secret_value() == DEV_JWT_SECRET and not issuer_keys:
                raise ValueError(
                    "production needs BORGERPLAN_JWKS_URL, BORGERPLAN_JWT_TRUSTED_ISSUERS or a real "
                    "BORGERPLAN_JWT_SECRET"
                )
            if self.internal_secret.get_secret_value() == DEV_INTERNAL_SECRET:
                raise ValueError("production needs a real BORGERPLAN_INTERNAL_SECRET")
        return self

    def topic(self, base: str) -> str:
        return f"{self.topic_prefix}{base}"

    def database_name(self, service: str) -> str:
        return f"{self.database_prefix}borgerplan_{service}"

"""Production tokens: the issuer's JWKS over HTTP, cached, and rotated (a new key accepted at once, a retired
key refused once the cache turns over), with the algorithm bound to the key."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from borgerplan_plumbing.auth import AuthenticationError, JwksCache, JwtVerifier
from borgerplan_plumbing.settings import Settings


class Issuer:
    """A real HTTP server publishing a JWKS the test can rotate, counting the reads."""

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {}
        self.reads = 0
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                issuer.reads += 1
                body = json.dumps(
                    {
                        "keys": [
                            {
                                **json.loads(
                                    jwt.algorithms.get_default_algorithms()[alg].to_jwk(key.public_key())
                                ),
                                "kid": kid,
                                "alg": alg,
                                "use": "sig",
                            }
                            for kid, (key, alg) in issuer.keys.items()
                        ]
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks.json"

    def publish(self, kid: str, key: Any, alg: str = "RS256") -> None:
        self.keys[kid] = (key, alg)

    def retire(self, kid: str) -> None:
        del self.keys[kid]

    def token(self, kid: str, key: Any, alg: str = "RS256", **claims: Any) -> str:
        now = int(time.time())
        body = {
            "sub": "u1",
            "name": "Mette",
            "unit": "unit-a",
            "unit_kind": "authority",
            "roles": ["caseworker"],
            "iss": "https://issuer.example",
            "aud": "borgerplan",
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            **claims,
        }
        return jwt.encode(body, key, algorithm=alg, headers={"kid": kid, "typ": "at+jwt"})


@pytest.fixture
def issuer() -> Iterator[Issuer]:
    published = Issuer()
    thread = threading.Thread(target=published.server.serve_forever, daemon=True)
    thread.start()
    yield published
    published.server.shutdown()
    published.server.server_close()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _verifier(issuer: Issuer, clock: Clock) -> JwtVerifier:
    settings = Settings(
        environment="production",
        jwt_issuer="https://issuer.example",
        jwt_algorithms=["RS256", "ES256", "HS256"],
        jwks_url=issuer.url,
        internal_secret="a-production-internal-secret-of-enough-length",
    )
    return JwtVerifier(settings, JwksCache(issuer.url, ttl=300, min_refresh=10, clock=clock))


def test_keys_rotate_and_a_retired_key_stops_working(issuer: Issuer) -> None:
    clock = Clock()
    old, new = rsa.generate_private_key(65537, 2048), rsa.generate_private_key(65537, 2048)
    issuer.publish("k-2026-1", old)
    verifier = _verifier(issuer, clock)
    assert verifier.verify(issuer.token("k-2026-1", old)).sub == "u1"
    assert issuer.reads == 1
    verifier.verify(issuer.token("k-2026-1", old))
    assert issuer.reads == 1, "the keys are cached"

    # The issuer rotates: the new key is published and signs; a token naming it is accepted at once.
    issuer.publish("k-2026-2", new)
    clock.now += 11
    assert verifier.verify(issuer.token("k-2026-2", new)).sub == "u1"
    assert issuer.reads == 2

    # The old key is retired; once the cache turns over, tokens signed with it are refused.
    issuer.retire("k-2026-1")
    verifier.verify(issuer.token("k-2026-1", old))  # still within the cache's lifetime
    clock.now += 301
    with pytest.raises(AuthenticationError):
        verifier.verify(issuer.token("k-2026-1", old))
    assert verifier.verify(issuer.token("k-2026-2", new)).sub == "u1"


def test_made_up_key_ids_do_not_hammer_the_issuer(issuer: Issuer) -> None:
    clock = Clock()
    key = rsa.generate_private_key(65537, 2048)
    issuer.publish("k1", key)
    verifier = _verifier(issuer, clock)
    verifier.verify(issuer.token("k1", key))
    for i in range(20):
        with pytest.raises(AuthenticationError):
            verifier.verify(issuer.token(f"bogus-{i}", key))
    assert issuer.reads == 1, "unknown key ids within the refresh interval are refused from the cache"


def test_a_key_is_used_only_with_its_own_algorithm_and_never_as_an_hmac_secret(issuer: Issuer) -> None:
    clock = Clock()
    rsa_key, ec_key = rsa.generate_private_key(65537, 2048), ec.generate_private_key(ec.SECP256R1())
    issuer.publish("rsa", rsa_key)
    issuer.publish("ec", ec_key, "ES256")
    verifier = _verifier(issuer, clock)
    assert verifier.verify(issuer.token("ec", ec_key, "ES256")).sub == "u1"
    with pytest.raises(AuthenticationError):  # an ES256 signature presented under the RSA key's id
        verifier.verify(issuer.token("rsa", ec_key, "ES256"))
    # HS256 under an asymmetric key's id: the key's own algorithm is the only one tried.
    with pytest.raises(AuthenticationError):
        verifier.verify(issuer.token("rsa", "a-shared-secret-that-is-long-enough-32b", "HS256"))
    with pytest.raises(AuthenticationError):
        verifier.verify(issuer.token("rsa", rsa_key, "RS256", iss="https://someone-else.example"))

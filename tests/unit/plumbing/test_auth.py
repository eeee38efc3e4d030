from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import ValidationError

from borgerplan_plumbing.auth import (
    AuthenticationError,
    Caller,
    JwksCache,
    JwtVerifier,
    issue_development_token,
    sign_caller,
    verify_caller,
)
from borgerplan_plumbing.settings import DEV_JWT_SECRET, Settings, TrustedIssuer

SETTINGS = Settings(environment="test")
SECRET = SETTINGS.jwt_secret.get_secret_value()


def _claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": "u1",
        "name": "Navn",
        "unit": "unit-a",
        "unit_kind": "authority",
        "roles": ["caseworker"],
        "iss": SETTINGS.jwt_issuer,
        "aud": SETTINGS.jwt_audience,
        "iat": now,
        "exp": now + 60,
    }
    claims.update(overrides)
    return claims


def test_development_token_verifies_to_the_caller() -> None:
    token = issue_development_token(
        SETTINGS, sub="s1", name="Mette", unit="hje", unit_kind="authority", roles=["caseworker"]
    )
    caller = JwtVerifier(SETTINGS).verify(token)
    assert caller == Caller(sub="s1", name="Mette", unit="hje", unit_kind="authority", roles=["caseworker"])


def test_a_verified_token_is_remembered_until_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    token = jwt.encode(
        _claims(exp=int(time.time()) + 5), SECRET, algorithm="HS256", headers={"typ": "at+jwt"}
    )
    verifier = JwtVerifier(SETTINGS)
    decoded: list[str] = []
    real_decode = jwt.decode

    def counting_decode(*args: Any, **kwargs: Any) -> Any:
        decoded.append("token")
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting_decode)
    first = verifier.verify(token)
    assert verifier.verify(token) == first
    assert len(decoded) == 1, "the second request's token was not verified again"

    # Past its expiry the remembered caller no longer counts: the token is verified again (PyJWT's own clock and
    # leeway then decide; an expired token's refusal is tested below).
    later = time.time() + 6
    monkeypatch.setattr(time, "time", lambda: later)
    assert verifier.verify(token) == first
    assert len(decoded) == 2, "a token past its expiry was taken from memory"


@pytest.mark.parametrize(
    ("claims", "headers", "algorithm"),
    [
        ({"aud": "someone-else"}, {"typ": "at+jwt"}, "HS256"),
        ({"iss": "evil"}, {"typ": "at+jwt"}, "HS256"),
        ({"exp": int(time.time()) - 3600}, {"typ": "at+jwt"}, "HS256"),
        ({}, {"typ": "id_token+jwt"}, "HS256"),  # explicit typing: not an access token
        ({"roles": []}, {"typ": "at+jwt"}, "HS256"),
        ({"unit_kind": "martian"}, {"typ": "at+jwt"}, "HS256"),
        ({}, {"typ": "at+jwt"}, "HS512"),  # not on the allow-list
    ],
)
def test_tokens_that_must_be_refused(
    claims: dict[str, object], headers: dict[str, str], algorithm: str
) -> None:
    token = jwt.encode(_claims(**claims), SECRET, algorithm=algorithm, headers=headers)
    with pytest.raises(AuthenticationError):
        JwtVerifier(SETTINGS).verify(token)


def test_unsigned_token_is_refused() -> None:
    token = jwt.encode(_claims(), key=None, algorithm="none")  # type: ignore[arg-type]
    with pytest.raises(AuthenticationError):
        JwtVerifier(SETTINGS).verify(token)


def test_token_signed_with_another_secret_is_refused() -> None:
    token = jwt.encode(
        _claims(), "another-secret-of-enough-length-1234567", algorithm="HS256", headers={"typ": "at+jwt"}
    )
    with pytest.raises(AuthenticationError):
        JwtVerifier(SETTINGS).verify(token)


def test_development_issuer_is_refused_in_production() -> None:
    prod = Settings(
        environment="production",
        jwt_secret="a-real-secret-value-from-a-vault-0123456789",
        internal_secret="another-real-secret-value-0123456789",
    )
    with pytest.raises(RuntimeError):
        issue_development_token(prod, sub="s", name="n", unit="u", unit_kind="authority", roles=["admin"])


CALLER = Caller(sub="s1", name="Mette", unit="hje", unit_kind="authority", roles=["caseworker"])


def test_internal_caller_header_round_trip() -> None:
    header = sign_caller(CALLER, "k", "GET", "/plans/p-1?x=1")
    assert verify_caller(header, "k", "GET", "/plans/p-1?x=1") == CALLER


def test_internal_caller_header_tampering_is_detected() -> None:
    _body, stamp, mac = sign_caller(CALLER, "k", "GET", "/plans/p-1").split(".")
    other = sign_caller(CALLER.model_copy(update={"unit": "elsewhere"}), "k", "GET", "/plans/p-1").split(".")[
        0
    ]
    with pytest.raises(AuthenticationError):
        verify_caller(f"{other}.{stamp}.{mac}", "k", "GET", "/plans/p-1")
    with pytest.raises(AuthenticationError):
        verify_caller(sign_caller(CALLER, "wrong-key", "GET", "/plans/p-1"), "k", "GET", "/plans/p-1")


def test_internal_caller_header_expires() -> None:
    header = sign_caller(CALLER, "k", "GET", "/plans/p-1", now=time.time() - 3600)
    with pytest.raises(AuthenticationError):
        verify_caller(header, "k", "GET", "/plans/p-1")


@pytest.mark.parametrize(
    ("method", "target"),
    [
        ("GET", "/plans/p-2"),  # another resource
        ("GET", "/plans/p-1/history"),  # another route
        ("DELETE", "/plans/p-1"),  # another method
        ("GET", "/plans/p-1?cpr=0101011234"),  # a query added
        ("GET", "/plans%2Fp-1"),  # one segment is not two
    ],
)
def test_internal_caller_header_is_good_for_its_own_call_only(method: str, target: str) -> None:
    header = sign_caller(CALLER, "k", "GET", "/plans/p-1")
    with pytest.raises(AuthenticationError):
        verify_caller(header, "k", method, target)


def test_internal_caller_header_survives_a_different_encoding_of_the_same_target() -> None:
    header = sign_caller(CALLER, "k", "get", "/meetings/a%3Ab?name=Ann+Lund&x=")
    assert verify_caller(header, "k", "GET", "/meetings/a:b?name=Ann%20Lund&x=") == CALLER


# -- several trusted issuers (staff and citizens sign in at different OIDC providers) -------------------------

STAFF_ISS, CITIZEN_ISS = "https://staff.idp.example", "https://citizen.idp.example"
PRODUCTION_SECRET = "a-production-internal-secret-of-enough-length"


class StaticKeys(JwksCache):
    """An issuer's published key set, without the network; counts the reads."""

    def __init__(self, published: dict[str, tuple[Any, str]]) -> None:
        super().__init__("https://unused.example/jwks")
        self.published = published
        self.reads = 0

    def _fetch(self) -> None:
        self.reads += 1
        self._fetched_at = self.clock()
        algorithms = jwt.algorithms.get_default_algorithms()
        self._keys = {
            kid: jwt.PyJWK({**json.loads(algorithms[alg].to_jwk(key.public_key())), "kid": kid, "alg": alg})
            for kid, (key, alg) in self.published.items()
        }


STAFF_KEY = rsa.generate_private_key(65537, 2048)
CITIZEN_KEY = ec.generate_private_key(ec.SECP256R1())


def _multi_issuer_verifier(**overrides: Any) -> tuple[JwtVerifier, StaticKeys, StaticKeys]:
    staff, citizen = StaticKeys({"s1": (STAFF_KEY, "RS256")}), StaticKeys({"c1": (CITIZEN_KEY, "ES256")})
    settings = Settings(
        environment="production",
        internal_secret=PRODUCTION_SECRET,
        jwt_algorithms=["RS256", "ES256", "HS256"],
        jwt_trusted_issuers=[
            TrustedIssuer(issuer=STAFF_ISS, jwks_url=f"{STAFF_ISS}/jwks"),
            TrustedIssuer(issuer=CITIZEN_ISS, jwks_url=f"{CITIZEN_ISS}/jwks"),
        ],
        **overrides,
    )
    return JwtVerifier(settings, issuers={STAFF_ISS: staff, CITIZEN_ISS: citizen}), staff, citizen


def _signed(key: Any, alg: str, kid: str, **claims: object) -> str:
    return jwt.encode(_claims(**claims), key, algorithm=alg, headers={"kid": kid, "typ": "at+jwt"})


def test_each_trusted_issuer_verifies_with_its_own_keys() -> None:
    verifier, staff, citizen = _multi_issuer_verifier()
    assert verifier.verify(_signed(STAFF_KEY, "RS256", "s1", iss=STAFF_ISS)).unit == "unit-a"
    citizen_claims = {"roles": ["citizen"], "unit_kind": "external", "citizen_id": "cit-1"}
    caller = verifier.verify(_signed(CITIZEN_KEY, "ES256", "c1", iss=CITIZEN_ISS, **citizen_claims))
    assert (caller.roles, caller.citizen_id) == (["citizen"], "cit-1")
    assert (staff.reads, citizen.reads) == (1, 1)


def test_one_issuer_cannot_sign_for_another() -> None:
    verifier, _staff, _citizen = _multi_issuer_verifier()
    with pytest.raises(AuthenticationError):  # the citizen IdP's key id, presented as the staff IdP
        verifier.verify(_signed(CITIZEN_KEY, "ES256", "c1", iss=STAFF_ISS))
    with pytest.raises(AuthenticationError):  # the staff key's id, but signed by the citizen IdP
        verifier.verify(_signed(CITIZEN_KEY, "ES256", "s1", iss=STAFF_ISS))
    with pytest.raises(AuthenticationError):
        verifier.verify(_signed(STAFF_KEY, "RS256", "s1", iss=CITIZEN_ISS))


def test_an_untrusted_issuer_is_refused_without_reading_any_keys() -> None:
    verifier, staff, citizen = _multi_issuer_verifier()
    token = _signed(STAFF_KEY, "RS256", "s1", iss="https://rogue.example")
    assert not verifier.must_fetch_keys(token)
    with pytest.raises(AuthenticationError):
        verifier.verify(token)
    with pytest.raises(AuthenticationError):  # no iss at all
        verifier.verify(jwt.encode({"sub": "u1"}, STAFF_KEY, algorithm="RS256", headers={"kid": "s1"}))
    assert (staff.reads, citizen.reads) == (0, 0)


def test_the_development_secret_never_works_beside_trusted_issuers() -> None:
    verifier, _staff, _citizen = _multi_issuer_verifier()
    assert "HS256" not in verifier.algorithms
    with pytest.raises(AuthenticationError):  # the development issuer: not trusted here
        verifier.verify(issue_development_token(Settings(environment="test"), **CALLER.model_dump()))
    with pytest.raises(AuthenticationError):  # HMAC under a trusted issuer's RSA key id
        verifier.verify(_signed(DEV_JWT_SECRET, "HS256", "s1", iss=STAFF_ISS))


def test_the_single_jwks_issuer_and_trusted_issuers_together() -> None:
    legacy = StaticKeys({"l1": (STAFF_KEY, "RS256")})
    settings = Settings(
        environment="production",
        internal_secret=PRODUCTION_SECRET,
        jwt_issuer="https://legacy.example",
        jwks_url="https://legacy.example/jwks",
        jwt_algorithms=["RS256", "ES256"],
        jwt_trusted_issuers=[TrustedIssuer(issuer=CITIZEN_ISS, jwks_url=f"{CITIZEN_ISS}/jwks")],
    )
    verifier = JwtVerifier(
        settings, legacy, issuers={CITIZEN_ISS: StaticKeys({"c1": (CITIZEN_KEY, "ES256")})}
    )
    assert verifier.verify(_signed(STAFF_KEY, "RS256", "l1", iss="https://legacy.example")).sub == "u1"
    assert verifier.verify(_signed(CITIZEN_KEY, "ES256", "c1", iss=CITIZEN_ISS)).sub == "u1"


def test_must_fetch_keys_follows_the_tokens_issuer() -> None:
    verifier, _staff, citizen = _multi_issuer_verifier()
    staff_token, citizen_token = (
        _signed(STAFF_KEY, "RS256", "s1", iss=STAFF_ISS),
        _signed(CITIZEN_KEY, "ES256", "c1", iss=CITIZEN_ISS),
    )
    assert verifier.must_fetch_keys(staff_token) and verifier.must_fetch_keys(citizen_token)
    verifier.verify(staff_token)
    assert not verifier.must_fetch_keys(staff_token)
    assert verifier.must_fetch_keys(citizen_token), "each issuer has its own cache"
    assert citizen.reads == 0


def test_trusted_issuers_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "BORGERPLAN_JWT_TRUSTED_ISSUERS",
        json.dumps([{"issuer": STAFF_ISS, "jwks_url": f"{STAFF_ISS}/jwks"}]),
    )
    monkeypatch.setenv("BORGERPLAN_ENVIRONMENT", "production")
    monkeypatch.setenv("BORGERPLAN_INTERNAL_SECRET", PRODUCTION_SECRET)
    settings = Settings()  # production accepts trusted issuers in place of BORGERPLAN_JWKS_URL
    assert settings.jwt_trusted_issuers == [TrustedIssuer(issuer=STAFF_ISS, jwks_url=f"{STAFF_ISS}/jwks")]
    monkeypatch.delenv("BORGERPLAN_JWT_TRUSTED_ISSUERS")
    with pytest.raises(ValidationError):  # and without any issuer keys, the development secret is refused
        Settings()

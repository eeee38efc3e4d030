from __future__ import annotations

import time

import jwt
import pytest

from borgerplan_plumbing.auth import (
    AuthenticationError,
    Caller,
    JwtVerifier,
    issue_development_token,
    sign_caller,
    verify_caller,
)
from borgerplan_plumbing.settings import Settings

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
    assert verify_caller(sign_caller(CALLER, "k"), "k") == CALLER


def test_internal_caller_header_tampering_is_detected() -> None:
    _body, stamp, mac = sign_caller(CALLER, "k").split(".")
    other = sign_caller(CALLER.model_copy(update={"unit": "elsewhere"}), "k").split(".")[0]
    with pytest.raises(AuthenticationError):
        verify_caller(f"{other}.{stamp}.{mac}", "k")
    with pytest.raises(AuthenticationError):
        verify_caller(sign_caller(CALLER, "wrong-key"), "k")


def test_internal_caller_header_expires() -> None:
    header = sign_caller(CALLER, "k", now=time.time() - 3600)
    with pytest.raises(AuthenticationError):
        verify_caller(header, "k")

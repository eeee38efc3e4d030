"""The caller at the edge: a verified bearer token, or 401."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from borgerplan_plumbing.auth import AuthenticationError, Caller, JwtVerifier

# Documents the scheme in the OpenAPI; the token is checked below (a missing one is our 401 problem).
bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="An access token of the municipality's identity provider (audience borgerplan), or locally "
    "`borgerplan token`.",
)


async def authenticated_caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationError("missing bearer token")
    verifier: JwtVerifier = request.app.state.verifier
    token = credentials.credentials.strip()
    if verifier.must_fetch_keys(token):  # reading the issuer's keys blocks; not on the event loop
        return await asyncio.to_thread(verifier.verify, token)
    return verifier.verify(token)


Authenticated = Annotated[Caller, Depends(authenticated_caller)]

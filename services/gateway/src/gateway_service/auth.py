"""The caller at the edge: a verified bearer token, or 401."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Depends, Header, Request

from borgerplan_plumbing.auth import AuthenticationError, Caller, JwtVerifier


async def authenticated_caller(
    request: Request, authorization: Annotated[str | None, Header(include_in_schema=False)] = None
) -> Caller:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise AuthenticationError("missing bearer token")
    verifier: JwtVerifier = request.app.state.verifier
    token = authorization.split(" ", 1)[1].strip()
    if verifier.must_fetch_keys(token):  # reading the issuer's keys blocks; not on the event loop
        return await asyncio.to_thread(verifier.verify, token)
    return verifier.verify(token)


Authenticated = Annotated[Caller, Depends(authenticated_caller)]

"""The caller at the edge: a verified bearer token, or 401."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from borgerplan_plumbing.auth import AuthenticationError, Caller, JwtVerifier


def authenticated_caller(
    request: Request, authorization: Annotated[str | None, Header(include_in_schema=False)] = None
) -> Caller:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise AuthenticationError("missing bearer token")
    verifier: JwtVerifier = request.app.state.verifier
    return verifier.verify(authorization.split(" ", 1)[1].strip())


Authenticated = Annotated[Caller, Depends(authenticated_caller)]

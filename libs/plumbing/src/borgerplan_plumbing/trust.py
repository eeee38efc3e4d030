"""Zero trust inside (decision 0044): a service answers only calls that carry a valid, fresh caller signature made for
that very call (method, path and query), reads as much as writes; only health, readiness and metrics are open.

Plain ASGI and outermost: an unsigned call is refused before it takes a load slot or reaches a route, so whoever can
reach a service's port but holds no secret can neither read through it nor crowd out the gateway's calls. The caller
it verified is left in the request's state for ``borgerplan_plumbing.runtime.current_caller``.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from borgerplan_plumbing.auth import CALLER_HEADER, AuthenticationError, verify_caller
from borgerplan_plumbing.problems import Problem, problem_response

OPEN = ("/healthz", "/readyz", "/metrics")
_HEADER = CALLER_HEADER.lower().encode()
STATE_KEY = "borgerplan_caller"


def request_target(scope: Scope) -> str:
    """The path as the caller sent it (still percent-encoded) with its query."""
    raw = scope.get("raw_path")
    path = raw.decode("latin-1").partition("?")[0] if raw else scope["path"]
    query = scope.get("query_string", b"").decode("latin-1")
    return f"{path}?{query}" if query else path


class CallerSignatureMiddleware:
    def __init__(self, app: ASGIApp, *, secret: str, open_paths: Iterable[str] = OPEN) -> None:
        self.app = app
        self.secret = secret
        self.open_paths = frozenset(open_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.open_paths:
            await self.app(scope, receive, send)
            return
        header = next((value for name, value in scope.get("headers", ()) if name == _HEADER), None)
        try:
            if header is None:
                raise AuthenticationError("missing caller header")
            caller = verify_caller(
                header.decode("latin-1"), self.secret, scope["method"], request_target(scope)
            )
        except AuthenticationError as exc:
            problem = Problem(
                401,
                "Unauthorized",
                "This service answers only calls signed for this method and path by a Borgerplan process.",
                kind="unsigned_call",
                headers={"WWW-Authenticate": f'{CALLER_HEADER} error="{exc}"'},
            )
            await problem_response(problem, scope["path"])(scope, receive, send)
            return
        scope.setdefault("state", {})[STATE_KEY] = caller
        await self.app(scope, receive, send)

"""An httpx transport that routes each base URL to a service running in-process."""

from __future__ import annotations

import httpx
from fastapi import FastAPI


class RoutingTransport(httpx.AsyncBaseTransport):
    def __init__(self, routes: dict[str, FastAPI]) -> None:
        self.routes = {httpx.URL(url).netloc: httpx.ASGITransport(app=app) for url, app in routes.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = self.routes.get(request.url.netloc)
        if transport is None:
            raise httpx.ConnectError(f"no service at {request.url.netloc.decode()}", request=request)
        return await transport.handle_async_request(request)

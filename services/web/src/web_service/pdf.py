"""The plan as PDF: the print page's own HTML and SVG, laid out by WeasyPrint (decision 0013).

WeasyPrint reads only the pages' own static files (fonts, the print style sheet); any other URL is refused, so a
PDF never reaches the network. It draws with Pango; when Pango is missing the PDF is unavailable (503 in
Danish) and the print page still works from the browser.
"""

from __future__ import annotations

import asyncio
import mimetypes
from typing import Any

from web_service.web import STATIC

BASE_URL = "https://borgerplan.invalid/"


class PdfUnavailableError(Exception):
    """WeasyPrint (or the Pango library under it) is not installed here."""


def _static_file(url: str) -> tuple[bytes, str]:
    """The bytes and media type of one of the pages' own static files, named by its URL under ``BASE_URL``."""
    prefix = f"{BASE_URL}static/"
    if not url.startswith(prefix):
        raise ValueError("the PDF reads only the pages' own static files")
    relative = url[len(prefix) :].split("?", 1)[0]
    path = (STATIC / relative).resolve()
    if STATIC.resolve() not in path.parents or not path.is_file():
        raise ValueError("no such static file")
    return path.read_bytes(), mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _render(html: str) -> bytes:
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher, URLFetcherResponse
    except (ImportError, OSError) as exc:  # OSError: the Pango library could not be loaded
        raise PdfUnavailableError(str(exc)) from exc

    class StaticOnly(URLFetcher):  # type: ignore[misc]
        """Never the network: only the pages' own static files."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            body, media_type = _static_file(url)
            return URLFetcherResponse(url, body, {"Content-Type": media_type})

    document: bytes = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnly()).write_pdf()
    return document


async def render_pdf(html: str) -> bytes:
    """Lay out in a worker thread: a PDF takes a few hundred milliseconds of CPU."""
    return await asyncio.to_thread(_render, html)

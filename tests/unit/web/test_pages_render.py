"""Every page renders in Danish from the fake gateway, for the person it is for."""

from __future__ import annotations

import pytest

from tests.unit.web.conftest import Browser
from tests.unit.web.fakes import CITIZEN_ID, MEETING_ID, PLAN_ID

STAFF_PAGES = [
    "/borgere",
    "/borgere/ny",
    "/frister",
    f"/borgere/{CITIZEN_ID}",
    f"/borgere/{CITIZEN_ID}/netvaerksmoede",
    f"/borgere/{CITIZEN_ID}/moeder/ny",
    f"/borgere/{CITIZEN_ID}/samtykker",
    f"/moeder/{MEETING_ID}",
    f"/planer/{PLAN_ID}/historik",
    f"/planer/{PLAN_ID}/udskriv",
    f"/planer/{PLAN_ID}/udskriv?udgave=borger",
    "/tilgaengelighed",
]
CITIZEN_PAGES = ["/min-plan", "/min-plan/samtykker", "/min-plan/hvem-har-kigget", "/min-plan/mine-ord"]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_pages_render(browser: Browser, path: str) -> None:
    browser.sign_in("caseworker")
    response = browser.get(path)
    assert response.status_code == 200, response.text[:3000]
    assert '<html lang="da">' in response.text
    assert "Tilgængelighedserklæring" in response.text or "udgave" in path or "udskriv" in path


@pytest.mark.parametrize("path", CITIZEN_PAGES)
def test_citizen_pages_render(browser: Browser, path: str) -> None:
    browser.sign_in("citizen")
    response = browser.get(path)
    assert response.status_code == 200, response.text[:3000]
    assert "Min plan" in response.text

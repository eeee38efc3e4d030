"""Sessions: CSRF on every POST, the idle timeout, HttpOnly cookies, no token in the page."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from tests.unit.web.conftest import Browser
from tests.unit.web.fakes import CITIZEN_ID, PLAN_ID, FakeCollection
from web_service import wording as W
from web_service.sessions import SessionStore


def test_a_post_without_the_csrf_token_is_refused_and_nothing_sent(browser: Browser) -> None:
    browser.sign_in()
    response = browser.post(
        f"/planer/{PLAN_ID}/maal", {"citizen_id": CITIZEN_ID, "title": "Et mål"}, csrf=False
    )
    assert response.status_code == 403
    assert W.CSRF_FAILED in response.text
    wrong = browser.client.post(
        f"/planer/{PLAN_ID}/maal", data={"csrf_token": "forged", "citizen_id": CITIZEN_ID, "title": "x"}
    )
    assert wrong.status_code == 403
    assert browser.gateway.sent("POST", f"/plans/{PLAN_ID}/goals") == []


def test_sign_in_needs_the_csrf_token_too(browser: Browser) -> None:
    browser.get("/log-ind")
    assert browser.post("/log-ind/demo", {"persona": "caseworker"}, csrf=False).status_code == 403


def test_the_cookie_is_httponly_and_lax_and_the_token_never_reaches_the_page(browser: Browser) -> None:
    browser.get("/log-ind")
    response = browser.post("/log-ind/demo", {"persona": "caseworker"})
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    page = browser.get("/borgere")
    assert "eyJ" not in page.text  # no JWT anywhere in the HTML
    assert page.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    # the session id changes at sign-in (no fixation)
    assert len(browser.sessions.docs) == 1


def test_an_idle_session_is_gone_and_the_person_is_asked_to_sign_in_again(browser: Browser) -> None:
    browser.sign_in()
    assert browser.get("/borgere").status_code == 200
    for doc in browser.sessions.docs.values():
        doc["last_seen"] -= timedelta(minutes=31)
    response = browser.client.get("/borgere", follow_redirects=False)
    assert response.status_code == 303
    assert "udloebet=1" in response.headers["location"]
    assert browser.sessions.docs == {}
    assert W.SESSION_EXPIRED in browser.get(response.headers["location"]).text


def test_the_store_touches_last_seen_at_most_once_a_minute_and_expires_by_ttl() -> None:
    async def run() -> None:
        now = [datetime(2026, 11, 23, 12, 0, tzinfo=UTC)]
        collection = FakeCollection()
        store = SessionStore(collection, timedelta(minutes=30), clock=lambda: now[0])  # type: ignore[arg-type]
        await store.ensure_indexes()
        assert collection.indexes == [("expires_at", {"expireAfterSeconds": 0, "name": "sessions_expire"})]
        session = await store.create(caller={"sub": "x"}, token="t")
        now[0] += timedelta(seconds=30)
        loaded, _ = await store.load(session.id)
        assert loaded is not None and not loaded.changed
        now[0] += timedelta(minutes=2)
        loaded, _ = await store.load(session.id)
        assert loaded is not None and "last_seen" in loaded.changed
        await store.save(loaded)
        stored = next(iter(collection.docs.values()))
        assert stored["expires_at"] == now[0] + timedelta(minutes=30)
        assert session.id not in collection.docs  # the database keeps only a digest of the id
        now[0] += timedelta(minutes=31)
        assert await store.load(session.id) == (None, True)

    asyncio.run(run())


def test_a_citizen_is_sent_to_their_own_pages_and_staff_to_theirs(browser: Browser) -> None:
    browser.sign_in("citizen")
    response = browser.client.get("/borgere", follow_redirects=False)
    assert response.headers["location"] == "/min-plan"

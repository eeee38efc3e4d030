"""Server-side sessions: the pages' only storage, in their own database (collection ``sessions``).

The browser holds a random session id in an HttpOnly cookie; the database holds a SHA-256 of it (so a copy of
the collection signs nobody in), the person's claims for the header, the gateway token (never sent to the
browser), the OIDC token set when there is one, a CSRF token, and the time of the last request. A session idle
longer than the configured minutes is gone: refused on the next request and removed by a TTL index.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from borgerplan_plumbing.mongo import Collection, Document

COOKIE = "borgerplan_session"
SECURE_COOKIE = "__Host-borgerplan_session"
# Writing last_seen on every request would make each page a write; a minute of slack is invisible in a 30-minute
# idle timeout.
TOUCH_EVERY = timedelta(seconds=60)


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass
class Session:
    """One browser's session. ``caller`` is None until someone signs in."""

    id: str
    csrf: str
    created_at: datetime
    last_seen: datetime
    caller: dict[str, Any] | None = None
    token: str | None = None
    token_expires_at: float | None = None
    oidc: dict[str, Any] | None = None  # the provider and its token set (refresh token, id token)
    auth_request: dict[str, Any] | None = None  # an OIDC sign-in under way: state, nonce, PKCE verifier
    development: bool = False  # signed in through the development personas
    changed: set[str] = field(default_factory=set)

    @property
    def signed_in(self) -> bool:
        return self.caller is not None and self.token is not None

    def csrf_ok(self, sent: str | None) -> bool:
        return bool(sent) and hmac.compare_digest(self.csrf, sent or "")

    def roles(self) -> list[str]:
        return list((self.caller or {}).get("roles", []))

    def is_citizen(self) -> bool:
        return "citizen" in self.roles()

    def set(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self, name, value)
            self.changed.add(name)


class SessionStore:
    def __init__(
        self, collection: Collection, idle: timedelta, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.collection = collection
        self.idle = idle
        self.clock = clock or (lambda: datetime.now(UTC))

    async def ensure_indexes(self) -> None:
        # The lookup is by _id (the id's digest); expired sessions are removed by the database.
        await self.collection.create_index("expires_at", expireAfterSeconds=0, name="sessions_expire")

    async def create(self, **values: Any) -> Session:
        now = self.clock()
        session = Session(
            id=secrets.token_urlsafe(32),
            csrf=secrets.token_urlsafe(32),
            created_at=now,
            last_seen=now,
            **values,
        )
        await self.collection.insert_one(self._document(session))
        return session

    async def load(self, session_id: str | None) -> tuple[Session | None, bool]:
        """The session for a cookie value, and whether one existed but had been idle too long."""
        if not session_id or len(session_id) > 100:
            return None, False
        doc = await self.collection.find_one({"_id": _digest(session_id)})
        if doc is None:
            return None, False
        now = self.clock()
        if now - doc["last_seen"] > self.idle:
            await self.collection.delete_one({"_id": doc["_id"]})
            return None, doc.get("caller") is not None
        session = Session(
            id=session_id,
            csrf=doc["csrf"],
            created_at=doc["created_at"],
            last_seen=doc["last_seen"],
            caller=doc.get("caller"),
            token=doc.get("token"),
            token_expires_at=doc.get("token_expires_at"),
            oidc=doc.get("oidc"),
            auth_request=doc.get("auth_request"),
            development=bool(doc.get("development")),
        )
        if now - session.last_seen >= TOUCH_EVERY:
            session.set(last_seen=now)
        return session, False

    async def save(self, session: Session) -> None:
        if not session.changed:
            return
        values: Document = {name: getattr(session, name) for name in session.changed}
        if "last_seen" in values:
            values["expires_at"] = values["last_seen"] + self.idle
        await self.collection.update_one({"_id": _digest(session.id)}, {"$set": values})
        session.changed.clear()

    async def renew(self, old: Session | None, **values: Any) -> Session:
        """A new session id for a sign-in (no fixation): the old session is removed, a new one made."""
        if old is not None:
            await self.delete(old)
        return await self.create(**values)

    async def delete(self, session: Session) -> None:
        await self.collection.delete_one({"_id": _digest(session.id)})

    def _document(self, session: Session) -> Document:
        return {
            "_id": _digest(session.id),
            "csrf": session.csrf,
            "created_at": session.created_at,
            "last_seen": session.last_seen,
            "expires_at": session.last_seen + self.idle,
            "caller": session.caller,
            "token": session.token,
            "token_expires_at": session.token_expires_at,
            "oidc": session.oidc,
            "auth_request": session.auth_request,
            "development": session.development,
        }


def token_expired(session: Session, margin: float = 60.0, now: float | None = None) -> bool:
    """Whether the gateway token runs out within ``margin`` seconds (time to refresh it)."""
    if session.token_expires_at is None:
        return False
    return session.token_expires_at - margin <= (now if now is not None else time.time())

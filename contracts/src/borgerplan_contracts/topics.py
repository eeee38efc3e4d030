"""Topic names. One topic per owning service; a deployment may put a prefix in front (``t42.``)."""

from __future__ import annotations

from typing import Final

PLAN: Final = "borgerplan.plan.v1"
CONSENT: Final = "borgerplan.consent.v1"
MEETINGS: Final = "borgerplan.meetings.v1"
NOTIFY: Final = "borgerplan.notify.v1"
OUTREACH: Final = "borgerplan.outreach.v1"

ALL: Final = (PLAN, CONSENT, MEETINGS, NOTIFY, OUTREACH)

DEAD_LETTER_SUFFIX: Final = ".dlt"


def topic_name(base: str, prefix: str = "") -> str:
    """The topic a deployment uses for ``base``: ``prefix`` is prepended verbatim."""
    return f"{prefix}{base}"


def dead_letter_topic(topic: str, group_id: str) -> str:
    """Where a consumer group parks a message it could not process.

    One dead-letter topic per source topic and consumer group, so an operator sees at once whose
    handler failed, and replaying it affects only that group.
    """
    return f"{topic}.{group_id}{DEAD_LETTER_SUFFIX}"

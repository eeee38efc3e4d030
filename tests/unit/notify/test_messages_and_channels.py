"""Every template rendered with realistic data, and the HTTP channels' classification (fakes: unit level)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import httpx
import pytest

from notify_service import messages
from notify_service.channels import DigitalPostChannel, OutgoingMessage, SmsChannel

CITIZEN_TEXT = [
    "Peter Hansen",
    "0101901234",
    "010190-1234",
    "Egen bolig",
    "rusmiddel",
    "substance_use",
    "health",
    "Jeg vil gerne have min egen lejlighed",
    "Herberget",
]
LINK = "https://borgerplan.kommune.example/api/v1/meetings/8c1f"


def _values(kind: str) -> dict[str, str]:
    start = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # 09.00 in Copenhagen (summer time)
    if kind.startswith("meeting") or kind in ("agenda_reminder", "minutes_published"):
        return messages.context(
            link=LINK,
            meeting_kind="network",
            start=start,
            end=datetime(2026, 3, 30, 8, 0, tzinfo=UTC),
            due=date(2026, 3, 24),
        )
    return messages.context(link=LINK, due=date(2026, 4, 15))


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("kind", messages.KINDS)
def test_every_template_renders_without_case_content(kind: str, language: messages.Language) -> None:
    subject, body = messages.render(kind, language, _values(kind))
    assert subject and body.strip()
    assert LINK in body, "every message links to the gateway"
    text = subject + body
    for sensitive in CITIZEN_TEXT:
        assert sensitive not in text
    assert not re.search(r"\b\d{6}-?\d{4}\b", text), "nothing shaped like a CPR number"


def test_danish_is_the_default_and_times_are_copenhagen_time() -> None:
    subject, body = messages.render("meeting_invitation", "da", _values("meeting_invitation"))
    assert subject == "Invitation: netværksmøde 30.03.2026 kl. 09.00"
    assert "kl. 09.00-10.00" in body


def test_a_template_cannot_use_what_it_was_not_given() -> None:
    with pytest.raises(Exception, match="undefined"):
        messages.render("meeting_invitation", "da", {"link": LINK})


MESSAGE = OutgoingMessage(
    "n-1", "+4512345678", "Referat klar: netværksmøde 30.03.2026", f"Læs det her:\n{LINK}\n"
)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(202, "delivered"), (429, "temporary"), (503, "temporary"), (400, "permanent"), (404, "permanent")],
)
async def test_http_channels_classify_answers(status: int, outcome: str) -> None:
    seen: list[dict[str, object]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(status)

    sms = SmsChannel("https://sms.example", transport=httpx.MockTransport(answer))
    post = DigitalPostChannel("https://post.example", transport=httpx.MockTransport(answer))
    assert (await sms.send(MESSAGE)).outcome == outcome
    assert (await post.send(MESSAGE)).outcome == outcome
    assert seen[0] == {
        "to": "+4512345678",
        "text": f"Referat klar: netværksmøde 30.03.2026 {LINK}",
        "reference": "n-1",
    }
    assert seen[1]["recipient"] == {"citizen_id": "+4512345678"}


async def test_unreachable_provider_is_temporary() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    result = await SmsChannel("https://sms.example", transport=httpx.MockTransport(refuse)).send(MESSAGE)
    assert (result.outcome, result.code) == ("temporary", "ConnectError")

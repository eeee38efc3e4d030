"""``borgerplan dlt list|replay``: the dead letters of this deployment, listed and sent back (decision 0030)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from borgerplan_plumbing import dead_letters
from borgerplan_plumbing.settings import Settings


async def list_letters(settings: Settings, topic: str | None) -> int:
    letters = await dead_letters.read(settings, topic)
    for letter in letters:
        print(letter.line())
    print(f"{len(letters)} dead letter(s)")
    return 0


async def replay_letters(settings: Settings, topic: str | None, where: list[str]) -> int:
    letters = await dead_letters.read(settings, topic)
    if where:
        letters = [letter for letter in letters if letter.where in where]
        missing = set(where) - {letter.where for letter in letters}
        if missing:
            print(f"no dead letter at {', '.join(sorted(missing))}")
            return 1
    sent = await dead_letters.replay(settings, letters)
    print(f"{sent} dead letter(s) sent back to their topics, each for its own consumer group")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    return asyncio.run(list_letters(Settings(), args.topic))


def cmd_replay(args: argparse.Namespace) -> int:
    return asyncio.run(replay_letters(Settings(), args.topic, args.where))


def register(subparsers: Any) -> None:
    dlt = subparsers.add_parser("dlt", help="the dead-letter topics")
    verbs = dlt.add_subparsers(dest="dlt_command", required=True)
    listing = verbs.add_parser("list", help="every dead letter: where, why, which event (no payload)")
    listing.add_argument("--topic", help="only this dead-letter topic")
    listing.set_defaults(func=cmd_list)
    again = verbs.add_parser(
        "replay",
        help="send dead letters back to their topic for their group (a newer state is never moved back)",
    )
    again.add_argument("--topic", help="only this dead-letter topic")
    again.add_argument("where", nargs="*", help="topic:partition:offset as listed (default: all)")
    again.set_defaults(func=cmd_replay)

"""The names people read for units: an id like ``kk-hjemloeseenheden`` is never all a person sees.

A small directory: the demo units built in, a municipality's own file (``BORGERPLAN_WEB_UNITS_FILE``, JSON
``{"unit-id": "Name"}`` or ``{"unit-id": {"name": "Name", "kind": "authority"}}``) on top, and per page the names and
kinds a plan's actors carry (``unit_name``, ``kind``). The kind is what lets «Ansvarlig myndighed» offer authority
units only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

DEMO_UNITS: dict[str, str] = {
    "kk-hjemloeseenheden": "Hjemløseenheden, Københavns Kommune",
    "kk-misbrugsmyndighed": "Misbrugsmyndigheden, Københavns Kommune",
    "kk-herberg-sundholm": "Herberget Sundholm",
    "kk-rusmiddelenheden": "Rusmiddelenheden (behandling)",
    "kk-jobcenter": "Jobcenter København",
    "borger": "Borgeren",
}

DEMO_UNIT_KINDS: dict[str, str] = {
    "kk-hjemloeseenheden": "authority",
    "kk-misbrugsmyndighed": "authority",
    "kk-herberg-sundholm": "provider",
    "kk-rusmiddelenheden": "provider",
    "kk-jobcenter": "authority",
}

UNIT_KINDS = {"authority": "Myndighed", "provider": "Udfører", "external": "Ekstern"}


class UnitDirectory:
    def __init__(self, names: Mapping[str, str], kinds: Mapping[str, str] | None = None) -> None:
        self._names = dict(names)
        self._kinds = dict(kinds or {})

    def name(self, unit: str | None, fallback: str | None = None) -> str:
        if not unit:
            return fallback or ""
        known = self._names.get(unit)
        if known:
            return known
        return f"{fallback} ({unit})" if fallback and fallback != unit else unit

    def known(self, unit: str | None) -> bool:
        return bool(unit) and unit in self._names

    def kind(self, unit: str | None) -> str | None:
        return self._kinds.get(unit or "")

    def options(self, extra: Iterable[str] = (), kind: str | None = None) -> list[tuple[str, str]]:
        """(id, name) pairs for a select, the directory's units and ``extra`` ids, by name; with ``kind``, only the
        directory's units of that kind (and ``extra``, which the caller vouches for)."""
        known = [u for u in self._names if kind is None or self._kinds.get(u) == kind]
        ids = dict.fromkeys([*known, *[e for e in extra if e]])
        ids.pop("borger", None)
        return sorted(((i, self.name(i)) for i in ids), key=lambda pair: pair[1].casefold())

    def with_actors(self, actors: Iterable[Mapping[str, Any]]) -> UnitDirectory:
        """The directory plus the unit names and kinds a plan's actors carry (the directory wins where it knows)."""
        names, kinds = dict(self._names), dict(self._kinds)
        for actor in actors:
            unit, unit_name, kind = actor.get("unit"), actor.get("unit_name"), actor.get("kind")
            if unit and unit_name and unit not in names:
                names[unit] = str(unit_name)
            if unit and kind in UNIT_KINDS and unit not in kinds:
                kinds[unit] = str(kind)
        return UnitDirectory(names, kinds)


def load_directory(file: Path | None) -> UnitDirectory:
    names, kinds = dict(DEMO_UNITS), dict(DEMO_UNIT_KINDS)
    if file is not None:
        loaded = json.loads(file.read_text(encoding="utf-8"))
        if not isinstance(loaded, dict):
            raise ValueError(f"{file}: expected a JSON object of unit id to name")
        for unit, entry in loaded.items():
            if isinstance(entry, dict):
                names[str(unit)] = str(entry.get("name") or unit)
                if entry.get("kind") in UNIT_KINDS:
                    kinds[str(unit)] = str(entry["kind"])
            else:
                names[str(unit)] = str(entry)
    return UnitDirectory(names, kinds)

"""The names people read for units: an id like ``kk-hjemloeseenheden`` is never all a person sees.

A small directory: the demo units built in, a municipality's own file (``BORGERPLAN_WEB_UNITS_FILE``, JSON
``{"unit-id": "Name"}``) on top, and per page the names a plan's actors carry (``unit_name``).
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

UNIT_KINDS = {"authority": "Myndighed", "provider": "Udfører", "external": "Ekstern"}


class UnitDirectory:
    def __init__(self, names: Mapping[str, str]) -> None:
        self._names = dict(names)

    def name(self, unit: str | None, fallback: str | None = None) -> str:
        if not unit:
            return fallback or ""
        known = self._names.get(unit)
        if known:
            return known
        return f"{fallback} ({unit})" if fallback and fallback != unit else unit

    def known(self, unit: str | None) -> bool:
        return bool(unit) and unit in self._names

    def options(self, extra: Iterable[str] = ()) -> list[tuple[str, str]]:
        """(id, name) pairs for a select, the directory's units and ``extra`` ids, by name."""
        ids = dict.fromkeys([*self._names, *[e for e in extra if e]])
        ids.pop("borger", None)
        return sorted(((i, self.name(i)) for i in ids), key=lambda pair: pair[1].casefold())

    def with_actors(self, actors: Iterable[Mapping[str, Any]]) -> UnitDirectory:
        """The directory plus the unit names a plan's actors carry (the directory wins where it knows)."""
        names = dict(self._names)
        for actor in actors:
            unit, unit_name = actor.get("unit"), actor.get("unit_name")
            if unit and unit_name and unit not in names:
                names[unit] = str(unit_name)
        return UnitDirectory(names)


def load_directory(file: Path | None) -> UnitDirectory:
    names = dict(DEMO_UNITS)
    if file is not None:
        loaded = json.loads(file.read_text(encoding="utf-8"))
        if not isinstance(loaded, dict):
            raise ValueError(f"{file}: expected a JSON object of unit id to name")
        names.update({str(k): str(v) for k, v in loaded.items()})
    return UnitDirectory(names)

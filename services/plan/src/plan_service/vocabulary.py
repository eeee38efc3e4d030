"""The maintained list of legal bases, with their Danish labels, and how a typed reference is matched to it.

The enumerations (kinds, themes, network-map categories, child-plan options) are part of the public models
(``borgerplan_api.plan``) and the event contracts; this is what only the plan service needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from borgerplan_api.plan import PlanKind

__all__ = ["LEGAL_BASES", "LegalBasis", "canonical_legal_basis"]


@dataclass(frozen=True)
class LegalBasis:
    reference: str
    label: str
    plan_kinds: tuple[PlanKind, ...]


# The maintained list. The templates name the sector plans Én plan replaces and the adult template's VUM,
# §14I and §83A; the child measures' paragraphs follow the children's template. A municipality adds to it by
# changing this list; caseworkers may also type references outside it (kept as typed).
LEGAL_BASES: tuple[LegalBasis, ...] = (
    LegalBasis("SEL §141", "Handleplan for voksne (serviceloven § 141)", ("adult", "unified")),
    LegalBasis("SEL §140", "Handleplan for børn og unge (serviceloven § 140)", ("child", "unified")),
    LegalBasis(
        "LAB §27-28", "Min Plan (lov om en aktiv beskæftigelsesindsats §§ 27-28)", ("adult", "unified")
    ),
    LegalBasis("LAB §30a", "Rehabiliteringsplan (LAB § 30 a)", ("adult", "unified")),
    LegalBasis("LAB §30b", "Indsatsdelen af rehabiliteringsplanen (LAB § 30 b)", ("adult", "unified")),
    LegalBasis("BAB §52", "Plan efter beskæftigelsesansvarsloven § 52", ("adult", "unified")),
    LegalBasis("VUM", "Voksenudredningsmetoden", ("adult", "unified")),
    LegalBasis("§14I", "§ 14 I", ("adult", "unified")),
    LegalBasis("SEL §83a", "Rehabiliterende forløb (serviceloven § 83 a)", ("adult", "unified")),
    LegalBasis("SEL §50", "Børnefaglig undersøgelse (serviceloven § 50)", ("child", "unified")),
    LegalBasis("SEL §52", "Foranstaltninger (serviceloven § 52)", ("child", "unified")),
    LegalBasis("SEL §54", "Støtte til forældre ved anbringelse (serviceloven § 54)", ("child", "unified")),
    LegalBasis("SEL §68", "Hjemgivelse (serviceloven § 68)", ("child", "unified")),
    LegalBasis("SEL §70", "Opfølgning (serviceloven § 70)", ("child", "unified")),
    LegalBasis("SEL §76", "Efterværn (serviceloven § 76)", ("child", "unified")),
)


def _key(reference: str) -> str:
    return re.sub(r"[\s.]", "", reference).casefold()


_BY_KEY = {_key(b.reference): b.reference for b in LEGAL_BASES}
# A bare paragraph ("§ 141", "§83A") matches when exactly one law in the list has it.
_BARE: dict[str, list[str]] = {}
for _basis in LEGAL_BASES:
    if "§" in _basis.reference:
        _BARE.setdefault(_key(_basis.reference[_basis.reference.index("§") :]), []).append(_basis.reference)


def canonical_legal_basis(reference: str) -> str:
    """The maintained spelling of a reference, or the reference as typed (trimmed) when it is not listed."""
    cleaned = " ".join(reference.split())
    key = _key(cleaned)
    if key in _BY_KEY:
        return _BY_KEY[key]
    bare = _BARE.get(key, [])
    return bare[0] if len(bare) == 1 else cleaned

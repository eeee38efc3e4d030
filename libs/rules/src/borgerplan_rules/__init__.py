"""The pure rules every Borgerplan domain shares, with no I/O and no dependency outside the standard library.

A service's ``domain.py`` imports this package (and the pydantic models of ``borgerplan_api`` and
``borgerplan_contracts``), never the store, the HTTP problems or the clients: ``make lint`` enforces it with the
import contracts in ``pyproject.toml``.

- ``outcome``: what a change does (``Outcome``), who made it (``Stamp``), its history entry;
- ``violations``: ``RuleViolation``, a refusal naming the field;
- ``access``: how a unit is related to a citizen and what it may see of them now, decided once;
- ``workdays``: the Danish working-day calendar in Europe/Copenhagen.
"""

"""Serializing writes to one document within a process."""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from borgerplan_plumbing.mongo import Collection

_LOCKS: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


def document_lock(collection: Collection, doc_id: Any) -> asyncio.Lock:
    """One lock per document in this process, held around every write to it.

    MongoDB applies a filtered update atomically, so ``{_id, version}`` is a compare-and-set. FerretDB v1 (the
    local and CI database) reads the document, changes it and writes it back whole, so two updates of one document
    can interleave: both "match" the same version, or one overwrites the other's fields. Serializing each
    document's writes inside the process makes FerretDB behave; several replicas need MongoDB (see decision 0002).
    """
    key = f"{collection.full_name}/{doc_id}"
    lock = _LOCKS.get(key)
    if lock is None:
        lock = asyncio.Lock()
        _LOCKS[key] = lock
    return lock

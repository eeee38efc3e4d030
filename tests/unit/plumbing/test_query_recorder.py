"""The test-only query recorder names every query an aggregation makes, a ``$unionWith``'s included, so the
explain test checks the index of each."""

from __future__ import annotations

import json
from pathlib import Path

from pymongo import monitoring

from borgerplan_plumbing.mongo import QueryRecorder


def test_a_union_records_the_query_on_each_collection(tmp_path: Path) -> None:
    log = tmp_path / "queries.ndjson"
    recorder = QueryRecorder(str(log), "t_")
    command = {
        "aggregate": "plan_refs",
        "pipeline": [
            {"$match": {"citizen_id": "c1"}},
            {"$limit": 100},
            {"$addFields": {"__side": 0}},
            {
                "$unionWith": {
                    "coll": "consents",
                    "pipeline": [
                        {"$match": {"citizen_id": "c1"}},
                        {"$sort": {"valid_from": 1, "_id": 1}},
                    ],
                }
            },
        ],
    }
    event = monitoring.CommandStartedEvent(command, "t_consent", 1, ("localhost", 27017), 1, None)
    recorder.started(event)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert lines == [
        {
            "collection": "plan_refs",
            "command": "aggregate",
            "database": "consent",
            "filter": {"citizen_id": "c1"},
            "sort": None,
        },
        {
            "collection": "consents",
            "command": "aggregate",
            "database": "consent",
            "filter": {"citizen_id": "c1"},
            "sort": [["valid_from", 1], ["_id", 1]],  # in the order sent
        },
    ]

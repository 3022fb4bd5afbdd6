"""An agency system (say, a Jobcenter's case management) reading the shared record
through the portal's API instead of retyping it. Plain Python with httpx.

    python docs/agency_system_example.py https://portal.example/ rpk_... 4711 4712

1. fetch a record the portal shared with the agency (GET /api/v1/clients/<id>/),
   keeping its ETag (the record's version);
2. follow the change feed (GET /api/v1/feed/?cursor=...): ids, sections and versions
   of what changed in records shared with the agency since the last cursor, and grants
   that started or ended; fetch again what changed;
3. ask for a record that was not shared: 404, exactly as for a record that does not
   exist (the portal never tells a stranger that a record exists).

tests/api/test_agency_system_example.py runs these functions against a live server with
real keys, so this file stays true.
"""

from __future__ import annotations

import sys
import time

import httpx


def connect(base_url: str, key: str, **kwargs) -> httpx.Client:
    """One HTTP client for every call: the key goes in the Authorization header."""
    return httpx.Client(
        base_url=base_url.rstrip("/") + "/api/v1/",
        headers={"Authorization": f"Bearer {key}", "Accept": "application/json"},
        timeout=10,
        **kwargs,
    )


def fetch_record(api: httpx.Client, record_id: int) -> tuple[dict, str]:
    """The record with the sections the agency holds (others are absent) and its ETag."""
    response = api.get(f"clients/{record_id}/")
    response.raise_for_status()
    return response.json(), response.headers["ETag"]


def feed_start(api: httpx.Client) -> int:
    """Where a system that has just copied what it needs starts following the feed."""
    response = api.get("feed/", params={"cursor": "latest"})
    response.raise_for_status()
    return response.json()["next_cursor"]


def feed_follow(api: httpx.Client, cursor: int) -> tuple[list[dict], int]:
    """Every change after `cursor`, page by page; returns them and the cursor to store
    (store it only after the changes are processed: then none is lost)."""
    changes = []
    while True:
        response = api.get("feed/", params={"cursor": cursor, "page_size": 100})
        response.raise_for_status()
        page = response.json()
        changes += page["items"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return changes, cursor


def is_shared(api: httpx.Client, record_id: int) -> bool:
    """False for a record not shared with the agency (404, as for no record at all)."""
    response = api.get(f"clients/{record_id}/")
    if response.status_code == 404:
        return False  # application/problem+json, the same as for no record at all
    response.raise_for_status()
    return True


def main(base_url: str, key: str, shared_id: int, other_id: int) -> None:
    with connect(base_url, key) as api:
        record, version = fetch_record(api, shared_id)
        print(f"record {record['id']}, version {version}, fields: {sorted(record)}")
        cursor = feed_start(api)
        print(f"following the feed from cursor {cursor}; waiting for a change (Ctrl-C ends)")
        while True:
            changes, cursor = feed_follow(api, cursor)
            for change in changes:
                print(f"{change['kind']}: record {change['record']} {change['sections']}")
                if change["kind"] in ("created", "updated", "grant_started"):
                    record, version = fetch_record(api, change["record"])
            if changes:
                break
            time.sleep(5)
        print(f"record {other_id} shared with us: {is_shared(api, other_id)}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))

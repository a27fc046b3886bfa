"""A project whose issues hold a value in every searchable field, made through the REST API as a user would.

Used by the search document tests (tests/pipeline/test_search_documents.py) and by the live Elasticsearch
comparison (tests/jql/test_es_live.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

# Every custom field type with the value the rich issue gets (`None`: filled in with a user or a version below).
CUSTOM_FIELDS: dict[str, tuple[dict[str, Any], Any]] = {
    "text": ({}, "crash on the login page"),
    "textarea": ({}, "steps to reproduce the crash"),
    "url": ({}, "https://example.com/crash"),
    "number": ({}, 3.5),
    "date": ({}, "2026-03-01"),
    "datetime": ({}, "2026-03-01T10:30:00Z"),
    "select": ({"options": ["red", "green"]}, "red"),
    "multi_select": ({"options": ["red", "green"]}, ["red", "green"]),
    "checkbox": ({"options": ["yes", "no"]}, ["yes"]),
    "cascading_select": ({"options": [{"value": "eu", "children": ["fr", "de"]}]}, {"parent": "eu", "child": "fr"}),
    "labels": ({}, ["hot", "customer"]),
    "user": ({}, None),
    "multi_user": ({}, None),
    "version": ({}, None),
}


@dataclass
class RichProject:
    """What `build_rich_project` made: keys of its issues and ids of its agile items and custom fields."""

    key: str
    project_id: int
    alice: str
    bob: str
    epic: dict[str, Any]
    rich: dict[str, Any]
    blocked: dict[str, Any]
    blocker: dict[str, Any]
    plain: list[dict[str, Any]]
    sprint: dict[str, Any]
    other_sprint: dict[str, Any]
    versions: list[dict[str, Any]]
    components: list[dict[str, Any]]
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)


async def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201, 204), f"{response.request.method} {response.request.url}: {response.text}"
    data: dict[str, Any] = response.json() if response.content else {}
    return data


async def build_rich_project(
    admin: httpx.AsyncClient, make_user: Callable[..., Awaitable[tuple[str, httpx.AsyncClient]]]
) -> RichProject:
    """A project with a Scrum board and two sprints, versions, components, a custom field of every type, an epic,
    and one issue with everything (sprint, versions, components, watchers, links both ways, every custom field,
    labels, parent, comments, history, resolution), plus a few plainer issues to tell apart in searches."""
    key = "S" + secrets.token_hex(3).upper().replace("0", "Q")
    project = await ok(await admin.post("/api/v1/projects", json={"key": key, "name": f"Search {key}"}))
    alice, alice_client = await make_user(display_name="Alice Zed")
    bob, bob_client = await make_user(display_name="Bob Young")
    board = await ok(await admin.post("/api/v1/boards", json={"name": f"{key} scrum", "type": "scrum", "project": key}))
    sprint = await ok(await admin.post("/api/v1/sprints", json={"board_id": board["id"], "name": "Sprint Kilo"}))
    other_sprint = await ok(await admin.post("/api/v1/sprints", json={"board_id": board["id"], "name": "Sprint Alpha"}))
    versions = [
        await ok(await admin.post(f"/api/v1/projects/{key}/versions", json={"name": name}))
        for name in ("1.0", "2.0", "3.0")
    ]
    components = [
        await ok(await admin.post(f"/api/v1/projects/{key}/components", json={"name": name}))
        for name in ("backend", "frontend")
    ]
    fields: dict[str, dict[str, Any]] = {}
    for type_, (extra, _) in CUSTOM_FIELDS.items():
        body = {"name": f"{type_} {secrets.token_hex(3)}", "type": type_, "contexts": [{"projects": [key]}], **extra}
        fields[type_] = await ok(await admin.post("/api/v1/fields", json=body))
    values: dict[str, Any] = {}
    for type_, (_, value) in CUSTOM_FIELDS.items():
        values[fields[type_]["id"]] = value
    values[fields["user"]["id"]] = alice
    values[fields["multi_user"]["id"]] = [alice, bob]
    values[fields["version"]["id"]] = ["1.0"]

    epic = await ok(await admin.post("/api/v1/issues", json={"project": key, "type": "Epic", "summary": "Login epic"}))
    rich = await ok(
        await admin.post(
            "/api/v1/issues",
            json={
                "project": key,
                "type": "Story",
                "summary": "Login crash on mobile",
                "description": "The app crashes when @admin logs in",
                "priority": "High",
                "assignee": alice,
                "labels": ["ui", "mobile"],
                "due_date": "2026-04-01",
                "story_points": 5,
                "parent": epic["key"],
                "custom_fields": values,
                "components": [components[1]["name"]],
                "fix_versions": [versions[1]["name"]],
                "affects_versions": [versions[0]["name"]],
                "sprint": sprint["id"],
            },
        )
    )
    blocked = await ok(await admin.post("/api/v1/issues", json={"project": key, "type": "Bug", "summary": "Blocked"}))
    blocker = await ok(await admin.post("/api/v1/issues", json={"project": key, "type": "Task", "summary": "Blocker"}))
    await ok(
        await admin.post("/api/v1/issuelinks", json={"type": "Blocks", "source": rich["key"], "target": blocked["key"]})
    )
    await ok(
        await admin.post("/api/v1/issuelinks", json={"type": "Blocks", "source": blocker["key"], "target": rich["key"]})
    )
    await ok(await admin.post(f"/api/v1/issues/{rich['key']}/comments", json={"body": "seen on android too"}))
    await ok(await admin.post(f"/api/v1/issues/{rich['key']}/comments", json={"body": "fixed in the next build"}))
    await ok(await bob_client.post(f"/api/v1/issues/{rich['key']}/watchers"))
    await ok(await alice_client.post(f"/api/v1/issues/{rich['key']}/watchers"))
    await ok(await admin.patch(f"/api/v1/issues/{rich['key']}", json={"summary": "Login crash on mobile devices"}))
    await ok(await admin.post(f"/api/v1/issues/{rich['key']}/transitions", json={"transition": "Start Progress"}))
    await ok(await admin.post(f"/api/v1/issues/{rich['key']}/transitions", json={"transition": "Done"}))

    # Plainer issues: other values, empty fields, another sprint, so filters and sorts have something to separate.
    plain = []
    plain_bodies: list[dict[str, Any]] = [
        {"type": "Bug", "priority": "Low", "assignee": bob, "labels": ["backend"], "story_points": 1},
        {"type": "Task", "priority": "Highest", "due_date": "2026-01-15"},
        {"type": "Story", "parent": epic["key"], "story_points": 8, "fix_versions": ["3.0"]},
        {"type": "Task", "components": ["backend"], "affects_versions": ["2.0", "3.0"]},
    ]
    for n, body in enumerate(plain_bodies):
        summary = f"Plain issue {n} about {'login' if n % 2 else 'billing'}"
        plain.append(await ok(await admin.post("/api/v1/issues", json={"project": key, "summary": summary, **body})))
    await ok(await admin.post(f"/api/v1/sprints/{other_sprint['id']}/issues", json={"issues": [plain[0]["key"]]}))
    await ok(
        await admin.patch(
            f"/api/v1/issues/{plain[1]['key']}",
            json={"custom_fields": {fields["number"]["id"]: 1, fields["select"]["id"]: "green"}},
        )
    )
    await ok(await admin.post(f"/api/v1/issues/{plain[2]['key']}/transitions", json={"transition": "Start Progress"}))
    await ok(await bob_client.post(f"/api/v1/issues/{plain[3]['key']}/watchers"))
    await ok(await admin.post(f"/api/v1/issues/{plain[3]['key']}/comments", json={"body": "billing looks fine"}))
    # Board order differs from creation order.
    await ok(await admin.put("/api/v1/rank", json={"issues": [plain[3]["key"]], "rank_before_issue": epic["key"]}))
    return RichProject(
        key=key,
        project_id=project["id"],
        alice=alice,
        bob=bob,
        epic=epic,
        rich=rich,
        blocked=blocked,
        blocker=blocker,
        plain=plain,
        sprint=sprint,
        other_sprint=other_sprint,
        versions=versions,
        components=components,
        fields=fields,
    )

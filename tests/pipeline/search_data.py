"""A project whose issues hold a value in every searchable field, made through the REST API as a user would.

Used by the search document tests (tests/pipeline/test_search_documents.py) and by the live Elasticsearch
comparison (tests/jql/test_es_live.py), whose queries are here so that they are checked without a server too.
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


def comparison_queries(d: RichProject) -> list[str]:
    """JQL over every kind of field, each within the project, for comparing the backends (tests/jql/test_es_live.py):
    sprints, versions, components, custom fields, watchers, links, labels, history, text and ORDER BY Rank."""
    p = f"project = {d.key}"
    cf = {t: f["custom_id"] for t, f in d.fields.items()}
    rich, epic = d.rich["key"], d.epic["key"]
    return [
        f"{p}",
        f"{p} ORDER BY key",
        f"{p} ORDER BY Rank",
        f"{p} ORDER BY Rank DESC",
        f"{p} AND rank is not EMPTY ORDER BY Rank",
        # sprints
        f'{p} AND sprint = "Sprint Kilo"',
        f'{p} AND sprint in ("Sprint Kilo", "Sprint Alpha") ORDER BY key',
        f"{p} AND sprint is EMPTY ORDER BY key",
        f"{p} AND sprint is not EMPTY ORDER BY sprint, key",
        f"{p} ORDER BY sprint DESC, key",
        f"{p} AND sprint in futureSprints() ORDER BY key",
        # versions
        f'{p} AND fixVersion = "2.0"',
        f'{p} AND fixVersion > "1.0" ORDER BY key',
        f"{p} AND fixVersion is EMPTY ORDER BY key",
        f'{p} AND affectedVersion in ("2.0", "3.0") ORDER BY key',
        f'{p} AND affectedVersion = "1.0"',
        f"{p} ORDER BY fixVersion, key",
        f"{p} ORDER BY affectedVersion DESC, key",
        f"{p} AND fixVersion in unreleasedVersions() ORDER BY key",
        # components
        f"{p} AND component = frontend",
        f"{p} AND component in (frontend, backend) ORDER BY component, key",
        f"{p} AND component is EMPTY ORDER BY key",
        f"{p} AND component != backend ORDER BY key",
        # custom fields, one of each type
        f"{p} AND cf[{cf['text']}] ~ crash",
        f"{p} AND cf[{cf['textarea']}] ~ reproduce",
        f"{p} AND cf[{cf['text']}] is EMPTY ORDER BY key",
        f'{p} AND cf[{cf["url"]}] = "https://example.com/crash"',
        f"{p} AND cf[{cf['number']}] > 2",
        f"{p} AND cf[{cf['number']}] is not EMPTY ORDER BY cf[{cf['number']}]",
        f"{p} ORDER BY cf[{cf['number']}] DESC, key",
        f"{p} AND cf[{cf['date']}] is not EMPTY ORDER BY cf[{cf['date']}]",
        f"{p} AND cf[{cf['date']}] >= 2026-03-01",
        f"{p} AND cf[{cf['date']}] < 2026-03-01",
        f'{p} AND cf[{cf["datetime"]}] > "2026-03-01 10:00"',
        f"{p} AND cf[{cf['datetime']}] < startOfDay()",
        f"{p} AND cf[{cf['datetime']}] is not EMPTY ORDER BY cf[{cf['datetime']}] DESC",
        f"{p} AND cf[{cf['select']}] = red",
        f"{p} AND cf[{cf['select']}] in (red, green) ORDER BY cf[{cf['select']}], key",
        f"{p} AND cf[{cf['multi_select']}] = green",
        f"{p} AND cf[{cf['checkbox']}] = yes",
        f"{p} AND cf[{cf['cascading_select']}] = eu",
        f"{p} AND cf[{cf['labels']}] = hot",
        f"{p} AND cf[{cf['user']}] = {d.alice}",
        f"{p} AND cf[{cf['multi_user']}] = {d.bob}",
        f'{p} AND cf[{cf["version"]}] = "1.0"',
        # watchers
        f"{p} AND watcher = {d.bob} ORDER BY key",
        f"{p} AND watcher in ({d.alice}) ORDER BY key",
        f"{p} AND watcher is EMPTY ORDER BY key",
        f"{p} AND issue in watchedIssues() ORDER BY key",
        f"{p} AND issue not in watchedIssues() ORDER BY key",
        # links (sub-query functions: answered by PostgreSQL on both paths, see tracker.search.execute)
        f"{p} AND issue in linkedIssues({rich}) ORDER BY key",
        f'{p} AND issue in linkedIssues({rich}, "blocks") ORDER BY key',
        # labels, parent, people, plain fields
        f"{p} AND labels = ui",
        f"{p} AND labels in (backend, mobile) ORDER BY key",
        f"{p} AND labels is EMPTY ORDER BY key",
        f"{p} AND labels != ui ORDER BY key",
        f"{p} AND parent = {epic} ORDER BY key",
        f"{p} AND issuetype = Story ORDER BY key",
        f"{p} AND assignee = {d.alice}",
        f"{p} AND assignee is EMPTY ORDER BY key",
        f"{p} ORDER BY assignee, key",
        f"{p} ORDER BY assignee DESC, key",
        f"{p} ORDER BY reporter, key",
        f"{p} AND priority >= High ORDER BY priority DESC, key",
        f"{p} ORDER BY priority, key",
        f"{p} ORDER BY status, key",
        f"{p} AND statusCategory = Done",
        f"{p} AND resolution = Done",
        f"{p} AND resolution is EMPTY ORDER BY key",
        f"{p} ORDER BY resolution, key",
        f"{p} AND resolved is not EMPTY",
        f'{p} AND due < "2026-03-01"',
        f"{p} ORDER BY duedate, key",
        f'{p} AND "Story Points" > 2 ORDER BY "Story Points" DESC',
        f"{p} ORDER BY summary",
        f"{p} ORDER BY issuetype, created",
        f"{p} ORDER BY updated DESC",
        # history
        f'{p} AND status WAS "In Progress" ORDER BY key',
        f'{p} AND status WAS NOT "In Progress" ORDER BY key',
        f'{p} AND status WAS IN ("In Progress", Done) ORDER BY key',
        f"{p} AND status CHANGED ORDER BY key",
        f'{p} AND status CHANGED FROM "To Do" TO "In Progress" ORDER BY key',
        f"{p} AND status CHANGED TO Done BY admin ORDER BY key",
        f"{p} AND status CHANGED AFTER -1d ORDER BY key",
        f"{p} AND assignee WAS {d.alice}",
        f"{p} AND assignee WAS EMPTY ORDER BY key",
        f"{p} AND priority WAS High",
        f'{p} AND fixVersion WAS "2.0"',
        f'{p} AND status WAS "To Do" BEFORE now() ORDER BY key',
        # text
        f"{p} AND text ~ crash ORDER BY key",
        f"{p} AND text ~ android",
        f"{p} AND text ~ billing ORDER BY key",
        f"{p} AND summary ~ login ORDER BY key",
        f'{p} AND summary ~ "logi*" ORDER BY key',
        f"{p} AND summary !~ login ORDER BY key",
        f'{p} AND description ~ "logs in"',
        f"{p} AND description is EMPTY ORDER BY key",
        f"{p} AND comment ~ android",
        f"{p} AND comment ~ fine",
    ]

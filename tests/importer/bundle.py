"""A hand-written Jira export in the shapes Jira's REST API returns, small enough to check row by row.

Field ids are deliberately unusual (story points are customfield_12345, Sprint customfield_10777): the importer
must find them by type and name.

    KEY-1  Story, Backlog -> Selected -> In Progress -> Done, sprint 101 then carried over to 102, re-estimated
           3 -> 5, priority Medium -> High, labelled, assigned to bob
    KEY-2  Bug by a cloud user (accountId only), done then re-opened, reassigned to a user named only by key in
           the changelog; its Sprint value is the legacy 'Sprint@...[id=102,...]' text; a 'Link' item
    KEY-3  Sub-task of KEY-1, no changelog
    KEY-4  malformed: its status has no category and is not among the statuses
    KEY-5  malformed: its second history entry has no valid date
    KEY-6  description with a NUL character: valid JSON PostgreSQL cannot store (rejected when written)
    KEY-7  in sprints '101, 999': sprint 999 is not in the bundle
"""

from __future__ import annotations

import copy
from typing import Any

SP = "customfield_12345"
SPRINT = "customfield_10777"
RANK = "customfield_10019"

ALICE = {
    "name": "alice",
    "key": "alice",
    "displayName": "Alice Archer",
    "emailAddress": "alice@example.com",
    "active": True,
}
BOB = {
    "name": "Bob.Builder",
    "key": "bob",
    "displayName": "Bob Builder",
    "emailAddress": "bob@example.com",
    "active": True,
}
CAROL = {"accountId": "557058:c4r0l", "displayName": "Carol Cloud", "active": True}
DAVE = {"key": "dave-key", "name": "dave", "displayName": "Dave Doe", "active": True}

STATUS = {
    "backlog": {"id": "10000", "name": "Backlog", "statusCategory": {"id": 2, "key": "new", "name": "To Do"}},
    "selected": {"id": "10001", "name": "Selected for Development", "statusCategory": {"id": 2, "key": "new"}},
    "progress": {"id": "3", "name": "In Progress", "statusCategory": {"id": 4, "key": "indeterminate"}},
    "done": {"id": "10002", "name": "Done", "statusCategory": {"id": 3, "key": "done"}},
}
TYPES = {
    "story": {"id": "10001", "name": "Story", "subtask": False, "hierarchyLevel": 0},
    "bug": {"id": "10002", "name": "Bug", "subtask": False, "hierarchyLevel": 0},
    "subtask": {"id": "10003", "name": "Sub-task", "subtask": True, "hierarchyLevel": -1},
}
PRIORITY = {"medium": {"id": "3", "name": "Medium"}, "high": {"id": "2", "name": "High"}}
DONE_RESOLUTION = {"id": "10000", "name": "Done"}


def sprint_obj(sprint_id: int, state: str) -> dict[str, Any]:
    return {"id": sprint_id, "name": f"Sprint {sprint_id - 100}", "state": state, "boardId": 7}


def item(
    field: str, frm: Any, frm_s: Any, to: Any, to_s: Any, *, fieldtype: str = "jira", field_id: str | None = None
) -> dict[str, Any]:
    out = {"field": field, "fieldtype": fieldtype, "from": frm, "fromString": frm_s, "to": to, "toString": to_s}
    if field_id:
        out["fieldId"] = field_id
    return out


def status_item(a: str, b: str) -> dict[str, Any]:
    return item("status", STATUS[a]["id"], STATUS[a]["name"], STATUS[b]["id"], STATUS[b]["name"], field_id="status")


def history(hid: int, created: str, author: dict[str, Any] | None, *items: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(hid), "author": author, "created": created, "items": list(items)}


def issue(key: str, number_id: int, kind: str, summary: str, created: str, **fields: Any) -> dict[str, Any]:
    histories = fields.pop("histories", [])
    body = {
        "summary": summary,
        "issuetype": TYPES[kind],
        "created": created,
        "updated": created,
        "priority": PRIORITY["medium"],
        "status": STATUS["backlog"],
        "resolution": None,
        "resolutiondate": None,
        "assignee": None,
        "reporter": ALICE,
        "creator": ALICE,
        "labels": [],
        "description": None,
        "duedate": None,
        SP: None,
        SPRINT: None,
        RANK: f"0|i000{number_id}:",
        **fields,
    }
    return {
        "id": str(number_id),
        "key": key,
        "fields": body,
        "changelog": {"startAt": 0, "maxResults": len(histories), "total": len(histories), "histories": histories},
    }


def jira_bundle(key: str) -> dict[str, Any]:
    """The export, for a project called `key`."""
    k = key
    project = {"id": "10100", "key": k, "name": f"Imported {k}"}
    issues = [
        issue(
            f"{k}-1",
            30001,
            "story",
            "Login page",
            "2024-01-02T09:00:00.000+0000",
            status=STATUS["done"],
            resolution=DONE_RESOLUTION,
            resolutiondate="2024-01-20T16:00:00.000+0000",
            assignee=BOB,
            priority=PRIORITY["high"],
            labels=["auth"],
            updated="2024-01-20T16:00:00.000+0000",
            **{SP: 5.0, SPRINT: [sprint_obj(101, "closed"), sprint_obj(102, "active")]},
            histories=[
                history(
                    20001,
                    "2024-01-02T10:00:00.000+0000",
                    ALICE,
                    item("Sprint", None, "", "101", "Sprint 1", fieldtype="custom", field_id=SPRINT),
                    status_item("backlog", "selected"),
                    item("labels", None, "", None, "auth"),
                ),
                history(
                    20002,
                    "2024-01-03T11:30:00.000+0000",
                    BOB,
                    item("assignee", None, None, "bob", "Bob Builder", field_id="assignee"),
                    status_item("selected", "progress"),
                    item("Story Points", None, "3", None, "5", fieldtype="custom", field_id=SP),
                    item("priority", "3", "Medium", "2", "High"),
                ),
                history(
                    20003,
                    "2024-01-15T17:00:00.000+0000",
                    ALICE,
                    item("Sprint", "101", "Sprint 1", "101, 102", "Sprint 1, Sprint 2", fieldtype="custom"),
                ),
                history(
                    20004,
                    "2024-01-20T16:00:00.000+0000",
                    BOB,
                    status_item("progress", "done"),
                    item("resolution", None, None, "10000", "Done"),
                ),
            ],
        ),
        issue(
            f"{k}-2",
            30002,
            "bug",
            "Crash on save",
            "2024-01-05T08:00:00.000+0000",
            status=STATUS["progress"],
            reporter=CAROL,
            creator=CAROL,
            assignee=DAVE,
            description="Steps:\r\n1. save",
            updated="2024-01-18T12:00:00.000+0000",
            **{
                SPRINT: [
                    "com.atlassian.greenhopper.service.sprint.Sprint@1f2e[id=102,rapidViewId=7,state=ACTIVE,"
                    "name=Sprint 2,startDate=2024-01-15T09:00:00.000Z]"
                ]
            },
            histories=[
                history(
                    20010,
                    "2024-01-16T09:00:00.000+0000",
                    CAROL,
                    status_item("backlog", "progress"),
                    item("Sprint", "", "", "102", "Sprint 2", fieldtype="custom"),
                    item("assignee", None, None, "557058:c4r0l", "Carol Cloud"),
                ),
                history(
                    20011,
                    "2024-01-17T09:00:00.000+0000",
                    CAROL,
                    status_item("progress", "done"),
                    item("resolution", None, None, "10000", "Done"),
                ),
                history(
                    20012,
                    "2024-01-18T12:00:00.000+0000",
                    ALICE,
                    status_item("done", "progress"),
                    item("resolution", "10000", "Done", None, None),
                    item("assignee", "557058:c4r0l", "Carol Cloud", "dave-key", "Dave Doe"),
                    item("Link", None, None, f"{k}-1", f"This issue relates to {k}-1"),
                ),
            ],
        ),
        issue(
            f"{k}-3",
            30003,
            "subtask",
            "Login form validation",
            "2024-01-04T09:00:00.000+0000",
            status=STATUS["selected"],
            parent={"id": "30001", "key": f"{k}-1"},
        ),
        issue(
            f"{k}-4",
            30004,
            "bug",
            "Ghost",
            "2024-01-06T09:00:00.000+0000",
            status={"id": "999", "name": "Ghost status"},
            histories=[history(20040, "2024-01-07T09:00:00.000+0000", ALICE, status_item("backlog", "progress"))],
        ),
        issue(
            f"{k}-5",
            30005,
            "story",
            "Half an issue",
            "2024-01-06T09:00:00.000+0000",
            status=STATUS["progress"],
            histories=[
                history(20050, "2024-01-07T09:00:00.000+0000", ALICE, status_item("backlog", "selected")),
                history(20051, "yesterday", ALICE, status_item("selected", "progress")),
            ],
        ),
        issue(f"{k}-6", 30006, "story", "Binary description", "2024-01-06T09:00:00.000+0000", description="a\u0000b"),
        issue(
            f"{k}-7",
            30007,
            "story",
            "Mystery sprint",
            "2024-01-07T09:00:00.000+0000",
            **{SPRINT: [sprint_obj(101, "closed"), {"id": 999, "name": "Elsewhere", "state": "closed"}]},
        ),
    ]
    return {
        "users": [ALICE, BOB],
        "fields": [
            {"id": "summary", "name": "Summary", "custom": False, "schema": {"type": "string", "system": "summary"}},
            {
                "id": SP,
                "name": "Story Points",
                "custom": True,
                "schema": {"type": "number", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:float"},
            },
            {
                "id": SPRINT,
                "name": "Sprint",
                "custom": True,
                "schema": {"type": "array", "items": "json", "custom": "com.pyxis.greenhopper.jira:gh-sprint"},
            },
            {
                "id": RANK,
                "name": "Rank",
                "custom": True,
                "schema": {"custom": "com.pyxis.greenhopper.jira:gh-lexo-rank"},
            },
        ],
        "statuses": list(STATUS.values()),
        "projects": [project | {"lead": ALICE, "issueTypes": list(TYPES.values()), "description": "From Jira"}],
        "boards": [
            {
                "id": 7,
                "name": f"{k} scrum",
                "type": "scrum",
                "location": {"projectId": 10100, "projectKey": k},
                "configuration": {
                    "filter": {"id": "10050", "jql": f"project = {k} ORDER BY Rank ASC"},
                    "columnConfig": {
                        "columns": [
                            {"name": "Backlog", "statuses": [{"id": "10000"}]},
                            {"name": "Selected", "statuses": [{"id": "10001"}]},
                            {"name": "In Progress", "statuses": [{"id": "3"}], "max": 3},
                            {"name": "Done", "statuses": [{"id": "10002"}]},
                        ]
                    },
                    "estimation": {"type": "field", "field": {"fieldId": SP, "displayName": "Story Points"}},
                },
            }
        ],
        "sprints": [
            {
                "id": 101,
                "name": "Sprint 1",
                "state": "closed",
                "originBoardId": 7,
                "goal": "Log in",
                "startDate": "2024-01-01T09:00:00.000Z",
                "endDate": "2024-01-15T09:00:00.000Z",
                "completeDate": "2024-01-15T17:00:00.000Z",
            },
            {
                "id": 102,
                "name": "Sprint 2",
                "state": "active",
                "originBoardId": 7,
                "goal": "",
                "startDate": "2024-01-15T09:00:00.000Z",
                "endDate": "2024-01-29T09:00:00.000Z",
            },
            {"id": 103, "name": "Sprint 3", "state": "future", "originBoardId": 7},
        ],
        "issues": issues,
    }


def newer_export(key: str) -> dict[str, Any]:
    """The same Jira a week later: KEY-2 is done, KEY-8 is new, sprint 102 closed and 103 active."""
    bundle = copy.deepcopy(jira_bundle(key))
    two = next(i for i in bundle["issues"] if i["key"] == f"{key}-2")
    two["fields"] |= {
        "status": STATUS["done"],
        "resolution": DONE_RESOLUTION,
        "resolutiondate": "2024-01-30T10:00:00.000+0000",
        "updated": "2024-01-30T10:00:00.000+0000",
    }
    two["changelog"]["histories"].append(
        history(
            20013,
            "2024-01-30T10:00:00.000+0000",
            DAVE,
            status_item("progress", "done"),
            item("resolution", None, None, "10000", "Done"),
        )
    )
    bundle["issues"].append(
        issue(
            f"{key}-8",
            30008,
            "story",
            "Sign up",
            "2024-01-29T10:00:00.000+0000",
            **{SPRINT: [sprint_obj(103, "active")]},
            histories=[
                history(
                    20080,
                    "2024-01-29T11:00:00.000+0000",
                    ALICE,
                    item("Sprint", "", "", "103", "Sprint 3", fieldtype="custom"),
                )
            ],
        )
    )
    sprints = {s["id"]: s for s in bundle["sprints"]}
    sprints[102] |= {"state": "closed", "completeDate": "2024-01-29T17:00:00.000Z"}
    sprints[103] |= {"state": "active", "startDate": "2024-01-29T18:00:00.000Z", "endDate": "2024-02-12T18:00:00.000Z"}
    return bundle

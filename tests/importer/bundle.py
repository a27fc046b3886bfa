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
    KEY-9  everything else Jira has: fix / affects versions and components (added and removed in the changelog,
           one of them named only there), typed custom fields of every kind tracklake has (select, multi-select,
           text, number, date, date-time, user, multi-user, labels; values and changes) and one of a type it has
           not, two comments, links to KEY-1 and KEY-3 and to an issue that is not imported
    KEY-10 malformed: its comment has no date
    KEY-11 malformed: its link names neither an inward nor an outward issue
"""

from __future__ import annotations

import copy
from typing import Any

SP = "customfield_12345"
SPRINT = "customfield_10777"
RANK = "customfield_10019"
TEAM, ENVS, NOTE, RISK = "customfield_10500", "customfield_10501", "customfield_10502", "customfield_10503"
GO_LIVE, REVIEWED, REVIEWER, APPROVERS = (
    "customfield_10504",
    "customfield_10505",
    "customfield_10506",
    "customfield_10507",
)
TAGS, MOOD = "customfield_10508", "customfield_10509"
CF = "com.atlassian.jira.plugin.system.customfieldtypes:"
# Jira type of each custom field; names carry the project key (fields are global, each test has its own project)
CUSTOM = {
    TEAM: ("Team", CF + "select"),
    ENVS: ("Environments", CF + "multiselect"),
    NOTE: ("Customer note", CF + "textfield"),
    RISK: ("Risk score", CF + "float"),
    GO_LIVE: ("Go-live", CF + "datepicker"),
    REVIEWED: ("Reviewed at", CF + "datetime"),
    REVIEWER: ("Reviewer", CF + "userpicker"),
    APPROVERS: ("Approvers", CF + "multiuserpicker"),
    TAGS: ("Tags", CF + "labels"),
    MOOD: ("Mood", "com.example.jira:mood-picker"),
}
BLOCKS = {"id": "10000", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"}
RELATES = {"id": "10003", "name": "Relates", "inward": "relates to", "outward": "relates to"}
CAUSES = {"id": "10400", "name": "Problem/Incident", "inward": "is caused by", "outward": "causes"}

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


def custom_name(field_id: str, key: str) -> str:
    return f"{CUSTOM[field_id][0]} {key}"


def link(kind: dict[str, str], side: str, other: str) -> dict[str, Any]:
    return {"id": "1" + other.split("-")[-1], "type": kind, side: {"key": other, "fields": {"summary": "..."}}}


def comment(cid: int, author: dict[str, Any], body: str, created: str, updated: str | None = None) -> dict[str, Any]:
    return {"id": str(cid), "author": author, "body": body, "created": created, "updated": updated or created}


def everything_else(k: str) -> list[dict[str, Any]]:
    """KEY-9, KEY-10, KEY-11."""

    def cf(field_id: str, frm: Any, frm_s: Any, to: Any, to_s: Any) -> dict[str, Any]:
        return item(custom_name(field_id, k), frm, frm_s, to, to_s, fieldtype="custom", field_id=field_id)

    nine = issue(
        f"{k}-9",
        30009,
        "story",
        "Release checklist",
        "2024-01-08T09:00:00.000+0000",
        status=STATUS["progress"],
        fixVersions=[{"id": "10200", "name": "1.0", "released": True, "releaseDate": "2024-01-31"}],
        versions=[{"id": "10198", "name": "0.9", "released": True}],
        components=[{"id": "10300", "name": "Backend"}, {"id": "10301", "name": "Frontend"}],
        comment={
            "startAt": 0,
            "total": 2,
            "comments": [
                comment(40001, BOB, "Looks good", "2024-01-10T12:00:00.000+0000"),
                comment(
                    40002, ALICE, "Ship it\nplease", "2024-01-12T08:00:00.000+0000", "2024-01-13T08:00:00.000+0000"
                ),
            ],
        },
        issuelinks=[
            link(BLOCKS, "outwardIssue", f"{k}-1"),
            link(CAUSES, "outwardIssue", f"{k}-3"),
            link(RELATES, "inwardIssue", "ELSEWHERE-5"),
        ],
        **{
            TEAM: {"id": "10601", "value": "Blue"},
            ENVS: [{"id": "10610", "value": "web"}, {"id": "10611", "value": "ios"}],
            NOTE: "VIP customer",
            RISK: 2.5,
            GO_LIVE: "2024-02-15",
            REVIEWED: "2024-01-19T15:00:00.000+0100",
            REVIEWER: BOB,
            APPROVERS: [ALICE, BOB],
            TAGS: ["q1", "mobile"],
            MOOD: {"emoji": ":)"},
        },
        histories=[
            history(
                20190,
                "2024-01-09T10:00:00.000+0000",
                ALICE,
                item("Component", None, None, "10301", "Frontend"),
                cf(TEAM, "10600", "Red", "10601", "Blue"),
                cf(ENVS, None, "web", None, "web,ios"),
                cf(RISK, None, "1", None, "2.5"),
                item("Link", None, None, f"{k}-1", f"This issue blocks {k}-1"),
                cf(MOOD, None, ":(", None, ":)"),
            ),
            history(
                20191,
                "2024-01-11T10:00:00.000+0000",
                BOB,
                item("Fix Version", None, None, "10200", "1.0"),
                item("Fix Version", "10199", "0.8", None, None),
                cf(REVIEWER, None, None, "bob", "Bob Builder"),
                cf(APPROVERS, "[alice]", "Alice Archer", "[alice, bob]", "Alice Archer, Bob Builder"),
            ),
        ],
    )
    ten = issue(
        f"{k}-10",
        30010,
        "bug",
        "Undated comment",
        "2024-01-08T09:00:00.000+0000",
        comment={"comments": [{"id": "40010", "author": ALICE, "body": "When?"}]},
    )
    eleven = issue(
        f"{k}-11",
        30011,
        "bug",
        "Dangling link",
        "2024-01-08T09:00:00.000+0000",
        issuelinks=[{"id": "1", "type": BLOCKS}],
    )
    return [nine, ten, eleven]


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
            issuelinks=[link(RELATES, "inwardIssue", f"{k}-2"), link(BLOCKS, "inwardIssue", f"{k}-9")],
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
            issuelinks=[link(RELATES, "outwardIssue", f"{k}-1")],
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
        *everything_else(k),
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
            *(
                {"id": fid, "name": custom_name(fid, k), "custom": True, "schema": {"type": "any", "custom": kind}}
                for fid, (_, kind) in CUSTOM.items()
            ),
        ],
        "statuses": list(STATUS.values()),
        "projects": [
            project
            | {
                "lead": ALICE,
                "issueTypes": list(TYPES.values()),
                "description": "From Jira",
                "versions": [
                    {"id": "10200", "name": "1.0", "released": True, "releaseDate": "2024-01-31"},
                    {"id": "10201", "name": "2.0", "released": False},
                ],
                "components": [{"id": "10300", "name": "Backend"}, {"id": "10301", "name": "Frontend"}],
            }
        ],
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
    nine = next(i for i in bundle["issues"] if i["key"] == f"{key}-9")
    nine["fields"]["components"].append({"id": "10302", "name": "Mobile"})
    nine["fields"]["comment"]["comments"].append(comment(40003, DAVE, "Mobile too", "2024-01-31T09:00:00.000+0000"))
    nine["fields"]["comment"]["total"] = 3
    nine["changelog"]["histories"].append(
        history(20192, "2024-01-30T09:00:00.000+0000", DAVE, item("Component", None, None, "10302", "Mobile"))
    )
    sprints = {s["id"]: s for s in bundle["sprints"]}
    sprints[102] |= {"state": "closed", "completeDate": "2024-01-29T17:00:00.000Z"}
    sprints[103] |= {"state": "active", "startDate": "2024-01-29T18:00:00.000Z", "endDate": "2024-02-12T18:00:00.000Z"}
    return bundle

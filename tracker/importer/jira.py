"""Parsing and checking a Jira bundle, and rebuilding each issue's initial values (pure: no database).

Every value stays in Jira's terms (see models.py). An issue with a malformed part is rejected whole, with the path
of the part (`issues[3].fields.status`); an inconsistency that does not stop the import (a changelog that does not
lead to the current value, a truncated changelog) is a warning.

Initial values are found by walking each field's changelog backwards from the issue's current value: the value
before a change is its `from`, so the value at creation is the `from` of the field's oldest change, or the current
value when the field never changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from tracker.importer.bundle import Bundle, Origin
from tracker.importer.models import (
    CUSTOM_FIELDS,
    LINK_FIELD,
    SET_FIELDS,
    History,
    Item,
    JiraBoard,
    JiraColumn,
    JiraComment,
    JiraCustomField,
    JiraIssueType,
    JiraLink,
    JiraProject,
    JiraSprint,
    JiraStatus,
    JiraUser,
    JiraVersion,
    ParsedIssue,
    Problem,
    Value,
)
from tracker.importer.values import (
    MAX_COMMENT,
    Reject,
    as_object,
    custom_number,
    date_text,
    datetime_text,
    label_list,
    list_text,
    name_text,
    number_text,
    optional_time,
    parse_time,
    same,
    sprint_ids,
    text_value,
)

STATUS_CATEGORIES = {"new": "todo", "indeterminate": "in_progress", "done": "done"}
# A status only changelogs name comes without its category: Jira's own statuses get the category Jira gives them,
# any other name In Progress (docs/import.md).
JIRA_STATUS_CATEGORIES = {
    "open": "todo",
    "to do": "todo",
    "backlog": "todo",
    "selected for development": "todo",
    "reopened": "todo",
    "done": "done",
    "closed": "done",
    "resolved": "done",
}
SPRINT_FIELD_TYPE = "com.pyxis.greenhopper.jira:gh-sprint"
EPIC_LINK_FIELD_TYPE = "com.pyxis.greenhopper.jira:gh-epic-link"
RANK_FIELD_TYPE = "com.pyxis.greenhopper.jira:gh-lexo-rank"
STORY_POINT_NAMES = ("story points", "story point estimate")
JIRA_TYPES = "com.atlassian.jira.plugin.system.customfieldtypes:"
# Jira custom field types (schema.custom) → tracklake field types (tracker/fields/types); others are reported.
CUSTOM_TYPES = {
    JIRA_TYPES + "textfield": "text",
    JIRA_TYPES + "textarea": "textarea",
    JIRA_TYPES + "float": "number",
    JIRA_TYPES + "datepicker": "date",
    JIRA_TYPES + "datetime": "datetime",
    JIRA_TYPES + "url": "url",
    JIRA_TYPES + "select": "select",
    JIRA_TYPES + "radiobuttons": "select",
    JIRA_TYPES + "multiselect": "multi_select",
    JIRA_TYPES + "multicheckboxes": "checkbox",
    JIRA_TYPES + "labels": "labels",
    JIRA_TYPES + "userpicker": "user",
    JIRA_TYPES + "multiuserpicker": "multi_user",
}
MULTI_KINDS = {"multi_select", "checkbox", "labels", "multi_user"}
SELECT_KINDS = {"select", "multi_select", "checkbox"}
# changelog names (and Cloud field ids) of the multi-valued system fields
SET_FIELD_NAMES = {
    "fix version": "Fix Version",
    "fixversions": "Fix Version",
    "version": "Version",
    "versions": "Version",
    "component": "Component",
    "components": "Component",
}
SET_FIELD_KEYS = {"Fix Version": "fixVersions", "Version": "versions", "Component": "components"}
KEY_IN_TEXT = re.compile(r"\b([A-Z][A-Z0-9_]*-[1-9][0-9]{0,8})\b")
ISSUE_KEY = re.compile(r"^([A-Z][A-Z0-9_]*)-([1-9][0-9]{0,8})$")
PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")
SYSTEM_FIELDS = {
    "status",
    "resolution",
    "priority",
    "issuetype",
    "assignee",
    "reporter",
    "summary",
    "description",
    "labels",
    "duedate",
}
PARENT_FIELDS = {"parent", "issueparentassociation", "epic link"}
USER_FIELDS = {"assignee", "reporter"}
USER_REFS = ("accountId", "key", "name")  # what Jira Cloud, Server and old Server name a user by
SCALARS = (str, int)
DEFAULT_PRIORITY = "Medium"  # what tracklake gives an issue created without a priority
MAX_SUMMARY = 255


@dataclass
class FieldMap:
    """Jira's custom fields that tracklake models as system fields, found by type or name (never by id)."""

    story_points: list[str] = field(default_factory=list)
    sprint: list[str] = field(default_factory=list)
    epic_link: list[str] = field(default_factory=list)
    rank: list[str] = field(default_factory=list)


@dataclass
class ParsedBundle:
    """Everything the import writes, in Jira's terms, plus what was rejected or looked wrong."""

    users: dict[str, JiraUser]
    statuses: dict[str, JiraStatus]
    issue_types: dict[str, JiraIssueType]
    projects: dict[str, JiraProject]
    boards: list[JiraBoard]
    sprints: list[JiraSprint]
    issues: list[ParsedIssue]
    fields: FieldMap
    problems: list[Problem]
    rejected: dict[str, int]
    custom: dict[str, JiraCustomField] = field(default_factory=dict)


class Parser:
    """Reads a bundle section by section; issues last, since they refer to everything else."""

    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle
        self.problems: list[Problem] = []
        self.rejected: dict[str, int] = {}
        self.users: dict[str, JiraUser] = {}
        self.user_refs: dict[str, str] = {}
        self.status_ids: dict[str, str] = {}
        self.statuses: dict[str, JiraStatus] = {}
        self.issue_statuses: dict[Origin, str | Reject] = {}  # each issue's fields.status, read before any issue
        self.types: dict[str, JiraIssueType] = {}
        self.projects: dict[str, JiraProject] = {}
        self.project_ids: dict[str, str] = {}
        self.bad_projects: dict[str, str] = {}
        self.fields = FieldMap()
        self.custom: dict[str, JiraCustomField] = {}  # the custom fields brought over (and those reported), by Jira id
        self.custom_names: dict[str, str] = {}  # lowercase name → Jira id, of those brought over
        self.canonical: dict[tuple[Any, Any, Any], str | None] = {}
        self.here: Origin | None = None  # the item being read: helpers report paths relative to it

    def problem(self, path: str, message: str, level: str = "error") -> None:
        self.problems.append(Problem(path, message, "error" if level == "error" else "warning"))

    def warn(self, suffix: str, message: str) -> None:
        self.problem(self.here.path(suffix) if self.here else suffix.lstrip(".") or "bundle", message, "warning")

    def reject(self, section: str, origin: Origin, exc: Reject) -> None:
        self.rejected[section] = self.rejected.get(section, 0) + 1
        if not exc.silent:
            self.problem(origin.path(exc.suffix), exc.message)

    # -- users ---------------------------------------------------------------------------------------------------

    def user(self, obj: Any, where: str) -> str | None:
        """The external id of a user object (registered on first sight), None for no user."""
        if obj is None:
            return None
        if isinstance(obj, str):
            return self.user_ref(obj, None)
        if not isinstance(obj, dict):
            raise Reject(where, "must be a user object")
        for k in USER_REFS:  # the common case: a user seen before
            v = obj.get(k)
            known = self.user_refs.get(v if type(v) is str else str(v)) if v is not None else None
            if known is not None:
                return known
        refs = [str(v) for k in USER_REFS if (v := obj.get(k)) is not None and v != "" and isinstance(v, SCALARS)]
        if not refs:
            raise Reject(where, "a user needs an accountId, key or name")
        for ref in refs:
            if ref in self.user_refs:
                return self.user_refs[ref]
        email = obj.get("emailAddress") if isinstance(obj.get("emailAddress"), str) else None
        display = obj.get("displayName") if isinstance(obj.get("displayName"), str) else None
        login = obj.get("name") if isinstance(obj.get("name"), str) else None
        wanted = login or (email.split("@")[0] if email else None) or display or refs[0]
        user = JiraUser(refs[0], wanted, (display or login or refs[0])[:255], email, obj.get("active") is not False)
        self.users[user.external_id] = user
        for ref in refs:
            self.user_refs[ref] = user.external_id
        return user.external_id

    def user_ref(self, ref: str, display: str | None) -> str:
        """A user named only by an id (changelog values): known, or a stub for a user Jira no longer lists."""
        known = self.user_refs.get(ref)
        if known is not None:
            return known
        user = JiraUser(ref, ref, (display or ref)[:255], None, active=False)
        self.users[ref] = user
        self.user_refs[ref] = ref
        return ref

    # -- statuses, fields, projects ------------------------------------------------------------------------------

    def status(self, obj: Any, where: str) -> str:
        """The (lowercase) name of a status object, registered on first sight."""
        if not isinstance(obj, dict):
            raise Reject(where, "must be a status object")
        sid = str(obj["id"]) if obj.get("id") is not None else None
        if sid is not None and sid in self.status_ids:
            return self.status_ids[sid]
        name = obj.get("name")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 255:
            raise Reject(f"{where}.name", "a status needs a name of 1-255 characters")
        lower = name.strip().lower()
        category_obj = obj.get("statusCategory")
        key = category_obj.get("key") if isinstance(category_obj, dict) else None
        if key is None and lower in self.statuses:
            category = self.statuses[lower].category
        else:
            if key is None:
                raise Reject(
                    where,
                    f"status '{name.strip()}' ({sid}) is not among the bundle's statuses and has no statusCategory",
                )
            found = STATUS_CATEGORIES.get(str(key))
            if found is None:
                raise Reject(f"{where}.statusCategory.key", f"'{key}' is not one of new, indeterminate, done")
            category = found
        known = self.statuses.get(lower)
        if known is None:
            self.statuses[lower] = JiraStatus(name.strip(), category)
        elif known.category != category:
            self.warn(
                where,
                f"two statuses are called '{name.strip()}' with different categories; both become one with the "
                f"category {known.category}",
            )
        if sid is not None:
            self.status_ids[sid] = lower
        return lower

    def read_issue_statuses(self) -> None:
        """Every issue's current status, before any board or changelog refers to a status: a bundle without a
        statuses section then means the same whatever the order of its issues."""
        for origin, obj in self.bundle.items("issues"):
            fields = obj.get("fields") if isinstance(obj, dict) else None
            raw = fields.get("status") if isinstance(fields, dict) else None
            if raw is None:
                continue
            self.here = origin
            try:
                self.issue_statuses[origin] = self.status(raw, ".fields.status")
            except Reject as exc:  # reported when the issue is read
                self.issue_statuses[origin] = exc
        self.here = None

    def status_ref(self, raw: Any, string: Any, where: str) -> str | None:
        """A status named in a changelog item by id and name: a known one, else (named only in changelogs) a new
        one by that name, its category guessed from the name."""
        if raw is None and string is None:
            return None
        if raw is not None and str(raw) in self.status_ids:
            return self.status_ids[str(raw)]
        name = string.strip() if isinstance(string, str) else ""
        if not name:
            raise Reject(where, f"status {raw} is not among the bundle's statuses and the changelog gives no name")
        if len(name) > 255:
            raise Reject(f"{where}String", "a status needs a name of 1-255 characters")
        lower = name.lower()
        if lower not in self.statuses:
            first = self.here.path(".changelog") if self.here else "changelog"
            self.statuses[lower] = JiraStatus(name, JIRA_STATUS_CATEGORIES.get(lower, "in_progress"), first)
        if raw is not None:
            self.status_ids.setdefault(str(raw), lower)
        return lower

    def issue_type(self, obj: Any, where: str) -> str:
        if not isinstance(obj, dict) or not isinstance(obj.get("name"), str) or not obj["name"].strip():
            raise Reject(where, "must be an issue type object with a name")
        name = obj["name"].strip()[:255]
        lower = name.lower()
        if lower not in self.types:
            level = obj.get("hierarchyLevel")
            subtask = obj.get("subtask") is True
            self.types[lower] = JiraIssueType(
                name, subtask, level if isinstance(level, int) and not isinstance(level, bool) else -1 if subtask else 0
            )
        return lower

    def read_fields(self) -> None:
        for origin, f in self.bundle.items("fields"):
            if not isinstance(f, dict) or not isinstance(f.get("id"), str):
                self.problem(origin.path(), "a field needs an id")
                continue
            custom = as_object(f.get("schema")).get("custom")
            name = str(f.get("name") or "").strip().lower()
            if custom == SPRINT_FIELD_TYPE:
                self.fields.sprint.append(f["id"])
            elif custom == EPIC_LINK_FIELD_TYPE:
                self.fields.epic_link.append(f["id"])
            elif custom == RANK_FIELD_TYPE:
                self.fields.rank.append(f["id"])
            elif name in STORY_POINT_NAMES:
                self.fields.story_points.append(f["id"])
            elif isinstance(custom, str) and f["id"] not in self.custom:
                label = str(f.get("name") or f["id"]).strip()[:255] or f["id"]
                kind = CUSTOM_TYPES.get(custom)
                self.custom[f["id"]] = JiraCustomField(f["id"], label, custom, kind)
                if kind is not None:
                    self.custom_names.setdefault(label.lower(), f["id"])
        found = (("Story Points", self.fields.story_points), ("Sprint", self.fields.sprint))
        missing = [name for name, ids in found if not ids]
        if self.bundle.count("issues") and missing:
            self.problem(
                "fields",
                f"no {' or '.join(missing)} field among the bundle's fields: its values are kept as text in history only",
                "warning",
            )

    def project(self, key: str, obj: Any, where: str) -> JiraProject:
        """The project of an issue: from the projects section, else from the issue's own project object."""
        if key in self.bad_projects:
            raise Reject(where, f"project {key} was rejected", silent=True)
        known = self.projects.get(key)
        if known is not None:
            return known
        if not PROJECT_KEY.match(key):
            self.bad_projects[key] = where
            self.problem(
                self.here.path(where) if self.here else where,
                f"'{key}' is not a tracklake project key (2-10 letters or digits); its issues are skipped",
            )
            raise Reject(where, "", silent=True)
        obj = obj if isinstance(obj, dict) else {}
        project = JiraProject(None, str(obj.get("id") or key), key, str(obj.get("name") or key)[:255] or key)
        self.projects[key] = project
        return project

    def read_projects(self) -> None:
        for origin, p in self.bundle.items("projects"):
            self.here = origin
            try:
                if not isinstance(p, dict):
                    raise Reject("", "must be a project object")
                key = p.get("key")
                if not isinstance(key, str) or not PROJECT_KEY.match(key):
                    self.bad_projects[str(key)] = origin.path(".key")
                    raise Reject(
                        ".key",
                        f"'{key}' is not a tracklake project key (2-10 letters or digits); its issues are skipped",
                    )
                name = name_text(p.get("name")) or key
                project = JiraProject(origin, str(p.get("id") or key), key, name[:255])
                project.description = p["description"] if isinstance(p.get("description"), str) else ""
                project.lead = self.user(p.get("lead"), ".lead") if p.get("lead") else None
                types = p.get("issueTypes") or []
                if not isinstance(types, list):
                    raise Reject(".issueTypes", "must be a list of issue types")
                for n, t in enumerate(types):
                    name_lower = self.issue_type(t, f".issueTypes[{n}]")
                    project.issue_types.append(self.types[name_lower].name)
                for section, read in (("versions", self.versions), ("components", self.components)):
                    listed = p.get(section)
                    if listed is not None:
                        try:
                            read(project, listed, f".{section}")
                        except Reject as exc:  # the project stays; its list is reported and left out
                            self.problem(
                                origin.path(exc.suffix), f"{exc.message}; the {section} are left out", "warning"
                            )
                if key in self.projects:
                    self.problem(origin.path(), f"project {key} appears twice; the first is used", "warning")
                    continue
                self.projects[key] = project
                self.project_ids[project.external_id] = key
            except Reject as exc:
                self.reject("projects", origin, exc)

    # -- boards and sprints --------------------------------------------------------------------------------------

    def read_boards(self) -> list[JiraBoard]:
        boards: list[JiraBoard] = []
        seen: set[str] = set()
        for origin, b in self.bundle.items("boards"):
            try:
                boards.append(self._board(origin, b, seen))
            except Reject as exc:
                self.reject("boards", origin, exc)
        return boards

    def _board(self, origin: Origin, b: Any, seen: set[str]) -> JiraBoard:
        if not isinstance(b, dict) or not isinstance(b.get("id"), int | str) or isinstance(b.get("id"), bool):
            raise Reject(".id", "a board needs an id")
        external_id = str(b["id"])
        if external_id in seen:
            raise Reject(".id", f"board {external_id} appears twice")
        seen.add(external_id)
        kind = str(b.get("type") or "").lower()
        if kind not in ("scrum", "kanban"):
            raise Reject(".type", f"'{b.get('type')}' boards are not supported: scrum or kanban")
        location = as_object(b.get("location"))
        key = location.get("projectKey") or self.project_ids.get(str(location.get("projectId")))
        if not isinstance(key, str) or key not in self.projects:
            raise Reject(".location.projectKey", f"the board's project ({key}) is not in the bundle")
        config = as_object(b.get("configuration"))
        raw_columns = as_object(config.get("columnConfig")).get("columns")
        if not isinstance(raw_columns, list) or not raw_columns:
            raise Reject(".configuration.columnConfig.columns", "a board needs its columns")
        columns: list[JiraColumn] = []
        placed: set[str] = set()
        for n, c in enumerate(raw_columns):
            where = f".configuration.columnConfig.columns[{n}]"
            if not isinstance(c, dict) or not isinstance(c.get("name"), str) or not c["name"].strip():
                raise Reject(where, "a column needs a name")
            names: list[str] = []
            for k, s in enumerate(c.get("statuses") or []):
                sid = str(s.get("id")) if isinstance(s, dict) else str(s)
                lower = self.status_ids.get(sid)
                if lower is None:
                    self.problem(origin.path(f"{where}.statuses[{k}]"), f"status {sid} is unknown; left out", "warning")
                elif lower not in placed:
                    placed.add(lower)
                    names.append(lower)
            limits = [
                c.get(k) if isinstance(c.get(k), int) and not isinstance(c.get(k), bool) else None
                for k in ("min", "max")
            ]
            columns.append(JiraColumn(c["name"].strip()[:255], names, limits[0], limits[1]))
        if not columns[-1].statuses:
            raise Reject(
                f".configuration.columnConfig.columns[{len(columns) - 1}]", "the rightmost column has no status"
            )
        project = self.projects[key]
        for column in columns:
            for lower in column.statuses:
                project.statuses.setdefault(lower)
        estimation = config.get("estimation")
        field_id = as_object(as_object(estimation).get("field")).get("fieldId")
        if not isinstance(estimation, dict):
            measure = "story_points" if self.fields.story_points else "issue_count"
        elif field_id in self.fields.story_points:
            measure = "story_points"
        else:
            measure = "issue_count"
            if field_id:
                self.problem(
                    origin.path(".configuration.estimation"),
                    f"estimation by {field_id} is counted as issue count",
                    "warning",
                )
        jql = as_object(config.get("filter")).get("jql") or as_object(b.get("filter")).get("jql")
        name = name_text(b.get("name")) or f"Board {external_id}"
        return JiraBoard(
            origin, external_id, name[:255], kind, key, columns, measure, jql if isinstance(jql, str) else None
        )

    def read_sprints(self, boards: list[JiraBoard]) -> list[JiraSprint]:
        board_ids = {b.external_id for b in boards}
        sprints: list[JiraSprint] = []
        seen: set[str] = set()
        for origin, s in self.bundle.items("sprints"):
            try:
                sprint = self._sprint(origin, s)
                if sprint.external_id in seen:
                    raise Reject(".id", f"sprint {sprint.external_id} appears twice")
                if sprint.board_id not in board_ids:
                    raise Reject(".originBoardId", f"board {sprint.board_id} is not in the bundle")
                seen.add(sprint.external_id)
                sprints.append(sprint)
            except Reject as exc:
                self.reject("sprints", origin, exc)
        return sprints

    def _sprint(self, origin: Origin, s: Any) -> JiraSprint:
        if not isinstance(s, dict) or isinstance(s.get("id"), bool) or not str(s.get("id") or "").isdigit():
            raise Reject(".id", "a sprint needs a numeric id")
        state = str(s.get("state") or "").lower()
        if state not in ("future", "active", "closed"):
            raise Reject(".state", f"'{s.get('state')}' is not future, active or closed")
        board = s.get("originBoardId", s.get("boardId", s.get("rapidViewId")))
        start = optional_time(s.get("startDate"), ".startDate")
        end = optional_time(s.get("endDate"), ".endDate")
        completed = optional_time(s.get("completeDate"), ".completeDate")
        if state != "future" and (start is None or end is None):
            raise Reject(".startDate", f"an {state} sprint needs a startDate and an endDate")
        if start is not None and end is not None and end <= start:
            raise Reject(".endDate", "a sprint must end after it starts")
        if state == "closed" and completed is None:
            completed = end
        name = name_text(s.get("name")) or f"Sprint {s['id']}"
        return JiraSprint(
            origin,
            str(int(s["id"])),
            name[:255],
            state,
            str(board),
            s["goal"] if isinstance(s.get("goal"), str) else "",
            start,
            end,
            optional_time(s.get("activatedDate"), ".activatedDate") or start,
            completed if state == "closed" else None,
            optional_time(s.get("createdDate"), ".createdDate"),
        )

    # -- issues --------------------------------------------------------------------------------------------------

    def canonical_field(self, item: dict[str, Any]) -> str | None:
        """The tracklake field a changelog item changes, or None to keep it as text only."""
        memo_key = (item.get("fieldId"), item.get("field"), item.get("fieldtype"))
        if memo_key in self.canonical:
            return self.canonical[memo_key]
        field_id, raw_name, field_type = memo_key
        name = str(raw_name or "").strip().lower()
        found: str | None = None
        if self.fields.story_points and (field_id in self.fields.story_points or name in STORY_POINT_NAMES):
            found = "Story Points"
        elif self.fields.sprint and (field_id in self.fields.sprint or name == "sprint"):
            found = "Sprint"
        elif field_id in self.fields.epic_link or name in PARENT_FIELDS:
            found = "parent"
        elif name in SYSTEM_FIELDS and (field_type or "jira") == "jira":
            found = name
        elif name in SET_FIELD_NAMES and (field_type or "jira") == "jira":
            found = SET_FIELD_NAMES[name]
        elif name == "link" and (field_type or "jira") == "jira":
            found = LINK_FIELD
        elif field_id in self.custom and self.custom[field_id].kind is not None:
            found = field_id
        elif field_type == "custom" and name in self.custom_names:
            found = self.custom_names[name]
        self.canonical[memo_key] = found
        return found

    def item_value(self, name: str, raw: Any, string: str | None) -> Value:
        """One side of a changelog item in Jira space (a Reject's suffix is relative to that side)."""
        if name == "status":
            return self.status_ref(raw, string, "")
        if name in USER_FIELDS:
            return None if raw in (None, "") else self.user_ref(str(raw), string)
        if name in ("issuetype", "priority", "resolution"):
            return string.strip() if string and string.strip() else None
        if name in ("summary", "description"):
            return text_value(string, "")
        if name == "labels":
            return tuple(dict.fromkeys(string.split())) if string else ()
        if name == "duedate":
            return date_text(raw if raw not in (None, "") else string, "")
        if name == "Story Points":
            return number_text(raw if raw not in (None, "") else string, "")
        if name == "Sprint":
            return sprint_ids(raw if raw is not None else string, "")
        if name == "parent":
            return string.strip() if string and ISSUE_KEY.match(string.strip()) else None
        if name in SET_FIELDS:  # one version or component added (`to`) or removed (`from`), by name
            member = string.strip() if isinstance(string, str) and string.strip() else None
            if member is not None and len(member) > 255:
                raise Reject("String", "a name of at most 255 characters")
            return member
        if name == LINK_FIELD:  # the other issue's key
            if isinstance(raw, str) and ISSUE_KEY.match(raw.strip()):
                return raw.strip()
            match = KEY_IN_TEXT.search(string) if isinstance(string, str) else None
            return match.group(1) if match else None
        custom = self.custom.get(name)
        if custom is not None:
            return self.custom_change(custom, raw, string)
        return None

    # -- custom fields ------------------------------------------------------------------------------------------

    def option(self, f: JiraCustomField, value: Any, where: str) -> str:
        """An option of a select-like field by its value (registered on first sight)."""
        if isinstance(value, dict):
            value = value.get("value", value.get("name"))
        text = name_text(value)
        if text is None or len(text) > 255:
            raise Reject(where, "an option needs a value of 1-255 characters")
        return f.options.setdefault(text.lower(), text)

    def custom_current(self, f: JiraCustomField, raw: Any, where: str) -> Value:
        """A custom field's current value as a search result holds it, in Jira space (None when empty)."""
        if raw is None or raw == "" or raw == []:
            return None
        kind = f.kind
        value: Value
        if kind in ("text", "textarea", "url"):
            value = self.custom_text(f, text_value(raw, where), where)
        elif kind == "number":
            value = custom_number(raw, where)
        elif kind == "date":
            value = date_text(raw, where)
        elif kind == "datetime":
            value = datetime_text(raw, where)
        elif kind == "select":
            value = self.option(f, raw, where)
        elif kind in ("multi_select", "checkbox"):
            if not isinstance(raw, list):
                raise Reject(where, "must be a list of options")
            value = tuple(dict.fromkeys(self.option(f, v, f"{where}[{n}]") for n, v in enumerate(raw)))
        elif kind == "labels":
            value = label_list(raw, where) or None
        elif kind == "user":
            value = self.user(raw, where)
        elif kind == "multi_user":
            if not isinstance(raw, list):
                raise Reject(where, "must be a list of users")
            value = tuple(dict.fromkeys(u for n, v in enumerate(raw) if (u := self.user(v, f"{where}[{n}]"))))
        else:  # pragma: no cover - only mapped kinds get here
            value = None
        if value is not None and value != ():
            f.used = True
            return value
        return None

    def custom_text(self, f: JiraCustomField, value: str | None, where: str) -> str | None:
        if value is None or not value.strip():
            return None
        if f.kind == "text" and (len(value) > 255 or "\n" in value or "\r" in value):
            raise Reject(where, f"{f.name} is a one-line text field of at most 255 characters")
        if len(value) > (2048 if f.kind == "url" else 32767):
            raise Reject(where, f"{f.name}: the text is too long")
        return value

    def custom_change(self, f: JiraCustomField, raw: Any, string: str | None) -> Value:
        """One side of a changelog item of a custom field (Jira writes ids in from/to, names in the strings)."""
        f.used = True
        kind = f.kind
        if kind in ("text", "textarea", "url"):
            return self.custom_text(f, text_value(string, ""), "String")
        if kind == "number":
            return custom_number(raw if raw not in (None, "") else string, "")
        if kind == "date":
            return date_text(raw if raw not in (None, "") else string, "")
        if kind == "datetime":
            return datetime_text(raw if raw not in (None, "") else string, "")
        if kind == "select":
            return self.option(f, string, "String") if name_text(string) else None
        if kind in ("multi_select", "checkbox"):
            names = list_text(string)
            return tuple(dict.fromkeys(self.option(f, n, "String") for n in names)) or None
        if kind == "labels":
            return tuple(dict.fromkeys(string.split())) if string and string.strip() else None
        if kind == "user":
            return None if raw in (None, "") else self.user_ref(str(raw), string)
        if kind == "multi_user":
            refs, shown = list_text(raw), list_text(string)
            named = [self.user_ref(r, shown[n] if len(shown) == len(refs) else None) for n, r in enumerate(refs)]
            return tuple(dict.fromkeys(named)) or None
        return None

    # -- versions, components, links, comments -------------------------------------------------------------------

    def versions(self, project: JiraProject, raw: Any, where: str) -> tuple[str, ...]:
        """Version objects (a project's, or an issue's fixVersions / versions): their names, each registered."""
        names: dict[str, str] = {}
        for n, v, name in _named_objects(raw, where, "version"):
            version = project.versions.setdefault(name.lower(), JiraVersion(name))
            if not version.listed:
                version.listed = True
                version.released = v.get("released") is True
                version.archived = v.get("archived") is True
                version.release_date = date_text(v.get("releaseDate"), f"{where}[{n}].releaseDate")
                version.description = v["description"][:32767] if isinstance(v.get("description"), str) else ""
            names.setdefault(name.lower(), version.name)
        return tuple(names.values())

    def components(self, project: JiraProject, raw: Any, where: str) -> tuple[str, ...]:
        names: dict[str, str] = {}
        for _, _, name in _named_objects(raw, where, "component"):
            names.setdefault(name.lower(), project.components.setdefault(name.lower(), name))
        return tuple(names.values())

    def links(self, fields: Mapping[str, Any], key: str) -> list[JiraLink]:
        """The issue's links (`fields.issuelinks`), each as source <outward> target."""
        raw = fields.get("issuelinks")
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise Reject(".fields.issuelinks", "must be a list of issue links")
        out: list[JiraLink] = []
        for n, link in enumerate(raw):
            where = f".fields.issuelinks[{n}]"
            if not isinstance(link, dict):
                raise Reject(where, "must be an issue link object")
            kind = link.get("type")
            name = name_text(kind.get("name")) if isinstance(kind, dict) else None
            if name is None or not isinstance(kind, dict):
                raise Reject(f"{where}.type", "a link needs a type with a name")
            outward = name_text(kind.get("outward")) or name
            inward = name_text(kind.get("inward")) or outward
            if isinstance(link.get("outwardIssue"), dict):
                side, other = ".outwardIssue", link["outwardIssue"].get("key")
            elif isinstance(link.get("inwardIssue"), dict):
                side, other = ".inwardIssue", link["inwardIssue"].get("key")
            else:
                raise Reject(where, "a link needs an inwardIssue or an outwardIssue")
            if not isinstance(other, str) or not ISSUE_KEY.match(other):
                raise Reject(f"{where}{side}.key", f"'{other}' is not an issue key")
            if other == key:
                raise Reject(f"{where}{side}.key", "an issue cannot be linked to itself")
            source, target = (key, other) if side == ".outwardIssue" else (other, key)
            out.append(JiraLink(name[:255], outward[:255], inward[:255], source, target, where))
        return out

    def comments(self, origin: Origin, fields: Mapping[str, Any]) -> list[JiraComment]:
        """The issue's comments (`fields.comment.comments`), each checked."""
        block = fields.get("comment")
        if block is None:
            return []
        raw = block.get("comments", []) if isinstance(block, dict) else block
        if not isinstance(raw, list):
            raise Reject(".fields.comment.comments", "must be a list of comments")
        out: list[JiraComment] = []
        seen: set[str] = set()
        for n, c in enumerate(raw):
            where = f".fields.comment.comments[{n}]"
            if not isinstance(c, dict):
                raise Reject(where, "must be a comment object")
            cid = c.get("id")
            if isinstance(cid, bool) or not isinstance(cid, SCALARS) or not str(cid).strip():
                raise Reject(f"{where}.id", "a comment needs its Jira id")
            if str(cid) in seen:
                raise Reject(f"{where}.id", f"comment {cid} appears twice")
            seen.add(str(cid))
            body = text_value(c.get("body"), f"{where}.body")
            if body is None or not body.strip():
                raise Reject(f"{where}.body", "a comment needs a body")
            if len(body) > MAX_COMMENT:
                raise Reject(f"{where}.body", f"a comment is at most {MAX_COMMENT} characters")
            created = parse_time(c.get("created"), f"{where}.created")
            updated = optional_time(c.get("updated"), f"{where}.updated") or created
            author = self.user(c["author"], f"{where}.author") if c.get("author") else None
            out.append(JiraComment(str(cid).strip(), author, body, created, max(created, updated)))
        total = block.get("total") if isinstance(block, dict) else None
        if isinstance(total, int) and total > len(raw):
            self.problem(
                origin.path(".fields.comment"),
                f"the export holds {len(raw)} of {total} comments: only those are imported",
                "warning",
            )
        return out

    def history(self, h: Any, issue_id: str, n: int) -> History:
        """One changelog entry; a Reject's suffix is relative to the entry (`.items[0].to`)."""
        if not isinstance(h, dict):
            raise Reject("", "must be a history object")
        created = parse_time(h.get("created"), ".created")
        hid = h.get("id")
        external_id = str(hid) if isinstance(hid, SCALARS) and not isinstance(hid, bool) and str(hid) else None
        author_obj = h.get("author")
        author = self.user(author_obj, ".author") if author_obj else None
        raw_items = h.get("items")
        if not isinstance(raw_items, list):
            raise Reject(".items", "must be a list of changed fields")
        items: list[Item] = []
        item_value = self.item_value
        for k, it in enumerate(raw_items):
            if not isinstance(it, dict) or not isinstance(it.get("field"), str) or not it["field"].strip():
                raise Reject(f".items[{k}]", "a changed field needs a field name")
            name = self.canonical_field(it)
            before_s, after_s = it.get("fromString"), it.get("toString")
            if before_s is not None and type(before_s) is not str:
                before_s = str(before_s)
            if after_s is not None and type(after_s) is not str:
                after_s = str(after_s)
            if name is None:
                field_type = "custom" if it.get("fieldtype") == "custom" else "jira"
                items.append(Item(it["field"].strip()[:255], field_type, None, None, before_s, after_s, mapped=False))
                continue
            side = ".from"
            try:
                before = item_value(name, it.get("from"), before_s)
                side = ".to"
                after = item_value(name, it.get("to"), after_s)
            except Reject as exc:
                raise Reject(f".items[{k}]{side}{exc.suffix}", exc.message) from None
            field_type = "custom" if name in CUSTOM_FIELDS or name in self.custom else "jira"
            items.append(Item(name, field_type, before, after, before_s, after_s))
        # Jira gives every history an id; a derived one keeps re-imports idempotent when an export lacks it
        return History(external_id or f"{issue_id}@{created.isoformat()}#{n}", created, author, items)

    def current(self, fields: Mapping[str, Any], project: JiraProject) -> dict[str, Value]:
        """The issue's current values (Jira space), each checked."""
        values: dict[str, Value] = {}
        summary = fields.get("summary")
        if not isinstance(summary, str) or not summary.strip() or len(summary.strip()) > MAX_SUMMARY:
            raise Reject(".fields.summary", "a summary of 1-255 characters is required")
        values["summary"] = summary.strip()
        type_name = self.issue_type(fields.get("issuetype"), ".fields.issuetype")
        if self.types[type_name].name not in project.issue_types:
            project.issue_types.append(self.types[type_name].name)
        values["issuetype"] = self.types[type_name].name
        for name in ("priority", "resolution"):
            obj = fields.get(name)
            if obj is not None and (not isinstance(obj, dict) or not isinstance(obj.get("name"), str)):
                raise Reject(f".fields.{name}", f"must be a {name} object with a name")
            values[name] = obj["name"].strip() if obj else None
        # Jira allows no priority (the field can be left off a screen); every tracklake issue has one, and an issue
        # created without one gets the default: the same here.
        values["priority"] = values["priority"] or DEFAULT_PRIORITY
        if fields.get("status") is None:
            raise Reject(".fields.status", "a status is required")
        status = self.issue_statuses.get(self.here) if self.here else None
        if status is None:
            status = self.status(fields.get("status"), ".fields.status")
        if isinstance(status, Reject):
            raise status
        values["status"] = status
        values["assignee"] = self.user(fields.get("assignee"), ".fields.assignee")
        values["reporter"] = self.user(fields.get("reporter") or fields.get("creator"), ".fields.reporter")
        values["description"] = text_value(fields.get("description"), ".fields.description")
        values["labels"] = label_list(fields.get("labels"), ".fields.labels")
        values["duedate"] = date_text(fields.get("duedate"), ".fields.duedate")
        points = None
        for fid in self.fields.story_points:
            points = number_text(fields.get(fid), f".fields.{fid}")
            if points is not None:
                break
        values["Story Points"] = points
        sprints: frozenset[str] = frozenset()
        for fid in self.fields.sprint:
            sprints |= sprint_ids(fields.get(fid), f".fields.{fid}")
        values["Sprint"] = sprints
        parent = fields.get("parent")
        parent_key = parent.get("key") if isinstance(parent, dict) else None
        for fid in self.fields.epic_link:
            if parent_key is None and isinstance(fields.get(fid), str):
                parent_key = fields[fid]
        if parent_key is not None and (not isinstance(parent_key, str) or not ISSUE_KEY.match(parent_key)):
            raise Reject(".fields.parent", f"'{parent_key}' is not an issue key")
        values["parent"] = parent_key
        values["Fix Version"] = self.versions(project, fields.get("fixVersions"), ".fields.fixVersions")
        values["Version"] = self.versions(project, fields.get("versions"), ".fields.versions")
        values["Component"] = self.components(project, fields.get("components"), ".fields.components")
        for fid, f in self.custom.items():
            if f.kind is not None:
                values[fid] = self.custom_current(f, fields.get(fid), f".fields.{fid}")
            elif fields.get(fid) not in (None, "", []):
                f.used = True
        return values

    def issue(self, origin: Origin, obj: Any) -> ParsedIssue:
        if not isinstance(obj, dict):
            raise Reject("", "must be an issue object")
        issue_id = obj.get("id")
        if isinstance(issue_id, bool) or not isinstance(issue_id, int | str) or not str(issue_id).strip():
            raise Reject(".id", "an issue needs its Jira id")
        key = obj.get("key")
        match = ISSUE_KEY.match(key) if isinstance(key, str) else None
        if match is None or not isinstance(key, str):
            raise Reject(".key", f"'{key}' is not an issue key like PROJ-123")
        fields = obj.get("fields")
        if not isinstance(fields, dict):
            raise Reject(".fields", "an issue needs its fields")
        project_obj = fields.get("project")
        project_key = (project_obj.get("key") if isinstance(project_obj, dict) else None) or match.group(1)
        if project_key != match.group(1):
            raise Reject(".key", f"{key} does not belong to its project {project_key}")
        project = self.project(match.group(1), project_obj, ".fields.project")
        created = parse_time(fields.get("created"), ".fields.created")
        current = self.current(fields, project)
        comments = self.comments(origin, fields)
        links = self.links(fields, key)
        changelog = obj.get("changelog") or {}
        if not isinstance(changelog, dict) or not isinstance(changelog.get("histories", []), list):
            raise Reject(".changelog.histories", "must be a list of histories")
        raw = changelog.get("histories", [])
        histories = []
        for n, h in enumerate(raw):
            try:
                histories.append(self.history(h, str(issue_id), n))
            except Reject as exc:
                raise Reject(f".changelog.histories[{n}]{exc.suffix}", exc.message) from None
        total = changelog.get("total")
        if isinstance(total, int) and total > len(raw):
            self.problem(
                origin.path(".changelog"),
                f"the changelog holds {len(raw)} of {total} entries: the history starts at the oldest one present",
                "warning",
            )
        histories.sort(key=lambda h: h.created)
        for h in histories:
            if h.created < created:
                h.created = created  # a change cannot precede the creation it changes
        initial = self.initial(origin, current, histories)
        updated = optional_time(fields.get("updated"), ".fields.updated") or created
        resolved = optional_time(fields.get("resolutiondate"), ".fields.resolutiondate")
        rank = next((fields[f] for f in self.fields.rank if isinstance(fields.get(f), str)), None)
        issue = ParsedIssue(
            origin,
            str(issue_id).strip(),
            key,
            project.key,
            int(match.group(2)),
            created,
            max([updated, created, *(h.created for h in histories), *(c.updated for c in comments)]),
            resolved if current["resolution"] is not None else None,
            current,
            initial,
            histories,
            rank,
            comments,
            links,
        )
        self.observe(project, issue)
        return issue

    def initial(self, origin: Origin, current: dict[str, Value], histories: list[History]) -> dict[str, Value]:
        """Each field's value at creation: walk its changes backwards from the current value."""
        state = dict(current)
        broken: list[str] = []
        for h in reversed(histories):
            for item in reversed(h.items):
                if not item.mapped or item.field == LINK_FIELD:
                    continue
                if item.field in SET_FIELDS:  # one value added or removed
                    values, after = state[item.field], (item.after or "").lower()
                    if item.after is not None and after not in {v.lower() for v in values}:
                        if item.field not in broken:
                            broken.append(item.field)
                    kept = tuple(v for v in values if v.lower() != after)
                    if item.before is not None and item.before.lower() not in {v.lower() for v in kept}:
                        kept += (item.before,)
                    state[item.field] = kept
                    continue
                if not same(item.field, item.after, state[item.field]) and item.field not in broken:
                    broken.append(item.field)
                state[item.field] = item.before
        if broken:
            self.problem(
                origin.path(".changelog"),
                f"the changelog does not lead to the current {', '.join(broken)}: the current values are kept",
                "warning",
            )
        return state

    def observe(self, project: JiraProject, issue: ParsedIssue) -> None:
        """Note the statuses and moves the project's inferred workflow must allow."""
        first = issue.initial["status"]
        if first is not None:
            project.initial[first] += 1
            project.statuses.setdefault(first)
        for h in issue.histories:
            for item in h.items:
                if item.field == "status" and item.mapped:
                    for s in (item.before, item.after):
                        if s is not None:
                            project.statuses.setdefault(s)
                    if item.before is not None and item.after is not None and item.before != item.after:
                        project.moves.add((item.before, item.after))
        project.statuses.setdefault(issue.current["status"])
        for h in issue.histories:
            for item in h.items:
                if item.field in SET_FIELDS and item.mapped:
                    for name in (item.before, item.after):
                        if name is None:
                            continue
                        if item.field == "Component":
                            project.components.setdefault(name.lower(), name)
                        else:
                            project.versions.setdefault(name.lower(), JiraVersion(name))

    def read_issues(self) -> list[ParsedIssue]:
        by_id: dict[str, int] = {}
        issues: list[ParsedIssue | None] = []
        for origin, obj in self.bundle.items("issues"):
            self.here = origin
            try:
                issue = self.issue(origin, obj)
            except Reject as exc:
                self.reject("issues", origin, exc)
                continue
            if issue.external_id in by_id:
                earlier = issues[by_id[issue.external_id]]
                assert earlier is not None
                self.problem(
                    origin.path(),
                    f"{issue.key} also appears at {earlier.origin.path()}; this later copy is used",
                    "warning",
                )
                issues[by_id[issue.external_id]] = None
            by_id[issue.external_id] = len(issues)
            issues.append(issue)
        return [i for i in issues if i is not None]

    def parse(self) -> ParsedBundle:
        for origin, u in self.bundle.items("users"):
            self.here = origin
            try:
                self.user(u, "")
            except Reject as exc:
                self.reject("users", origin, exc)
        self.read_fields()
        for origin, s in self.bundle.items("statuses"):
            self.here = origin
            try:
                self.status(s, "")
            except Reject as exc:
                self.reject("statuses", origin, exc)
        self.read_issue_statuses()
        self.read_projects()
        boards = self.read_boards()
        sprints = self.read_sprints(boards)
        issues = self.read_issues()
        for f in self.custom.values():
            if f.kind is None and f.used:
                self.problem(
                    "fields",
                    f"custom field '{f.name}' ({f.id}) is of type {f.schema}, which tracklake has no counterpart "
                    "for: its values are left out and its changes kept as text in history",
                    "warning",
                )
        return ParsedBundle(
            self.users,
            self.statuses,
            self.types,
            self.projects,
            boards,
            sprints,
            issues,
            self.fields,
            self.problems,
            self.rejected,
            self.custom,
        )


def parse_bundle(bundle: Bundle) -> ParsedBundle:
    """Parse and check every section of a bundle (no database access)."""
    return Parser(bundle).parse()


def _named_objects(raw: Any, where: str, kind: str) -> Iterator[tuple[int, dict[str, Any], str]]:
    """(position, object, name) of a list of named objects (versions, components); none for None; a Reject for
    anything else, or for an object without a name of 1-255 characters."""
    if raw is None:
        return
    if not isinstance(raw, list):
        raise Reject(where, f"must be a list of {kind}s")
    for n, item in enumerate(raw):
        name = name_text(item.get("name")) if isinstance(item, dict) else None
        if name is None or len(name) > 255:
            raise Reject(f"{where}[{n}].name", f"a {kind} needs a name of 1-255 characters")
        yield n, item, name

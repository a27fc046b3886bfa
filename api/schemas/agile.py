"""Request bodies of boards, filters, sprints, ranking, links, versions and components.

Types are checked here; the tracker checks meaning (names, states, permissions) and says what is wrong.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, StrictFloat, StrictInt, StrictStr

from api.schemas.common import Strict

IssueRef = StrictStr | StrictInt
IssueList = list[IssueRef]


class FilterCreate(Strict):
    name: StrictStr
    jql: StrictStr
    description: StrictStr | None = None
    shared: StrictBool = False


class FilterUpdate(Strict):
    name: StrictStr | None = None
    jql: StrictStr | None = None
    description: StrictStr | None = None
    shared: StrictBool | None = None


class ColumnConfig(Strict):
    name: StrictStr
    statuses: list[StrictStr | StrictInt] = Field(default_factory=list, description="status names or ids")
    min: StrictInt | None = Field(default=None, description="WIP minimum (issues)")
    max: StrictInt | None = Field(default=None, description="WIP maximum (issues)")


class BoardCreate(Strict):
    name: StrictStr
    type: Literal["scrum", "kanban"]
    project: StrictStr = Field(description="key of the project the board lives in")
    filter_id: StrictInt | None = Field(default=None, description="a saved filter; or give jql")
    jql: StrictStr | None = Field(default=None, description="creates a shared filter; default: the whole project")
    estimation: Literal["story_points", "issue_count"] = "story_points"
    swimlanes: Literal["none", "assignee", "epic"] = "none"
    done_max_age_days: StrictInt | None = Field(default=14, description="Kanban: hide done issues older than this")
    timezone: StrictStr = Field(default="UTC", description="IANA time zone of the board's reports")
    working_weekdays: list[StrictInt] = Field(default=[1, 2, 3, 4, 5], description="ISO weekdays, Monday = 1")
    non_working_days: list[StrictStr] = Field(default_factory=list, description="holidays, ISO dates")
    columns: list[ColumnConfig] | None = None


class BoardUpdate(Strict):
    name: StrictStr | None = None
    filter_id: StrictInt | None = None
    estimation: Literal["story_points", "issue_count"] | None = None
    swimlanes: Literal["none", "assignee", "epic"] | None = None
    done_max_age_days: StrictInt | None = None
    timezone: StrictStr | None = None
    working_weekdays: list[StrictInt] | None = None
    non_working_days: list[StrictStr] | None = None


class ColumnsUpdate(Strict):
    columns: list[ColumnConfig]


class QuickFilterCreate(Strict):
    name: StrictStr
    jql: StrictStr
    description: StrictStr | None = None


class QuickFilterUpdate(Strict):
    name: StrictStr | None = None
    jql: StrictStr | None = None
    description: StrictStr | None = None


class SprintCreate(Strict):
    board_id: StrictInt
    name: StrictStr | None = Field(default=None, description="default '<board> Sprint <n>'")
    goal: StrictStr | None = None
    start_date: StrictStr | None = Field(default=None, description="planned start, ISO date-time")
    end_date: StrictStr | None = Field(default=None, description="planned end, ISO date-time")


class SprintUpdate(Strict):
    name: StrictStr | None = None
    goal: StrictStr | None = None
    start_date: StrictStr | None = None
    end_date: StrictStr | None = None


class SprintStart(Strict):
    start_date: StrictStr | None = Field(default=None, description="default: now (or the planned start)")
    end_date: StrictStr | None = Field(default=None, description="default: the planned end, or two weeks")


class SprintComplete(Strict):
    move_to: Literal["backlog", "next", "new"] | StrictInt = Field(
        default="backlog", description="where unfinished issues go: backlog, next (future sprint), new, or a sprint id"
    )


class IssuesBody(Strict):
    issues: IssueList = Field(min_length=1, max_length=100, description="issue keys or ids")


class RankBody(Strict):
    issues: IssueList = Field(min_length=1, max_length=100, description="issue keys or ids, in their new order")
    rank_before_issue: IssueRef | None = None
    rank_after_issue: IssueRef | None = None


class LinkCreate(Strict):
    type: StrictStr = Field(description="link type name (Blocks), outward (blocks) or inward (is blocked by) words")
    source: IssueRef = Field(description="the issue the relation is read from: source <type> target")
    target: IssueRef


class VersionCreate(Strict):
    name: StrictStr
    description: StrictStr | None = None
    start_date: StrictStr | None = None
    release_date: StrictStr | None = None
    released: StrictBool = False
    archived: StrictBool = False


class VersionUpdate(Strict):
    name: StrictStr | None = None
    description: StrictStr | None = None
    start_date: StrictStr | None = None
    release_date: StrictStr | None = None
    released: StrictBool | None = None
    archived: StrictBool | None = None


class IssueVersions(Strict):
    fix_versions: list[StrictStr | StrictInt] | None = None
    affects_versions: list[StrictStr | StrictInt] | None = None


class ComponentCreate(Strict):
    name: StrictStr
    description: StrictStr | None = None
    lead: StrictStr | None = None
    default_assignee: StrictStr | None = None


class ComponentUpdate(Strict):
    name: StrictStr | None = None
    description: StrictStr | None = None
    lead: StrictStr | None = None
    default_assignee: StrictStr | None = None


class IssueComponents(Strict):
    components: list[StrictStr | StrictInt]


class Estimation(Strict):
    value: StrictFloat | None = Field(description="story points, or null to clear")

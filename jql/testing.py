"""An in-memory `Catalog` for tests (this package's and other packages')."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field

from jql.ast import Query
from jql.catalog import (
    Catalog,
    ComponentInfo,
    FieldSpec,
    FieldType,
    IssueTypeInfo,
    LinkStorage,
    LinkTypeInfo,
    OptionInfo,
    PriorityInfo,
    ProjectInfo,
    ResolutionInfo,
    SprintInfo,
    StatusInfo,
    UserInfo,
    VersionInfo,
    suggest,
)
from jql.fields import agile_fields, custom_field, system_fields
from jql.functions import QueryContext

# The seed rows of migrations/0001_foundation.sql.
SEED_STATUSES = [
    StatusInfo(1, "To Do", "todo"),
    StatusInfo(3, "In Progress", "in_progress"),
    StatusInfo(10001, "Done", "done"),
]
SEED_ISSUE_TYPES = [
    IssueTypeInfo(10001, "Task"),
    IssueTypeInfo(10002, "Bug"),
    IssueTypeInfo(10003, "Story"),
    IssueTypeInfo(10004, "Epic", hierarchy_level=1),
    IssueTypeInfo(10005, "Sub-task", subtask=True, hierarchy_level=-1),
]
SEED_PRIORITIES = [
    PriorityInfo(1, "Highest", 1),
    PriorityInfo(2, "High", 2),
    PriorityInfo(3, "Medium", 3),
    PriorityInfo(4, "Low", 4),
    PriorityInfo(5, "Lowest", 5),
]
SEED_RESOLUTIONS = [
    ResolutionInfo(10000, "Done"),
    ResolutionInfo(10001, "Won't Do"),
    ResolutionInfo(10002, "Duplicate"),
    ResolutionInfo(10003, "Cannot Reproduce"),
]


@dataclass
class InMemoryCatalog(Catalog):
    """A catalog over plain lists; `sample()` builds a small, fully populated one."""

    field_specs: list[FieldSpec] = field(default_factory=lambda: system_fields() + agile_fields())
    project_list: list[ProjectInfo] = field(default_factory=list)
    status_list: list[StatusInfo] = field(default_factory=lambda: list(SEED_STATUSES))
    issue_type_list: list[IssueTypeInfo] = field(default_factory=lambda: list(SEED_ISSUE_TYPES))
    priority_list: list[PriorityInfo] = field(default_factory=lambda: list(SEED_PRIORITIES))
    resolution_list: list[ResolutionInfo] = field(default_factory=lambda: list(SEED_RESOLUTIONS))
    user_list: list[UserInfo] = field(default_factory=list)
    groups: dict[str, list[int]] = field(default_factory=dict)
    sprint_list: list[SprintInfo] = field(default_factory=list)
    version_list: list[VersionInfo] = field(default_factory=list)
    component_list: list[ComponentInfo] = field(default_factory=list)
    field_options: dict[str, list[OptionInfo]] = field(default_factory=dict)
    link_type_list: list[LinkTypeInfo] = field(default_factory=list)
    links: LinkStorage | None = field(default_factory=LinkStorage)
    viewed: dict[int, list[int]] = field(default_factory=dict)
    # Runs a sub-query for to_es (e.g. by compiling it to SQL against a test database).
    subquery_runner: Callable[[Query, Collection[int] | None, QueryContext], Sequence[int]] | None = None

    def __hash__(self) -> int:
        return id(self)

    def fields(self) -> Sequence[FieldSpec]:
        return self.field_specs

    def projects(self) -> Sequence[ProjectInfo]:
        return self.project_list

    def statuses(self) -> Sequence[StatusInfo]:
        return self.status_list

    def issue_types(self) -> Sequence[IssueTypeInfo]:
        return self.issue_type_list

    def priorities(self) -> Sequence[PriorityInfo]:
        return self.priority_list

    def resolutions(self) -> Sequence[ResolutionInfo]:
        return self.resolution_list

    def find_users(self, name: str) -> Sequence[UserInfo]:
        low = name.lower()
        for attr in ("username", "display_name"):
            hits = [u for u in self.user_list if getattr(u, attr).lower() == low]
            if hits:
                return hits
        return [u for u in self.user_list if str(u.id) == name]

    def similar_user_names(self, name: str) -> Sequence[str]:
        return suggest(name, [u.username for u in self.user_list])

    def group_members(self, group: str) -> Sequence[int] | None:
        for name, members in self.groups.items():
            if name.lower() == group.lower():
                return members
        return None

    def group_names(self) -> Sequence[str]:
        return list(self.groups)

    def sprints(self) -> Sequence[SprintInfo]:
        return self.sprint_list

    def versions(self) -> Sequence[VersionInfo]:
        return self.version_list

    def components(self) -> Sequence[ComponentInfo]:
        return self.component_list

    def options(self, field: FieldSpec) -> Sequence[OptionInfo]:
        return self.field_options.get(field.id, [])

    def link_types(self) -> Sequence[LinkTypeInfo]:
        return self.link_type_list

    def link_storage(self) -> LinkStorage | None:
        return self.links

    def recently_viewed_issue_ids(self, user_id: int) -> Sequence[int]:
        return self.viewed.get(user_id, [])

    def search_issue_ids(self, query: Query, *, scope: Collection[int] | None, context: QueryContext) -> Sequence[int]:
        if self.subquery_runner is None:
            raise NotImplementedError("InMemoryCatalog.subquery_runner is not set")
        return self.subquery_runner(query, scope, context)

    def add_custom_fields(self, specs: Iterable[FieldSpec]) -> None:
        """Add fields (clears the name index)."""
        self.field_specs = [*self.field_specs, *specs]
        self._index = None


def sample_catalog() -> InMemoryCatalog:
    """A small populated catalog: projects ABC and XYZ, five users, sprints, versions, components, custom fields."""
    t = FieldType
    customs = [
        custom_field(10001, "Team", t.SELECT),
        custom_field(10002, "Severity Score", t.NUMBER),
        custom_field(10003, "Environment", t.TEXT),
        custom_field(10004, "Platforms", t.MULTI_SELECT),
        custom_field(10005, "Go Live", t.DATE),
        custom_field(10006, "Customer", t.STRING),
        custom_field(10007, "Reviewer", t.USER),
    ]
    return InMemoryCatalog(
        field_specs=system_fields() + agile_fields() + customs,
        project_list=[ProjectInfo(1, "ABC", "Alpha Build", lead_id=1), ProjectInfo(2, "XYZ", "Xylophone", lead_id=2)],
        user_list=[
            UserInfo(1, "alice", "Alice Archer"),
            UserInfo(2, "bob", "Bob Baker"),
            UserInfo(3, "carol", "Carol Cole"),
            UserInfo(4, "dave", "Dave Dunn"),
            UserInfo(5, "erin", "Erin Eve"),
        ],
        groups={"developers": [1, 2, 3], "qa": [4, 5]},
        sprint_list=[
            SprintInfo(1, "Sprint 1", "closed"),
            SprintInfo(2, "Sprint 2", "closed"),
            SprintInfo(3, "Sprint 3", "active"),
            SprintInfo(4, "Sprint 4", "future"),
        ],
        version_list=[
            VersionInfo(1, "1.0", 1, 1, released=True),
            VersionInfo(2, "1.1", 1, 2, released=True),
            VersionInfo(3, "2.0", 1, 3),
            VersionInfo(4, "3.0", 1, 4),
            VersionInfo(5, "1.0", 2, 1, released=True),
            VersionInfo(6, "2.0", 2, 2),
        ],
        component_list=[
            ComponentInfo(1, "Backend", 1, lead_id=2),
            ComponentInfo(2, "Frontend", 1, lead_id=3),
            ComponentInfo(3, "Backend", 2, lead_id=2),
        ],
        field_options={
            "customfield_10001": [OptionInfo(101, "Red"), OptionInfo(102, "Blue"), OptionInfo(103, "Green")],
            "customfield_10004": [OptionInfo(201, "Linux"), OptionInfo(202, "Mac"), OptionInfo(203, "Windows")],
        },
        link_type_list=[
            LinkTypeInfo(1, "Blocks", "blocks", "is blocked by"),
            LinkTypeInfo(2, "Relates", "relates to", "relates to"),
        ],
        viewed={1: [1, 2, 3]},
    )

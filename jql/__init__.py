"""JQL for tracklake: parse, validate against a field catalog, compile to SQL or Elasticsearch."""

from jql.ast import Query
from jql.bound import BoundQuery
from jql.catalog import (
    ArrayColumn,
    Catalog,
    Column,
    ComponentInfo,
    FieldSpec,
    FieldType,
    FullText,
    IssueKeyStorage,
    IssueRef,
    IssueTypeInfo,
    JoinTable,
    JsonValue,
    LinkStorage,
    LinkTypeInfo,
    Lookup,
    OptionInfo,
    PriorityInfo,
    ProjectInfo,
    ResolutionInfo,
    SortSpec,
    SprintInfo,
    SqlType,
    StatusInfo,
    UserInfo,
    VersionInfo,
)
from jql.errors import JqlError, JqlSemanticError, JqlSyntaxError
from jql.es_mapping import index_body, issue_document
from jql.fields import agile_fields, custom_field, join_table_field, system_fields
from jql.functions import QueryContext
from jql.parser import parse
from jql.printer import to_jql
from jql.semantic import analyze
from jql.to_es import to_es
from jql.to_sql import compile_bound, condition_sql, text_match_probes, to_sql, to_sql_text

__all__ = [
    "ArrayColumn",
    "BoundQuery",
    "Catalog",
    "Column",
    "ComponentInfo",
    "FieldSpec",
    "FieldType",
    "FullText",
    "IssueKeyStorage",
    "IssueRef",
    "IssueTypeInfo",
    "JoinTable",
    "JqlError",
    "JqlSemanticError",
    "JqlSyntaxError",
    "JsonValue",
    "LinkStorage",
    "LinkTypeInfo",
    "Lookup",
    "OptionInfo",
    "PriorityInfo",
    "ProjectInfo",
    "Query",
    "QueryContext",
    "ResolutionInfo",
    "SortSpec",
    "SprintInfo",
    "SqlType",
    "StatusInfo",
    "UserInfo",
    "VersionInfo",
    "agile_fields",
    "analyze",
    "compile_bound",
    "condition_sql",
    "custom_field",
    "index_body",
    "issue_document",
    "join_table_field",
    "parse",
    "system_fields",
    "text_match_probes",
    "to_es",
    "to_jql",
    "to_sql",
    "to_sql_text",
]

"""Compile analysed JQL to SQL for PostgreSQL and DuckDB as sqlglot expression trees.

Values only ever enter the SQL as sqlglot literal nodes, so queries are injection-proof by construction.
The caller's browse scope is a required argument and is added by the compiler to the outer query and
to every sub-query over `issues`. History operators become correlated EXISTS over `issue_history`.

Full-text search profile (`~`), identical on both engines for plain words:
* PostgreSQL: `to_tsvector('simple', search_words(doc)) @@ to_tsquery('simple', 'w1' & 'w2' & 'pre':*)` (the
  'simple' configuration: lower-casing, no stemming, no stop words in documents; `search_words` turns
  punctuation into spaces first, so the parser reads a document's words alone, as it reads the query's).
  Fields with a `TextIndex`
  (summary, description, comment, text) match positively through its maintained side table, one row
  per document with a weight per part, and its one GIN index (migrations/0013_search_documents.sql):
  `EXISTS (… d.document @@ to_tsquery('simple', 'w1':A & 'pre':*A))`;
* DuckDB: the document lower-cased and split on non-alphanumerics, every term present
  (`list_has_all`), prefixes by regular expression.
Query words are split the same way and Jira's stop words are dropped before either engine sees them.
Neither engine stems. Known difference: PostgreSQL's parser splits a word like '77e2f9' into the number
'77e2' and 'f9' on both sides, so such words match as a phrase there and as one word in DuckDB.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from sqlglot import exp

from jql import ast
from jql.bound import (
    AllOf,
    AnyOf,
    Bound,
    BoundQuery,
    BoundSort,
    BoundValue,
    ChangedCondition,
    CmpOp,
    FieldCondition,
    IssueKeyValue,
    MatchAll,
    MatchNone,
    Relation,
    RelationCondition,
    TextCondition,
    TimeInStatusCondition,
    UpdatedByCondition,
    WasCondition,
)
from jql.catalog import (
    ArrayColumn,
    Catalog,
    Column,
    FieldSpec,
    FieldType,
    FullText,
    IssueKeyStorage,
    IssueRef,
    JoinTable,
    JsonValue,
    LinkStorage,
    Lookup,
    SqlType,
    TextIndex,
)
from jql.errors import JqlSemanticError
from jql.functions import QueryContext
from jql.semantic import analyze
from jql.sql_history import HistorySql
from jql.sqlbuild import CMP, and_, col, exists, is_in, literal, not_, or_, table

Dialect = Literal["postgres", "duckdb"]
ISSUES = "issues"
TS_CONFIG = "simple"
# Non-alphanumeric runs separate words (RE2 syntax, DuckDB).
WORD_SPLIT = r"[^\p{L}\p{N}]+"
# A page sorted first by a lookup with at most this many sort values is read one value at a time.
MAX_SPLIT_BRANCHES = 16
PRIORITY_SORT = Lookup("priorities", "sequence")


# Date and date-time custom fields keep ISO text (tracker/fields/types/date.py, datetime.py): '2026-12-31', and
# '2026-12-31T17:00:00Z' in UTC to the second. Text order is time order there, and their indexes cover the text.
ISO_TEXT_TYPES = frozenset({FieldType.DATE, FieldType.DATETIME})
ISO_INSTANT = "%Y-%m-%dT%H:%M:%SZ"


def as_iso_text(node: FieldCondition) -> FieldCondition:
    """The comparison with its dates and instants written as such a field stores them.

    An instant between two whole seconds (`now()`) moves to the second that gives the same answer against
    whole-second values: x < 12:00:00.5 is x < 12:00:01, x > 12:00:00.5 is x > 12:00:00; for = and != it keeps
    its fraction, which equals no stored value.
    """

    def text(value: BoundValue) -> BoundValue:
        if isinstance(value, datetime):
            instant = value.astimezone(UTC)
            if instant.microsecond:
                if node.op in (CmpOp.LT, CmpOp.GTE):
                    instant = instant.replace(microsecond=0) + timedelta(seconds=1)
                elif node.op in (CmpOp.GT, CmpOp.LTE):
                    instant = instant.replace(microsecond=0)
                else:
                    return instant.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            return instant.strftime(ISO_INSTANT)
        if isinstance(value, date):
            return value.isoformat()
        return value

    return dataclasses.replace(node, values=tuple(text(v) for v in node.values))


class SqlCompiler(HistorySql):
    """Compiles one bound query for one dialect and scope."""

    def __init__(
        self,
        dialect: Dialect,
        scope: Collection[int] | None,
        link_storage: LinkStorage | None,
        text_matches: Mapping[str, Collection[int]] | None = None,
        sort_domains: Mapping[Lookup, Sequence[tuple[int, int]]] | None = None,
    ) -> None:
        if dialect not in ("postgres", "duckdb"):
            raise ValueError(f"unsupported dialect {dialect!r}")
        self.dialect = dialect
        self.text_matches = dict(text_matches or {})
        self.pg = dialect == "postgres"
        self.scope = None if scope is None else sorted({int(p) for p in scope})
        self.link_storage = link_storage
        self.sort_domains = dict(sort_domains or {})
        self._aliases = 0
        self.handlers: dict[type, Callable[[object, str], exp.Expr]] = {
            MatchAll: lambda n, a: exp.true(),
            MatchNone: lambda n, a: exp.false(),
            AllOf: self._all_of,
            AnyOf: self._any_of,
            FieldCondition: self._field,
            TextCondition: self._text,
            WasCondition: self._was,
            ChangedCondition: self._changed,
            TimeInStatusCondition: self._time_in_status,
            UpdatedByCondition: self._updated_by,
            RelationCondition: self._relation,
        }

    def alias(self, prefix: str) -> str:
        """A fresh table alias, so nested sub-queries never capture each other's columns."""
        self._aliases += 1
        return f"{prefix}{self._aliases}"

    # --- whole query --------------------------------------------------------------------------------

    def scope_condition(self, alias: str) -> exp.Expr:
        """The browse scope on an `issues` alias."""
        if self.scope is None:
            return exp.true()
        return is_in(col(alias, "project_id"), self.scope)

    def where(self, node: Bound, alias: str) -> exp.Expr:
        """Condition plus scope for rows of `issues AS alias`."""
        return and_(self.scope_condition(alias), self.condition(node, alias))

    def select(
        self,
        query: BoundQuery,
        columns: Sequence[str] = ("id",),
        limit: int | None = None,
        offset: int | None = None,
    ) -> exp.Select:
        """`SELECT <columns> FROM issues AS i WHERE scope AND condition ORDER BY …`.

        A page (`limit`) sorted first by a field with a small ordered domain (priority) is read one value at a
        time instead; see `_split_by_first_key`.
        """
        alias = "i"
        condition = self.where(query.where, alias)
        if limit is not None:
            split = self._split_by_first_key(query.order_by, condition, columns, int(limit), int(offset or 0))
            if split is not None:
                return split
        select = self._filtered(columns, condition, alias)
        select = select.order_by(*self.order_by(query.order_by, alias), copy=False)
        if limit is not None:
            select = select.limit(int(limit), copy=False)
        if offset:
            select = select.offset(int(offset), copy=False)
        return select

    def _filtered(self, columns: Sequence[str], condition: exp.Expr, alias: str) -> exp.Select:
        select = exp.select(*(col(alias, c) for c in columns)).from_(table(ISSUES, alias), copy=False)
        if not (isinstance(condition, exp.Boolean) and condition.this is True):
            select = select.where(condition, copy=False)
        return select

    def _split_by_first_key(
        self, keys: Sequence[BoundSort], condition: exp.Expr, columns: Sequence[str], limit: int, offset: int
    ) -> exp.Select | None:
        """A page ordered first by a lookup with few sort values (priority), read one value at a time.

        `ORDER BY priority DESC, updated DESC` otherwise sorts every match by a looked-up rank, so "my open
        issues" reads all of a user's issues for one page. Here a LATERAL sub-query takes, for each stored value
        (a VALUES list of (branch, id) in sort order), the matches with that value in the remaining order up to
        the page's end, which an index on (filter, value, next key) reads in order and stops; empty values come
        from one more branch. The outer query orders those few rows. None when the first key is not of this
        kind. Values are taken from the catalog read for this query: a priority created after it was read is
        missed by this one search, as a query naming it would be.
        """
        if not keys or (isinstance(condition, exp.Boolean) and condition.this is False):
            return None
        first = keys[0]
        storage, sort = first.field.storage, first.field.sort
        if not isinstance(storage, Column) or sort is None or sort.lookup is None or sort.column is not None:
            return None
        domain = self.sort_domains.get(sort.lookup)
        if not domain or len({rank for _, rank in domain}) > MAX_SPLIT_BRANCHES:
            return None
        ranks = sorted({rank for _, rank in domain}, reverse=first.descending != sort.reverse)
        # Empty values sort last ascending and first descending (see `order_by`).
        shift = 1 if first.descending else 0
        values = [(position + shift, i) for position, rank in enumerate(ranks) for i, r in domain if r == rank]
        empty_position = 0 if first.descending else len(ranks)
        # The remaining keys, built once: each branch sorts by (and projects) copies of them, the outer query
        # takes their directions.
        rest = self.order_by(keys[1:], "i", default=False)

        def branch(value_condition: exp.Expr, position: exp.Expr) -> exp.Select:
            terms = [term.copy() for term in rest]
            part = self._filtered(columns, and_(condition.copy(), value_condition), "i")
            part = part.select(
                position.as_("tl_branch"),
                *(term.this.copy().as_(f"tl_sort{n}") for n, term in enumerate(terms)),
                copy=False,
            )
            return part.order_by(*terms, copy=False).limit(offset + limit, copy=False)

        value = col("i", storage.column)
        per_value = branch(exp.EQ(this=value, expression=col("tl_values", "tl_value")), col("tl_values", "tl_branch"))
        lateral = exp.Lateral(this=per_value.subquery(copy=False), alias=exp.TableAlias(this=exp.to_identifier("b")))
        names = [*columns, "tl_branch", *(f"tl_sort{n}" for n in range(len(rest)))]  # as `branch` projects
        valued = (
            exp.select(*(col("b", n) for n in names))
            .from_(exp.values(values, alias="tl_values", columns=["tl_branch", "tl_value"]), copy=False)
            .join(lateral, join_type="CROSS", copy=False)
        )
        empty = branch(exp.Is(this=value.copy(), expression=exp.Null()), exp.Literal.number(empty_position))
        union = exp.union(valued, empty.subquery(copy=False), distinct=False, copy=False)
        outer = exp.select(*(col("tl_page", c) for c in columns)).from_(
            exp.Subquery(this=union, alias="tl_page"), copy=False
        )
        outer = outer.order_by(
            exp.Ordered(this=col("tl_page", "tl_branch"), desc=False, nulls_first=False),
            *(
                exp.Ordered(
                    this=col("tl_page", f"tl_sort{n}"), desc=term.args["desc"], nulls_first=term.args["nulls_first"]
                )
                for n, term in enumerate(rest)
            ),
            copy=False,
        ).limit(limit, copy=False)
        return outer.offset(offset, copy=False) if offset else outer

    def order_by(self, keys: Sequence[BoundSort], alias: str, *, default: bool = True) -> list[exp.Ordered]:
        """ORDER BY terms; empty values sort last ascending and first descending on both engines.

        Without keys the order is newest first (`default`); issue ids always break the remaining ties.
        """
        out: list[exp.Ordered] = []
        if not keys and default:
            out.append(exp.Ordered(this=col(alias, "created_at"), desc=True, nulls_first=True))
        for key in keys:
            spec = key.field
            sort = spec.sort
            assert sort is not None
            for expression in self._sort_expressions(spec, alias):
                out.append(
                    exp.Ordered(this=expression, desc=key.descending != sort.reverse, nulls_first=key.descending)
                )
        # Deterministic order: issue ids break every tie.
        out.append(exp.Ordered(this=col(alias, "id"), desc=True, nulls_first=True))
        return out

    def _sort_expressions(self, spec: FieldSpec, alias: str) -> list[exp.Expr]:
        storage, sort = spec.storage, spec.sort
        assert sort is not None
        if isinstance(storage, IssueKeyStorage):
            p = self.alias("p")
            project_key = (
                exp.select(col(p, "key"))
                .from_(table("projects", p))
                .where(exp.EQ(this=col(p, "id"), expression=col(alias, "project_id")))
            )
            return [exp.Subquery(this=project_key), col(alias, "number")]
        if isinstance(storage, JoinTable):
            j = self.alias("j")
            value: exp.Expr = col(j, storage.value_column)
            select = exp.select().from_(table(storage.table, j))
            if sort.lookup:
                lk = self.alias("l")
                select = select.join(
                    table(sort.lookup.table, lk),
                    on=exp.EQ(this=col(lk, sort.lookup.key_column), expression=value),
                )
                value = col(lk, sort.lookup.sort_column)
            select = select.select(exp.Min(this=value)).where(
                exp.EQ(this=col(j, storage.issue_column), expression=col(alias, "id"))
            )
            return [exp.Subquery(this=select)]
        base = self._value_expression(spec, alias) if sort.column is None else col(alias, sort.column)
        if sort.lookup:
            lk = self.alias("l")
            lookup = (
                exp.select(col(lk, sort.lookup.sort_column))
                .from_(table(sort.lookup.table, lk))
                .where(exp.EQ(this=col(lk, sort.lookup.key_column), expression=base))
            )
            return [exp.Subquery(this=lookup)]
        return [base]

    # --- conditions ---------------------------------------------------------------------------------

    def condition(self, node: Bound, alias: str) -> exp.Expr:
        """SQL condition for a bound node over `issues AS alias`."""
        return self.handlers[type(node)](node, alias)

    def _all_of(self, node: object, alias: str) -> exp.Expr:
        assert isinstance(node, AllOf)
        return and_(*(self.condition(i, alias) for i in node.items))

    def _any_of(self, node: object, alias: str) -> exp.Expr:
        assert isinstance(node, AnyOf)
        return or_(*(self.condition(i, alias) for i in node.items))

    def _json(self, alias: str, storage: JsonValue) -> exp.Expr:
        path = exp.JSONPath(expressions=[exp.JSONPathRoot(), exp.JSONPathKey(this=storage.key)])
        return exp.JSONExtractScalar(this=col(alias, storage.column), expression=path, only_json_types=True)

    def _value_expression(self, spec: FieldSpec, alias: str) -> exp.Expr:
        """The scalar SQL expression holding a single-valued field."""
        storage = spec.storage
        if isinstance(storage, Column):
            return col(alias, storage.column)
        if isinstance(storage, IssueRef):
            return col(alias, storage.column)
        if isinstance(storage, JsonValue) and not storage.multi:
            raw = self._json(alias, storage)
            if storage.sql_type is SqlType.TEXT:
                return raw
            # DuckDB's bare DECIMAL is DECIMAL(18,3) and would round; DOUBLE keeps JSON numbers intact.
            sql_type = "DOUBLE" if storage.sql_type is SqlType.NUMERIC and not self.pg else storage.sql_type.value
            return exp.Cast(this=raw, to=exp.DataType.build(sql_type))
        raise JqlSemanticError(f"The field '{spec.name}' cannot be compared this way", source="", start=0)

    def _field(self, node: object, alias: str) -> exp.Expr:
        assert isinstance(node, FieldCondition)
        storage = node.field.storage
        if isinstance(storage, IssueKeyStorage):
            return self._issue_key(node, alias)
        if isinstance(storage, IssueRef):
            return self._issue_ref(node, storage, alias)
        if isinstance(storage, ArrayColumn):
            target = col(alias, storage.column)
            return self._multi(node, self._array_has_any(target), lambda: self._array_nonempty(target.copy()))
        if isinstance(storage, JsonValue) and storage.multi:
            return self._multi(node, self._json_has_any(alias, storage), lambda: self._json_nonempty(alias, storage))
        if isinstance(storage, JoinTable):
            return self._join_table(node, storage, alias)
        if isinstance(storage, FullText):
            return self._text_emptiness(node, storage, alias)
        if isinstance(storage, JsonValue) and storage.sql_type is SqlType.TEXT and node.field.type in ISO_TEXT_TYPES:
            node = as_iso_text(node)
        return self._scalar(node, self._value_expression(node.field, alias))

    def _scalar(self, node: FieldCondition, target: exp.Expr) -> exp.Expr:
        op = node.op
        if op is CmpOp.IS_EMPTY:
            return exp.Is(this=target, expression=exp.Null())
        if op is CmpOp.IS_NOT_EMPTY:
            return not_(exp.Is(this=target, expression=exp.Null()))
        if op is CmpOp.IN:
            return is_in(target, node.values)
        if op is CmpOp.NOT_IN:
            # Jira: != and NOT IN never match an empty field; say it explicitly.
            present = not_(exp.Is(this=target, expression=exp.Null())) if node.field.nullable else exp.true()
            if len(node.values) == 1:
                return and_(present, exp.NEQ(this=target.copy(), expression=literal(node.values[0])))
            return and_(present, not_(is_in(target.copy(), node.values)))
        return CMP[op](this=target, expression=literal(node.values[0]))

    def _multi(
        self,
        node: FieldCondition,
        has_any: Callable[[Sequence[BoundValue]], exp.Expr],
        nonempty: Callable[[], exp.Expr],
    ) -> exp.Expr:
        """A multi-valued field: IN = some value in the set; NOT IN = has values, none in the set."""
        if node.op is CmpOp.IN:
            return has_any(node.values) if node.values else exp.false()
        if node.op is CmpOp.NOT_IN:
            return and_(nonempty(), not_(has_any(node.values))) if node.values else nonempty()
        if node.op is CmpOp.IS_EMPTY:
            return not_(nonempty())
        if node.op is CmpOp.IS_NOT_EMPTY:
            return nonempty()
        raise JqlSemanticError(f"The field '{node.field.name}' cannot be ordered", source="", start=0)

    def _array_has_any(self, target: exp.Expr) -> Callable[[Sequence[BoundValue]], exp.Expr]:
        def build(values: Sequence[BoundValue]) -> exp.Expr:
            return exp.ArrayOverlaps(this=target, expression=exp.Array(expressions=[literal(str(v)) for v in values]))

        return build

    def _array_nonempty(self, target: exp.Expr) -> exp.Expr:
        size = exp.Anonymous(this="CARDINALITY" if self.pg else "LEN", expressions=[target])
        return exp.GT(
            this=exp.Coalesce(this=size, expressions=[exp.Literal.number(0)]), expression=exp.Literal.number(0)
        )

    def _json_has_any(self, alias: str, storage: JsonValue) -> Callable[[Sequence[BoundValue]], exp.Expr]:
        def build(values: Sequence[BoundValue]) -> exp.Expr:
            texts = [str(v) for v in values]
            if self.pg:
                e = self.alias("e")
                path = exp.JSONPath(expressions=[exp.JSONPathRoot(), exp.JSONPathKey(this=storage.key)])
                array = exp.JSONExtract(this=col(alias, storage.column), expression=path, only_json_types=True)
                elements = exp.Anonymous(this="JSONB_ARRAY_ELEMENTS_TEXT", expressions=[array])
                source = exp.Table(
                    this=elements, alias=exp.TableAlias(this=exp.to_identifier(e), columns=[exp.to_identifier("v")])
                )
                return exists(exp.select(exp.Literal.number(1)).from_(source).where(is_in(col(e, "v"), texts)))
            items = exp.Anonymous(
                this="JSON_EXTRACT_STRING",
                expressions=[col(alias, storage.column), exp.Literal.string(f"$.{storage.key}[*]")],
            )
            return exp.Anonymous(
                this="LIST_HAS_ANY", expressions=[items, exp.Array(expressions=[exp.Literal.string(t) for t in texts])]
            )

        return build

    def _json_nonempty(self, alias: str, storage: JsonValue) -> exp.Expr:
        if self.pg:
            path = exp.JSONPath(expressions=[exp.JSONPathRoot(), exp.JSONPathKey(this=storage.key)])
            array = exp.JSONExtract(this=col(alias, storage.column), expression=path, only_json_types=True)
            size: exp.Expr = exp.Anonymous(this="JSONB_ARRAY_LENGTH", expressions=[array])
        else:
            size = exp.Anonymous(
                this="JSON_ARRAY_LENGTH",
                expressions=[col(alias, storage.column), exp.Literal.string(f"$.{storage.key}")],
            )
        return exp.GT(
            this=exp.Coalesce(this=size, expressions=[exp.Literal.number(0)]), expression=exp.Literal.number(0)
        )

    def _join_rows(self, storage: JoinTable, alias: str, extra: exp.Expr | None) -> exp.Exists:
        j = self.alias("j")
        condition: exp.Expr = exp.EQ(this=col(j, storage.issue_column), expression=col(alias, "id"))
        if extra is not None:
            condition = and_(condition, extra.transform(lambda n: col(j, n.name) if _is_placeholder(n) else n))
        return exists(exp.select(exp.Literal.number(1)).from_(table(storage.table, j)).where(condition))

    def _join_table(self, node: FieldCondition, storage: JoinTable, alias: str) -> exp.Expr:
        value = _placeholder(storage.value_column)
        if node.op in (CmpOp.IN, CmpOp.NOT_IN, CmpOp.IS_EMPTY, CmpOp.IS_NOT_EMPTY):
            return self._multi(
                node,
                lambda vals: self._join_rows(storage, alias, is_in(value, vals)),
                lambda: self._join_rows(storage, alias, None),
            )
        return self._join_rows(storage, alias, CMP[node.op](this=value, expression=literal(node.values[0])))

    def _issue_key(self, node: FieldCondition, alias: str) -> exp.Expr:
        def matches(values: Sequence[BoundValue]) -> exp.Expr:
            keys = [v.key for v in values if isinstance(v, IssueKeyValue)]
            ids = [v for v in values if isinstance(v, int)]
            return or_(
                *([is_in(col(alias, "key"), keys)] if keys else []),
                *([is_in(col(alias, "id"), ids)] if ids else []),
            )

        if node.op is CmpOp.IN:
            return matches(node.values)
        if node.op is CmpOp.NOT_IN:
            return not_(matches(node.values)) if node.values else exp.true()
        if node.op in (CmpOp.IS_EMPTY, CmpOp.IS_NOT_EMPTY):
            return exp.false() if node.op is CmpOp.IS_EMPTY else exp.true()
        pivot = node.values[0]
        op = CMP[node.op]
        if isinstance(pivot, IssueKeyValue):
            # Jira compares keys within their project only.
            return and_(
                exp.EQ(this=col(alias, "project_id"), expression=literal(pivot.project_id)),
                op(this=col(alias, "number"), expression=literal(pivot.number)),
            )
        return op(this=col(alias, "id"), expression=literal(pivot))

    def _issue_ref(self, node: FieldCondition, storage: IssueRef, alias: str) -> exp.Expr:
        target = col(alias, storage.column)

        def matches(values: Sequence[BoundValue]) -> exp.Expr:
            keys = [v.key for v in values if isinstance(v, IssueKeyValue)]
            ids = [v for v in values if isinstance(v, int)]
            parts = [is_in(target, ids)] if ids else []
            if keys:
                p = self.alias("p")
                sub = exp.select(col(p, "id")).from_(table(ISSUES, p))
                sub = sub.where(and_(self.scope_condition(p), is_in(col(p, "key"), keys)))
                parts.append(exp.In(this=target.copy(), query=sub.subquery()))
            return or_(*parts)

        present = not_(exp.Is(this=target, expression=exp.Null()))
        if node.op is CmpOp.IN:
            return matches(node.values)
        if node.op is CmpOp.NOT_IN:
            return and_(present, not_(matches(node.values))) if node.values else present
        if node.op is CmpOp.IS_EMPTY:
            return not_(present)
        return present

    # --- text ---------------------------------------------------------------------------------------

    def _documents(self, storage: FullText, alias: str) -> exp.Expr | None:
        parts: list[exp.Expr] = [col(alias, c) for c in storage.columns]
        parts += [self._json(alias, JsonValue(k, SqlType.TEXT)) for k in storage.json_keys]
        if not parts:
            return None
        doc: exp.Expr = exp.Coalesce(this=parts[0], expressions=[exp.Literal.string("")])
        for part in parts[1:]:
            doc = exp.DPipe(
                this=exp.DPipe(this=doc, expression=exp.Literal.string(" "), safe=True),
                expression=exp.Coalesce(this=part, expressions=[exp.Literal.string("")]),
                safe=True,
            )
        return doc

    def _text_match(self, document: exp.Expr, node: TextCondition) -> exp.Expr:
        if self.pg:
            words = exp.Anonymous(this="SEARCH_WORDS", expressions=[document])
            vector = exp.Anonymous(this="TO_TSVECTOR", expressions=[exp.Literal.string(TS_CONFIG), words])
            return exp.MatchAgainst(this=self._tsquery(node), expressions=[vector])
        lowered = exp.Lower(this=document)
        parts: list[exp.Expr] = []
        if node.terms:
            words = exp.Anonymous(this="REGEXP_SPLIT_TO_ARRAY", expressions=[lowered, exp.Literal.string(WORD_SPLIT)])
            wanted = exp.Array(expressions=[exp.Literal.string(t) for t in node.terms])
            parts.append(exp.Anonymous(this="LIST_HAS_ALL", expressions=[words, wanted]))
        for prefix in node.prefixes:
            # The prefix holds letters and digits only, so it is safe inside the pattern.
            pattern = exp.Literal.string(f"(^|[^\\p{{L}}\\p{{N}}]){prefix}")
            parts.append(exp.RegexpLike(this=lowered.copy(), expression=pattern))
        return and_(*parts)

    def _tsquery(self, node: TextCondition, weight: str | None = None) -> exp.Expr:
        """`to_tsquery('simple', 'w1' & 'pre':*)`, every term restricted to `weight` when given."""
        w = weight or ""
        query = " & ".join(
            [f"'{t}':{w}" if w else f"'{t}'" for t in node.terms] + [f"'{p}':*{w}" for p in node.prefixes]
        )
        return exp.Anonymous(this="TO_TSQUERY", expressions=[exp.Literal.string(TS_CONFIG), exp.Literal.string(query)])

    def text_documents(self, node: TextCondition, index: TextIndex) -> exp.Select:
        """`SELECT d.issue_id FROM <side table> AS d WHERE d.document @@ <query>`: the GIN index's matches."""
        d = self.alias("d")
        match = exp.MatchAgainst(this=self._tsquery(node, index.weight), expressions=[col(d, index.document_column)])
        return exp.select(col(d, index.issue_column)).from_(table(index.table, d)).where(match)

    def _indexed_text(self, node: TextCondition, index: TextIndex, alias: str) -> exp.Expr:
        """A positive match through the maintained side table and its GIN index (PostgreSQL).

        A correlated EXISTS, which lets the planner walk an ORDER BY index and stop after a page when the
        words are common. When the caller has already read the (few) issues whose documents match from
        the index (`text_matches`, keyed by `text_match_key`), they are given as a constant array instead:
        the planner's estimate of a multi-word or weighted tsquery can be far too high, and walking a
        million issues to find a rare word costs seconds.
        """
        found = self.text_matches.get(text_match_key(node, index))
        if found is not None:
            if not found:
                return exp.false()
            ids = exp.Literal.string("{" + ",".join(str(int(i)) for i in sorted(set(found))) + "}")
            array = exp.Cast(this=ids, to=exp.DataType.build("BIGINT[]"))
            return exp.EQ(this=col(alias, "id"), expression=exp.Any(this=exp.Paren(this=array)))
        d = self.alias("d")
        cond = and_(
            exp.EQ(this=col(d, index.issue_column), expression=col(alias, "id")),
            exp.MatchAgainst(this=self._tsquery(node, index.weight), expressions=[col(d, index.document_column)]),
        )
        return exists(exp.select(exp.Literal.number(1)).from_(table(index.table, d)).where(cond))

    def _text(self, node: object, alias: str) -> exp.Expr:
        assert isinstance(node, TextCondition)
        storage = node.field.storage
        assert isinstance(storage, FullText)
        if self.pg and storage.index is not None and not node.negated:
            return self._indexed_text(node, storage.index, alias)
        matches: list[exp.Expr] = []
        document = self._documents(storage, alias)
        if document is not None:
            matches.append(self._text_match(document, node))
        if storage.comments is not None:
            c = self.alias("c")
            body = exp.Coalesce(this=col(c, storage.comments.value_column), expressions=[exp.Literal.string("")])
            cond = and_(
                exp.EQ(this=col(c, storage.comments.issue_column), expression=col(alias, "id")),
                self._text_match(body, node),
            )
            matches.append(
                exists(exp.select(exp.Literal.number(1)).from_(table(storage.comments.table, c)).where(cond))
            )
        match = or_(*matches)
        if not node.negated:
            return match
        present = self._text_present(storage, alias) if node.field.nullable and document is not None else exp.true()
        return and_(present, not_(match))

    def _text_present(self, storage: FullText, alias: str) -> exp.Expr:
        document = self._documents(storage, alias)
        assert document is not None
        return exp.NEQ(this=document, expression=exp.Literal.string(""))

    def _text_emptiness(self, node: FieldCondition, storage: FullText, alias: str) -> exp.Expr:
        if self._documents(storage, alias) is None:
            raise JqlSemanticError(f"The field '{node.field.name}' cannot be tested for EMPTY", source="", start=0)
        present = self._text_present(storage, alias)
        return present if node.op is CmpOp.IS_NOT_EMPTY else not_(present)

    # --- relations ----------------------------------------------------------------------------------

    def _matching(self, inner: Bound, link: Callable[[str], exp.Expr]) -> exp.Exists:
        """EXISTS over issues matching `inner` (scoped) that relate to the outer issue via `link`."""
        m = self.alias("m")
        condition = and_(link(m), self.where(inner, m))
        return exists(exp.select(exp.Literal.number(1)).from_(table(ISSUES, m)).where(condition))

    def _relation(self, node: object, alias: str) -> exp.Expr:
        assert isinstance(node, RelationCondition)
        outer_id = col(alias, "id")
        if node.relation is Relation.SUBTASKS_OF:
            result: exp.Expr = self._matching(
                node.inner, lambda m: exp.EQ(this=col(m, "id"), expression=col(alias, "parent_id"))
            )
        elif node.relation is Relation.EPIC_CHILDREN:
            result = self._matching(
                node.inner,
                lambda m: and_(
                    exp.EQ(this=col(m, "id"), expression=col(alias, "parent_id")),
                    is_in(col(m, "issue_type_id"), list(node.epic_type_ids)),
                ),
            )
        elif node.relation is Relation.PARENTS_OF:
            result = self._matching(node.inner, lambda m: exp.EQ(this=col(m, "parent_id"), expression=outer_id))
        else:
            result = self._linked(node, alias)
        return not_(result) if node.negated else result

    def _linked(self, node: RelationCondition, alias: str) -> exp.Expr:
        storage = self.link_storage
        if storage is None:
            raise JqlSemanticError("Issue links are not configured", source="", start=0)
        lnk = self.alias("k")

        def side(result_col: str, other_col: str, type_id: int | None) -> exp.Expr:
            parts: list[exp.Expr] = [exp.EQ(this=col(lnk, result_col), expression=col(alias, "id"))]
            if type_id is not None:
                parts.append(exp.EQ(this=col(lnk, storage.type_column), expression=literal(type_id)))
            parts.append(
                self._matching(node.inner, lambda m: exp.EQ(this=col(m, "id"), expression=col(lnk, other_col)))
            )
            return and_(*parts)

        src, dst = storage.source_column, storage.target_column
        options: list[exp.Expr] = []
        for f in node.links or ():
            if f.direction in ("inward", "both"):
                options.append(side(dst, src, f.type_id))
            if f.direction in ("outward", "both"):
                options.append(side(src, dst, f.type_id))
        if node.links is None:
            options = [side(dst, src, None), side(src, dst, None)]
        return exists(exp.select(exp.Literal.number(1)).from_(table(storage.table, lnk)).where(or_(*options)))


def _placeholder(name: str) -> exp.Column:
    return exp.column(name, table="__join__")


def _is_placeholder(node: exp.Expr) -> bool:
    return isinstance(node, exp.Column) and node.table == "__join__"


def to_sql(
    query: ast.Query | str,
    catalog: Catalog,
    dialect: Dialect = "postgres",
    *,
    scope: Collection[int] | None,
    context: QueryContext | None = None,
    columns: Sequence[str] = ("id",),
    limit: int | None = None,
    offset: int | None = None,
) -> exp.Select:
    """Compile JQL to a sqlglot SELECT of issue columns (ids by default), scoped to `scope` projects.

    `scope` is required: the project ids the searcher may browse, or None for every project.
    """
    bound = analyze(query, catalog, context)
    return compile_bound(bound, catalog, dialect, scope=scope, columns=columns, limit=limit, offset=offset)


def compile_bound(
    bound: BoundQuery,
    catalog: Catalog,
    dialect: Dialect = "postgres",
    *,
    scope: Collection[int] | None,
    columns: Sequence[str] = ("id",),
    limit: int | None = None,
    offset: int | None = None,
    text_matches: Mapping[str, Collection[int]] | None = None,
) -> exp.Select:
    """Compile an already analysed query (see `jql.analyze`).

    `text_matches`: for indexed text matches (keyed as `text_match_probes` keys them), the ids of the
    issues whose documents match, already read by the caller; they replace the EXISTS over the index.
    """
    compiler = SqlCompiler(dialect, scope, catalog.link_storage(), text_matches, sort_domains(catalog))
    return compiler.select(bound, columns, limit, offset)


def sort_domains(catalog: Catalog) -> dict[Lookup, list[tuple[int, int]]]:
    """(id, sort value) of the lookups whose sort values are integers the catalog knows: priorities."""
    return {PRIORITY_SORT: [(p.id, p.sequence) for p in catalog.priorities()]}


def is_split(select: exp.Select) -> bool:
    """Whether a compiled page reads one branch per sort value (`SqlCompiler._split_by_first_key`): its
    count must come from the same query compiled without a page."""
    source = select.args.get("from_")
    return source is not None and source.this.alias == "tl_page"


def text_match_key(node: TextCondition, index: TextIndex) -> str:
    """Identifies an indexed text match by what it searches: the side table, the words and the weight."""
    return "|".join((index.table, index.weight or "", " ".join(node.terms), " ".join(p + "*" for p in node.prefixes)))


def is_one_whole_word(key: str) -> bool:
    """Whether a text match (by its `text_match_key`) is one whole word in every part of the documents: no weight
    and no prefix. The planner estimates such a match from the word's own statistics; it ignores weights, and
    multiplies the estimates of several words."""
    _, weight, terms, prefixes = key.split("|", 3)
    return not weight and not prefixes and len(terms.split()) == 1


def _text_conditions(node: object) -> list[TextCondition]:
    if isinstance(node, TextCondition):
        return [node]
    if isinstance(node, AllOf | AnyOf):
        return [t for item in node.items for t in _text_conditions(item)]
    if isinstance(node, RelationCondition):
        return _text_conditions(node.inner)
    return []


def text_match_probes(bound: BoundQuery, limit: int) -> dict[str, exp.Select]:
    """For each positive text match the PostgreSQL side-table index serves, its key and a query reading the
    issue ids of its matching documents, at most `limit` of them. Empty for queries without one."""
    compiler = SqlCompiler("postgres", None, None)
    probes: dict[str, exp.Select] = {}
    for node in _text_conditions(bound.where):
        storage = node.field.storage
        if node.negated or not isinstance(storage, FullText) or storage.index is None:
            continue
        probes[text_match_key(node, storage.index)] = compiler.text_documents(node, storage.index).limit(limit)
    return probes


def to_sql_text(
    query: ast.Query | str,
    catalog: Catalog,
    dialect: Dialect = "postgres",
    *,
    scope: Collection[int] | None,
    context: QueryContext | None = None,
    **kwargs: object,
) -> str:
    """SQL text for a query (see `to_sql`)."""
    select = to_sql(query, catalog, dialect, scope=scope, context=context, **kwargs)  # type: ignore[arg-type]
    return select.sql(dialect=dialect)


def condition_sql(
    query: ast.Query | str,
    catalog: Catalog,
    dialect: Dialect = "postgres",
    *,
    scope: Collection[int] | None,
    context: QueryContext | None = None,
    alias: str = "i",
) -> exp.Expr:
    """Only the WHERE condition (scope included) over `issues AS alias`, for embedding in other SQL."""
    bound = analyze(query, catalog, context)
    return SqlCompiler(dialect, scope, catalog.link_storage()).where(bound.where, alias)

"""Golden cases: (JQL, PostgreSQL, DuckDB, Elasticsearch) for scope [1, 2], user 1, now 2024-06-15 12:00 UTC.

Generated once from the compilers by hand-review; update deliberately, never blindly.
"""

from __future__ import annotations

from typing import Any

GOLDEN: list[tuple[str, str, str, dict[str, Any]]] = [
    (
        "",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {"bool": {"filter": [{"terms": {"project_id": [1, 2]}}]}},
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "status = Done",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.status_id = 10001 ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.status_id = 10001 ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {"bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"term": {"status_id": 10001}}]}},
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "STATUS = done AND Project = abc",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (i.status_id = 10001 AND i.project_id = 1) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (i.status_id = 10001 AND i.project_id = 1) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {"bool": {"filter": [{"term": {"status_id": 10001}}, {"term": {"project_id": 1}}]}},
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "assignee != bob",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (NOT i.assignee_id IS NULL AND i.assignee_id <> 2) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (NOT i.assignee_id IS NULL AND i.assignee_id <> 2) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "bool": {
                                "filter": [{"exists": {"field": "assignee_id"}}],
                                "must_not": [{"term": {"assignee_id": 2}}],
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "NOT assignee = bob",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (NOT i.assignee_id IS NULL AND i.assignee_id <> 2) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (NOT i.assignee_id IS NULL AND i.assignee_id <> 2) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "bool": {
                                "filter": [{"exists": {"field": "assignee_id"}}],
                                "must_not": [{"term": {"assignee_id": 2}}],
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "assignee is EMPTY",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.assignee_id IS NULL ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.assignee_id IS NULL ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {"bool": {"must_not": [{"exists": {"field": "assignee_id"}}]}},
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "assignee in (EMPTY, bob, carol)",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (i.assignee_id IN (2, 3) OR i.assignee_id IS NULL) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (i.assignee_id IN (2, 3) OR i.assignee_id IS NULL) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "bool": {
                                "minimum_should_match": 1,
                                "should": [
                                    {"terms": {"assignee_id": [2, 3]}},
                                    {"bool": {"must_not": [{"exists": {"field": "assignee_id"}}]}},
                                ],
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "assignee not in (EMPTY, bob)",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (NOT i.assignee_id IS NULL AND i.assignee_id <> 2) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (NOT i.assignee_id IS NULL AND i.assignee_id <> 2) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "bool": {
                                "filter": [{"exists": {"field": "assignee_id"}}],
                                "must_not": [{"term": {"assignee_id": 2}}],
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "assignee = currentUser()",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.assignee_id = 1 ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.assignee_id = 1 ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {"bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"term": {"assignee_id": 1}}]}},
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "assignee in membersOf(qa)",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.assignee_id IN (4, 5) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.assignee_id IN (4, 5) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {"bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"terms": {"assignee_id": [4, 5]}}]}},
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "reporter != currentUser()",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.reporter_id <> 1 ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.reporter_id <> 1 ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "bool": {
                                "filter": [{"exists": {"field": "reporter_id"}}],
                                "must_not": [{"term": {"reporter_id": 1}}],
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "priority > Medium",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.priority_id IN (1, 2) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.priority_id IN (1, 2) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {"bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"terms": {"priority_id": [1, 2]}}]}},
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "resolution = unresolved",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.resolution_id IS NULL ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.resolution_id IS NULL ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {"bool": {"must_not": [{"exists": {"field": "resolution_id"}}]}},
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "statusCategory != Done",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.status_id <> 10001 ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.status_id <> 10001 ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "bool": {
                                "filter": [{"exists": {"field": "status_id"}}],
                                "must_not": [{"term": {"status_id": 10001}}],
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "type in standardIssueTypes()",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.issue_type_id IN (10001, 10002, 10003, 10004) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.issue_type_id IN (10001, 10002, 10003, 10004) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {"terms": {"issue_type_id": [10001, 10002, 10003, 10004]}},
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "labels = urgent",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.labels && ARRAY['urgent'] ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.labels && ['urgent'] ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {"bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"term": {"labels": "urgent"}}]}},
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "labels != urgent",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (COALESCE(CARDINALITY(i.labels), 0) > 0 AND NOT (i.labels && ARRAY['urgent'])) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (COALESCE(LEN(i.labels), 0) > 0 AND NOT (i.labels && ['urgent'])) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "bool": {
                                "filter": [{"exists": {"field": "labels"}}],
                                "must_not": [{"term": {"labels": "urgent"}}],
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        'labels not in ("o\'brien", "a\\\\b")',
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (COALESCE(CARDINALITY(i.labels), 0) > 0 AND NOT (i.labels && ARRAY['o''brien', 'a\\b'])) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (COALESCE(LEN(i.labels), 0) > 0 AND NOT (i.labels && ['o''brien', 'a\\b'])) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "bool": {
                                "filter": [{"exists": {"field": "labels"}}],
                                "must_not": [{"terms": {"labels": ["o'brien", "a\\b"]}}],
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "labels is EMPTY",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND NOT (COALESCE(CARDINALITY(i.labels), 0) > 0) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND NOT (COALESCE(LEN(i.labels), 0) > 0) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {"bool": {"must_not": [{"exists": {"field": "labels"}}]}},
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "due < -1w",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.due_date < CAST('2024-06-08' AS DATE) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.due_date < CAST('2024-06-08' AS DATE) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"range": {"due_date": {"lt": "2024-06-08"}}}]}
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "due >= startOfMonth(-1)",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.due_date >= CAST('2024-05-01' AS DATE) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.due_date >= CAST('2024-05-01' AS DATE) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"range": {"due_date": {"gte": "2024-05-01"}}}]}
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        'created > "2024/06/01 10:30"',
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.created_at > CAST('2024-06-01 10:30:00+00:00' AS TIMESTAMPTZ) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.created_at > CAST('2024-06-01 10:30:00+00:00' AS TIMESTAMPTZ) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {"range": {"created_at": {"gt": "2024-06-01T10:30:00+00:00"}}},
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "created >= startOfDay() AND created <= endOfDay()",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (i.created_at >= CAST('2024-06-15 00:00:00+00:00' AS TIMESTAMPTZ) AND i.created_at <= CAST('2024-06-15 23:59:59.999999+00:00' AS TIMESTAMPTZ)) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (i.created_at >= CAST('2024-06-15 00:00:00+00:00' AS TIMESTAMPTZ) AND i.created_at <= CAST('2024-06-15 23:59:59.999999+00:00' AS TIMESTAMPTZ)) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "bool": {
                                "filter": [
                                    {"range": {"created_at": {"gte": "2024-06-15T00:00:00+00:00"}}},
                                    {"range": {"created_at": {"lte": "2024-06-15T23:59:59.999999+00:00"}}},
                                ]
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "updated < 1718000000000",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.updated_at < CAST('2024-06-10 06:13:20+00:00' AS TIMESTAMPTZ) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.updated_at < CAST('2024-06-10 06:13:20+00:00' AS TIMESTAMPTZ) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {"range": {"updated_at": {"lt": "2024-06-10T06:13:20+00:00"}}},
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "resolved is not EMPTY",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND NOT i.resolved_at IS NULL ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND NOT i.resolved_at IS NULL ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {"bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"exists": {"field": "resolved_at"}}]}},
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        '"Story Points" >= 2.5',
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.story_points >= 2.5 ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.story_points >= 2.5 ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"range": {"story_points": {"gte": 2.5}}}]}
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "key = ABC-1",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.key = 'ABC-1' ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.key = 'ABC-1' ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {"bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"term": {"key": "ABC-1"}}]}},
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "key in (abc-2, 10)",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (i.key = 'ABC-2' OR i.id = 10) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (i.key = 'ABC-2' OR i.id = 10) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "bool": {
                                "minimum_should_match": 1,
                                "should": [{"term": {"key": "ABC-2"}}, {"term": {"id": 10}}],
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "key > XYZ-10",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (i.project_id = 2 AND i.number > 10) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (i.project_id = 2 AND i.number > 10) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {"bool": {"filter": [{"term": {"project_id": 2}}, {"range": {"number": {"gt": 10}}}]}},
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "parent = ABC-1",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.parent_id IN (SELECT p1.id FROM issues AS p1 WHERE p1.project_id IN (1, 2) AND p1.key = 'ABC-1') ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.parent_id IN (SELECT p1.id FROM issues AS p1 WHERE p1.project_id IN (1, 2) AND p1.key = 'ABC-1') ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {"bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"term": {"parent_key": "ABC-1"}}]}},
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "parent != ABC-1",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (NOT i.parent_id IS NULL AND NOT i.parent_id IN (SELECT p1.id FROM issues AS p1 WHERE p1.project_id IN (1, 2) AND p1.key = 'ABC-1')) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (NOT i.parent_id IS NULL AND NOT i.parent_id IN (SELECT p1.id FROM issues AS p1 WHERE p1.project_id IN (1, 2) AND p1.key = 'ABC-1')) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "bool": {
                                "filter": [{"exists": {"field": "parent_id"}}],
                                "must_not": [{"term": {"parent_key": "ABC-1"}}],
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "sprint in openSprints()",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_sprints AS j1 WHERE j1.issue_id = i.id AND j1.sprint_id = 3) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_sprints AS j1 WHERE j1.issue_id = i.id AND j1.sprint_id = 3) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {"bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"term": {"sprint_ids": 3}}]}},
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "sprint not in closedSprints()",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (EXISTS(SELECT 1 FROM issue_sprints AS j1 WHERE j1.issue_id = i.id) AND NOT EXISTS(SELECT 1 FROM issue_sprints AS j2 WHERE j2.issue_id = i.id AND j2.sprint_id IN (1, 2))) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (EXISTS(SELECT 1 FROM issue_sprints AS j1 WHERE j1.issue_id = i.id) AND NOT EXISTS(SELECT 1 FROM issue_sprints AS j2 WHERE j2.issue_id = i.id AND j2.sprint_id IN (1, 2))) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "bool": {
                                "filter": [{"exists": {"field": "sprint_ids"}}],
                                "must_not": [{"terms": {"sprint_ids": [1, 2]}}],
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "sprint is EMPTY",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND NOT EXISTS(SELECT 1 FROM issue_sprints AS j1 WHERE j1.issue_id = i.id) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND NOT EXISTS(SELECT 1 FROM issue_sprints AS j1 WHERE j1.issue_id = i.id) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {"bool": {"must_not": [{"exists": {"field": "sprint_ids"}}]}},
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "fixVersion > 1.0",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_fix_versions AS j1 WHERE j1.issue_id = i.id AND j1.version_id IN (2, 3, 4, 6)) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_fix_versions AS j1 WHERE j1.issue_id = i.id AND j1.version_id IN (2, 3, 4, 6)) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"terms": {"fix_version_ids": [2, 3, 4, 6]}}]}
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "fixVersion = latestReleasedVersion(ABC)",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_fix_versions AS j1 WHERE j1.issue_id = i.id AND j1.version_id = 2) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_fix_versions AS j1 WHERE j1.issue_id = i.id AND j1.version_id = 2) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {"bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"term": {"fix_version_ids": 2}}]}},
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "component != Backend",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (EXISTS(SELECT 1 FROM issue_components AS j1 WHERE j1.issue_id = i.id) AND NOT EXISTS(SELECT 1 FROM issue_components AS j2 WHERE j2.issue_id = i.id AND j2.component_id IN (1, 3))) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (EXISTS(SELECT 1 FROM issue_components AS j1 WHERE j1.issue_id = i.id) AND NOT EXISTS(SELECT 1 FROM issue_components AS j2 WHERE j2.issue_id = i.id AND j2.component_id IN (1, 3))) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "bool": {
                                "filter": [{"exists": {"field": "component_ids"}}],
                                "must_not": [{"terms": {"component_ids": [1, 3]}}],
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "Team = Red",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND CAST(i.custom_fields ->> 'customfield_10001' AS BIGINT) = 101 ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND CAST(i.custom_fields ->> '$.customfield_10001' AS BIGINT) = 101 ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"term": {"cf_id.customfield_10001": 101}}]}
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "cf[10001] is EMPTY",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND CAST(i.custom_fields ->> 'customfield_10001' AS BIGINT) IS NULL ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND CAST(i.custom_fields ->> '$.customfield_10001' AS BIGINT) IS NULL ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {"bool": {"must_not": [{"exists": {"field": "cf_id.customfield_10001"}}]}},
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "Platforms in (Linux, Mac)",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM JSONB_ARRAY_ELEMENTS_TEXT(i.custom_fields -> 'customfield_10004') AS e1(v) WHERE e1.v IN ('201', '202')) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND LIST_HAS_ANY(JSON_EXTRACT_STRING(i.custom_fields, '$.customfield_10004[*]'), ['201', '202']) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [{"terms": {"project_id": [1, 2]}}, {"terms": {"cf_id.customfield_10004": [201, 202]}}]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "Platforms not in (Windows)",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (COALESCE(JSONB_ARRAY_LENGTH(i.custom_fields -> 'customfield_10004'), 0) > 0 AND NOT EXISTS(SELECT 1 FROM JSONB_ARRAY_ELEMENTS_TEXT(i.custom_fields -> 'customfield_10004') AS e1(v) WHERE e1.v = '203')) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (COALESCE(JSON_ARRAY_LENGTH(i.custom_fields, '$.customfield_10004'), 0) > 0 AND NOT (LIST_HAS_ANY(JSON_EXTRACT_STRING(i.custom_fields, '$.customfield_10004[*]'), ['203']))) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "bool": {
                                "filter": [{"exists": {"field": "cf_id.customfield_10004"}}],
                                "must_not": [{"term": {"cf_id.customfield_10004": 203}}],
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        '"Severity Score" < 3',
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND CAST(i.custom_fields ->> 'customfield_10002' AS DECIMAL) < 3 ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND CAST(i.custom_fields ->> '$.customfield_10002' AS DOUBLE) < 3 ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {"range": {"cf_number.customfield_10002": {"lt": 3.0}}},
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        '"Go Live" <= 2024-07-01',
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND CAST(i.custom_fields ->> 'customfield_10005' AS DATE) <= CAST('2024-07-01' AS DATE) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND CAST(i.custom_fields ->> '$.customfield_10005' AS DATE) <= CAST('2024-07-01' AS DATE) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {"range": {"cf_date.customfield_10005": {"lte": "2024-07-01"}}},
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "Customer != ACME",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (NOT i.custom_fields ->> 'customfield_10006' IS NULL AND i.custom_fields ->> 'customfield_10006' <> 'ACME') ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (NOT (i.custom_fields ->> '$.customfield_10006') IS NULL AND (i.custom_fields ->> '$.customfield_10006') <> 'ACME') ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "bool": {
                                "filter": [{"exists": {"field": "cf_keyword.customfield_10006"}}],
                                "must_not": [{"term": {"cf_keyword.customfield_10006": "ACME"}}],
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "Reviewer = bob",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND CAST(i.custom_fields ->> 'customfield_10007' AS BIGINT) = 2 ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND CAST(i.custom_fields ->> '$.customfield_10007' AS BIGINT) = 2 ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"term": {"cf_id.customfield_10007": 2}}]}
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        'summary ~ "login screen"',
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM search_documents AS d1 WHERE d1.issue_id = i.id AND d1.document @@ TO_TSQUERY('simple', '''login'':A & ''screen'':A')) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND LIST_HAS_ALL(REGEXP_SPLIT_TO_ARRAY(LOWER(COALESCE(i.summary, '')), '[^\\p{L}\\p{N}]+'), ['login', 'screen']) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {"match": {"summary": {"query": "login screen", "operator": "and"}}},
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        'summary ~ "pay*"',
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM search_documents AS d1 WHERE d1.issue_id = i.id AND d1.document @@ TO_TSQUERY('simple', '''pay'':*A')) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND REGEXP_MATCHES(LOWER(COALESCE(i.summary, '')), '(^|[^\\p{L}\\p{N}])pay') ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {"bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"prefix": {"summary": "pay"}}]}},
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "summary !~ crash",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND NOT (TO_TSVECTOR('simple', SEARCH_WORDS(COALESCE(i.summary, ''))) @@ TO_TSQUERY('simple', '''crash''')) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND NOT (LIST_HAS_ALL(REGEXP_SPLIT_TO_ARRAY(LOWER(COALESCE(i.summary, '')), '[^\\p{L}\\p{N}]+'), ['crash'])) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {"bool": {"must_not": [{"match": {"summary": {"query": "crash", "operator": "and"}}}]}},
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "description is EMPTY",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND NOT (COALESCE(i.description, '') <> '') ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND NOT (COALESCE(i.description, '') <> '') ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {"bool": {"must_not": [{"exists": {"field": "description"}}]}},
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "text ~ checkout",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM search_documents AS d1 WHERE d1.issue_id = i.id AND d1.document @@ TO_TSQUERY('simple', '''checkout''')) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (LIST_HAS_ALL(REGEXP_SPLIT_TO_ARRAY(LOWER(COALESCE(i.summary, '') || ' ' || COALESCE(i.description, '')), '[^\\p{L}\\p{N}]+'), ['checkout']) OR EXISTS(SELECT 1 FROM comments AS c1 WHERE c1.issue_id = i.id AND LIST_HAS_ALL(REGEXP_SPLIT_TO_ARRAY(LOWER(COALESCE(c1.body, '')), '[^\\p{L}\\p{N}]+'), ['checkout']))) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "bool": {
                                "minimum_should_match": 1,
                                "should": [
                                    {"match": {"text_all": {"query": "checkout", "operator": "and"}}},
                                    {
                                        "nested": {
                                            "path": "comments",
                                            "query": {
                                                "match": {"comments.body": {"query": "checkout", "operator": "and"}}
                                            },
                                        }
                                    },
                                ],
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "comment ~ flaky",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM search_documents AS d1 WHERE d1.issue_id = i.id AND d1.document @@ TO_TSQUERY('simple', '''flaky'':D')) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM comments AS c1 WHERE c1.issue_id = i.id AND LIST_HAS_ALL(REGEXP_SPLIT_TO_ARRAY(LOWER(COALESCE(c1.body, '')), '[^\\p{L}\\p{N}]+'), ['flaky'])) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "nested": {
                                "path": "comments",
                                "query": {"match": {"comments.body": {"query": "flaky", "operator": "and"}}},
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "Environment ~ mobile",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND TO_TSVECTOR('simple', SEARCH_WORDS(COALESCE(i.custom_fields ->> 'customfield_10003', ''))) @@ TO_TSQUERY('simple', '''mobile''') ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND LIST_HAS_ALL(REGEXP_SPLIT_TO_ARRAY(LOWER(COALESCE(i.custom_fields ->> '$.customfield_10003', '')), '[^\\p{L}\\p{N}]+'), ['mobile']) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {"match": {"cf_text.customfield_10003": {"query": "mobile", "operator": "and"}}},
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "status was Done",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (i.status_id = 10001 OR EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'status' AND (h1.to_value = '10001' OR (NOT h1.is_create AND h1.from_value = '10001')))) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (i.status_id = 10001 OR EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'status' AND (h1.to_value = '10001' OR (NOT h1.is_create AND h1.from_value = '10001')))) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "bool": {
                                "minimum_should_match": 1,
                                "should": [
                                    {"term": {"status_id": 10001}},
                                    {
                                        "nested": {
                                            "path": "history",
                                            "query": {
                                                "bool": {
                                                    "filter": [
                                                        {"term": {"history.field": "status"}},
                                                        {
                                                            "bool": {
                                                                "minimum_should_match": 1,
                                                                "should": [
                                                                    {"term": {"history.to_value": "10001"}},
                                                                    {
                                                                        "bool": {
                                                                            "filter": [
                                                                                {"term": {"history.is_create": False}},
                                                                                {
                                                                                    "term": {
                                                                                        "history.from_value": "10001"
                                                                                    }
                                                                                },
                                                                            ]
                                                                        }
                                                                    },
                                                                ],
                                                            }
                                                        },
                                                    ]
                                                }
                                            },
                                        }
                                    },
                                ],
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        'status was not in (Done, "In Progress")',
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND NOT (i.status_id IN (10001, 3) OR EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'status' AND (h1.to_value IN ('10001', '3') OR (NOT h1.is_create AND h1.from_value IN ('10001', '3'))))) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND NOT (i.status_id IN (10001, 3) OR EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'status' AND (h1.to_value IN ('10001', '3') OR (NOT h1.is_create AND h1.from_value IN ('10001', '3'))))) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "bool": {
                                "must_not": [
                                    {
                                        "bool": {
                                            "minimum_should_match": 1,
                                            "should": [
                                                {"terms": {"status_id": [10001, 3]}},
                                                {
                                                    "nested": {
                                                        "path": "history",
                                                        "query": {
                                                            "bool": {
                                                                "filter": [
                                                                    {"term": {"history.field": "status"}},
                                                                    {
                                                                        "bool": {
                                                                            "minimum_should_match": 1,
                                                                            "should": [
                                                                                {
                                                                                    "terms": {
                                                                                        "history.to_value": [
                                                                                            "10001",
                                                                                            "3",
                                                                                        ]
                                                                                    }
                                                                                },
                                                                                {
                                                                                    "bool": {
                                                                                        "filter": [
                                                                                            {
                                                                                                "term": {
                                                                                                    "history.is_create": False
                                                                                                }
                                                                                            },
                                                                                            {
                                                                                                "terms": {
                                                                                                    "history.from_value": [
                                                                                                        "10001",
                                                                                                        "3",
                                                                                                    ]
                                                                                                }
                                                                                            },
                                                                                        ]
                                                                                    }
                                                                                },
                                                                            ],
                                                                        }
                                                                    },
                                                                ]
                                                            }
                                                        },
                                                    }
                                                },
                                            ],
                                        }
                                    }
                                ]
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "assignee was EMPTY",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (i.assignee_id IS NULL OR EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'assignee' AND (h1.to_value IS NULL OR (NOT h1.is_create AND h1.from_value IS NULL)))) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (i.assignee_id IS NULL OR EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'assignee' AND (h1.to_value IS NULL OR (NOT h1.is_create AND h1.from_value IS NULL)))) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "bool": {
                                "minimum_should_match": 1,
                                "should": [
                                    {"bool": {"must_not": [{"exists": {"field": "assignee_id"}}]}},
                                    {
                                        "nested": {
                                            "path": "history",
                                            "query": {
                                                "bool": {
                                                    "filter": [
                                                        {"term": {"history.field": "assignee"}},
                                                        {
                                                            "bool": {
                                                                "minimum_should_match": 1,
                                                                "should": [
                                                                    {
                                                                        "bool": {
                                                                            "must_not": [
                                                                                {
                                                                                    "exists": {
                                                                                        "field": "history.to_value"
                                                                                    }
                                                                                }
                                                                            ]
                                                                        }
                                                                    },
                                                                    {
                                                                        "bool": {
                                                                            "filter": [
                                                                                {"term": {"history.is_create": False}},
                                                                                {
                                                                                    "bool": {
                                                                                        "must_not": [
                                                                                            {
                                                                                                "exists": {
                                                                                                    "field": "history.from_value"
                                                                                                }
                                                                                            }
                                                                                        ]
                                                                                    }
                                                                                },
                                                                            ]
                                                                        }
                                                                    },
                                                                ],
                                                            }
                                                        },
                                                    ]
                                                }
                                            },
                                        }
                                    },
                                ],
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        'status was "In Progress" by bob before 2024-05-01',
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'status' AND h1.to_value = '3' AND h1.actor_id = 2 AND h1.occurred_at < CAST('2024-05-01 00:00:00+00:00' AS TIMESTAMPTZ)) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'status' AND h1.to_value = '3' AND h1.actor_id = 2 AND h1.occurred_at < CAST('2024-05-01 00:00:00+00:00' AS TIMESTAMPTZ)) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "nested": {
                                "path": "history",
                                "query": {
                                    "bool": {
                                        "filter": [
                                            {"term": {"history.field": "status"}},
                                            {"term": {"history.to_value": "3"}},
                                            {"term": {"history.actor_id": 2}},
                                            {"range": {"history.occurred_at": {"lt": "2024-05-01T00:00:00+00:00"}}},
                                        ]
                                    }
                                },
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "status was Done after -2w",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'status' AND h1.to_value = '10001' AND NOT EXISTS(SELECT 1 FROM issue_history AS h2 WHERE h2.issue_id = h1.issue_id AND h2.field = h1.field AND NOT h2.is_create AND h2.from_value IS NOT DISTINCT FROM h1.to_value AND (h2.occurred_at > h1.occurred_at OR (h2.occurred_at = h1.occurred_at AND h2.id > h1.id)) AND h2.occurred_at <= CAST('2024-06-01 12:00:00+00:00' AS TIMESTAMPTZ))) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'status' AND h1.to_value = '10001' AND NOT EXISTS(SELECT 1 FROM issue_history AS h2 WHERE h2.issue_id = h1.issue_id AND h2.field = h1.field AND NOT h2.is_create AND h2.from_value IS NOT DISTINCT FROM h1.to_value AND (h2.occurred_at > h1.occurred_at OR (h2.occurred_at = h1.occurred_at AND h2.id > h1.id)) AND h2.occurred_at <= CAST('2024-06-01 12:00:00+00:00' AS TIMESTAMPTZ))) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "nested": {
                                "path": "history",
                                "query": {
                                    "bool": {
                                        "filter": [
                                            {"term": {"history.field": "status"}},
                                            {"term": {"history.to_value": "10001"}},
                                            {
                                                "bool": {
                                                    "minimum_should_match": 1,
                                                    "should": [
                                                        {
                                                            "bool": {
                                                                "must_not": [{"exists": {"field": "history.ended_at"}}]
                                                            }
                                                        },
                                                        {
                                                            "range": {
                                                                "history.ended_at": {"gt": "2024-06-01T12:00:00+00:00"}
                                                            }
                                                        },
                                                    ],
                                                }
                                            },
                                        ]
                                    }
                                },
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "status was Done on 2024-05-20",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'status' AND h1.to_value = '10001' AND (h1.occurred_at < CAST('2024-05-21 00:00:00+00:00' AS TIMESTAMPTZ) AND NOT EXISTS(SELECT 1 FROM issue_history AS h2 WHERE h2.issue_id = h1.issue_id AND h2.field = h1.field AND NOT h2.is_create AND h2.from_value IS NOT DISTINCT FROM h1.to_value AND (h2.occurred_at > h1.occurred_at OR (h2.occurred_at = h1.occurred_at AND h2.id > h1.id)) AND h2.occurred_at <= CAST('2024-05-20 00:00:00+00:00' AS TIMESTAMPTZ)))) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'status' AND h1.to_value = '10001' AND (h1.occurred_at < CAST('2024-05-21 00:00:00+00:00' AS TIMESTAMPTZ) AND NOT EXISTS(SELECT 1 FROM issue_history AS h2 WHERE h2.issue_id = h1.issue_id AND h2.field = h1.field AND NOT h2.is_create AND h2.from_value IS NOT DISTINCT FROM h1.to_value AND (h2.occurred_at > h1.occurred_at OR (h2.occurred_at = h1.occurred_at AND h2.id > h1.id)) AND h2.occurred_at <= CAST('2024-05-20 00:00:00+00:00' AS TIMESTAMPTZ)))) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "nested": {
                                "path": "history",
                                "query": {
                                    "bool": {
                                        "filter": [
                                            {"term": {"history.field": "status"}},
                                            {"term": {"history.to_value": "10001"}},
                                            {
                                                "bool": {
                                                    "filter": [
                                                        {
                                                            "range": {
                                                                "history.occurred_at": {
                                                                    "lt": "2024-05-21T00:00:00+00:00"
                                                                }
                                                            }
                                                        },
                                                        {
                                                            "bool": {
                                                                "minimum_should_match": 1,
                                                                "should": [
                                                                    {
                                                                        "bool": {
                                                                            "must_not": [
                                                                                {
                                                                                    "exists": {
                                                                                        "field": "history.ended_at"
                                                                                    }
                                                                                }
                                                                            ]
                                                                        }
                                                                    },
                                                                    {
                                                                        "range": {
                                                                            "history.ended_at": {
                                                                                "gt": "2024-05-20T00:00:00+00:00"
                                                                            }
                                                                        }
                                                                    },
                                                                ],
                                                            }
                                                        },
                                                    ]
                                                }
                                            },
                                        ]
                                    }
                                },
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "status was Done during (2024-05-01, 2024-05-31)",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'status' AND h1.to_value = '10001' AND (h1.occurred_at < CAST('2024-06-01 00:00:00+00:00' AS TIMESTAMPTZ) AND NOT EXISTS(SELECT 1 FROM issue_history AS h2 WHERE h2.issue_id = h1.issue_id AND h2.field = h1.field AND NOT h2.is_create AND h2.from_value IS NOT DISTINCT FROM h1.to_value AND (h2.occurred_at > h1.occurred_at OR (h2.occurred_at = h1.occurred_at AND h2.id > h1.id)) AND h2.occurred_at <= CAST('2024-05-01 00:00:00+00:00' AS TIMESTAMPTZ)))) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'status' AND h1.to_value = '10001' AND (h1.occurred_at < CAST('2024-06-01 00:00:00+00:00' AS TIMESTAMPTZ) AND NOT EXISTS(SELECT 1 FROM issue_history AS h2 WHERE h2.issue_id = h1.issue_id AND h2.field = h1.field AND NOT h2.is_create AND h2.from_value IS NOT DISTINCT FROM h1.to_value AND (h2.occurred_at > h1.occurred_at OR (h2.occurred_at = h1.occurred_at AND h2.id > h1.id)) AND h2.occurred_at <= CAST('2024-05-01 00:00:00+00:00' AS TIMESTAMPTZ)))) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "nested": {
                                "path": "history",
                                "query": {
                                    "bool": {
                                        "filter": [
                                            {"term": {"history.field": "status"}},
                                            {"term": {"history.to_value": "10001"}},
                                            {
                                                "bool": {
                                                    "filter": [
                                                        {
                                                            "range": {
                                                                "history.occurred_at": {
                                                                    "lt": "2024-06-01T00:00:00+00:00"
                                                                }
                                                            }
                                                        },
                                                        {
                                                            "bool": {
                                                                "minimum_should_match": 1,
                                                                "should": [
                                                                    {
                                                                        "bool": {
                                                                            "must_not": [
                                                                                {
                                                                                    "exists": {
                                                                                        "field": "history.ended_at"
                                                                                    }
                                                                                }
                                                                            ]
                                                                        }
                                                                    },
                                                                    {
                                                                        "range": {
                                                                            "history.ended_at": {
                                                                                "gt": "2024-05-01T00:00:00+00:00"
                                                                            }
                                                                        }
                                                                    },
                                                                ],
                                                            }
                                                        },
                                                    ]
                                                }
                                            },
                                        ]
                                    }
                                },
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "status changed",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'status' AND NOT h1.is_create) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'status' AND NOT h1.is_create) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "nested": {
                                "path": "history",
                                "query": {
                                    "bool": {
                                        "filter": [
                                            {"term": {"history.field": "status"}},
                                            {"term": {"history.is_create": False}},
                                        ]
                                    }
                                },
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "NOT status changed",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND NOT EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'status' AND NOT h1.is_create) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND NOT EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'status' AND NOT h1.is_create) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "bool": {
                                "must_not": [
                                    {
                                        "nested": {
                                            "path": "history",
                                            "query": {
                                                "bool": {
                                                    "filter": [
                                                        {"term": {"history.field": "status"}},
                                                        {"term": {"history.is_create": False}},
                                                    ]
                                                }
                                            },
                                        }
                                    }
                                ]
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        'status changed from "To Do" to Done by (alice, bob)',
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'status' AND NOT h1.is_create AND h1.from_value = '1' AND h1.to_value = '10001' AND h1.actor_id IN (1, 2)) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'status' AND NOT h1.is_create AND h1.from_value = '1' AND h1.to_value = '10001' AND h1.actor_id IN (1, 2)) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "nested": {
                                "path": "history",
                                "query": {
                                    "bool": {
                                        "filter": [
                                            {"term": {"history.field": "status"}},
                                            {"term": {"history.is_create": False}},
                                            {"term": {"history.from_value": "1"}},
                                            {"term": {"history.to_value": "10001"}},
                                            {"terms": {"history.actor_id": [1, 2]}},
                                        ]
                                    }
                                },
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "assignee changed to EMPTY after startOfWeek()",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'assignee' AND NOT h1.is_create AND h1.to_value IS NULL AND h1.occurred_at > CAST('2024-06-10 00:00:00+00:00' AS TIMESTAMPTZ)) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'assignee' AND NOT h1.is_create AND h1.to_value IS NULL AND h1.occurred_at > CAST('2024-06-10 00:00:00+00:00' AS TIMESTAMPTZ)) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "nested": {
                                "path": "history",
                                "query": {
                                    "bool": {
                                        "filter": [
                                            {"term": {"history.field": "assignee"}},
                                            {"term": {"history.is_create": False}},
                                            {"bool": {"must_not": [{"exists": {"field": "history.to_value"}}]}},
                                            {"range": {"history.occurred_at": {"gt": "2024-06-10T00:00:00+00:00"}}},
                                        ]
                                    }
                                },
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "status changed during (2024-05-01, 2024-05-31)",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'status' AND NOT h1.is_create AND (h1.occurred_at >= CAST('2024-05-01 00:00:00+00:00' AS TIMESTAMPTZ) AND h1.occurred_at < CAST('2024-06-01 00:00:00+00:00' AS TIMESTAMPTZ))) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'status' AND NOT h1.is_create AND (h1.occurred_at >= CAST('2024-05-01 00:00:00+00:00' AS TIMESTAMPTZ) AND h1.occurred_at < CAST('2024-06-01 00:00:00+00:00' AS TIMESTAMPTZ))) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "nested": {
                                "path": "history",
                                "query": {
                                    "bool": {
                                        "filter": [
                                            {"term": {"history.field": "status"}},
                                            {"term": {"history.is_create": False}},
                                            {
                                                "range": {
                                                    "history.occurred_at": {
                                                        "gte": "2024-05-01T00:00:00+00:00",
                                                        "lt": "2024-06-01T00:00:00+00:00",
                                                    }
                                                }
                                            },
                                        ]
                                    }
                                },
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "fixVersion was 2.0",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (EXISTS(SELECT 1 FROM issue_fix_versions AS j2 WHERE j2.issue_id = i.id AND j2.version_id IN (3, 6)) OR EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'Fix Version' AND (h1.to_value IN ('3', '6') OR (NOT h1.is_create AND h1.from_value IN ('3', '6'))))) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (EXISTS(SELECT 1 FROM issue_fix_versions AS j2 WHERE j2.issue_id = i.id AND j2.version_id IN (3, 6)) OR EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'Fix Version' AND (h1.to_value IN ('3', '6') OR (NOT h1.is_create AND h1.from_value IN ('3', '6'))))) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "bool": {
                                "minimum_should_match": 1,
                                "should": [
                                    {"terms": {"fix_version_ids": [3, 6]}},
                                    {
                                        "nested": {
                                            "path": "history",
                                            "query": {
                                                "bool": {
                                                    "filter": [
                                                        {"term": {"history.field": "Fix Version"}},
                                                        {
                                                            "bool": {
                                                                "minimum_should_match": 1,
                                                                "should": [
                                                                    {"terms": {"history.to_value": ["3", "6"]}},
                                                                    {
                                                                        "bool": {
                                                                            "filter": [
                                                                                {"term": {"history.is_create": False}},
                                                                                {
                                                                                    "terms": {
                                                                                        "history.from_value": ["3", "6"]
                                                                                    }
                                                                                },
                                                                            ]
                                                                        }
                                                                    },
                                                                ],
                                                            }
                                                        },
                                                    ]
                                                }
                                            },
                                        }
                                    },
                                ],
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        'timeInStatus("In Progress") > 3d',
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (SELECT COALESCE(SUM(EXTRACT(EPOCH FROM (COALESCE((SELECT MIN(h2.occurred_at) FROM issue_history AS h2 WHERE h2.issue_id = h1.issue_id AND h2.field = h1.field AND NOT h2.is_create AND (h2.occurred_at > h1.occurred_at OR (h2.occurred_at = h1.occurred_at AND h2.id > h1.id))), CAST('2024-06-15 12:00:00+00:00' AS TIMESTAMPTZ)) - h1.occurred_at))), 0) FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'status' AND h1.to_value = '3' AND h1.occurred_at < CAST('2024-06-15 12:00:00+00:00' AS TIMESTAMPTZ)) > 259200 ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (SELECT COALESCE(SUM(EXTRACT(EPOCH FROM (COALESCE((SELECT MIN(h2.occurred_at) FROM issue_history AS h2 WHERE h2.issue_id = h1.issue_id AND h2.field = h1.field AND NOT h2.is_create AND (h2.occurred_at > h1.occurred_at OR (h2.occurred_at = h1.occurred_at AND h2.id > h1.id))), CAST('2024-06-15 12:00:00+00:00' AS TIMESTAMPTZ)) - h1.occurred_at))), 0) FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.field = 'status' AND h1.to_value = '3' AND h1.occurred_at < CAST('2024-06-15 12:00:00+00:00' AS TIMESTAMPTZ)) > 259200 ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "nested": {
                                "path": "status_time",
                                "query": {
                                    "bool": {
                                        "filter": [
                                            {"term": {"status_time.status_id": "3"}},
                                            {
                                                "script": {
                                                    "script": {
                                                        "source": "double "
                                                        "s "
                                                        "= "
                                                        "doc['status_time.closed_seconds'].value; "
                                                        "if "
                                                        "(doc['status_time.open_since'].size() "
                                                        "> "
                                                        "0) "
                                                        "{ "
                                                        "s "
                                                        "+= "
                                                        "(params.now "
                                                        "- "
                                                        "doc['status_time.open_since'].value.toInstant().toEpochMilli()) "
                                                        "/ "
                                                        "1000.0; "
                                                        "} "
                                                        "return "
                                                        "s "
                                                        "> "
                                                        "params.seconds;",
                                                        "params": {"now": 1718452800000, "seconds": 259200},
                                                    }
                                                }
                                            },
                                        ]
                                    }
                                },
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "issue in updatedBy(bob, -1w)",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.actor_id = 2 AND h1.occurred_at >= CAST('2024-06-08 12:00:00+00:00' AS TIMESTAMPTZ)) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.actor_id = 2 AND h1.occurred_at >= CAST('2024-06-08 12:00:00+00:00' AS TIMESTAMPTZ)) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "nested": {
                                "path": "history",
                                "query": {
                                    "bool": {
                                        "filter": [
                                            {"term": {"history.actor_id": 2}},
                                            {"range": {"history.occurred_at": {"gte": "2024-06-08T12:00:00+00:00"}}},
                                        ]
                                    }
                                },
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "issue not in updatedBy(alice)",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND NOT EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.actor_id = 1) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND NOT EXISTS(SELECT 1 FROM issue_history AS h1 WHERE h1.issue_id = i.id AND h1.actor_id = 1) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "bool": {
                                "must_not": [
                                    {
                                        "nested": {
                                            "path": "history",
                                            "query": {"bool": {"filter": [{"term": {"history.actor_id": 1}}]}},
                                        }
                                    }
                                ]
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "issue in watchedIssues()",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_watchers AS j1 WHERE j1.issue_id = i.id AND j1.user_id = 1) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_watchers AS j1 WHERE j1.issue_id = i.id AND j1.user_id = 1) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {"bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"term": {"watcher_ids": 1}}]}},
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "issue in issueHistory()",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.id IN (1, 2, 3) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.id IN (1, 2, 3) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {"bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"terms": {"id": [1, 2, 3]}}]}},
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        'issue in parentsOf("status = Done")',
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issues AS m1 WHERE m1.parent_id = i.id AND (m1.project_id IN (1, 2) AND m1.status_id = 10001)) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issues AS m1 WHERE m1.parent_id = i.id AND (m1.project_id IN (1, 2) AND m1.status_id = 10001)) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {"bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"terms": {"id": [7, 8]}}]}},
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        'issue in subtasksOf("project = ABC")',
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issues AS m1 WHERE m1.id = i.parent_id AND (m1.project_id IN (1, 2) AND m1.project_id = 1)) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issues AS m1 WHERE m1.id = i.parent_id AND (m1.project_id IN (1, 2) AND m1.project_id = 1)) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {"bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"terms": {"id": [7, 8]}}]}},
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        'issue in issuesInEpics("project = XYZ")',
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issues AS m1 WHERE (m1.id = i.parent_id AND m1.issue_type_id = 10004) AND (m1.project_id IN (1, 2) AND m1.project_id = 2)) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issues AS m1 WHERE (m1.id = i.parent_id AND m1.issue_type_id = 10004) AND (m1.project_id IN (1, 2) AND m1.project_id = 2)) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {"bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"terms": {"id": [7, 8]}}]}},
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        'issue in linkedIssuesOf("status = Done", "blocks")',
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_links AS k1 WHERE (k1.target_issue_id = i.id AND k1.link_type_id = 1 AND EXISTS(SELECT 1 FROM issues AS m2 WHERE m2.id = k1.source_issue_id AND (m2.project_id IN (1, 2) AND m2.status_id = 10001))) OR (k1.source_issue_id = i.id AND k1.link_type_id = 1 AND EXISTS(SELECT 1 FROM issues AS m3 WHERE m3.id = k1.target_issue_id AND (m3.project_id IN (1, 2) AND m3.status_id = 10001)))) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_links AS k1 WHERE (k1.target_issue_id = i.id AND k1.link_type_id = 1 AND EXISTS(SELECT 1 FROM issues AS m2 WHERE m2.id = k1.source_issue_id AND (m2.project_id IN (1, 2) AND m2.status_id = 10001))) OR (k1.source_issue_id = i.id AND k1.link_type_id = 1 AND EXISTS(SELECT 1 FROM issues AS m3 WHERE m3.id = k1.target_issue_id AND (m3.project_id IN (1, 2) AND m3.status_id = 10001)))) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {"bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"terms": {"id": [7, 8]}}]}},
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "issue in linkedIssues(ABC-1)",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_links AS k1 WHERE (k1.target_issue_id = i.id AND EXISTS(SELECT 1 FROM issues AS m2 WHERE m2.id = k1.source_issue_id AND (m2.project_id IN (1, 2) AND m2.key = 'ABC-1'))) OR (k1.source_issue_id = i.id AND EXISTS(SELECT 1 FROM issues AS m3 WHERE m3.id = k1.target_issue_id AND (m3.project_id IN (1, 2) AND m3.key = 'ABC-1')))) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND EXISTS(SELECT 1 FROM issue_links AS k1 WHERE (k1.target_issue_id = i.id AND EXISTS(SELECT 1 FROM issues AS m2 WHERE m2.id = k1.source_issue_id AND (m2.project_id IN (1, 2) AND m2.key = 'ABC-1'))) OR (k1.source_issue_id = i.id AND EXISTS(SELECT 1 FROM issues AS m3 WHERE m3.id = k1.target_issue_id AND (m3.project_id IN (1, 2) AND m3.key = 'ABC-1')))) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {"bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"terms": {"id": [7, 8]}}]}},
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "NOT (status = Done AND assignee = bob)",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (i.status_id <> 10001 OR (NOT i.assignee_id IS NULL AND i.assignee_id <> 2)) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND (i.status_id <> 10001 OR (NOT i.assignee_id IS NULL AND i.assignee_id <> 2)) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "bool": {
                                "minimum_should_match": 1,
                                "should": [
                                    {
                                        "bool": {
                                            "filter": [{"exists": {"field": "status_id"}}],
                                            "must_not": [{"term": {"status_id": 10001}}],
                                        }
                                    },
                                    {
                                        "bool": {
                                            "filter": [{"exists": {"field": "assignee_id"}}],
                                            "must_not": [{"term": {"assignee_id": 2}}],
                                        }
                                    },
                                ],
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "(status = Done OR priority = High) AND labels = ui",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND ((i.status_id = 10001 OR i.priority_id = 2) AND i.labels && ARRAY['ui']) ORDER BY i.created_at DESC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND ((i.status_id = 10001 OR i.priority_id = 2) AND i.labels && ['ui']) ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"project_id": [1, 2]}},
                        {
                            "bool": {
                                "filter": [
                                    {
                                        "bool": {
                                            "minimum_should_match": 1,
                                            "should": [{"term": {"status_id": 10001}}, {"term": {"priority_id": 2}}],
                                        }
                                    },
                                    {"term": {"labels": "ui"}},
                                ]
                            }
                        },
                    ]
                }
            },
            "sort": [{"created_at": {"order": "desc", "missing": "_first"}}, {"id": {"order": "desc"}}],
        },
    ),
    (
        "status = Done ORDER BY priority DESC, key",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.status_id = 10001 ORDER BY (SELECT l1.sequence FROM priorities AS l1 WHERE l1.id = i.priority_id) ASC NULLS FIRST, (SELECT p2.key FROM projects AS p2 WHERE p2.id = i.project_id) ASC, i.number ASC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) AND i.status_id = 10001 ORDER BY (SELECT l1.sequence FROM priorities AS l1 WHERE l1.id = i.priority_id) ASC NULLS FIRST, (SELECT p2.key FROM projects AS p2 WHERE p2.id = i.project_id) ASC, i.number ASC, i.id DESC NULLS FIRST",
        {
            "query": {"bool": {"filter": [{"terms": {"project_id": [1, 2]}}, {"term": {"status_id": 10001}}]}},
            "sort": [
                {"priority_rank": {"order": "asc", "missing": "_first"}},
                {"project_key": {"order": "asc", "missing": "_last"}},
                {"number": {"order": "asc", "missing": "_last"}},
                {"id": {"order": "desc"}},
            ],
        },
    ),
    (
        "ORDER BY assignee, created ASC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) ORDER BY (SELECT l1.display_name FROM users AS l1 WHERE l1.id = i.assignee_id) ASC, i.created_at ASC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) ORDER BY (SELECT l1.display_name FROM users AS l1 WHERE l1.id = i.assignee_id) ASC, i.created_at ASC, i.id DESC NULLS FIRST",
        {
            "query": {"bool": {"filter": [{"terms": {"project_id": [1, 2]}}]}},
            "sort": [
                {"assignee_name": {"order": "asc", "missing": "_last"}},
                {"created_at": {"order": "asc", "missing": "_last"}},
                {"id": {"order": "desc"}},
            ],
        },
    ),
    (
        "ORDER BY sprint DESC, Team",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) ORDER BY (SELECT MIN(l2.name) FROM issue_sprints AS j1 JOIN sprints AS l2 ON l2.id = j1.sprint_id WHERE j1.issue_id = i.id) DESC, CAST(i.custom_fields ->> 'customfield_10001' AS BIGINT) ASC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) ORDER BY (SELECT MIN(l2.name) FROM issue_sprints AS j1 JOIN sprints AS l2 ON l2.id = j1.sprint_id WHERE j1.issue_id = i.id) DESC NULLS FIRST, CAST(i.custom_fields ->> '$.customfield_10001' AS BIGINT) ASC, i.id DESC NULLS FIRST",
        {
            "query": {"bool": {"filter": [{"terms": {"project_id": [1, 2]}}]}},
            "sort": [
                {"sprint_names": {"order": "desc", "missing": "_first", "mode": "min"}},
                {"cf_id.customfield_10001": {"order": "asc", "missing": "_last"}},
                {"id": {"order": "desc"}},
            ],
        },
    ),
    (
        "ORDER BY summary, status, issuetype, project, resolution, reporter, fixVersion, component, due, resolved, updated",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) ORDER BY i.summary ASC, (SELECT l1.name FROM statuses AS l1 WHERE l1.id = i.status_id) ASC, (SELECT l2.name FROM issue_types AS l2 WHERE l2.id = i.issue_type_id) ASC, (SELECT l3.name FROM projects AS l3 WHERE l3.id = i.project_id) ASC, (SELECT l4.name FROM resolutions AS l4 WHERE l4.id = i.resolution_id) ASC, (SELECT l5.display_name FROM users AS l5 WHERE l5.id = i.reporter_id) ASC, (SELECT MIN(l7.sequence) FROM issue_fix_versions AS j6 JOIN versions AS l7 ON l7.id = j6.version_id WHERE j6.issue_id = i.id) ASC, (SELECT MIN(l9.name) FROM issue_components AS j8 JOIN components AS l9 ON l9.id = j8.component_id WHERE j8.issue_id = i.id) ASC, i.due_date ASC, i.resolved_at ASC, i.updated_at ASC, i.id DESC",
        "SELECT i.id FROM issues AS i WHERE i.project_id IN (1, 2) ORDER BY i.summary ASC, (SELECT l1.name FROM statuses AS l1 WHERE l1.id = i.status_id) ASC, (SELECT l2.name FROM issue_types AS l2 WHERE l2.id = i.issue_type_id) ASC, (SELECT l3.name FROM projects AS l3 WHERE l3.id = i.project_id) ASC, (SELECT l4.name FROM resolutions AS l4 WHERE l4.id = i.resolution_id) ASC, (SELECT l5.display_name FROM users AS l5 WHERE l5.id = i.reporter_id) ASC, (SELECT MIN(l7.sequence) FROM issue_fix_versions AS j6 JOIN versions AS l7 ON l7.id = j6.version_id WHERE j6.issue_id = i.id) ASC, (SELECT MIN(l9.name) FROM issue_components AS j8 JOIN components AS l9 ON l9.id = j8.component_id WHERE j8.issue_id = i.id) ASC, i.due_date ASC, i.resolved_at ASC, i.updated_at ASC, i.id DESC NULLS FIRST",
        {
            "query": {"bool": {"filter": [{"terms": {"project_id": [1, 2]}}]}},
            "sort": [
                {"summary.sort": {"order": "asc", "missing": "_last"}},
                {"status_name": {"order": "asc", "missing": "_last"}},
                {"issue_type_name": {"order": "asc", "missing": "_last"}},
                {"project_name": {"order": "asc", "missing": "_last"}},
                {"resolution_name": {"order": "asc", "missing": "_last"}},
                {"reporter_name": {"order": "asc", "missing": "_last"}},
                {"fix_version_sequences": {"order": "asc", "missing": "_last", "mode": "min"}},
                {"component_names": {"order": "asc", "missing": "_last", "mode": "min"}},
                {"due_date": {"order": "asc", "missing": "_last"}},
                {"resolved_at": {"order": "asc", "missing": "_last"}},
                {"updated_at": {"order": "asc", "missing": "_last"}},
                {"id": {"order": "desc"}},
            ],
        },
    ),
]

"""JQL search through the API against PostgreSQL."""

from __future__ import annotations

import pytest


@pytest.fixture
async def seeded(admin, project, make_issue, make_user):
    """Five issues in a fresh project: labels, points, an assignee, one moved out of To Do."""
    dev, dev_client = await make_user()
    issues = [
        await make_issue(
            summary="Login page crashes", type="Bug", labels=["ui", "crash"], story_points=3, assignee=dev
        ),
        await make_issue(summary="Export report as CSV", labels=["reports"], story_points=5),
        await make_issue(summary="Crash when exporting", type="Bug", labels=["crash"], story_points=8, priority="High"),
        await make_issue(summary="Write onboarding docs", description="mention the login flow"),
        await make_issue(summary="Tune search index", story_points=1, assignee=dev),
    ]
    key = issues[0]["key"]
    transitions = (await admin.get(f"/api/v1/issues/{key}/transitions")).json()["transitions"]
    moved = await admin.post(f"/api/v1/issues/{key}/transitions", json={"transition": transitions[0]["id"]})
    assert moved.status_code == 200, moved.text
    return {
        "project": project["key"],
        "keys": [i["key"] for i in issues],
        "dev": dev,
        "dev_client": dev_client,
        "moved_to": moved.json()["status"]["name"],
    }


async def keys_of(client, jql, **params):
    r = await client.get("/api/v1/search", params={"jql": jql, **params})
    assert r.status_code == 200, r.text
    return [i["key"] for i in r.json()["issues"]]


async def test_filters_and_order(admin, seeded):
    p, k = seeded["project"], seeded["keys"]
    assert await keys_of(admin, f"project = {p} ORDER BY key ASC") == k
    assert await keys_of(admin, f"project = {p} AND type = Bug ORDER BY key") == [k[0], k[2]]
    assert await keys_of(admin, f"project = {p} AND labels = crash ORDER BY key") == [k[0], k[2]]
    assert await keys_of(admin, f"project = {p} AND labels in (ui, reports) ORDER BY key") == [k[0], k[1]]
    assert await keys_of(admin, f'project = {p} AND "Story Points" >= 5 ORDER BY key') == [k[1], k[2]]
    assert await keys_of(admin, f"project = {p} AND assignee = {seeded['dev']} ORDER BY key") == [k[0], k[4]]
    assert await keys_of(admin, f"project = {p} AND assignee is EMPTY ORDER BY key") == [k[1], k[2], k[3]]
    assert await keys_of(admin, f"project = {p} AND priority = High") == [k[2]]
    by_points = await keys_of(admin, f'project = {p} AND "Story Points" is not EMPTY ORDER BY "Story Points" DESC')
    assert by_points == [k[2], k[1], k[0], k[4]]


async def test_not_equal_never_matches_empty(admin, seeded):
    p, k = seeded["project"], seeded["keys"]
    # k[3] has no labels: Jira's != and NOT IN do not match empty fields
    assert k[3] not in await keys_of(admin, f"project = {p} AND labels != reports")
    assert await keys_of(admin, f"project = {p} AND labels != reports ORDER BY key") == [k[0], k[2]]


async def test_text_search(admin, seeded):
    p, k = seeded["project"], seeded["keys"]
    # words match whole (no stemming, the same on PostgreSQL, DuckDB and Elasticsearch); `*` is a prefix
    assert await keys_of(admin, f'project = {p} AND summary ~ "crash" ORDER BY key') == [k[2]]
    assert await keys_of(admin, f'project = {p} AND summary ~ "crash*" ORDER BY key') == [k[0], k[2]]
    assert await keys_of(admin, f'project = {p} AND text ~ "login" ORDER BY key') == [k[0], k[3]]


async def test_current_user_and_history(seeded):
    dev_client, p, k = seeded["dev_client"], seeded["project"], seeded["keys"]
    assert await keys_of(dev_client, f"project = {p} AND assignee = currentUser() ORDER BY key") == [k[0], k[4]]
    assert await keys_of(dev_client, f"project = {p} AND status CHANGED") == [k[0]]
    assert await keys_of(dev_client, f'project = {p} AND status WAS "To Do" ORDER BY key') == k
    assert await keys_of(dev_client, f'project = {p} AND status CHANGED FROM "To Do" TO "{seeded["moved_to"]}"') == [
        k[0]
    ]


async def test_paging_total_and_fields(admin, seeded):
    p, k = seeded["project"], seeded["keys"]
    r = await admin.get(
        "/api/v1/search",
        params={"jql": f"project = {p} ORDER BY key", "startAt": 1, "maxResults": 2, "fields": "summary,status"},
    )
    body = r.json()
    assert body["total"] == 5 and body["startAt"] == 1 and body["maxResults"] == 2
    assert [i["key"] for i in body["issues"]] == k[1:3]
    assert set(body["issues"][0]) == {"id", "key", "summary", "status"}
    r = await admin.post("/api/v1/search", json={"jql": f"project = {p}", "maxResults": 100000})
    assert r.json()["maxResults"] == 1000 and r.json()["total"] == 5


async def test_invalid_jql_is_400_with_position(admin, seeded):
    r = await admin.get("/api/v1/search", params={"jql": "status"})
    assert r.status_code == 400
    problem = r.json()
    assert problem["code"] == "jql_syntax_error" and problem["jql"]["column"] == 7
    assert "Expected an operator" in problem["title"]
    r = await admin.get("/api/v1/search", params={"jql": "stauts = Done"})
    assert r.status_code == 400 and r.json()["code"] == "jql_semantic_error"
    assert "status" in r.json()["jql"]["suggestions"]
    r = await admin.get("/api/v1/search", params={"jql": "assignee = nobody-by-that-name"})
    assert r.status_code == 400


async def test_jql_parse_endpoint(admin):
    r = await admin.post("/api/v1/jql/parse", json={"queries": ["project = ABC order by key desc", "status = "]})
    assert r.status_code == 200
    ok, bad = r.json()["queries"]
    assert ok["structure"]["node"] == "Query" and ok["canonical"] == "project = ABC ORDER BY key DESC"
    assert bad["errors"][0]["code"] == "jql_syntax_error" and bad["errors"][0]["start"] == 9
    assert (await admin.post("/api/v1/jql/parse", json={"queries": []})).status_code == 422


async def test_custom_fields_are_searchable(admin, project, make_issue):
    from tests.conftest import unique
    from tests.fields.conftest import create_field

    severity = await create_field(
        admin, project["key"], type="select", name=unique("Severity "), options=["Low", "High"]
    )
    score = await create_field(admin, project["key"], type="number", name=unique("Score "))
    platforms = await create_field(
        admin, project["key"], type="multi_select", name=unique("Platforms "), options=["Linux", "Mac"]
    )
    a = await make_issue(custom_fields={severity["id"]: "High", score["id"]: 7, platforms["id"]: ["Linux", "Mac"]})
    b = await make_issue(custom_fields={severity["id"]: "Low", score["id"]: 2, platforms["id"]: ["Mac"]})
    c = await make_issue()
    p = project["key"]
    sev, num, plat = severity["name"], score["name"], platforms["name"]
    assert await keys_of(admin, f'project = {p} AND "{num}" <= 2') == [b["key"]]
    assert await keys_of(admin, f'project = {p} AND "{sev}" = High') == [a["key"]]
    assert await keys_of(admin, f"project = {p} AND cf[{score['custom_id']}] > 3") == [a["key"]]
    assert await keys_of(admin, f'project = {p} AND "{plat}" = Mac ORDER BY key') == [a["key"], b["key"]]
    assert await keys_of(admin, f'project = {p} AND "{sev}" is EMPTY') == [c["key"]]
    assert await keys_of(admin, f'project = {p} AND "{sev}" != High') == [b["key"]]
    r = await admin.get("/api/v1/search", params={"jql": f'"{sev}" = Critical'})
    assert r.status_code == 400 and "Critical" in r.json()["title"]


async def test_order_by_rank_follows_the_board_order(admin, seeded):
    p, k = seeded["project"], seeded["keys"]
    # new issues are ranked at the bottom, in creation order
    assert await keys_of(admin, f"project = {p} ORDER BY Rank") == k
    assert await keys_of(admin, f"project = {p} ORDER BY rank DESC") == k[::-1]
    moved = await admin.put("/api/v1/rank", json={"issues": [k[4]], "rank_before_issue": k[0]})
    assert moved.status_code in (200, 204), moved.text
    assert await keys_of(admin, f"project = {p} ORDER BY Rank") == [k[4], *k[:4]]


async def search_body(client, jql, **params):
    r = await client.get("/api/v1/search", params={"jql": jql, **params})
    assert r.status_code == 200, r.text
    return r.json()


async def test_total_is_exact_when_the_page_is_the_last(admin, seeded, monkeypatch):
    from tracker.search import execute

    monkeypatch.setattr(execute, "TOTAL_COUNT_LIMIT", 3)  # a count would stop at 3: these totals need none
    p, k = seeded["project"], seeded["keys"]
    body = await search_body(admin, f"project = {p} ORDER BY key", startAt=3, maxResults=2)
    assert [i["key"] for i in body["issues"]] == k[3:]
    assert (body["total"], body["totalIsExact"], body["isLast"]) == (5, True, True)
    body = await search_body(admin, f"project = {p}", maxResults=50)
    assert (body["total"], body["totalIsExact"], body["isLast"]) == (5, True, True)
    body = await search_body(admin, f"project = {p}", startAt=40, maxResults=10)  # past the end: counted
    assert (body["total"], body["totalIsExact"], body["isLast"], body["issues"]) == (5, True, True, [])
    body = await search_body(admin, f"project = {p} AND summary ~ nothingmatchesthis")
    assert (body["total"], body["totalIsExact"], body["isLast"]) == (0, True, True)


async def test_total_is_a_lower_bound_past_the_count_limit(admin, seeded, monkeypatch):
    from tracker.search import execute

    monkeypatch.setattr(execute, "TOTAL_COUNT_LIMIT", 3)
    p, k = seeded["project"], seeded["keys"]
    body = await search_body(admin, f"project = {p} ORDER BY key", maxResults=1)
    assert [i["key"] for i in body["issues"]] == k[:1]
    assert (body["total"], body["totalIsExact"], body["isLast"]) == (3, False, False)
    # the bound never falls short of one past the page asked for
    body = await search_body(admin, f"project = {p} ORDER BY key", startAt=1, maxResults=3)
    assert (body["total"], body["totalIsExact"], body["isLast"]) == (5, False, False)
    monkeypatch.setattr(execute, "TOTAL_COUNT_LIMIT", 6)  # counted below the bound: exact
    body = await search_body(admin, f"project = {p} ORDER BY key", maxResults=1)
    assert (body["total"], body["totalIsExact"], body["isLast"]) == (5, True, False)
    monkeypatch.setattr(execute, "TOTAL_COUNT_LIMIT", 3)
    # on request, or when only the count is asked for (maxResults=0), every match is counted
    body = await search_body(admin, f"project = {p}", maxResults=1, exactTotal="true")
    assert (body["total"], body["totalIsExact"], body["isLast"]) == (5, True, False)
    r = await admin.post("/api/v1/search", json={"jql": f"project = {p}", "maxResults": 1, "exactTotal": True})
    assert (r.json()["total"], r.json()["totalIsExact"]) == (5, True)
    body = await search_body(admin, f"project = {p}", maxResults=0)
    assert (body["total"], body["totalIsExact"], body["isLast"], body["issues"]) == (5, True, False, [])
    body = await search_body(admin, f"project = {p}", startAt=5, maxResults=0)
    assert (body["total"], body["totalIsExact"], body["isLast"]) == (5, True, True)


def test_page_total_rules():
    from tracker.search.execute import page_total

    # (start_at, limit, fetched, counted, counted_all) -> (total, exact, is_last)
    assert page_total(0, 50, 7, None, True) == (7, True, True)
    assert page_total(100, 50, 20, None, True) == (120, True, True)
    assert page_total(0, 50, 51, 10_000, False) == (10_000, False, False)
    assert page_total(0, 50, 51, 420, True) == (420, True, False)
    assert page_total(500, 50, 0, 20, True) == (20, True, True)
    assert page_total(0, 0, 0, 9, True) == (9, True, False)
    assert page_total(0, 50, 51, 30, True) == (51, False, False)  # a write between page and count
    with pytest.raises(ValueError):
        page_total(0, 50, 51, None, True)


async def test_text_search_follows_edits_and_comments(admin, project, make_issue):
    p = project["key"]
    issue = await make_issue(summary="Quarterly zephyr audit", description="check the quokka")
    key = issue["key"]
    assert await keys_of(admin, f"project = {p} AND summary ~ zephyr") == [key]
    assert await keys_of(admin, f"project = {p} AND summary ~ quokka") == []  # description only
    assert await keys_of(admin, f"project = {p} AND description ~ quokka") == [key]
    assert await keys_of(admin, f'project = {p} AND text ~ "zephyr quokka"') == [key]  # across both
    r = await admin.patch(f"/api/v1/issues/{key}", json={"summary": "Quarterly walrus audit"})
    assert r.status_code == 200, r.text
    assert await keys_of(admin, f"project = {p} AND summary ~ zephyr") == []
    assert await keys_of(admin, f'project = {p} AND summary ~ "walr*"') == [key]
    r = await admin.post(f"/api/v1/issues/{key}/comments", json={"body": "Seen by the narwhal team"})
    assert r.status_code == 201, r.text
    comment_id = r.json()["id"]
    assert await keys_of(admin, f"project = {p} AND comment ~ narwhal") == [key]
    assert await keys_of(admin, f"project = {p} AND text ~ narwhal") == [key]
    assert await keys_of(admin, f"project = {p} AND summary ~ narwhal") == []
    # all words of `text ~` must sit in one document: summary + description, or one comment
    assert await keys_of(admin, f'project = {p} AND text ~ "walrus narwhal"') == []
    r = await admin.patch(f"/api/v1/issues/{key}/comments/{comment_id}", json={"body": "Seen by the otter team"})
    assert r.status_code == 200, r.text
    assert await keys_of(admin, f"project = {p} AND comment ~ narwhal") == []
    assert await keys_of(admin, f"project = {p} AND comment ~ otter") == [key]
    r = await admin.delete(f"/api/v1/issues/{key}/comments/{comment_id}")
    assert r.status_code == 204, r.text
    assert await keys_of(admin, f"project = {p} AND text ~ otter") == []


class FakeElasticsearch:
    """Answers every search with the given hits and total, and keeps the request body."""

    def __init__(self, ids: list[int], total: int, relation: str) -> None:
        self.ids, self.total, self.relation = ids, total, relation
        self.body: dict = {}

    async def search(self, index: str, body: dict) -> dict:
        self.body = body
        hits = [{"_id": str(i)} for i in self.ids[: body["size"]]]
        return {"hits": {"total": {"value": self.total, "relation": self.relation}, "hits": hits}}


async def test_elasticsearch_totals_follow_the_same_rules():
    import jql
    from jql.testing import sample_catalog
    from tracker.search.execute import TOTAL_COUNT_LIMIT, _search_es

    query, catalog, ctx = jql.parse("status = Done"), sample_catalog(), jql.QueryContext(user_id=1)
    es = FakeElasticsearch([1, 2, 3], 3, "eq")
    page = await _search_es(es, "issues", query, catalog, [1], ctx, 0, 2)
    assert es.body["size"] == 3 and es.body["track_total_hits"] == TOTAL_COUNT_LIMIT
    assert (page.issue_ids, page.total, page.total_is_exact, page.is_last) == ([1, 2], 3, True, False)
    es = FakeElasticsearch(list(range(60)), TOTAL_COUNT_LIMIT, "gte")
    page = await _search_es(es, "issues", query, catalog, [1], ctx, 0, 50)
    assert (len(page.issue_ids), page.total, page.total_is_exact, page.is_last) == (50, TOTAL_COUNT_LIMIT, False, False)
    es = FakeElasticsearch([7], 21, "eq")
    page = await _search_es(es, "issues", query, catalog, [1], ctx, 20, 50)
    assert (page.issue_ids, page.total, page.total_is_exact, page.is_last) == ([7], 21, True, True)
    page = await _search_es(es, "issues", query, catalog, [1], ctx, 0, 50, exact_total=True)
    assert es.body["track_total_hits"] is True


async def test_words_joined_by_punctuation_match_as_the_query_splits_them(admin, project, make_issue):
    """PostgreSQL's parser reads '77e28833f934' alone as a number and a word, but inside 'SECRET-77e28833f934' as
    one word, and keeps 'a.b' and '1.5' whole: documents are split on punctuation first, as queries are."""
    hyphen = await make_issue(summary="SECRET-77e28833f934 rotated")
    dotted = await make_issue(summary="Upgrade to 1.5 on build.example", description="ticket_id=77e28833f934")
    plain = await make_issue(summary="Nothing to see")
    scope = f"project = {project['key']} AND "
    assert await keys_of(admin, scope + 'summary ~ "SECRET-77e28833f934"') == [hyphen["key"]]
    assert await keys_of(admin, scope + 'summary ~ "77e28833f934"') == [hyphen["key"]]
    assert await keys_of(admin, scope + 'text ~ "77e28833f934" ORDER BY key') == [hyphen["key"], dotted["key"]]
    assert await keys_of(admin, scope + 'summary ~ "1.5"') == [dotted["key"]]
    assert await keys_of(admin, scope + 'summary ~ "example"') == [dotted["key"]]
    # the negated form reads the columns, with the same split: exactly the complement
    assert await keys_of(admin, scope + 'summary !~ "77e28833f934" ORDER BY key') == [dotted["key"], plain["key"]]
    assert await keys_of(admin, scope + 'summary !~ "build" ORDER BY key') == [hyphen["key"], plain["key"]]


async def test_pages_sorted_by_priority_count_every_match(admin, seeded):
    """A page sorted first by priority reads one branch per priority, limited to the page; its total still
    counts every match, and the pages follow the full order."""
    p, k = seeded["project"], seeded["keys"]
    jql = f"project = {p} ORDER BY priority DESC, key DESC"
    order = [k[2], k[4], k[3], k[1], k[0]]  # High first, then the Medium ones by key descending
    assert await keys_of(admin, jql) == order
    body = await search_body(admin, jql, maxResults=2)
    assert [i["key"] for i in body["issues"]] == order[:2]
    assert (body["total"], body["totalIsExact"], body["isLast"]) == (5, True, False)
    body = await search_body(admin, jql, startAt=2, maxResults=2)
    assert [i["key"] for i in body["issues"]] == order[2:4]
    body = await search_body(admin, jql, startAt=4, maxResults=2)
    assert [i["key"] for i in body["issues"]] == order[4:] and body["isLast"] is True


@pytest.mark.parametrize("read_first", [True, False])
async def test_text_matches_give_the_same_issues_read_first_or_not(admin, seeded, monkeypatch, read_first):
    """Whether a text match's documents are read first (rare words) or matched inside the SQL (common ones, by
    the planner's estimate), the issues found are the same."""
    from tracker.search import execute

    monkeypatch.setattr(execute, "MAX_TEXT_IDS", 50_000 if read_first else 0)  # 0: every estimate is too many
    p, k = seeded["project"], seeded["keys"]
    assert await keys_of(admin, f'project = {p} AND text ~ "login" ORDER BY key') == [k[0], k[3]]
    assert await keys_of(admin, f'project = {p} AND summary ~ "crash*" ORDER BY key') == [k[0], k[2]]
    body = await search_body(admin, f'project = {p} AND text ~ "crash*" ORDER BY key', maxResults=1)
    assert (body["total"], [i["key"] for i in body["issues"]]) == (2, [k[0]])


async def test_with_elasticsearch_configured_search_asks_it_and_falls_back_when_it_does_not_answer(
    database_url, seeded, caplog
):
    """The API hands search pages to Elasticsearch when TRACKLAKE_ELASTICSEARCH_URL is set. Nothing listens at the
    address here (no server can run on this machine: tests/jql/test_es_live.py compares answers on a real one), so
    the attempt fails and PostgreSQL answers, with a warning, instead of the search failing."""
    import logging

    from api.app import create_app
    from tests.conftest import ADMIN_TOKEN, _client
    from tracklake.settings import Settings

    settings = Settings(
        database_url=database_url,
        bootstrap_token=ADMIN_TOKEN,
        elasticsearch_url="http://127.0.0.1:9",  # the discard port: refused at once
        pipeline_in_process=False,
        scheduler_in_process=False,
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application), _client(application, ADMIN_TOKEN) as client:
        assert application.state.tracklake.elasticsearch is not None
        with caplog.at_level(logging.WARNING, logger="tracker.search.execute"):
            got = await keys_of(client, f"project = {seeded['project']} ORDER BY key")
        assert got == sorted(seeded["keys"], key=lambda k: int(k.split("-")[1]))
        assert "Elasticsearch did not answer" in caplog.text
        health = (await client.get("/health")).json()
        assert health["dependencies"]["elasticsearch"]["status"] == "degraded"


def test_which_elasticsearch_failures_hand_the_search_to_postgresql():
    """An outage falls back (unreachable, a timeout, a 5xx, no index yet); a refused request (4xx) is a defect and
    surfaces. The exceptions are those elasticsearch-py raises, built as it builds them."""
    import elastic_transport
    import elasticsearch

    from tracker.search.execute import es_outage

    def api_error(kind: type, status: int) -> Exception:
        node = elastic_transport.NodeConfig("http", "127.0.0.1", 9200)
        meta = elastic_transport.ApiResponseMeta(status, "1.1", elastic_transport.HttpHeaders(), 0.01, node)
        return kind("error", meta=meta, body={"error": {"type": "x"}})

    assert es_outage(elasticsearch.ConnectionError("refused"))
    assert es_outage(elasticsearch.ConnectionTimeout("slow"))
    assert es_outage(api_error(elasticsearch.NotFoundError, 404))  # index_not_found_exception
    assert es_outage(api_error(elasticsearch.ApiError, 503))
    assert not es_outage(api_error(elasticsearch.BadRequestError, 400))
    assert not es_outage(api_error(elasticsearch.ApiError, 409))

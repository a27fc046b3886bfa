"""Reading bundles (files, directories, bad input), the command line, the API, and the small parsers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.importer.bundle import jira_bundle
from tests.importer.conftest import footprint, one
from tracker.importer import BundleError, bundle_from_data, load_bundle
from tracker.importer.metadata import normalize_username
from tracker.importer.values import Reject, number_text, sprint_ids
from tracklake.cli import app


def write_directory(root: Path, bundle: dict) -> None:
    """The bundle as a Jira exporter would leave it: a file per section, issues as two search pages."""
    for section in ("users", "fields", "statuses", "projects"):
        (root / f"{section}.json").write_text(json.dumps(bundle[section]))
    (root / "boards.json").write_text(
        json.dumps({"maxResults": 50, "startAt": 0, "isLast": True, "values": bundle["boards"]})
    )
    (root / "sprints.json").write_text(json.dumps({"values": bundle["sprints"]}))
    issues = bundle["issues"]
    for n, page in enumerate((issues[:4], issues[4:]), start=1):
        search = {"startAt": (n - 1) * 4, "maxResults": 4, "total": len(issues), "issues": page}
        (root / f"issues-{n}.json").write_text(json.dumps(search))


def test_a_directory_bundle_reports_paths_per_file(tmp_path: Path):
    write_directory(tmp_path, jira_bundle("JIDIR"))
    bundle = load_bundle(tmp_path)
    assert {s: bundle.count(s) for s in ("users", "boards", "sprints", "issues")} == {
        "users": 2,
        "boards": 1,
        "sprints": 3,
        "issues": 10,
    }
    origins = [o.path() for o, _ in bundle.items("issues")]
    assert origins[3] == "issues-1.json: issues[3]" and origins[4] == "issues-2.json: issues[0]"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"{not json", "export.json", "not valid JSON"),
        (b"[1, 2]", "export.json", "does not say which section"),
        (b'{"issues": 5}', "export.json", "'issues' in export.json is not a list"),
        (b'{"tickets": []}', "export.json", "none of the sections"),
        (b'"text"', "export.json", "not a JSON object"),
    ],
)
def test_an_unreadable_bundle_is_one_clear_error(tmp_path: Path, content: bytes, name: str, message: str):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(BundleError) as caught:
        load_bundle(path)
    assert message in caught.value.message


def test_missing_paths_and_empty_directories(tmp_path: Path):
    with pytest.raises(BundleError, match="does not exist"):
        load_bundle(tmp_path / "nope.json")
    with pytest.raises(BundleError, match=r"no \.json files"):
        load_bundle(tmp_path)
    with pytest.raises(BundleError):
        bundle_from_data([1, 2])


def test_sprint_values_in_every_shape_jira_writes():
    assert sprint_ids("101, 102", "x") == {"101", "102"}
    assert sprint_ids("", "x") == frozenset() and sprint_ids(None, "x") == frozenset()
    assert sprint_ids([{"id": 7, "name": "S"}, 8], "x") == {"7", "8"}
    legacy = "com.atlassian.greenhopper.service.sprint.Sprint@1a[id=101,rapidViewId=7,state=CLOSED,name=S 1]"
    assert sprint_ids([legacy], "x") == {"101"} and sprint_ids(legacy, "x") == {"101"}
    with pytest.raises(Reject) as caught:
        sprint_ids([{"name": "no id"}], ".fields.customfield_1")
    assert caught.value.suffix == ".fields.customfield_1[0]"


def test_story_points_and_user_names():
    assert [number_text(v, "x") for v in (5, 5.0, "3", "0.50", None, "")] == ["5", "5", "3", "0.5", None, None]
    for bad in ("many", -1, True, [3]):
        with pytest.raises(Reject):
            number_text(bad, "x")
    assert normalize_username("Bob.Builder") == "bob.builder"
    assert normalize_username("John Smith (ext)") == "john.smith.ext"
    assert normalize_username("557058:f58131cb") == "557058.f58131cb"
    assert normalize_username("__") == "user"


async def test_bad_input_writes_nothing(database_url, db, admin, tmp_path: Path):
    before = await one(db, "SELECT count(*) FROM import_external_ids")
    (tmp_path / "broken.json").write_text('{"issues": [')
    result = CliRunner().invoke(
        app, ["import", "jira", str(tmp_path / "broken.json")], env={"TRACKLAKE_DATABASE_URL": database_url}
    )
    assert result.exit_code == 1 and "not valid JSON" in result.output
    r = await admin.post("/api/v1/import/jira", json={"issues": {"not": "a list"}})
    assert r.status_code == 422 and r.json()["code"] == "invalid_bundle"
    r = await admin.post("/api/v1/import/jira", json={"issues": []}, params={"source": "Not Valid!"})
    assert r.status_code == 422 and "source" in r.json()["errors"]
    assert await one(db, "SELECT count(*) FROM import_external_ids") == before


def test_the_command_line_imports_a_directory_with_a_progress_bar(database_url, admin, tmp_path: Path, key, source):
    write_directory(tmp_path, jira_bundle(key))
    env = {"TRACKLAKE_DATABASE_URL": database_url}
    args = ["import", "jira", str(tmp_path), "--source", source]
    dry = CliRunner().invoke(app, [*args, "--dry-run"], env=env)
    assert dry.exit_code == 2, dry.output  # some issues are rejected
    assert "dry run: nothing written" in dry.output
    first = CliRunner().invoke(app, args, env=env)
    assert first.exit_code == 2, first.output
    assert "5 issues created" in first.output and "5 rejected" in first.output
    assert "issues-2.json: issues[0].changelog.histories[1].created" in first.output
    again = CliRunner().invoke(app, [*args, "--json"], env=env)
    summary = json.loads(again.output[again.output.index("{") :])
    assert summary["counts"]["issues_unchanged"] == 5 and "issues_created" not in summary["counts"]


async def test_the_api_imports_for_admins_only(admin, make_user, db, key, source):
    bundle = jira_bundle(key)
    _, someone = await make_user()
    r = await someone.post("/api/v1/import/jira", json=bundle, params={"source": source})
    assert r.status_code == 403
    r = await admin.post("/api/v1/import/jira", json=bundle, params={"source": source, "dry_run": "true"})
    assert r.status_code == 200, r.text
    assert r.json()["dry_run"] is True and r.json()["counts"]["issues_created"] == 5
    assert await one(db, "SELECT count(*) FROM projects WHERE key = %s", key) == 0
    r = await admin.post("/api/v1/import/jira", json=bundle, params={"source": source})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["counts"]["issues_created"] == 5 and body["counts"]["issues_rejected"] == 5
    assert {"path": "issues[3].fields.status", "level": "error"}.items() <= body["problems"][0].items()
    before = await footprint(db, key, source)
    again = await admin.post("/api/v1/import/jira", json=bundle, params={"source": source})
    assert again.json()["counts"]["issues_unchanged"] == 5
    assert await footprint(db, key, source) == before
    runs = await one(db, "SELECT count(*) FROM import_runs WHERE source = %s", source)
    assert runs == 2  # the dry run is not recorded


def test_change_ids_are_uuid5_of_the_jira_ids():
    import uuid

    from tracker.importer.issues import NAMESPACE, change_id, copy_array, copy_text

    for n in range(500):
        assert change_id("jira", "history", str(n)) == str(uuid.uuid5(NAMESPACE, f"jira:history:{n}"))
    assert change_id("jira", "history", "1") != change_id("other-jira", "history", "1")
    assert copy_text("a\tb\\c\nd\re") == "a\\tb\\\\c\\nd\\re" and copy_text(None) == "\\N"
    assert copy_array(['x"y', "z\\"]) == '{"x\\"y","z\\\\"}'


def test_the_parser_warns_about_histories_that_do_not_add_up():
    from tests.importer.bundle import STATUS, issue, status_item
    from tracker.importer.jira import parse_bundle

    odd = issue("ODD-1", 1, "story", "Odd", "2024-01-01T00:00:00.000+0000", status=STATUS["done"],
                description={"type": "doc", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Hi"}]}]},
                histories=[{"id": "9", "author": None, "created": "2023-12-31T00:00:00.000+0000",
                            "items": [status_item("backlog", "progress")]}])  # fmt: skip
    odd["changelog"]["total"] = 5  # Jira returned only the last page of a longer changelog
    parsed = parse_bundle(bundle_from_data({"statuses": list(STATUS.values()), "issues": [odd]}))
    (only,) = parsed.issues
    warnings = {p.message for p in parsed.problems if p.path == "issues[0].changelog"}
    assert any("holds 1 of 5 entries" in w for w in warnings)
    assert any("does not lead to the current status" in w for w in warnings)
    assert only.current["status"] == "done" and only.initial["status"] == "backlog"
    assert only.current["description"] == "Hi"  # API v3 documents as plain text
    assert only.histories[0].created == only.created  # a change cannot precede the creation
    assert parsed.projects["ODD"].moves == {("backlog", "in progress")}

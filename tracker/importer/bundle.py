"""Reading a Jira export bundle: one JSON file, or a directory of JSON files, in the shapes Jira's REST API returns.

A file is either an object whose keys are sections (`users`, `fields`, `statuses`, `projects`, `boards`,
`sprints`, `issues`; a `GET /rest/api/2/search` page is such an object), or an array whose section is named by the
file (`issues-0002.json` holds issues). An agile page (`{"values": [...], "isLast": true}`) counts as its array.
Files of a directory are read in name order and their sections concatenated. Every item keeps where it came from,
so a problem is reported as `issues[3].fields.status` (prefixed with the file name inside a directory).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tracker.errors import ValidationError

SECTIONS = ("users", "fields", "statuses", "projects", "boards", "sprints", "issues")
_FILE_SECTION = re.compile(r"^([a-z]+)")


class BundleError(ValidationError):
    """The bundle as a whole cannot be read: nothing is imported."""

    code = "invalid_bundle"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an item sits in the bundle."""

    section: str
    index: int
    file: str | None = None

    def path(self, suffix: str = "") -> str:
        """`issues[3]` + suffix (`.fields.status`), prefixed by the file inside a directory bundle."""
        where = f"{self.section}[{self.index}]{suffix}"
        return f"{self.file}: {where}" if self.file else where


@dataclass
class Bundle:
    """The items of each section, with their origins."""

    name: str
    sections: dict[str, list[tuple[Origin, Any]]] = field(default_factory=lambda: {s: [] for s in SECTIONS})

    def items(self, section: str) -> Iterator[tuple[Origin, Any]]:
        yield from self.sections.get(section, ())

    def count(self, section: str) -> int:
        return len(self.sections.get(section, ()))


def _section_list(value: Any) -> list[Any] | None:
    if isinstance(value, list):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("values"), list):
        return list(value["values"])  # an agile API page
    return None


def _add(bundle: Bundle, data: Any, *, file: str | None, stem: str | None, name: str | None = None) -> None:
    where = file or name or "the bundle"
    if isinstance(data, list) or (isinstance(data, Mapping) and "values" in data and stem is not None):
        match = _FILE_SECTION.match((stem or "").lower())
        section = match.group(1) if match else ""
        if section not in SECTIONS:
            raise BundleError(
                f"{where} holds a list, but its name does not say which section it is",
                errors={where: f"name a file of items after its section: {', '.join(SECTIONS)} (e.g. issues-1.json)"},
            )
        data = {section: data}
    if not isinstance(data, Mapping):
        raise BundleError(f"{where} is not a JSON object", errors={where: "must be an object of sections or a list"})
    found = False
    for section in SECTIONS:
        if section not in data:
            continue
        items = _section_list(data[section])
        if items is None:
            raise BundleError(
                f"'{section}' in {where} is not a list", errors={f"{file + ': ' if file else ''}{section}": "a list"}
            )
        start = sum(1 for o, _ in bundle.sections[section] if o.file == file)
        bundle.sections[section].extend((Origin(section, start + n, file), item) for n, item in enumerate(items))
        found = True
    if not found:
        raise BundleError(
            f"{where} holds none of the sections of a Jira export",
            errors={where: f"expected at least one of: {', '.join(SECTIONS)}"},
        )


def _parse_json(raw: bytes, where: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BundleError(f"{where} is not valid JSON: {exc}", errors={where: str(exc)}) from None


def bundle_from_data(data: Any, name: str = "request") -> Bundle:
    """A bundle from already parsed JSON (one object of sections)."""
    bundle = Bundle(name)
    if not isinstance(data, Mapping):
        raise BundleError("A Jira export bundle is a JSON object", errors={"body": "must be an object of sections"})
    _add(bundle, data, file=None, stem=None)
    return bundle


def load_bundle(path: str | Path) -> Bundle:
    """Read a bundle from a JSON file or a directory of JSON files; BundleError when it cannot be read."""
    root = Path(path)
    if root.is_dir():
        files = sorted(p for p in root.iterdir() if p.suffix.lower() == ".json" and p.is_file())
        if not files:
            raise BundleError(f"{root} holds no .json files", errors={str(root): "no .json files"})
        bundle = Bundle(str(root))
        for f in files:
            _add(bundle, _parse_json(f.read_bytes(), f.name), file=f.name, stem=f.stem)
        return bundle
    if not root.is_file():
        raise BundleError(f"{root} does not exist", errors={str(root): "no such file or directory"})
    bundle = Bundle(str(root))
    _add(bundle, _parse_json(root.read_bytes(), root.name), file=None, stem=root.stem, name=root.name)
    return bundle

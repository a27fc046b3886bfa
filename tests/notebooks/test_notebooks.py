"""The analyst notebooks run top to bottom against the demo dataset (`tracklake demo` into a database and data dir
of their own), in a real Jupyter kernel, so they never rot."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ADMIN_TOKEN, TEST_DB, drop_database, recreate_database

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
TRACKLAKE = str(Path(sys.executable).parent / "tracklake")
PLOTLY = "application/vnd.plotly.v1+json"


@pytest.fixture(scope="module")
def demo_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data dir whose warehouse holds the demo project (built by `tracklake demo` in its own database)."""
    name = f"{TEST_DB}_demo"
    url = recreate_database(name)
    data_dir = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKLAKE_")} | {
        "TRACKLAKE_DATABASE_URL": url,
        "TRACKLAKE_DATA_DIR": str(data_dir),
        "TRACKLAKE_BOOTSTRAP_TOKEN": ADMIN_TOKEN,
    }
    try:
        done = subprocess.run([TRACKLAKE, "demo"], env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        assert (data_dir / "warehouse" / "CURRENT").exists(), done.stdout
        yield data_dir
    finally:
        drop_database(name)


def run(notebook: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> nbformat.NotebookNode:
    monkeypatch.setenv("TRACKLAKE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("TRACKLAKE_NOTEBOOK_RENDERER", "plotly_mimetype")  # figures as JSON: small outputs
    nb = nbformat.read(NOTEBOOKS / notebook, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return nb


def outputs(nb: nbformat.NotebookNode) -> tuple[list[dict], str]:
    """The Plotly figures and the printed text of an executed notebook."""
    figures, text = [], []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if PLOTLY in out.get("data", {}):
                figures.append(out["data"][PLOTLY])
            if out.get("name") == "stdout":
                text.append(out["text"])
    return figures, "".join(text)


def test_notebooks_are_stored_without_outputs() -> None:
    found = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    assert len(found) >= 2
    for name in found:
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        nbformat.validate(nb)
        assert all(not c.get("outputs") and not c.get("execution_count") for c in nb.cells if c.cell_type == "code")


def test_sprint_health(demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb = run("sprint_health.ipynb", demo_data_dir, monkeypatch)
    figures, text = outputs(nb)
    assert len(figures) == 2
    bars = {t["name"]: t for t in figures[0]["data"]}
    # The demo has five closed sprints on its Scrum board, each with a commitment.
    assert len(bars["Commitment"]["y"]) == 5 and all(v > 0 for v in bars["Commitment"]["y"])
    assert "carried into an open sprint" in text


def test_flow_forecast(demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb = run("flow_forecast.ipynb", demo_data_dir, monkeypatch)
    figures, text = outputs(nb)
    assert len(figures) == 4
    scatter = figures[0]["data"][0]
    assert scatter["mode"] == "markers" and len(scatter["y"]) > 10
    assert "(report)" in text and "(NumPy)" in text

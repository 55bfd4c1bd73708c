"""Run every gallery example and the quickstart notebook as a user would.

Each ``examples/plot_*.py`` runs in a fresh interpreter, in a temporary
folder, with matplotlib's non-interactive Agg backend; the test checks that it
finished and drew at least one figure (saved to PNG). The notebook is executed
with nbclient and must produce no error output. BLAS/OpenMP threads are
limited to one per process: on a small shared machine oversubscribed threads
slow scikit-learn and torch down many times over.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SCRIPTS = sorted(EXAMPLES.glob("plot_*.py"))
NOTEBOOK = EXAMPLES / "quickstart.ipynb"
TIMEOUT = 180

# Runs the example, then saves every figure it left open.
RUNNER = """
import runpy, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
runpy.run_path(sys.argv[1], run_name="__main__")
numbers = plt.get_fignums()
for number in numbers:
    plt.figure(number).savefig(f"figure_{number}.png")
print(f"FIGURES {len(numbers)}")
"""

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _environment():
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED="0")
    for name in THREAD_VARIABLES:
        env.setdefault(name, "1")
    return env


def test_examples_are_found():
    names = {path.name for path in SCRIPTS}
    assert {
        "plot_hinton_distillation.py",
        "plot_privileged_features.py",
        "plot_partial_privileged.py",
        "plot_regression_any_student.py",
        "plot_temperature.py",
        "plot_grid_search.py",
    } <= names


def _skip_without_the_data(script):
    """Examples on real data need it where the loaders look (SKDISTILL_DATA, conftest.py)."""
    from skdistill import datasets

    text = script.read_text(encoding="utf-8")
    for loader, options in (("load_sarcos", {}), ("load_sentiment140", {"preprocess": False})):
        if loader in text:
            try:
                getattr(datasets, loader)(**options)
            except FileNotFoundError as exc:
                pytest.skip(f"{script.name} needs data that is not here: {exc}")


@pytest.mark.parametrize("script", SCRIPTS, ids=[path.stem for path in SCRIPTS])
def test_example_runs_and_draws(script, tmp_path):
    pytest.importorskip("matplotlib")
    _skip_without_the_data(script)
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, str(script)],
        cwd=tmp_path,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, f"{script.name} failed:\n{result.stdout}\n{result.stderr}"
    assert "FIGURES" in result.stdout
    n_figures = int(result.stdout.rsplit("FIGURES", 1)[1].split()[0])
    assert n_figures >= 1, f"{script.name} drew no figure"
    pngs = sorted(tmp_path.glob("figure_*.png"))
    assert len(pngs) == n_figures
    assert all(png.stat().st_size > 5000 for png in pngs)
    # Every example prints its key numbers.
    assert len(result.stdout.strip().splitlines()) > 1


def test_quickstart_notebook_executes(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    for name in THREAD_VARIABLES:
        monkeypatch.setenv(name, os.environ.get(name, "1"))
    # The kernel's own inline backend renders figures as image/png outputs.
    monkeypatch.delenv("MPLBACKEND", raising=False)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors, errors
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.get("execution_count") for cell in code_cells)
    assert any(
        "image/png" in output.get("data", {})
        for cell in code_cells
        for output in cell.get("outputs", [])
    ), "the notebook should draw the search surface"

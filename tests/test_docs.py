"""Build the Sphinx documentation with warnings as errors.

The gallery is not executed here (``-D plot_gallery=0``): the examples run in
``tests/test_examples.py``. What this catches: broken reStructuredText or
Markdown, docstrings numpydoc cannot parse, dangling references, pages left
out of the table of contents.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def test_docs_build_without_warnings(tmp_path):
    for module in ("sphinx", "numpydoc", "sphinx_gallery", "myst_parser"):
        pytest.importorskip(module, reason="the docs extra is not installed")
    out = tmp_path / "html"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "-D",
            "plot_gallery=0",
            "-d",
            str(tmp_path / "doctrees"),
            str(DOCS),
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"sphinx-build failed:\n{result.stdout}\n{result.stderr}"
    for page in (
        "index.html",
        "user_guide.html",
        "api.html",
        "gen_modules/skdistill.DistilledClassifier.html",
        "gen_modules/skdistill.DistilledRegressor.html",
        "gen_modules/skdistill.teacher_answers.html",
        "gen_modules/skdistill.datasets.load_sarcos.html",
        "gen_modules/skdistill.plotting.plot_search_surface.html",
        "auto_examples/index.html",
        "auto_examples/plot_grid_search.html",
    ):
        assert (out / page).is_file(), f"{page} was not built"
    api = (out / "gen_modules/skdistill.DistilledClassifier.html").read_text(encoding="utf-8")
    assert "teacher_weight" in api and "Examples using" in api


def test_normalising_constant_output_matches_the_theory_page():
    # The theory page pastes this script's output; keep the two in step.
    result = subprocess.run(
        [sys.executable, str(DOCS / "scripts" / "normalising_constant.py")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    page = (DOCS / "theory.md").read_text(encoding="utf-8")
    for line in result.stdout.strip().splitlines():
        assert line in page, f"theory.md lacks the line {line!r}"
    assert "stated C (paper)                         0.0262" in result.stdout
    assert "normalising C = 1.3431" in result.stdout
    assert "normalising C = 6.3239" in result.stdout

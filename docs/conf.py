"""Sphinx configuration of the skdistill documentation.

Build with ``python -m sphinx -W -b html docs docs/_build/html``. The example
gallery runs every ``examples/plot_*.py`` by default; ``-D plot_gallery=0``
only renders their text and code (what the test suite does, to stay fast).
"""

import os
import sys
from pathlib import Path

import skdistill

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")

project = "skdistill"
author = "skdistill developers"
copyright = "skdistill developers"
release = skdistill.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = [
    "_build",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "**.ipynb_checkpoints",
]
templates_path = ["_templates"]

# API reference: one page per object, generated from the docstrings.
autosummary_generate = True
autodoc_default_options = {}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# Markdown pages: $...$ maths and ::: fences.
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": str(HERE / "auto_examples"),
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    # "Examples using this object" under each API page.
    "doc_module": ("skdistill",),
    "backreferences_dir": str(HERE / "gen_modules" / "backreferences"),
    "inspect_global_variables": False,
    # No sg_execution_times.rst in the source folder.
    "write_computation_times": False,
}

# Pages written alongside the code (benchmark results, performance notes, the
# catalogue of errors) join the table of contents when they exist.
OPTIONAL_PAGES = ["results", "performance", "errors"]


def _add_optional_pages(app, docname, source):
    if docname != root_doc:
        return
    present = [
        name
        for name in OPTIONAL_PAGES
        if any((HERE / f"{name}{suffix}").is_file() for suffix in (".md", ".rst"))
    ]
    toctree = ""
    if present:
        entries = "\n".join(f"   {name}" for name in present)
        toctree = f".. toctree::\n   :maxdepth: 1\n   :caption: More\n\n{entries}\n"
    source[0] = source[0].replace(".. optional-pages", toctree)


def setup(app):
    app.connect("source-read", _add_optional_pages)


html_theme = "alabaster"
html_title = f"skdistill {release}"
html_static_path = []
html_theme_options = {
    "description": "Distillation and privileged information for scikit-learn",
    "fixed_sidebar": True,
}

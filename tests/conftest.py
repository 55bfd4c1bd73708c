"""Test-run settings only: the data folder and the ``slow`` marker.

- ``SKDISTILL_DATA``: the library looks for data in ``data_home``, a loader's
  own variable, ``$SKDISTILL_DATA`` or ``~/skdistill_data`` and nowhere else.
  A checkout of the project has the read-only shared data in
  ``../shared/data`` beside it; when the variable is unset and that folder
  exists, the tests (and the examples they run in subprocesses) use it.
- ``slow``: every test of the files in ``SLOW_FILES`` (documentation build,
  gallery and notebook, end-to-end reproductions) and the few heavy tests of
  ``SLOW_TESTS`` are marked ``slow``, so that ``pytest -m "not slow"`` is the
  fast suite and ``pytest -m slow`` the rest; plain ``pytest`` runs both.
"""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"

if not os.environ.get("SKDISTILL_DATA") and SHARED_DATA.is_dir():
    os.environ["SKDISTILL_DATA"] = str(SHARED_DATA)

#: Test files whose every test is marked slow (by file name).
SLOW_FILES = frozenset({"test_docs.py", "test_examples.py", "test_reproduce.py"})

#: Single tests marked slow, as (file name, test function name): each takes
#: more than about five seconds on a 2-core machine.
SLOW_TESTS = frozenset(
    {
        ("test_students.py", "test_gradient_boosting_student_moves_towards_the_teacher"),
        ("test_students.py", "test_the_student_checks_its_own_input"),
        ("test_integration.py", "test_process_workers_give_the_same_search"),
        ("test_integration.py", "test_search_on_a_dask_cluster"),
    }
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # tryfirst: the marks must be in place before -m deselects.
    for item in items:
        name = item.path.name
        function = getattr(item, "originalname", item.name)
        if name in SLOW_FILES or (name, function) in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)

"""A pickled linear-student DistilledClassifier predicts where torch cannot be imported.

Run without arguments: fits a DistilledClassifier with the default (linear)
student and a scikit-learn teacher, pickles it with the data and its
predictions into a temporary folder, then starts a fresh interpreter in which
an import hook makes ``import torch`` (and every ``torch.*`` submodule) raise
ImportError. That interpreter unpickles the model and must reproduce
``predict``, ``predict_proba``, ``predict_log_proba`` and ``decision_function``
exactly, without torch ever entering ``sys.modules``.

Exit status 0 on success; any failure raises.
"""

import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

# Installed first in the child interpreter, before anything else is imported.
BLOCK_TORCH = """
import importlib.abc
import sys


class _NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ImportError(f"import of {name} blocked: torch is not installed here")
        return None


sys.meta_path.insert(0, _NoTorch())
"""

CHILD = (
    BLOCK_TORCH
    + """
import pickle

import numpy as np

try:
    import torch  # noqa: F401
except ImportError:
    pass
else:
    raise SystemExit("the import hook did not block torch")

with open(sys.argv[1], "rb") as handle:
    saved = pickle.load(handle)
model, X = saved["model"], saved["X"]
for method, expected in saved["expected"].items():
    got = getattr(model, method)(X)
    np.testing.assert_array_equal(got, expected, err_msg=method)
torch_modules = sorted(name for name in sys.modules if name == "torch" or name.startswith("torch."))
assert not torch_modules, f"torch was imported: {torch_modules[:5]}"
print(f"without torch: {type(model).__name__} (student={model.student!r}) predicted "
      f"{len(X)} rows, {len(saved['expected'])} methods identical")
"""
)

METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function")


def main():
    import numpy as np
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from skdistill import DistilledClassifier

    X, y = make_classification(
        n_samples=300, n_features=8, n_informative=5, n_classes=3, random_state=0
    )
    X_star = np.hstack([X, np.random.RandomState(1).normal(size=(len(X), 2))])
    teacher = LogisticRegression(max_iter=500).fit(X_star, y)
    model = DistilledClassifier(teacher, teacher_weight=0.5, temperature=2.0, random_state=0)
    model.fit(X, y, X_star=X_star)
    assert model.student is None and hasattr(model, "coef_"), "expected the default linear student"
    expected = {method: getattr(model, method)(X) for method in METHODS}

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.pkl"
        with open(path, "wb") as handle:
            pickle.dump({"model": model, "X": X, "expected": expected}, handle)
        # A fresh interpreter in the temporary folder (so that no local file shadows a module).
        subprocess.run([sys.executable, "-c", CHILD, str(path)], cwd=folder, check=True)


if __name__ == "__main__":
    main()

"""Numerical range: extreme temperatures and teacher answers, float32, tiny
data, wide sparse X never densified, and a fitted linear student used without torch.

Every fit here must give finite ``loss_curve_`` and coefficients and
``predict_proba`` rows that are finite and sum to one, or fail with a clear
error.
"""

import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.tree import DecisionTreeClassifier

from skdistill import DistilledClassifier, DistilledRegressor

LOSSES = ["distill", "probabilistic"]
TEMPERATURES = [1e-3, 1e-1, 1.0, 1e1, 1e3]
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def make_problem(n_samples=120, n_classes=3, dtype=np.float32, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, 4)).astype(dtype)
    y = rng.permutation(np.arange(n_samples) % n_classes)
    mask = rng.rand(n_samples) < 0.7
    return X, y, mask


def extreme_answers(kind, y, n_classes, seed=0):
    """Extreme teacher answers, as (teacher_output, teacher_output_kind)."""
    rng = np.random.RandomState(seed)
    # Half the rows disagree with the label, so the soft term pulls away from it.
    favourite = np.where(rng.rand(len(y)) < 0.5, y, (y + 1) % n_classes)
    one_hot = np.eye(n_classes)[favourite]
    if kind == "logits 1e4":
        return np.where(one_hot > 0, 1e4, -1e4), "logits"
    if kind == "logits 1e300":
        return np.where(one_hot > 0, 1e300, -1e300), "logits"
    if kind == "probabilities 0 and 1":
        return one_hot, "proba"
    raise ValueError(kind)


def assert_finite_fit(student, X):
    assert np.all(np.isfinite(student.loss_curve_))
    assert np.all(np.isfinite(student.coef_)) and np.all(np.isfinite(student.intercept_))
    proba = student.predict_proba(X)
    assert np.all(np.isfinite(proba))
    assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    assert np.all(np.isfinite(student.decision_function(X)))


@pytest.mark.parametrize("answers", ["logits 1e4", "logits 1e300", "probabilities 0 and 1"])
@pytest.mark.parametrize("temperature", TEMPERATURES)
@pytest.mark.parametrize("loss", LOSSES)
def test_extreme_temperatures_and_answers_stay_finite(loss, temperature, answers):
    X, y, mask = make_problem()
    output, kind = extreme_answers(answers, y, 3)
    student = DistilledClassifier(
        loss=loss,
        temperature=temperature,
        teacher_output_kind=kind,
        teacher_weight=0.7,
        max_iter=50,
    )
    student.fit(X, y, teacher_output=output, privileged_mask=mask)
    assert_finite_fit(student, X)


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
@pytest.mark.parametrize("temperature", [1e-3, 1e3])
@pytest.mark.parametrize("loss", LOSSES)
def test_teacher_with_huge_logits(loss, temperature, solver):
    # The same answers through a callable teacher, binary and with Adam too.
    X, y, mask = make_problem(n_classes=2)

    def teacher(rows):
        return np.asarray(rows)[:, :2] * 1e4

    student = DistilledClassifier(
        teacher, loss=loss, temperature=temperature, solver=solver, max_iter=20, random_state=0
    )
    student.fit(X, y, privileged_mask=mask)
    assert_finite_fit(student, X)


@pytest.mark.parametrize("loss", LOSSES)
def test_sklearn_teacher_with_hard_probabilities(loss):
    # A fully grown tree answers exactly 0 and 1: log(0) is clamped to a finite logit.
    X, y, mask = make_problem()
    teacher = DecisionTreeClassifier(random_state=0).fit(X, y)
    assert set(np.unique(teacher.predict_proba(X))) == {0.0, 1.0}
    student = DistilledClassifier(teacher, loss=loss, temperature=1e-3, max_iter=50).fit(
        X, y, privileged_mask=mask
    )
    assert_finite_fit(student, X)


@pytest.mark.parametrize("n_classes", [2, 3, 5])
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_one_row_per_class(n_classes, loss, dtype):
    X, y, _ = make_problem(n_samples=n_classes, n_classes=n_classes)
    output, kind = extreme_answers("probabilities 0 and 1", y, n_classes)
    student = DistilledClassifier(loss=loss, teacher_output_kind=kind, dtype=dtype, max_iter=50)
    student.fit(X, y, teacher_output=output)
    assert_finite_fit(student, X)
    assert student.predict_proba(X).shape == (n_classes, n_classes)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float32_input(dtype):
    # float32 X is used as is (no float64 copy) by a float32 student; the fitted
    # state is float64 numpy either way, and both precisions agree.
    X, y, mask = make_problem(n_samples=200)
    output, kind = extreme_answers("logits 1e4", y, 3)
    student = DistilledClassifier(dtype=dtype, teacher_output_kind=kind, tol=1e-6, max_iter=200)
    student.fit(X, y, teacher_output=output, privileged_mask=mask)
    assert_finite_fit(student, X)
    assert student.coef_.dtype == np.float64
    reference = DistilledClassifier(
        dtype="float64", teacher_output_kind=kind, tol=1e-8, max_iter=500
    )
    reference.fit(X.astype(np.float64), y, teacher_output=output, privileged_mask=mask)
    assert_allclose(student.coef_, reference.coef_, atol=1e-3)


@pytest.mark.parametrize("ratio", [1e-6, 1.0, 1e6])
def test_regressor_extreme_sigmas_and_float32(ratio):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 3)).astype(np.float32)
    y = 1e6 * X[:, 0].astype(np.float64) + rng.normal(size=50)
    output = y + 1e3 * rng.normal(size=50)
    est = DistilledRegressor(teacher_weight=1.0, sigma=1.0, sigma_teacher=ratio)
    est.fit(X, y, teacher_output=output)
    assert np.all(np.isfinite(est.coef_)) and np.isfinite(est.intercept_)
    # teacher_weight=1: the teacher's answers are the only targets on privileged rows.
    reference = DistilledRegressor(teacher_weight=0.0).fit(X, output)
    assert_allclose(est.coef_, reference.coef_, rtol=1e-6)


# --------------------------------------------------------------- sparse input
# Wide sparse X fits as dense X (both estimators; the regressor by its normal
# equations and by LSQR): the "wide" configurations of the sparse_case fixture
# (tests/conftest.py) in tests/test_shared_behaviour.py. Here: never densified.


WIDE_SPARSE_SCRIPT = """
import resource, sys, warnings
import numpy as np, scipy.sparse as sp
from skdistill import DistilledClassifier, DistilledRegressor

warnings.simplefilter("ignore")
n_samples, n_features, per_row = {n_samples}, {n_features}, {per_row}
rng = np.random.RandomState(0)
# Built by hand: sp.random with a RandomState permutes all n_samples * n_features cells.
nnz = n_samples * per_row
X = sp.csr_matrix(
    (rng.normal(size=nnz), rng.randint(0, n_features, nnz), np.arange(0, nnz + 1, per_row)),
    shape=(n_samples, n_features),
)
X.sum_duplicates()
score = X @ rng.normal(size=n_features)
mask = rng.rand(n_samples) < 0.5
y_cls = np.digitize(score, np.quantile(score, [1 / 3, 2 / 3]))
reg = DistilledRegressor(alpha=1.0).fit(X, score, teacher_output=score + 1.0, privileged_mask=mask)
cls = DistilledClassifier(max_iter=3).fit(X, y_cls, teacher_output=np.eye(3)[y_cls], privileged_mask=mask)
assert np.all(np.isfinite(reg.coef_)) and np.all(np.isfinite(cls.coef_))
assert reg.coef_.shape == (n_features,) and cls.coef_.shape == (3, n_features)
assert np.isfinite(reg.predict(X)).all() and np.isfinite(cls.predict_proba(X)).all()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def test_wide_sparse_input_is_never_densified():
    # 100,000 columns: dense X alone would take n_samples * n_features * 8 bytes
    # (3.2 GB here) and the regressor's X^T X 80 GB. The whole process, torch
    # included, must stay far below the first.
    n_samples, n_features = 4000, 100_000
    script = WIDE_SPARSE_SCRIPT.format(n_samples=n_samples, n_features=n_features, per_row=20)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    peak_rss = int(done.stdout.split()[-1])
    dense_bytes = n_samples * n_features * 8
    assert peak_rss < dense_bytes / 3, (peak_rss, dense_bytes)


# ------------------------------------------------- predicting without torch

NO_TORCH_SCRIPT = """
import importlib.abc, pickle, sys


class NoTorch(importlib.abc.MetaPathFinder):
    # As if torch were not installed.
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ImportError(f"{name} is blocked in this test")


if sys.argv[3] == "sys.modules":
    # Importing scipy.stats (hence scikit-learn) fails on a None entry in
    # scipy 1.17, torch or not: import skdistill first, then block torch.
    import skdistill
    assert "torch" not in sys.modules, "importing skdistill imported torch"
    sys.modules["torch"] = None  # any `import torch` now raises ImportError
else:
    sys.meta_path.insert(0, NoTorch())
try:
    import torch
except ImportError:
    pass
else:
    raise AssertionError("torch should not be importable here")
import numpy as np

with open(sys.argv[1], "rb") as f:
    estimators, X = pickle.load(f)
out = {}
for name, est in estimators.items():
    out[name] = [est.predict(X)]
    if hasattr(est, "predict_proba"):
        out[name] += [est.predict_proba(X), est.decision_function(X), est.predict_log_proba(X)]
assert sys.modules.get("torch") is None
assert not any(name.startswith("torch.") for name in sys.modules)
with open(sys.argv[2], "wb") as f:
    pickle.dump(out, f)
"""


@pytest.mark.parametrize("block", ["sys.modules", "not installed"])
def test_linear_students_predict_without_torch(block, tmp_path):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 4))
    y3, y2 = np.arange(60) % 3, np.array(["no", "yes"])[np.arange(60) % 2]
    estimators = {
        "multiclass": DistilledClassifier(max_iter=20).fit(
            X, y3, teacher_output=np.eye(3)[(y3 + 1) % 3]
        ),
        "binary": DistilledClassifier(max_iter=20).fit(X, y2, teacher_output=rng.rand(60)),
        "regressor": DistilledRegressor().fit(X, X @ [1.0, 2.0, 3.0, 4.0], teacher_output=X[:, 0]),
    }
    with open(tmp_path / "fitted.pkl", "wb") as f:
        pickle.dump((estimators, X), f)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(NO_TORCH_SCRIPT),
            str(tmp_path / "fitted.pkl"),
            str(tmp_path / "out.pkl"),
            block,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "out.pkl", "rb") as f:
        out = pickle.load(f)
    for name, est in estimators.items():
        expected = [est.predict(X)]
        if hasattr(est, "predict_proba"):
            expected += [est.predict_proba(X), est.decision_function(X), est.predict_log_proba(X)]
        for got, want in zip(out[name], expected, strict=True):
            assert_array_equal(got, want)

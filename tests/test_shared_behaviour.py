"""Behaviours every estimator shares, each tested once over the union of its cases.

- The caller's inputs are unchanged, bit for bit, by ``fit``, by every
  prediction method and by ``teacher_answers``: X, y, X_star, the mask, the
  weights and teacher_output as NumPy arrays, read-only arrays or pandas
  objects, and the teacher and student objects themselves (scikit-learn,
  torch modules that write to their input, callables). With pandas input the
  fit is the NumPy one.
- The teacher is called once, on exactly the privileged rows, in order and in
  the container they were given in (NumPy with NaN outside the mask,
  DataFrame with a mask Series, sparse, array-like), of X_star or, in
  Hinton's case, of X; the fit is the one on those answers precomputed.
- A sparse X or X_star fits as its dense twin: every configuration of the
  ``sparse_case`` fixture (tests/conftest.py), in each sparse format.

The shared machinery (``assert_unchanged``, ``recording_teacher``,
``sparse_case``) is in tests/conftest.py.
"""

import dataclasses

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from _students import InPlaceStudent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.tree import DecisionTreeRegressor

from skdistill import DistilledClassifier, DistilledRegressor, teacher_answers

EXACT = dict(dtype="float64", tol=1e-10, max_iter=1000)
FAST = dict(max_iter=20, tol=1e-3)
LABELS = np.array(["x", "y", "z"])


class ArrayLike:
    """An object with only ``__array__`` (what scikit-learn's checks call _NotAnArray)."""

    def __init__(self, data):
        self.data = data

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.data, dtype=dtype)


# ---------------------------------------------------------------------------
# The caller's inputs are unchanged
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CallerCase:
    """What is called: an estimator's fit and predictions, or ``teacher_answers``.

    ``teacher`` is the kind of teacher (``callable``, ``sklearn``,
    ``torch-inplace-relu``: a module writing to its input) or None;
    ``source`` what the estimator gets of it (``X_star``, ``teacher_output``
    or nothing); ``student`` a student other than the linear one;
    ``x_dtype`` the dtype X is given in (the training dtype, so that torch
    could share its memory). ``mask``: a privileged_mask is given (without
    one, every row is privileged and X_star is given whole); ``nan_outside``:
    X_star holds NaN outside the mask; ``weights``: sample weights are given.
    """

    name: str
    estimator: str
    teacher: str | None = None
    source: str | None = None
    student: str | None = None
    params: dict = dataclasses.field(default_factory=dict)
    x_dtype: str | None = None
    mask: bool = True
    nan_outside: bool = True
    weights: bool = True


REGRESSOR = dict(teacher_weight=0.7, sigma=2.0, alpha=1.0)
CALLER_CASES = [
    # From tests/test_classifier.py: a scikit-learn teacher on (finite) X_star,
    # its probabilities on every row as teacher_output.
    CallerCase(
        "classifier-sklearn-teacher",
        "classifier",
        "sklearn",
        "X_star",
        params=dict(teacher_weight=0.5),
        nan_outside=False,
    ),
    CallerCase("classifier-teacher_output-proba", "classifier", "sklearn", "teacher_output"),
    # From tests/test_properties.py: a callable teacher on X_star, its logits as teacher_output.
    CallerCase("classifier-callable-teacher", "classifier", "callable", "X_star"),
    CallerCase(
        "classifier-callable-teacher-no-mask", "classifier", "callable", "X_star", mask=False
    ),
    CallerCase("classifier-teacher_output-logits", "classifier", "callable", "teacher_output"),
    CallerCase(
        "classifier-adam",
        "classifier",
        "callable",
        "X_star",
        params=dict(solver="adam", random_state=0),
    ),
    CallerCase(
        "classifier-sklearn-student",
        "classifier",
        "callable",
        "X_star",
        "logistic",
        params=dict(loss="generalized"),
    ),
    # From tests/test_reliability.py: torch students writing to their input, X in
    # the training dtype; a torch teacher writing to its input, X_star given whole.
    *[
        CallerCase(
            f"classifier-torch-student-inplace-{solver}-{dtype}",
            "classifier",
            student="torch-inplace",
            x_dtype=dtype,
            weights=False,
            params=dict(solver=solver, dtype=dtype, max_iter=3, random_state=0),
        )
        for solver in ("lbfgs", "adam")
        for dtype in ("float32", "float64")
    ],
    CallerCase(
        "classifier-torch-teacher-and-student-inplace-relu",
        "classifier",
        "torch-inplace-relu",
        "X_star",
        "torch-inplace-relu",
        params=dict(max_iter=3),
        x_dtype="float32",
        mask=False,
        weights=False,
    ),
    CallerCase(
        "classifier-torch-teacher-and-student-inplace-relu-mask",
        "classifier",
        "torch-inplace-relu",
        "X_star",
        "torch-inplace-relu",
        params=dict(max_iter=3),
        x_dtype="float32",
    ),
    # From tests/test_regressor.py and tests/test_properties.py.
    CallerCase("regressor-sklearn-teacher", "regressor", "sklearn", "X_star", params=REGRESSOR),
    CallerCase(
        "regressor-callable-teacher",
        "regressor",
        "callable",
        "X_star",
        params=dict(sigma=2.0, alpha=0.5),
    ),
    CallerCase(
        "regressor-teacher_output", "regressor", "sklearn", "teacher_output", params=REGRESSOR
    ),
    CallerCase(
        "regressor-tree-student", "regressor", "sklearn", "X_star", "tree", params=REGRESSOR
    ),
    # teacher_answers, with each kind of teacher.
    CallerCase("teacher_answers-sklearn-classifier", "teacher_answers", "sklearn", "X_star"),
    CallerCase("teacher_answers-callable", "teacher_answers", "callable", "X_star"),
    CallerCase("teacher_answers-torch", "teacher_answers", "torch-inplace-relu", "X_star"),
    CallerCase(
        "teacher_answers-torch-no-mask",
        "teacher_answers",
        "torch-inplace-relu",
        "X_star",
        mask=False,
    ),
]


def caller_data(seed, n_samples):
    """X, X_star, y for both tasks, the mask and weights."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, 3))
    X_star = np.hstack([X[:, :1], rng.normal(size=(n_samples, 2))])
    mask = rng.rand(n_samples) < 0.6
    mask[0] = True  # at least one privileged row: a teacher cannot answer on none
    y_reg = X @ rng.normal(size=3) + X_star @ rng.normal(size=3) + 0.1 * rng.normal(size=n_samples)
    y_cls = rng.permutation(np.arange(n_samples) % 3)
    weights = rng.uniform(0.5, 2.0, size=n_samples)
    return X, X_star, y_reg, y_cls, mask, weights


def make_teacher(kind, task, pandas):
    """A teacher of the three privileged features, fitted on data of its own."""
    rng = np.random.RandomState(1)
    if kind == "callable":
        W = rng.normal(size=(3, 3 if task == "classifier" else 1))
        if task == "classifier":
            return lambda rows: np.asarray(rows) @ W
        return lambda rows: (np.asarray(rows) @ W)[:, 0]
    if kind == "torch-inplace-relu":
        torch.manual_seed(0)
        return (
            torch.nn.Sequential(torch.nn.ReLU(inplace=True), torch.nn.Linear(3, 3)).double().eval()
        )
    Z = rng.normal(size=(60, 3))
    if pandas:
        Z = pd.DataFrame(Z, columns=["p", "q", "r"])
    if task == "classifier":
        labels = np.arange(60) % 3
        return LogisticRegression().fit(Z, LABELS[labels] if pandas else labels)
    return LinearRegression().fit(Z, np.asarray(Z) @ [1.0, -2.0, 0.5])


def make_student(kind):
    """A student other than the linear one (None for the linear one)."""
    torch.manual_seed(0)
    if kind == "torch-inplace":
        return InPlaceStudent(n_features=3)
    if kind == "torch-inplace-relu":
        return InPlaceStudent(n_features=3, inplace_relu=True)
    if kind == "logistic":
        return LogisticRegression()
    if kind == "tree":
        return DecisionTreeRegressor(max_depth=3)
    return None


def teacher_output_of(teacher, X_star, mask):
    """The teacher's answers on the privileged rows.

    A scikit-learn classifier gives probabilities, finite on every row (1/3
    outside the mask); the others answers NaN outside the mask.
    """
    rows = X_star[mask]
    if hasattr(teacher, "feature_names_in_"):  # fitted on a DataFrame
        rows = pd.DataFrame(rows, columns=teacher.feature_names_in_)
    fill = np.nan
    if isinstance(teacher, LogisticRegression):
        answers, fill = teacher.predict_proba(rows), 1 / 3
    elif hasattr(teacher, "predict"):
        answers = teacher.predict(rows)
    else:
        answers = teacher(rows)
    out = np.full((len(mask),) + answers.shape[1:], fill)
    out[mask] = answers
    return out


def caller_inputs(case, container, seed, n_samples):
    """The case's teacher, student and inputs (name -> object) in ``container``."""
    X, X_star, y_reg, y_cls, mask, weights = caller_data(seed, n_samples)
    task = "regressor" if case.estimator == "regressor" else "classifier"
    if case.x_dtype:
        X = X.astype(case.x_dtype)
    if case.mask and case.nan_outside:
        X_star[~mask] = np.nan  # rows outside the mask carry no privileged information
    teacher = make_teacher(case.teacher, task, container == "pandas") if case.teacher else None
    if case.source == "teacher_output":
        output = teacher_output_of(teacher, X_star, mask)
    inputs = dict(X=X, y=y_reg if task == "regressor" else y_cls)
    if container == "pandas":
        index = pd.RangeIndex(100, 100 + n_samples)
        inputs["X"] = pd.DataFrame(X, columns=["a", "b", "c"], index=index)
        inputs["y"] = (
            pd.Series(y_reg, index=index, name="target")
            if task == "regressor"
            else pd.Series(LABELS[y_cls], index=index, name="label")
        )
        weights = pd.Series(weights, index=index, name="w")
        mask = pd.Series(mask, index=index, name="privileged")
        X_star = pd.DataFrame(X_star, columns=["p", "q", "r"], index=index)
        if case.source == "teacher_output" and output.ndim == 2:
            columns = teacher.classes_ if hasattr(teacher, "classes_") else LABELS
            output = pd.DataFrame(output, index=index, columns=columns)
        elif case.source == "teacher_output":
            output = pd.Series(output, index=index)
    if case.weights:
        inputs["weights"] = weights
    if case.source and case.mask:
        inputs["mask"] = mask
    if case.source == "X_star":
        inputs["X_star"] = X_star
    if case.source == "teacher_output":
        inputs["output"] = output
    if container == "read-only":
        for value in inputs.values():
            value.setflags(write=False)  # a write would raise
    return teacher, make_student(case.student), inputs


def fit_kwargs(inputs):
    names = dict(
        mask="privileged_mask", weights="sample_weight", X_star="X_star", output="teacher_output"
    )
    return {names[name]: value for name, value in inputs.items() if name in names}


def predictions(est, X):
    return [
        getattr(est, method)(X)
        for method in ("predict", "predict_proba", "predict_log_proba", "decision_function")
        if hasattr(est, method)
    ]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("container", ["numpy", "read-only", "pandas"])
@pytest.mark.parametrize("case", CALLER_CASES, ids=[case.name for case in CALLER_CASES])
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31), n_samples=st.integers(6, 60))
def test_caller_inputs_unchanged(case, container, seed, n_samples, assert_unchanged):
    teacher, student, inputs = caller_inputs(case, container, seed, n_samples)
    objects = dict(inputs, teacher=teacher, student=student)
    if case.estimator == "teacher_answers":
        with assert_unchanged(**objects):
            teacher_answers(teacher, inputs["X_star"], inputs.get("mask"))
        return
    estimator_class = DistilledClassifier if case.estimator == "classifier" else DistilledRegressor
    params = dict(case.params, student=student)
    if case.estimator == "classifier":
        params = dict(FAST, **params)
    est = estimator_class(teacher if case.source == "X_star" else None, **params)
    with assert_unchanged(**objects):
        est.fit(inputs["X"], inputs["y"], **fit_kwargs(inputs))
    with assert_unchanged(**objects):
        predicted = predictions(est, inputs["X"])
    if "mask" in inputs:  # the fitted mask is the estimator's own copy
        assert est.privileged_mask_ is not inputs["mask"]
    if container == "pandas":
        # The fit is the NumPy one, and it keeps the column names.
        assert list(est.feature_names_in_) == ["a", "b", "c"]
        plain_inputs = {
            name: value if name == "X_star" else value.to_numpy() for name, value in inputs.items()
        }
        plain = estimator_class(**est.get_params(deep=False)).fit(
            plain_inputs["X"], plain_inputs["y"], **fit_kwargs(plain_inputs)
        )
        if hasattr(est, "coef_"):
            assert_allclose(est.coef_, plain.coef_, rtol=1e-6, atol=1e-8)
        for got, expected in zip(predicted, predictions(plain, plain_inputs["X"])):
            if got.dtype.kind == "f":
                assert_allclose(got, expected, rtol=1e-6, atol=1e-8)
            else:
                assert_array_equal(got, expected)


# ---------------------------------------------------------------------------
# The teacher is called once, on the privileged rows only
# ---------------------------------------------------------------------------

_rng = np.random.RandomState(53)
N_ROWS = 40
ROWS_X = _rng.normal(size=(N_ROWS, 4)) * (
    _rng.uniform(size=(N_ROWS, 4)) < 0.6
)  # real zeros for sparse X
ROWS_X_STAR = _rng.normal(size=(N_ROWS, 3))
ROWS_MASK = _rng.uniform(size=N_ROWS) < 0.6
ROWS_Y_CLS = _rng.permutation(np.arange(N_ROWS) % 3)
ROWS_Y_REG = (
    ROWS_X @ _rng.normal(size=4)
    + ROWS_X_STAR @ _rng.normal(size=3)
    + 0.1 * _rng.normal(size=N_ROWS)
)
ROWS_WEIGHTS = _rng.uniform(0.5, 2.0, size=N_ROWS)
# "numpy" X_star holds NaN outside the mask, "numpy-finite" does not.
ROW_CONTAINERS = ["numpy", "numpy-finite", "frame", "csr", "csc", "coo", "lil", "array-like"]
ROW_ESTIMATORS = {
    # who calls the teacher: what the teacher answers
    "classifier": "classifier",
    "regressor": "regressor",
    "teacher_answers-classifier": "classifier",
    "teacher_answers-regressor": "regressor",
}


def row_cases():
    for estimator in ROW_ESTIMATORS:
        for source in ("X_star",) if estimator.startswith("teacher_answers") else ("X_star", "X"):
            for container in ROW_CONTAINERS:
                if source == "X" and container == "numpy-finite":
                    continue  # X is finite anyway
                yield pytest.param(
                    estimator, source, container, id=f"{estimator}-{source}-{container}"
                )


def in_container(data, container, mask):
    """``data`` (an ndarray) as the container, and the mask that goes with it."""
    if container == "frame":
        index = np.arange(50, 50 + len(data))
        frame = pd.DataFrame(data, index=index, columns=[f"c{j}" for j in range(data.shape[1])])
        return frame, None if mask is None else pd.Series(mask, index=index)
    if container == "array-like":
        return ArrayLike(data), mask
    if container in ("csr", "csc", "coo", "lil"):
        return sp.csr_matrix(data).asformat(container), mask
    return data, mask


def answer_function(kind, n_features):
    """The teacher's answers as a function of its rows: logits or a regression (as SquareTeacher)."""
    coef = np.random.RandomState(n_features).normal(size=(n_features, 3))

    def answer(rows):
        # C order: the answers do not depend on the layout of a DataFrame's values.
        rows = np.ascontiguousarray(
            rows.toarray() if sp.issparse(rows) else np.asarray(rows, dtype=np.float64)
        )
        if kind == "classifier":
            return rows @ coef
        return rows @ coef[:, 0] + 0.3 * (rows**2).sum(axis=1)

    return answer


@pytest.mark.parametrize("use_mask", [True, False], ids=["mask", "no-mask"])
@pytest.mark.parametrize("teacher_kind", ["callable", "estimator"])
@pytest.mark.parametrize("estimator, source, container", list(row_cases()))
def test_teacher_called_once_on_the_privileged_rows(
    estimator, source, container, teacher_kind, use_mask, recording_teacher
):
    kind = ROW_ESTIMATORS[estimator]
    rows_of = ROWS_X if source == "X" else ROWS_X_STAR
    y = ROWS_Y_CLS if kind == "classifier" else ROWS_Y_REG
    mask = ROWS_MASK if use_mask else None
    used = ROWS_MASK if use_mask else np.ones(N_ROWS, dtype=bool)
    data = rows_of.copy()
    if source == "X_star" and use_mask and container in ("numpy", "frame", "array-like"):
        data[~used] = np.nan  # rows outside the mask carry no privileged information
    given, given_mask = in_container(data, container, mask)
    if teacher_kind == "callable":
        teacher = recording_teacher(answer_function(kind, rows_of.shape[1]))
    else:
        model = LogisticRegression() if kind == "classifier" else LinearRegression()
        teacher = recording_teacher(model.fit(rows_of, y))

    def answers_on(rows):
        """What the teacher answers on ``rows``: logits for a classifier."""
        if teacher_kind == "callable":
            return teacher.answer(rows)
        rows = rows if sp.issparse(rows) else recording_teacher.as_dense(rows)
        return np.log(model.predict_proba(rows)) if kind == "classifier" else model.predict(rows)

    if estimator.startswith("teacher_answers"):
        answers = teacher_answers(teacher, given, given_mask)
    else:
        make = (
            (lambda **kw: DistilledClassifier(teacher_weight=0.5, temperature=2.0, **EXACT, **kw))
            if kind == "classifier"
            else (lambda **kw: DistilledRegressor(teacher_weight=0.4, **kw))
        )
        fit = dict(sample_weight=ROWS_WEIGHTS)
        if given_mask is not None:
            fit["privileged_mask"] = given_mask
        X = given if source == "X" else ROWS_X
        est = make(teacher=teacher).fit(
            X, y, **({} if source == "X" else dict(X_star=given)), **fit
        )

    # One call, on exactly the privileged rows, in order, in the caller's container.
    assert teacher.calls == 1
    received = teacher.rows[0]
    assert_array_equal(recording_teacher.as_dense(received), rows_of[used])
    if container in ("csr", "csc", "coo", "lil"):
        assert sp.issparse(received)
    if container == "frame":
        assert isinstance(received, pd.DataFrame)
        assert_array_equal(received.index, np.arange(50, 50 + N_ROWS)[used])

    expected = np.full((N_ROWS, 3) if kind == "classifier" else N_ROWS, np.nan)
    expected[used] = answers_on(received)
    if estimator.startswith("teacher_answers"):
        # The teacher's answers, NaN outside the mask. A DataFrame's column-major
        # values may round differently in the teacher's product (numpy 1.23).
        if container == "frame":
            assert_allclose(np.asarray(answers), expected, rtol=1e-12, atol=1e-15)
        else:
            assert_array_equal(np.asarray(answers), expected)
        if teacher_kind == "estimator" and kind == "classifier":
            assert_array_equal(answers.classes, model.classes_)
        return
    # The fit is the one on those answers precomputed ...
    with_output = make().fit(
        X,
        y,
        teacher_output=expected,
        privileged_mask=used if use_mask else None,
        sample_weight=ROWS_WEIGHTS,
    )
    assert_array_equal(est.coef_, with_output.coef_)
    assert_array_equal(est.intercept_, with_output.intercept_)
    # ... and, but for sparse input (test_sparse_input_fits_as_dense compares that with dense),
    # the one on plain NumPy input with X_star explicit (X itself in Hinton's case).
    if not sp.issparse(given):
        plain = make(teacher=teacher).fit(
            ROWS_X,
            y,
            X_star=data if source == "X_star" else ROWS_X,
            privileged_mask=mask,
            sample_weight=ROWS_WEIGHTS,
        )
        if source == "X" and container == "frame":
            # (Not an old case.) X from a DataFrame is column-major: the
            # regressor's closed form rounds otherwise.
            assert_allclose(est.coef_, plain.coef_, rtol=1e-10, atol=1e-12)
            assert_allclose(est.intercept_, plain.intercept_, rtol=1e-10, atol=1e-12)
        else:
            assert_array_equal(est.coef_, plain.coef_)
            assert_array_equal(est.intercept_, plain.intercept_)


# ---------------------------------------------------------------------------
# Sparse input fits as dense input
# ---------------------------------------------------------------------------


def test_sparse_input_fits_as_dense(sparse_case):
    problem, case = sparse_case, sparse_case.case
    dense = problem.make().fit(problem.X_dense, problem.y, **problem.fit_dense)
    sparse = problem.make().fit(problem.X_sparse, problem.y, **problem.fit_sparse)
    if hasattr(dense, "coef_"):
        assert_allclose(sparse.coef_, dense.coef_, **case.coef)
        assert_allclose(sparse.intercept_, dense.intercept_, **case.intercept)
    method = "predict_proba" if hasattr(dense, "predict_proba") else "predict"
    expected = getattr(dense, method)(problem.X_dense)
    assert_allclose(getattr(sparse, method)(problem.X_sparse), expected, **case.prediction)
    assert_allclose(getattr(sparse, method)(problem.X_dense), expected, **case.prediction)
    if sp.issparse(problem.X_sparse):
        # A fit on dense X predicts sparse X as the same X dense.
        assert_allclose(getattr(dense, method)(problem.X_sparse), expected, rtol=1e-7, atol=1e-12)

"""Test-run settings (the data folder, the ``slow`` marker) and shared fixtures.

- ``SKDISTILL_DATA``: the library looks for data in ``data_home``, a loader's
  own variable, ``$SKDISTILL_DATA`` or ``~/skdistill_data`` and nowhere else.
  A checkout of the project has the read-only shared data in
  ``../shared/data`` beside it; when the variable is unset and that folder
  exists, the tests (and the examples they run in subprocesses) use it.
- ``slow``: every test of the files in ``SLOW_FILES`` (documentation build,
  gallery and notebook, end-to-end reproductions) and the few heavy tests of
  ``SLOW_TESTS`` are marked ``slow``, so that ``pytest -m "not slow"`` is the
  fast suite and ``pytest -m slow`` the rest; plain ``pytest`` runs both.

Below them, the machinery shared by the tests of one behaviour over many
estimators (tests/test_shared_behaviour.py, and a few checks elsewhere):

- ``assert_unchanged``: ``with assert_unchanged(X=X, teacher=teacher): ...``
  fails, naming what changed, unless the objects are bit for bit as before
  the block (arrays, sparse matrices, DataFrames, torch modules, estimators,
  callables and what their closures hold).
- ``recording_teacher``: ``recording_teacher(answer)`` is a teacher (a
  callable, or a fitted estimator wrapped) keeping a copy of every batch of
  rows it is called on, in the container it received.
- ``sparse_case``: the estimator configurations whose fit on sparse input
  must equal the dense one, each with its data and tolerances, per format.
"""

import contextlib
import dataclasses
import os
import pickle
import sys
import types
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

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


# ---------------------------------------------------------------------------
# assert_unchanged: the caller's objects, bit for bit
# ---------------------------------------------------------------------------

_SCALARS = (type(None), bool, int, complex, str, bytes)


def _array_fingerprint(array):
    array = np.asarray(array)
    return (
        "ndarray",
        type(array).__name__,
        array.dtype.str,
        array.shape,
        array.flags.writeable,
        np.ascontiguousarray(array).tobytes(),
    )


def _fingerprint(obj, path, out, memo, depth=0):
    """Record in ``out`` (path -> comparable value) the state of ``obj``, recursively.

    Values are compared as bytes where they are numbers (so -0.0 differs from
    0.0 and NaN equals itself); shared references are recorded as such.
    """
    if depth > 60:
        raise RecursionError(f"{path}: nested too deeply to fingerprint")
    if isinstance(obj, float):
        out[path] = ("float", obj.hex())
        return
    if isinstance(obj, _SCALARS):
        out[path] = ("value", type(obj).__name__, repr(obj))
        return
    if isinstance(obj, np.generic):
        out[path] = ("numpy scalar", obj.dtype.str, obj.tobytes())
        return
    key = id(obj)
    if key in memo:
        out[path] = ("same object as", memo[key][0])
        return
    memo[key] = (path, obj)  # keeps obj alive: its id is not reused meanwhile
    torch = sys.modules.get("torch")
    pd = sys.modules.get("pandas")
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            out[path] = ("object ndarray", type(obj).__name__, obj.shape, obj.flags.writeable)
            for index, item in np.ndenumerate(obj):
                _fingerprint(item, f"{path}[{index}]", out, memo, depth + 1)
        else:
            out[path] = _array_fingerprint(obj)
        if getattr(obj, "__dict__", None):  # an ndarray subclass with attributes
            for name, value in vars(obj).items():
                _fingerprint(value, f"{path}.{name}", out, memo, depth + 1)
    elif sp.issparse(obj):
        out[path] = ("sparse", type(obj).__name__, obj.format, obj.dtype.str, obj.shape)
        parts = {
            "coo": ("data", "row", "col"),
            "dia": ("data", "offsets"),
            "lil": ("data", "rows"),
        }.get(obj.format, ("data", "indices", "indptr"))
        if obj.format == "dok":
            _fingerprint(sorted(dict(obj).items()), f"{path}.items", out, memo, depth + 1)
        else:
            for name in parts:
                _fingerprint(getattr(obj, name), f"{path}.{name}", out, memo, depth + 1)
    elif pd is not None and isinstance(obj, (pd.DataFrame, pd.Series, pd.Index)):
        out[path] = (
            "pandas",
            type(obj).__name__,
            obj.shape,
            repr(obj.dtypes if obj.ndim == 2 else obj.dtype),
            repr(getattr(obj, "names", None) or getattr(obj, "name", None)),
        )
        if isinstance(obj, pd.Index):
            _fingerprint(obj.to_numpy(), f"{path}.values", out, memo, depth + 1)
            return
        _fingerprint(obj.index, f"{path}.index", out, memo, depth + 1)
        _fingerprint(dict(obj.attrs), f"{path}.attrs", out, memo, depth + 1)
        if isinstance(obj, pd.Series):
            _fingerprint(obj.to_numpy(), f"{path}.values", out, memo, depth + 1)
        else:
            _fingerprint(obj.columns, f"{path}.columns", out, memo, depth + 1)
            for i in range(obj.shape[1]):
                _fingerprint(
                    obj.iloc[:, i].to_numpy(), f"{path}.iloc[:, {i}]", out, memo, depth + 1
                )
    elif torch is not None and isinstance(obj, torch.Tensor):
        data = obj.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
        out[path] = (
            "tensor",
            type(obj).__name__,
            str(obj.dtype),
            tuple(obj.shape),
            str(obj.device),
            obj.requires_grad,
            data,
        )
        _fingerprint(obj.grad, f"{path}.grad", out, memo, depth + 1)
    elif isinstance(obj, (list, tuple)):
        out[path] = (type(obj).__name__, len(obj))
        for i, item in enumerate(obj):
            _fingerprint(item, f"{path}[{i}]", out, memo, depth + 1)
    elif isinstance(obj, dict):
        out[path] = (type(obj).__name__, [repr(k) for k in obj])
        for k, value in obj.items():
            _fingerprint(value, f"{path}[{k!r}]", out, memo, depth + 1)
    elif isinstance(obj, (set, frozenset)):
        out[path] = (type(obj).__name__, sorted(repr(item) for item in obj))
    elif isinstance(obj, types.FunctionType):
        # A function is itself; what it reads is its closure, its defaults and
        # the data (not modules, classes or functions) of the globals it names.
        out[path] = ("function", obj.__qualname__, key)
        for name in obj.__code__.co_names:
            value = obj.__globals__.get(name)
            if (
                name in obj.__globals__
                and not callable(value)
                and not isinstance(value, types.ModuleType)
            ):
                _fingerprint(value, f"{path}.<global {name}>", out, memo, depth + 1)
        for i, cell in enumerate(obj.__closure__ or ()):
            try:
                contents = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            _fingerprint(
                contents, f"{path}.<closure {obj.__code__.co_freevars[i]}>", out, memo, depth + 1
            )
        _fingerprint(obj.__defaults__, f"{path}.__defaults__", out, memo, depth + 1)
        _fingerprint(obj.__kwdefaults__, f"{path}.__kwdefaults__", out, memo, depth + 1)
        _fingerprint(dict(vars(obj)), f"{path}.__dict__", out, memo, depth + 1)
    elif isinstance(
        obj,
        (
            type,
            types.ModuleType,
            types.BuiltinFunctionType,
            types.MethodType,
            types.MethodWrapperType,
            types.WrapperDescriptorType,
        ),
    ):
        out[path] = ("identity", type(obj).__name__, key)
    elif hasattr(obj, "__dict__"):  # estimators, torch modules, user objects
        out[path] = ("object", type(obj).__module__, type(obj).__qualname__)
        for name, value in vars(obj).items():
            _fingerprint(value, f"{path}.{name}", out, memo, depth + 1)
    else:
        try:
            out[path] = ("pickled", type(obj).__qualname__, pickle.dumps(obj))
        except Exception:
            out[path] = ("identity", type(obj).__qualname__, key)


def fingerprint(**objects):
    """The state of ``objects`` (name -> object), as a dict of comparable values."""
    out, memo = {}, {}
    for name, obj in objects.items():
        _fingerprint(obj, name, out, memo)
    return out


@contextlib.contextmanager
def _assert_unchanged(**objects):
    """Fail unless ``objects`` (name -> object) are, bit for bit, as before the block.

    ``assert_unchanged(X=X, teacher=teacher)``: arrays and sparse matrices by
    their bytes, dtype, shape and writeable flag; DataFrames and Series by
    their index, columns, dtypes and values (and ``pandas.testing`` with
    ``check_exact=True``); torch modules by every parameter, buffer, gradient
    and training flag; estimators and other objects by all their attributes;
    functions by what their closures hold.
    """
    pd = sys.modules.get("pandas")
    frames = {
        name: obj.copy(deep=True)
        for name, obj in objects.items()
        if pd is not None and isinstance(obj, (pd.DataFrame, pd.Series))
    }
    before = fingerprint(**objects)
    yield
    after = fingerprint(**objects)
    changed = sorted(
        path for path in before.keys() | after.keys() if before.get(path) != after.get(path)
    )
    assert not changed, f"the call changed {', '.join(changed[:8])}" + (
        " ..." if len(changed) > 8 else ""
    )
    for name, copy in frames.items():
        if isinstance(copy, pd.DataFrame):
            pd.testing.assert_frame_equal(objects[name], copy, check_exact=True, obj=name)
        else:
            pd.testing.assert_series_equal(objects[name], copy, check_exact=True, obj=name)


@pytest.fixture(scope="session")
def assert_unchanged():
    """``with assert_unchanged(X=X, ...): est.fit(X, ...)``: see ``_assert_unchanged``.

    Session-scoped (it holds no state), so hypothesis tests may use it.
    """
    return _assert_unchanged


# ---------------------------------------------------------------------------
# recording_teacher: the rows a teacher is called on
# ---------------------------------------------------------------------------


def as_dense(rows):
    """Rows as a float64 ndarray, whatever the container a teacher received."""
    if sp.issparse(rows):
        rows = rows.toarray()
    elif hasattr(rows, "to_numpy"):
        rows = rows.to_numpy()
    return np.asarray(rows, dtype=np.float64)


def _copy_rows(rows):
    return list(rows) if isinstance(rows, list) else rows.copy()


class RecordingFunction:
    """A callable teacher answering ``answer(rows)`` and keeping a copy of each batch of rows."""

    def __init__(self, answer):
        self.answer = answer
        self.rows = []

    @property
    def calls(self):
        return len(self.rows)

    def __call__(self, rows):
        self.rows.append(_copy_rows(rows))
        return self.answer(rows)


class RecordingEstimator:
    """A fitted scikit-learn teacher (``model``, never refit) that keeps a copy of each batch of rows.

    The rows go to ``model`` as received, a DataFrame as its values (``model``
    was fitted on an array); ``predict_proba`` and ``classes_`` only when the
    model has them, so that a regressor stays a regressor.
    """

    def __init__(self, model):
        self.model = model
        self.rows = []
        for name in ("classes_", "n_features_in_"):
            if hasattr(model, name):
                setattr(self, name, getattr(model, name))

    @property
    def calls(self):
        return len(self.rows)

    def _record(self, rows):
        self.rows.append(_copy_rows(rows))
        return rows if sp.issparse(rows) else as_dense(rows)

    def predict(self, rows):
        return self.model.predict(self._record(rows))

    def __getattr__(self, name):
        model = self.__dict__.get("model")
        if name in ("predict_proba", "decision_function") and hasattr(model, name):
            return lambda rows: getattr(model, name)(self._record(rows))
        raise AttributeError(name)

    def fit(self, *args, **kwargs):  # pragma: no cover - must never run
        raise AssertionError("the teacher must never be refit")

    def get_params(self, deep=True):
        return {"model": self.model}

    def __sklearn_is_fitted__(self):
        return True


@pytest.fixture
def recording_teacher():
    """``recording_teacher(answer)``: a teacher recording the rows it is called on.

    ``answer`` is a function of the rows (the teacher is then a callable) or a
    fitted scikit-learn estimator (the teacher is then an estimator with its
    ``predict`` / ``predict_proba``). ``teacher.rows`` holds a copy of every
    batch as received (a DataFrame stays a DataFrame, a sparse matrix stays
    sparse), ``teacher.calls`` their number; ``as_dense`` reads a batch.
    """

    def make(answer):
        return (
            RecordingEstimator(answer) if hasattr(answer, "predict") else RecordingFunction(answer)
        )

    make.as_dense = as_dense
    return make


# ---------------------------------------------------------------------------
# sparse_case: sparse input fits as dense input
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SparseCase:
    """An estimator configuration whose fit on sparse input must equal the dense one.

    ``build()`` returns ``(make_estimator, X, y, fit_kwargs)`` with ``X``
    dense or sparse and ``fit_kwargs`` dense; ``sparse`` names the input
    made sparse (``"X"`` or ``"X_star"``). The tolerances (``assert_allclose``
    keywords) are those of the test each configuration comes from.
    """

    name: str
    build: Callable
    sparse: str = "X"
    formats: tuple = ("csr",)
    coef: dict = dataclasses.field(default_factory=dict)
    intercept: dict = dataclasses.field(default_factory=dict)
    prediction: dict = dataclasses.field(default_factory=dict)
    lsqr: bool = False  # solve sparse X by LSQR (no normal equations)


@dataclasses.dataclass
class SparseProblem:
    case: SparseCase
    fmt: str
    make: Callable
    X_dense: np.ndarray
    X_sparse: object  # what the sparse fit gets as X: sparse, or X_dense when X_star is sparse
    y: np.ndarray
    fit_dense: dict
    fit_sparse: dict


_EXACT = dict(dtype="float64", tol=1e-10)
_REGRESSOR_TOL = dict(rtol=1e-10, atol=0)  # tests/test_regressor.py's RTOL
_REGRESSOR_INTERCEPT_TOL = dict(rtol=1e-10, atol=1e-12)


def _regressor_problem(seed):
    """test_regressor.py's make_problem(seed): X, X_star, y, mask, sample weights."""
    rng = np.random.RandomState(seed)
    X_star = rng.normal(size=(200, 3))
    X = np.column_stack([X_star @ rng.normal(size=3) + rng.normal(size=200) for _ in range(5)])
    y = X_star @ rng.normal(size=3) + 0.5 * rng.normal(size=200) + 3.0
    mask = rng.uniform(size=200) < 0.6
    sample_weight = rng.uniform(0.5, 2.0, size=200)
    return X, X_star, y, mask, sample_weight


def _square_teacher(rows):
    """test_regressor.py's SquareTeacher(np.ones(3)) as a function."""
    rows = np.asarray(rows, dtype=np.float64)
    return rows @ np.ones(rows.shape[1]) + 0.3 * (rows**2).sum(axis=1)


def _wide_sparse_problem(n_samples, n_features, density, seed=0):
    """test_numerics.py's wide sparse problem: X (CSR), y_reg, y_cls, mask, weights."""
    rng = np.random.RandomState(seed)
    X = sp.random(n_samples, n_features, density=density, format="csr", random_state=rng)
    score = X @ rng.normal(size=n_features)
    y_reg = score + 0.1 * rng.normal(size=n_samples)
    y_cls = np.digitize(score, np.quantile(score, [1 / 3, 2 / 3]))
    return X, y_reg, y_cls, rng.rand(n_samples) < 0.5, rng.uniform(0.5, 2, n_samples)


def _classifier_linear(n_classes, with_teacher):
    # test_classifier.py: the linear student, with a teacher seeing X (sparse or dense) or none.
    def build():
        from sklearn.linear_model import LogisticRegression

        from skdistill import DistilledClassifier

        rng = np.random.RandomState(151)
        X = sp.random(200, 8, density=0.3, format="csr", random_state=rng)
        y = rng.randint(n_classes, size=200)
        sw = rng.uniform(0.5, 2.0, size=200)
        mask = rng.uniform(size=200) < 0.5
        params, fit = dict(_EXACT, max_iter=1000), dict(sample_weight=sw)
        if with_teacher:
            params.update(
                teacher=LogisticRegression().fit(X, y), teacher_weight=0.4, temperature=2.0
            )
            fit.update(privileged_mask=mask)
        return lambda: DistilledClassifier(**params), X, y, fit

    return build


def _classifier_wide():
    # test_numerics.py: 400 columns, one-hot teacher_output.
    from skdistill import DistilledClassifier

    X, _, y, mask, weights = _wide_sparse_problem(150, 400, 0.05)
    X.data *= 3.0
    fit = dict(teacher_output=np.eye(3)[(y + 1) % 3], privileged_mask=mask, sample_weight=weights)
    params = dict(_EXACT, max_iter=500, alpha=0.5, temperature=2.0)
    return lambda: DistilledClassifier(**params), X, y, fit


def _classifier_sklearn_student():
    # test_students.py: LogisticRegression as the student, fitted on expanded rows.
    from sklearn.linear_model import LogisticRegression

    from skdistill import DistilledClassifier

    rng = np.random.RandomState(0)
    X_star = rng.normal(size=(120, 4))
    X = X_star[:, :2] + 0.5 * rng.normal(size=(120, 2))
    y = (X_star @ rng.normal(size=(4, 3))).argmax(axis=1)
    teacher = LogisticRegression().fit(X_star, y)

    def make():
        return DistilledClassifier(
            teacher, student=LogisticRegression(), loss="generalized", temperature=2.0
        )

    return make, X, y, dict(X_star=X_star)


def _bad_input_data():
    """test_bad_input.py's module data: X, X_STAR, Y_REG, Y_CLS, MASK."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(24, 3))
    X_star = rng.normal(size=(24, 2))
    return (
        X,
        X_star,
        X @ [1.0, 2.0, 3.0] + X_star @ [1.0, -1.0],
        np.arange(24) % 3,
        np.arange(24) % 2 == 0,
    )


def _classifier_torch_teacher():
    # test_bad_input.py: a torch teacher gets the privileged rows of a sparse X_star densified.
    import torch

    from skdistill import DistilledClassifier

    X, X_star, _, y, _ = _bad_input_data()
    torch.manual_seed(0)
    module = torch.nn.Linear(2, 3).double()
    return (
        lambda: DistilledClassifier(module, max_iter=5, tol=1e-2, dtype="float64"),
        X,
        y,
        dict(X_star=X_star),
    )


def _regressor_linear(fit_intercept, alpha):
    # test_regressor.py: the closed form with a teacher on (dense) X_star, a mask and weights.
    def build():
        from skdistill import DistilledRegressor

        X, X_star, y, mask, sw = _regressor_problem(11)
        X = X * (np.random.RandomState(0).uniform(size=X.shape) < 0.4)  # real zeros
        params = dict(
            teacher_weight=0.4,
            sigma=2.0,
            sigma_teacher=0.8,
            alpha=alpha,
            fit_intercept=fit_intercept,
        )
        fit = dict(X_star=X_star, privileged_mask=mask, sample_weight=sw)
        return lambda: DistilledRegressor(_square_teacher, **params), X, y, fit

    return build


def _regressor_hinton():
    # test_regressor.py: no X_star, the teacher gets the privileged rows of sparse X.
    from skdistill import DistilledRegressor

    X, _, y, mask, _ = _regressor_problem(11)
    X = X * (np.random.RandomState(1).uniform(size=X.shape) < 0.4)
    coef = np.linspace(-1, 1, X.shape[1])
    return (
        lambda: DistilledRegressor(lambda rows: np.asarray(rows @ coef).ravel()),
        X,
        y,
        dict(privileged_mask=mask),
    )


def _regressor_sparse_X_star():
    # test_regressor.py: a scikit-learn teacher fitted on sparse X_star.
    from sklearn.linear_model import LinearRegression

    from skdistill import DistilledRegressor

    X, X_star, y, mask, _ = _regressor_problem(11)
    X_star = X_star * (X_star > 0)
    teacher = LinearRegression().fit(sp.csr_matrix(X_star), y)
    return lambda: DistilledRegressor(teacher), X, y, dict(X_star=X_star, privileged_mask=mask)


def _regressor_sparse_X_star_dense_teacher():
    # test_bad_input.py: a scikit-learn teacher fitted on dense X_star gets it sparse.
    from sklearn.linear_model import LinearRegression

    from skdistill import DistilledRegressor

    X, X_star, y, _, mask = _bad_input_data()
    teacher = LinearRegression().fit(X_star, y)
    return lambda: DistilledRegressor(teacher), X, y, dict(X_star=X_star, privileged_mask=mask)


def _regressor_wide(n_samples, alpha, fit_intercept):
    # test_numerics.py: 300 columns, teacher_output; normal equations or LSQR.
    def build():
        from skdistill import DistilledRegressor

        X, y, _, mask, weights = _wide_sparse_problem(n_samples, 300, 0.05)
        fit = dict(teacher_output=y + 0.5, privileged_mask=mask, sample_weight=weights)
        params = dict(
            alpha=alpha, fit_intercept=fit_intercept, teacher_weight=0.3, sigma_teacher=0.5
        )
        return lambda: DistilledRegressor(**params), X, y, fit

    return build


def _sparse_cases():
    linear_classifier = dict(rtol=1e-6, atol=1e-9)
    cases = [
        SparseCase(
            f"classifier-linear-{n_classes}-classes-{'teacher' if with_teacher else 'alone'}",
            _classifier_linear(n_classes, with_teacher),
            formats=("csr", "csc", "coo"),
            coef=linear_classifier,
            intercept=linear_classifier,
            prediction=dict(rtol=1e-7, atol=1e-10),
        )
        for n_classes in (2, 3)
        for with_teacher in (False, True)
    ]
    cases += [
        SparseCase(
            "classifier-wide-teacher_output",
            _classifier_wide,
            coef=dict(rtol=1e-7, atol=1e-6),
            intercept=dict(rtol=1e-7, atol=1e-6),
            prediction=dict(rtol=1e-7, atol=1e-6),
        ),
        SparseCase(
            "classifier-sklearn-student",
            _classifier_sklearn_student,
            formats=("csr", "coo", "dia", "csc"),
            prediction=dict(rtol=1e-6, atol=0),
        ),
        SparseCase(
            "classifier-torch-teacher-sparse-X_star",
            _classifier_torch_teacher,
            sparse="X_star",
            coef=dict(rtol=1e-12, atol=0),
            intercept=dict(rtol=1e-12, atol=0),
            prediction=dict(rtol=1e-12, atol=0),
        ),
    ]
    regressor = dict(
        coef=_REGRESSOR_TOL, intercept=_REGRESSOR_INTERCEPT_TOL, prediction=_REGRESSOR_TOL
    )
    cases += [
        SparseCase(
            f"regressor-linear-{'intercept' if fit_intercept else 'no-intercept'}-alpha-{alpha:g}",
            _regressor_linear(fit_intercept, alpha),
            formats=("csr", "csc", "coo"),
            **regressor,
        )
        for fit_intercept in (True, False)
        for alpha in (0.0, 1.0)
    ]
    cases += [
        SparseCase(
            "regressor-hinton", _regressor_hinton, formats=("csr", "csc", "coo", "lil"), **regressor
        ),
        SparseCase(
            "regressor-sparse-X_star",
            _regressor_sparse_X_star,
            sparse="X_star",
            formats=("csr", "csc", "coo"),
            **regressor,
        ),
        SparseCase(
            "regressor-sparse-X_star-dense-teacher",
            _regressor_sparse_X_star_dense_teacher,
            sparse="X_star",
            formats=("csr", "csc", "coo"),
            **regressor,
        ),
    ]
    wide = dict(rtol=1e-7, atol=1e-8)
    cases += [
        SparseCase(
            f"regressor-wide-{solver}-{n_samples}-alpha-{alpha:g}-{'intercept' if fit_intercept else 'no-intercept'}",
            _regressor_wide(n_samples, alpha, fit_intercept),
            lsqr=solver == "lsqr",
            coef=wide,
            intercept=wide,
            prediction=wide,
        )
        for solver, n_samples in (("normal-equations", 400), ("lsqr", 400), ("lsqr", 150))
        for alpha in (0.0, 1.0)
        for fit_intercept in (True, False)
    ]
    return cases


SPARSE_CASES = _sparse_cases()


@pytest.fixture(
    params=[(case, fmt) for case in SPARSE_CASES for fmt in case.formats],
    ids=[f"{case.name}-{fmt}" for case in SPARSE_CASES for fmt in case.formats],
)
def sparse_case(request, monkeypatch):
    """A ``SparseProblem``: one configuration of ``SPARSE_CASES`` in one sparse format.

    The configurations are those of every test that compared a sparse fit
    with a dense one: the linear classifier alone and with a teacher on X,
    wide X with teacher_output (both estimators; the regressor by its normal
    equations and by LSQR), a scikit-learn student, sparse X_star for a
    scikit-learn and a torch teacher, the regressor's closed form and its
    teacher on sparse X (Hinton's case).
    """
    case, fmt = request.param
    if case.lsqr:
        import skdistill._regressor as regressor_module

        monkeypatch.setattr(regressor_module, "_MAX_SPARSE_GRAM_FEATURES", 0)
    make, X, y, fit = case.build()
    X_dense = X.toarray() if sp.issparse(X) else X
    fit_dense, fit_sparse = dict(fit), dict(fit)
    if case.sparse == "X":
        X_sparse = (X if sp.issparse(X) else sp.csr_matrix(X)).asformat(fmt)
    else:
        X_sparse = X_dense
        fit_sparse["X_star"] = sp.csr_matrix(fit["X_star"]).asformat(fmt)
    return SparseProblem(case, fmt, make, X_dense, X_sparse, y, fit_dense, fit_sparse)

"""scikit-learn's callbacks (``set_callbacks``, scikit-learn >= 1.9) on every estimator.

A recording callback keeps the task tree of each fit (its root context,
from ``setup``) and every hook call; the trees are checked exactly: one
task per L-BFGS iteration, Adam epoch and fixed-point iteration, folds x
candidates then the refit in the searches, our fits inside ``GridSearchCV``.
Callbacks never change a result. The stand-ins for an older scikit-learn
(``skdistill._callbacks`` without ``sklearn.callback``) are tested here too;
everything else is skipped there.
"""

import builtins
import importlib.util
import pickle
import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdistill import (
    BayesianDistilledRegressor,
    DistilledClassifier,
    DistilledClassifierCV,
    DistilledRegressor,
    DistilledRegressorCV,
    _torch_solver,
)
from skdistill._lbfgs import CONVERGED, LBFGSResult

HAS_CALLBACKS = importlib.util.find_spec("sklearn.callback") is not None
needs_callbacks = pytest.mark.skipif(
    not HAS_CALLBACKS, reason="scikit-learn < 1.9 has no sklearn.callback"
)


class Recorder:
    """A ``FitCallback``: keeps the root context of each run and every hook call."""

    def __init__(self):
        self.roots = []
        self.calls = []  # (hook, context, estimator)
        self.n_iter_at_end = {}  # id(root context of a fit) -> the estimator's n_iter_ at its end

    def setup(self, estimator, context):
        self.roots.append(context)
        self.calls.append(("setup", context, estimator))

    def teardown(self, estimator, context):
        self.calls.append(("teardown", context, estimator))

    def on_fit_task_begin(
        self, estimator, context, *, X=None, y=None, metadata=None, fitted_estimator=None
    ):
        self.calls.append(("begin", context, estimator))

    def on_fit_task_end(
        self, estimator, context, *, X=None, y=None, metadata=None, fitted_estimator=None
    ):
        self.calls.append(("end", context, estimator))
        if context.task_name == "fit" and hasattr(estimator, "n_iter_"):
            self.n_iter_at_end[id(context)] = estimator.n_iter_

    def hooks(self, name):
        return [context for hook, context, _ in self.calls if hook == name]


class PropagatedRecorder(Recorder):
    """The same, auto-propagated: set on a meta-estimator, it reaches the fits inside."""

    def __init__(self, max_propagation_depth=None):
        super().__init__()
        self._depth = max_propagation_depth

    @property
    def max_propagation_depth(self):
        return self._depth


def _children(context, task_name=None):
    return [
        c for c in context._children_map.values() if task_name is None or c.task_name == task_name
    ]


def _check_balanced(recorder):
    """Every task begun is ended once, after its begin; one setup and one teardown per run."""
    begins, ends = recorder.hooks("begin"), recorder.hooks("end")
    assert len(begins) == len(ends)
    assert {id(c) for c in begins} == {id(c) for c in ends}
    assert len({id(c) for c in begins}) == len(begins)
    order = {id(c): i for i, c in enumerate(begins)}
    position = {id(c): i for i, (hook, c, _) in enumerate(recorder.calls) if hook == "begin"}
    for i, (hook, context, _) in enumerate(recorder.calls):
        if hook == "end":
            assert position[id(context)] < i
    assert len(recorder.hooks("setup")) == len(recorder.hooks("teardown")) == len(recorder.roots)
    # Each tree's tasks are exactly those begun (nothing left without hooks).
    in_trees = {id(c) for root in recorder.roots for c in root}
    assert set(order) == in_trees


def _no_callback_state(estimator):
    """No fit-time callback attribute is left on the estimator."""
    return not any(
        name in estimator.__dict__
        for name in ("_callback_fit_ctx", "_skl_callbacks_to_teardown", "_parent_callback_ctx")
    )


def _classification(n=240, seed=0, n_classes=2):
    X_star, y = make_classification(
        n, 8, n_informative=5, n_redundant=0, n_classes=n_classes, random_state=seed
    )
    X = X_star[:, :4] + np.random.RandomState(seed).normal(size=(n, 4))
    teacher = LogisticRegression().fit(X_star, y)
    return X, y, X_star, teacher


def _regression(n=200, seed=0):
    rng = np.random.RandomState(seed)
    X_star = rng.normal(size=(n, 4))
    X = X_star[:, :2] + 0.3 * rng.normal(size=(n, 2))
    y = X_star @ np.array([1.0, -1.0, 0.5, 2.0]) + 0.5 * rng.normal(size=n)
    teacher = LinearRegression().fit(X_star, y)
    return X, y, X_star, teacher


def _fit_both(make, X, y, **fit_params):
    """The same estimator fitted without and with callbacks: (plain, with_callbacks, recorder)."""
    recorder = Recorder()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = make().fit(X, y, **fit_params)
        watched = make().set_callbacks(recorder).fit(X, y, **fit_params)
    return plain, watched, recorder


def _assert_same_fit(plain, watched, names):
    for name in names:
        a, b = getattr(plain, name), getattr(watched, name)
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype
            assert_array_equal(a, b, strict=True)
        else:
            assert a == b, name


# ---------------------------------------------------------------------------
# DistilledClassifier
# ---------------------------------------------------------------------------


@needs_callbacks
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lbfgs_reports_one_task_per_iteration(n_classes, dtype):
    X, y, X_star, teacher = _classification(n_classes=n_classes)
    plain, watched, recorder = _fit_both(
        lambda: DistilledClassifier(teacher, temperature=2.0, dtype=dtype), X, y, X_star=X_star
    )
    _assert_same_fit(plain, watched, ["coef_", "intercept_", "n_iter_", "loss_curve_", "classes_"])
    [root] = recorder.roots
    assert (root.estimator_name, root.task_name, root.max_subtasks) == (
        "DistilledClassifier",
        "fit",
        100,
    )
    iterations = _children(root)
    assert [c.task_name for c in iterations] == ["lbfgs-iter"] * watched.n_iter_
    assert [c.task_id for c in iterations] == list(range(watched.n_iter_))
    assert all(c.max_subtasks == 0 for c in iterations)
    _check_balanced(recorder)
    assert _no_callback_state(watched)


@needs_callbacks
def test_lbfgs_tasks_of_a_torch_student():
    torch = pytest.importorskip("torch")
    X, y, X_star, teacher = _classification(n_classes=3)

    def make():
        torch.manual_seed(0)
        student = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
        return DistilledClassifier(teacher, student=student, max_iter=30)

    plain, watched, recorder = _fit_both(make, X, y, X_star=X_star)
    for a, b in zip(plain.student_.parameters(), watched.student_.parameters()):
        assert torch.equal(a, b)
    assert plain.loss_curve_ == watched.loss_curve_
    [root] = recorder.roots
    assert [c.task_name for c in _children(root)] == ["lbfgs-iter"] * watched.n_iter_
    _check_balanced(recorder)


@needs_callbacks
@pytest.mark.parametrize("early_stopping", [False, True])
def test_adam_reports_one_task_per_epoch(early_stopping):
    X, y, X_star, teacher = _classification(n_classes=3)
    plain, watched, recorder = _fit_both(
        lambda: DistilledClassifier(
            teacher,
            solver="adam",
            max_iter=25,
            learning_rate=0.05,
            batch_size=32,
            random_state=0,
            early_stopping=early_stopping,
            n_iter_no_change=3,
        ),
        X,
        y,
        X_star=X_star,
    )
    _assert_same_fit(plain, watched, ["coef_", "intercept_", "n_iter_", "loss_curve_"])
    assert plain.validation_scores_ == watched.validation_scores_
    [root] = recorder.roots
    assert root.max_subtasks == 25
    assert [c.task_name for c in _children(root)] == ["adam-epoch"] * watched.n_iter_
    _check_balanced(recorder)


@needs_callbacks
def test_scikit_learn_student_is_a_leaf():
    X, y, X_star, teacher = _classification()
    plain, watched, recorder = _fit_both(
        lambda: DistilledClassifier(teacher, student=LogisticRegression(), loss="generalized"),
        X,
        y,
        X_star=X_star,
    )
    assert_array_equal(plain.predict_proba(X), watched.predict_proba(X), strict=True)
    [root] = recorder.roots
    assert (root.task_name, root.max_subtasks, _children(root)) == ("fit", 0, [])
    assert len(recorder.hooks("begin")) == len(recorder.hooks("end")) == 1
    _check_balanced(recorder)


@needs_callbacks
def test_sample_weight_is_the_callbacks_metadata_and_the_data_is_the_fits():
    X, y, X_star, teacher = _classification()
    weights = np.random.RandomState(0).uniform(0.5, 2.0, size=len(y))
    seen = []

    class Seen(Recorder):
        def on_fit_task_end(self, estimator, context, *, X=None, y=None, metadata=None):
            seen.append((context.task_name, X, y, metadata))

    model = (
        DistilledClassifier(teacher)
        .set_callbacks(Seen())
        .fit(X, y, X_star=X_star, sample_weight=weights)
    )
    assert [name for name, *_ in seen] == ["lbfgs-iter"] * model.n_iter_ + ["fit"]
    for _, X_seen, y_seen, metadata in seen:
        assert X_seen is X
        assert_array_equal(y_seen, y)
        assert metadata["sample_weight"] is weights


@needs_callbacks
def test_scoring_monitor_scores_each_iteration_and_the_last_is_the_fit():
    from sklearn.callback import ScoringMonitor

    X, y, X_star, teacher = _classification(n_classes=3)
    for solver in ["lbfgs", "adam"]:
        monitor = ScoringMonitor(scoring="neg_log_loss")
        model = DistilledClassifier(
            teacher, solver=solver, max_iter=12, learning_rate=0.05, random_state=0
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.set_callbacks(monitor).fit(X, y, X_star=X_star)
        rows = monitor.get_logs().data
        iterations = [row for row in rows if row["task_name"] != "fit"]
        assert len(iterations) == model.n_iter_
        final = -log_loss(y, model.predict_proba(X))
        assert iterations[-1]["neg_log_loss"] == pytest.approx(final, rel=0, abs=1e-12)
        assert [row for row in rows if row["task_name"] == "fit"][0][
            "neg_log_loss"
        ] == pytest.approx(final)
        # Scores move: they are the iterates', not the fitted model's.
        assert len({row["neg_log_loss"] for row in iterations}) > 1


def _scripted_minimize(script):
    """A stand-in for ``minimize_lbfgs`` that evaluates and reports as ``script`` says.

    The objective is evaluated at the start, then ``script`` says what
    follows: ``e`` evaluates it at a new point, ``c`` reports the last point
    as an accepted iteration. The result is the last point reported (the
    start if none), with ``nit`` the number of ``c``.
    """

    def minimize(evaluate, x0, *, on_iteration, **options):
        x = np.array(x0, dtype=float)
        value, grad = evaluate(x)
        accepted, nit = (x, value, grad), 0
        for step in script:
            if step == "e":
                x = x - 0.01 * grad
                value, grad = evaluate(x)
            else:
                nit += 1
                accepted = (x, value, grad)
                on_iteration(x, value)
        x, value, grad = accepted
        return LBFGSResult(x, value, grad, nit, 1 + script.count("e"), CONVERGED, "scripted")

    return minimize


@needs_callbacks
@pytest.mark.parametrize(
    "script, n_tasks",
    [
        ("ec", 1),  # one iteration, then convergence: n_iter_ tasks
        ("eecec", 2),
        ("", 1),  # started at the minimum: nit = 0, n_iter_ = 1, one task (the start's evaluation)
        ("ee", 1),  # the first line search fails: nit = 0, n_iter_ = 1, one task
        ("ecee", 2),  # the last line search fails: n_iter_ + 1 tasks
    ],
)
def test_lbfgs_tasks_follow_the_solvers_evaluations(monkeypatch, script, n_tasks):
    X, y, X_star, teacher = _classification()
    monkeypatch.setattr(_torch_solver, "minimize_lbfgs", _scripted_minimize(script))
    recorder = Recorder()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = DistilledClassifier(teacher).set_callbacks(recorder).fit(X, y, X_star=X_star)
    assert model.n_iter_ == max(script.count("c"), 1)
    [root] = recorder.roots
    assert [c.task_name for c in _children(root)] == ["lbfgs-iter"] * n_tasks
    _check_balanced(recorder)


# ---------------------------------------------------------------------------
# The regressors
# ---------------------------------------------------------------------------


@needs_callbacks
@pytest.mark.parametrize("student", [None, Ridge(alpha=1.0)])
def test_regressor_fit_is_a_leaf(student):
    X, y, X_star, teacher = _regression()
    plain, watched, recorder = _fit_both(
        lambda: DistilledRegressor(
            teacher, student=clone(student) if student is not None else None
        ),
        X,
        y,
        X_star=X_star,
    )
    assert_array_equal(plain.predict(X), watched.predict(X), strict=True)
    [root] = recorder.roots
    assert (root.estimator_name, root.task_name, root.max_subtasks, _children(root)) == (
        "DistilledRegressor",
        "fit",
        0,
        [],
    )
    _check_balanced(recorder)


@needs_callbacks
@pytest.mark.parametrize("with_teacher", [True, False])
def test_bayesian_reports_one_task_per_fixed_point_iteration(with_teacher):
    X, y, X_star, teacher = _regression()
    fit_params = {"X_star": X_star} if with_teacher else {}
    plain, watched, recorder = _fit_both(
        lambda: BayesianDistilledRegressor(teacher if with_teacher else None, max_iter=50),
        X,
        y,
        **fit_params,
    )
    _assert_same_fit(
        plain,
        watched,
        [
            "coef_",
            "intercept_",
            "alpha_",
            "sigma_",
            "sigma_teacher_",
            "teacher_weight_",
            "coef_covariance_",
            "scores_",
            "n_iter_",
            "X_offset_",
        ],
    )
    [root] = recorder.roots
    assert root.max_subtasks == 50
    assert [c.task_name for c in _children(root)] == ["evidence-iter"] * watched.n_iter_
    _check_balanced(recorder)


@needs_callbacks
def test_bayesian_iterations_carry_their_posterior():
    from sklearn.callback import ScoringMonitor

    X, y, X_star, teacher = _regression()
    monitor = ScoringMonitor(scoring="r2")
    model = BayesianDistilledRegressor(teacher).set_callbacks(monitor).fit(X, y, X_star=X_star)
    rows = monitor.get_logs().data
    assert [row["task_name"] for row in rows].count("evidence-iter") == model.n_iter_
    assert all(np.isfinite(row["r2"]) for row in rows)


# ---------------------------------------------------------------------------
# The cross-validated searches
# ---------------------------------------------------------------------------


@needs_callbacks
@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_classifier_cv_reports_folds_times_candidates_then_the_refit(solver):
    X, y, X_star, teacher = _classification(n_classes=3)
    weights, temperatures = [0.0, 0.5, 1.0], [1.0, 3.0]
    params = dict(
        teacher_weights=weights,
        temperatures=temperatures,
        cv=3,
        solver=solver,
        max_iter=15,
        learning_rate=0.05,
        random_state=0,
    )
    recorder = PropagatedRecorder()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = DistilledClassifierCV(teacher, **params).fit(X, y, X_star=X_star)
        watched = (
            DistilledClassifierCV(teacher, **params)
            .set_callbacks(recorder)
            .fit(X, y, X_star=X_star)
        )
    _assert_same_fit(
        plain, watched, ["coef_", "intercept_", "n_iter_", "best_index_", "best_score_"]
    )
    for key in plain.cv_results_:
        if key != "params":
            assert_array_equal(plain.cv_results_[key], watched.cv_results_[key], strict=True)
    n_candidates = len(weights) * len(temperatures)
    [root] = recorder.roots
    assert (root.estimator_name, root.max_subtasks) == (
        "DistilledClassifierCV",
        watched.n_splits_ + 1,
    )
    tasks = _children(root)
    assert [c.task_name for c in tasks] == ["fold"] * watched.n_splits_ + ["fit"]
    inner_fits = []
    for fold in tasks[:-1]:
        assert fold.max_subtasks == n_candidates and not fold.sequential_subtasks
        candidates = _children(fold)
        assert sorted(c.task_id for c in candidates) == list(range(n_candidates))
        # The labels-only candidate trains once per fold; at the other
        # temperature it is an empty leaf of the search.
        shared = [c for c in candidates if c.estimator_name == "DistilledClassifierCV"]
        assert [(c.task_name, c.max_subtasks) for c in shared] == [("candidate", 0)] * (
            len(temperatures) - 1
        )
        assert watched.cv_results_["params"][shared[0].task_id]["teacher_weight"] == 0.0
        fits = [c for c in candidates if c.estimator_name == "DistilledClassifier"]
        assert len(fits) == n_candidates - (len(temperatures) - 1)
        assert all(c.source_task_name == "candidate" for c in fits)
        inner_fits += fits
    refit = tasks[-1]
    assert (refit.estimator_name, refit.source_task_name) == (
        "DistilledClassifier",
        "refit-with-best-params",
    )
    step = "lbfgs-iter" if solver == "lbfgs" else "adam-epoch"
    for fit in inner_fits + [refit]:
        assert [c.task_name for c in _children(fit)] == [step] * recorder.n_iter_at_end[id(fit)]
    assert len(_children(refit)) == watched.n_iter_
    _check_balanced(recorder)
    assert _no_callback_state(watched) and _no_callback_state(watched.best_estimator_)
    assert "_skl_callbacks" not in watched.best_estimator_.__dict__


@needs_callbacks
def test_classifier_cv_with_a_non_propagated_callback_sees_its_own_tasks_only():
    X, y, X_star, teacher = _classification()
    recorder = Recorder()
    search = DistilledClassifierCV(teacher, teacher_weights=[0.0, 1.0], temperatures=[2.0], cv=2)
    search.set_callbacks(recorder).fit(X, y, X_star=X_star)
    [root] = recorder.roots
    # Only the search's own tasks call it: the fit, 2 folds of 2 candidates, the refit.
    assert {id(estimator) for _, _, estimator in recorder.calls} == {id(search)}
    begun = [(c.task_name, c.estimator_name) for c in recorder.hooks("begin")]
    assert begun.count(("fit", "DistilledClassifierCV")) == 1
    assert begun.count(("fold", "DistilledClassifierCV")) == 2
    assert begun.count(("candidate", "DistilledClassifierCV")) == 4
    assert begun.count(("refit-with-best-params", "DistilledClassifierCV")) == 1
    assert len(begun) == len(recorder.hooks("end")) == 8
    # The inner fits still hang in the tree (scikit-learn's linking of the
    # trees), without iterations: no callback of theirs would hear them.
    names = [(c.estimator_name, c.task_name) for c in root]
    assert names.count(("DistilledClassifier", "fit")) == 2 * 2 + 1
    assert names.count(("DistilledClassifier", "lbfgs-iter")) == 0


@needs_callbacks
@pytest.mark.parametrize("student", [None, Ridge(alpha=0.5)])
def test_regressor_cv_reports_folds_times_candidates_then_the_refit(student):
    X, y, X_star, teacher = _regression()
    params = dict(teacher_weights=[0.0, 0.5, 1.0], alphas=[0.1, 1.0], cv=4, student=student)
    recorder = PropagatedRecorder()
    plain = DistilledRegressorCV(teacher, **params).fit(X, y, X_star=X_star)
    watched = (
        DistilledRegressorCV(teacher, **params).set_callbacks(recorder).fit(X, y, X_star=X_star)
    )
    assert_array_equal(plain.predict(X), watched.predict(X), strict=True)
    for key in plain.cv_results_:
        if key != "params":
            assert_array_equal(plain.cv_results_[key], watched.cv_results_[key], strict=True)
    [root] = recorder.roots
    tasks = _children(root)
    assert [c.task_name for c in tasks] == ["fold"] * 4 + ["fit"]
    for fold in tasks[:-1]:
        candidates = _children(fold)
        assert sorted(c.task_id for c in candidates) == list(range(6))
        if student is None:  # solved from the fold's moments: leaves of the search
            assert {(c.estimator_name, c.task_name) for c in candidates} == {
                ("DistilledRegressorCV", "candidate")
            }
        else:  # a DistilledRegressor fitted per candidate
            assert {(c.estimator_name, c.task_name, c.source_task_name) for c in candidates} == {
                ("DistilledRegressor", "fit", "candidate")
            }
    assert (tasks[-1].estimator_name, tasks[-1].source_task_name) == (
        "DistilledRegressor",
        "refit-with-best-params",
    )
    _check_balanced(recorder)


@needs_callbacks
def test_regressor_cv_ill_conditioned_candidates_hang_their_fit():
    X, y, X_star, teacher = _regression()
    X = np.column_stack([X, X[:, 0]])  # collinear: alpha=0 falls back to DistilledRegressor
    recorder = PropagatedRecorder()
    DistilledRegressorCV(
        teacher, teacher_weights=[0.0, 1.0], alphas=[0.0, 1.0], cv=3
    ).set_callbacks(recorder).fit(X, y, X_star=X_star)
    [root] = recorder.roots
    for fold in _children(root, "fold"):
        kinds = {c.task_id: (c.estimator_name, c.task_name) for c in _children(fold)}
        # candidates are (alpha, teacher_weight) in ParameterGrid order: alpha=0 first
        assert kinds[0] == kinds[1] == ("DistilledRegressor", "fit")
        assert kinds[2] == kinds[3] == ("DistilledRegressorCV", "candidate")
    _check_balanced(recorder)


# ---------------------------------------------------------------------------
# Inside scikit-learn's meta-estimators
# ---------------------------------------------------------------------------


@needs_callbacks
def test_grid_search_progress_bar_reaches_our_iterations():
    pytest.importorskip("rich")
    from sklearn.callback import ProgressBar

    X, y, X_star, teacher = _classification()
    grid = {"alpha": [0.1, 1.0]}
    recorder = PropagatedRecorder(max_propagation_depth=2)
    plain = GridSearchCV(DistilledClassifier(teacher), grid, cv=3).fit(X, y, X_star=X_star)
    search = GridSearchCV(DistilledClassifier(teacher), grid, cv=3)
    search.set_callbacks(ProgressBar(max_propagation_depth=2), recorder).fit(X, y, X_star=X_star)
    assert_array_equal(plain.best_estimator_.coef_, search.best_estimator_.coef_, strict=True)
    assert_array_equal(
        plain.cv_results_["mean_test_score"], search.cv_results_["mean_test_score"], strict=True
    )
    [root] = recorder.roots
    fits = [c for c in root if (c.estimator_name, c.task_name) == ("DistilledClassifier", "fit")]
    assert len(fits) == 2 * 3 + 1
    for fit in fits:
        assert fit.source_estimator_name == "GridSearchCV"
        iterations = _children(fit)
        assert len(iterations) == recorder.n_iter_at_end[id(fit)] >= 1
        assert {c.task_name for c in iterations} == {"lbfgs-iter"}
    assert len(_children(fits[-1])) == search.best_estimator_.n_iter_
    _check_balanced(recorder)


@needs_callbacks
def test_scoring_monitor_on_the_estimator_inside_a_grid_search_scores_every_fit():
    from sklearn.callback import ScoringMonitor

    X, y, X_star, teacher = _classification()
    monitor = ScoringMonitor(scoring="accuracy")
    search = GridSearchCV(
        DistilledClassifier(teacher).set_callbacks(monitor), {"alpha": [0.1, 1.0]}, cv=2
    )
    search.fit(X, y, X_star=X_star)
    [log] = monitor.get_logs(select="all")  # one run: the search's
    assert log.estimator_name == "GridSearchCV"
    fits = [row for row in log.data if row["task_name"] == "fit"]
    assert len(fits) == 2 * 2 + 1
    iterations = [row for row in log.data if row["task_name"] == "lbfgs-iter"]
    assert len(iterations) >= len(fits) and all(0 <= row["accuracy"] <= 1 for row in iterations)


@needs_callbacks
def test_grid_search_over_the_cv_estimator_reaches_depth_two():
    X, y, X_star, teacher = _classification()
    shallow, deep = (
        PropagatedRecorder(max_propagation_depth=1),
        PropagatedRecorder(max_propagation_depth=2),
    )
    search = GridSearchCV(
        DistilledClassifierCV(teacher, teacher_weights=[0.0, 1.0], temperatures=[2.0], cv=2),
        {"alpha": [0.5]},
        cv=2,
    )
    search.set_callbacks(shallow, deep).fit(X, y, X_star=X_star)
    begun = {
        name: {(c.estimator_name, c.task_name) for c in recorder.hooks("begin")}
        for name, recorder in [("shallow", shallow), ("deep", deep)]
    }
    assert ("DistilledClassifierCV", "fold") in begun["shallow"]
    assert ("DistilledClassifier", "lbfgs-iter") not in begun["shallow"]
    assert ("DistilledClassifier", "lbfgs-iter") in begun["deep"]
    _check_balanced(deep)


@needs_callbacks
def test_pipeline_propagates_to_our_fit():
    X, y, X_star, teacher = _classification()
    recorder = PropagatedRecorder()
    pipe = make_pipeline(StandardScaler(), DistilledClassifier(teacher))
    pipe.set_callbacks(recorder).fit(X, y, distilledclassifier__X_star=X_star)
    [root] = recorder.roots
    [fit] = [c for c in root if c.estimator_name == "DistilledClassifier" and c.task_name == "fit"]
    assert fit.source_estimator_name == "Pipeline"
    assert [c.task_name for c in _children(fit)] == ["lbfgs-iter"] * pipe[-1].n_iter_
    _check_balanced(recorder)


@needs_callbacks
def test_search_folds_see_their_training_rows():
    X, y, X_star, teacher = _regression()
    weights = np.random.RandomState(1).uniform(0.5, 2.0, size=len(y))
    cv = KFold(3)
    seen = []

    class Seen(Recorder):
        def on_fit_task_end(self, estimator, context, *, X=None, y=None, metadata=None):
            seen.append((context.task_name, context.task_id, X, y, metadata))

    DistilledRegressorCV(teacher, teacher_weights=[0.0, 1.0], cv=cv).set_callbacks(Seen()).fit(
        X, y, X_star=X_star, sample_weight=weights
    )
    folds = [entry for entry in seen if entry[0] == "fold"]
    assert len(folds) == 3 and len([entry for entry in seen if entry[0] == "candidate"]) == 3 * 2
    for (_, _, X_seen, y_seen, metadata), (train, _) in zip(folds, cv.split(X)):
        assert_array_equal(X_seen, X[train])
        assert_array_equal(y_seen, y[train])
        assert_array_equal(metadata["sample_weight"], weights[train])
    assert seen[-1][2] is X and seen[-1][4]["sample_weight"] is weights


@needs_callbacks
def test_classifier_cv_with_threads_records_the_whole_tree():
    X, y, X_star, teacher = _classification()
    params = dict(teacher_weights=[0.0, 0.5, 1.0], temperatures=[2.0], cv=4)
    recorder = PropagatedRecorder()
    plain = DistilledClassifierCV(teacher, **params).fit(X, y, X_star=X_star)
    with joblib.parallel_backend("threading", n_jobs=2):
        search = (
            DistilledClassifierCV(teacher, n_jobs=2, **params)
            .set_callbacks(recorder)
            .fit(X, y, X_star=X_star)
        )
    assert_array_equal(plain.coef_, search.coef_, strict=True)
    [root] = recorder.roots
    assert [c.task_name for c in _children(root)] == ["fold"] * 4 + ["fit"]
    assert all(len(_children(fold)) == 3 for fold in _children(root, "fold"))
    _check_balanced(recorder)


@needs_callbacks
@pytest.mark.slow  # process workers start in seconds
def test_classifier_cv_with_workers_and_a_progress_bar():
    pytest.importorskip("rich")
    from sklearn.callback import ProgressBar

    X, y, X_star, teacher = _classification()
    params = dict(teacher_weights=[0.0, 1.0], temperatures=[2.0], cv=2)
    plain = DistilledClassifierCV(teacher, **params).fit(X, y, X_star=X_star)
    search = DistilledClassifierCV(teacher, n_jobs=2, **params).set_callbacks(
        ProgressBar(max_propagation_depth=None)
    )
    search.fit(X, y, X_star=X_star)
    assert_array_equal(plain.coef_, search.coef_, strict=True)
    assert _no_callback_state(search)


# ---------------------------------------------------------------------------
# set_callbacks, clone, pickle, failed fits, verbose
# ---------------------------------------------------------------------------

ALL_ESTIMATORS = [
    DistilledClassifier,
    DistilledClassifierCV,
    DistilledRegressor,
    DistilledRegressorCV,
    BayesianDistilledRegressor,
]


@needs_callbacks
@pytest.mark.parametrize("Estimator", ALL_ESTIMATORS)
def test_set_callbacks_refuses_what_is_not_a_callback(Estimator):
    with pytest.raises(TypeError, match="FitCallback"):
        Estimator().set_callbacks("progress")
    with pytest.raises(TypeError, match="FitCallback"):
        Estimator().set_callbacks(Recorder)  # the class, not an instance
    estimator = Estimator()
    assert estimator.set_callbacks(Recorder()) is estimator
    assert estimator.set_callbacks().__dict__.get("_skl_callbacks") is None


@needs_callbacks
@pytest.mark.parametrize("Estimator", ALL_ESTIMATORS)
def test_clone_shares_and_pickle_keeps_the_callbacks(Estimator):
    X, y, X_star, teacher = (
        _classification() if "Classifier" in Estimator.__name__ else _regression()
    )
    recorder = Recorder()
    estimator = Estimator(teacher).set_callbacks(recorder)
    assert clone(estimator)._skl_callbacks is estimator._skl_callbacks  # as scikit-learn's clone
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X, y, X_star=X_star)
    assert _no_callback_state(estimator)
    restored = pickle.loads(pickle.dumps(estimator))
    assert_array_equal(restored.predict(X), estimator.predict(X), strict=True)
    assert isinstance(restored._skl_callbacks[0], Recorder)
    assert _no_callback_state(restored)


@needs_callbacks
@pytest.mark.parametrize(
    "make",
    [
        lambda t: DistilledClassifier(t),
        lambda t: DistilledClassifier(t, solver="adam", max_iter=3),
        lambda t: DistilledClassifierCV(t, teacher_weights=[0.0, 1.0], temperatures=[1.0], cv=2),
    ],
)
def test_a_failed_fit_tears_down_and_leaves_the_estimator_as_it_was(make):
    X, y, X_star, teacher = _classification()
    recorder = Recorder()
    estimator = make(teacher).set_callbacks(recorder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X, y, X_star=X_star)
    before = dict(estimator.__dict__)

    class Broken(Exception):
        pass

    class FailsInTheMiddle(Recorder):
        def on_fit_task_end(self, estimator, context, **kwargs):
            if context.task_name in ("lbfgs-iter", "adam-epoch", "candidate"):
                raise Broken

    failing = FailsInTheMiddle()
    estimator.set_callbacks(recorder, failing)
    before["_skl_callbacks"] = estimator._skl_callbacks
    with pytest.raises(Broken):
        estimator.fit(X, y, X_star=X_star)
    assert estimator.__dict__.keys() == before.keys()
    assert all(estimator.__dict__[name] is value for name, value in before.items())
    # Set up and torn down once more each, whatever failed.
    for callback in (recorder, failing):
        assert len(callback.hooks("setup")) == len(callback.hooks("teardown"))
    assert len(failing.hooks("setup")) == 1


@needs_callbacks
def test_verbose_output_is_unchanged_by_callbacks(capsys):
    X, y, X_star, teacher = _classification()
    printed = []
    for callbacks in ([], [Recorder()]):
        model = (
            DistilledClassifier(teacher, verbose=1)
            .set_callbacks(*callbacks)
            .fit(X, y, X_star=X_star)
        )
        printed.append(capsys.readouterr().out)
    assert printed[0] == printed[1]
    assert printed[0].count("Iteration") == model.n_iter_ > 1


@needs_callbacks
def test_adam_progress_bar_of_tqdm_still_shows(capsys):
    pytest.importorskip("tqdm")
    X, y, X_star, teacher = _classification()
    recorder = Recorder()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = DistilledClassifier(teacher, solver="adam", max_iter=4, verbose=1, random_state=0)
        model.set_callbacks(recorder).fit(X, y, X_star=X_star)
    assert "epochs" in capsys.readouterr().err
    assert len(_children(recorder.roots[0])) == 4


# ---------------------------------------------------------------------------
# Without sklearn.callback (scikit-learn < 1.9): the stand-ins
# ---------------------------------------------------------------------------


def _callbacks_module_without_sklearn_callback():
    """skdistill/_callbacks.py executed as if ``import sklearn.callback`` failed."""
    path = Path(__file__).resolve().parents[1] / "skdistill" / "_callbacks.py"
    spec = importlib.util.spec_from_file_location("_callbacks_without_sklearn_callback", path)
    module = importlib.util.module_from_spec(spec)
    real_import = builtins.__import__

    def refusing_import(name, *args, **kwargs):
        if name == "sklearn.callback" or name.startswith("sklearn.callback."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    builtins.__import__ = refusing_import
    try:
        spec.loader.exec_module(module)
    finally:
        builtins.__import__ = real_import
    return module


def test_stand_ins_without_sklearn_callback_do_nothing():
    module = _callbacks_module_without_sklearn_callback()
    assert module.HAS_CALLBACKS is False

    class Estimator(module.CallbackSupportMixin):
        def fit(self):
            return self

    assert module.with_callbacks(Estimator.fit) is Estimator.fit
    estimator = Estimator()
    assert not hasattr(estimator, "set_callbacks")
    assert not module.has_callbacks(estimator)
    context = estimator._init_callback_context(max_subtasks=3)
    assert context.subcontext(task_name="fold", max_subtasks=2) is context
    assert context.call_on_fit_task_begin(estimator=estimator, X=None) is context
    assert context.call_on_fit_task_end(estimator=estimator, reconstruction_attributes={}) is False
    ran = []
    with module.subtask(context, estimator, "candidate", task_id=1, sub_estimator=Estimator()):
        ran.append(True)
    tasks = module.IterationTasks(context, estimator, "iteration", max_tasks=2)
    for _ in range(3):
        tasks.begin()
        tasks.end()
    assert ran == [True] and tasks.count == 2
    assert estimator.__dict__ == {}


def test_the_package_runs_the_same_code_with_or_without_callbacks():
    # Where sklearn.callback exists our estimators have set_callbacks; where it
    # does not (scikit-learn < 1.9, the min-deps CI step) they fit without it.
    assert hasattr(DistilledClassifier(), "set_callbacks") == HAS_CALLBACKS
    X, y, X_star, teacher = _classification()
    model = DistilledClassifier(teacher).fit(X, y, X_star=X_star)
    assert (
        model.n_iter_ > 1 and _no_callback_state(model) and "_skl_callbacks" not in model.__dict__
    )

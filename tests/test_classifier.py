"""DistilledClassifier against the mathematics of SPEC section 2.

The references below are written from the SPEC's formulas, independently of
skdistill's code. With sample weights ``w``, privileged set ``I``, teacher
weight ``lam`` and temperature ``T``, the linear student ``z = X W^T + b``
(``[0, z]`` for two classes, as in LogisticRegression) minimises

    ( - sum_{i not in I} w_i log g_{y_i}(x_i)|_{T=1}
      - (1 - lam) sum_{i in I} w_i log g_{y_i}(x_i)|_{T=1}
      - lam sum_{i in I} w_i sum_k s_ik log g_k(x_i)|_{T}
     [- lam sum_{i in I} w_i sum_k (log g_k + log log(1 / g_k))|_{T}]
      + alpha / 2 ||W||^2 ) / sum_i w_i

with ``s_i = softmax(v_i / T)`` from the teacher's logits ``v_i`` and, in the
probabilistic line, ``g_k`` clamped to ``[eps, 1 - eps]``. Dividing by the
total weight makes ``alpha = 1 / C`` of LogisticRegression, as documented.
"""

import pickle
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import log_softmax, softmax
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression, RidgeClassifier
from sklearn.svm import LinearSVC

from skdistill import DistilledClassifier

EXACT = dict(dtype="float64", tol=1e-10, max_iter=1000)


# --------------------------------------------------------------------------
# Data and independent references
# --------------------------------------------------------------------------


def make_problem(n_samples=200, n_classes=3, n_features=4, n_privileged=5, seed=0):
    """X, privileged X_star, y, a partial mask and sample weights.

    y is drawn from a softmax model on X_star, and X is a noisy view of
    X_star, so that a teacher on X_star knows more than the student.
    """
    rng = np.random.RandomState(seed)
    X_star = rng.normal(size=(n_samples, n_privileged))
    X = X_star[:, :n_features] + 0.7 * rng.normal(size=(n_samples, n_features))
    V = X_star @ rng.normal(size=(n_privileged, n_classes)) + rng.normal(size=n_classes)
    y = np.array([rng.choice(n_classes, p=p) for p in softmax(V, axis=1)])
    mask = rng.uniform(size=n_samples) < 0.6
    sample_weight = rng.uniform(0.5, 2.0, size=n_samples)
    return X, X_star, y, mask, sample_weight


def fitted_teacher(X_star, y):
    return LogisticRegression(C=10.0, max_iter=1000).fit(X_star, y)


class CountingTeacher:
    """A callable teacher returning ``X @ W.T + b`` and counting its calls."""

    def __init__(self, W, b):
        self.W, self.b = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
        self.calls = []

    def __call__(self, rows):
        rows = np.asarray(rows, dtype=np.float64)
        self.calls.append(rows.shape[0])
        return rows @ self.W.T + self.b


class ReversedTeacher:
    """Wraps a fitted classifier and presents its classes in reversed order.

    Callable (returning the reversed log-probabilities) and with
    ``predict_proba`` and ``classes_``: the columns must be matched by label.
    """

    def __init__(self, model):
        self.model = model
        self.classes_ = model.classes_[::-1]

    def predict_proba(self, X):
        return self.model.predict_proba(X)[:, ::-1]

    def __call__(self, X):
        return np.log(self.predict_proba(X))


def spec_objective(
    coef, intercept, X, y, teacher_logits, mask, sample_weight, *, lam, T, alpha, kind, eps=1e-6
):
    """The SPEC objective above, in numpy float64, for a linear student."""
    z = X @ coef.T + intercept
    if coef.shape[0] == 1:
        z = np.column_stack([np.zeros(X.shape[0]), z[:, 0]])
    log_g1 = log_softmax(z, axis=1)
    log_gT = log_softmax(z / T, axis=1)
    log_g_y = log_g1[np.arange(X.shape[0]), y]
    w = sample_weight
    total = np.sum(w[~mask] * log_g_y[~mask]) + (1 - lam) * np.sum(w[mask] * log_g_y[mask])
    if mask.any():
        s = softmax(teacher_logits / T, axis=1)
        # SPEC section 6: "generalized" meets the teacher with the student at
        # T = 1, "hinton" multiplies the soft term by T**2.
        log_g_soft = log_g1 if kind == "generalized" else log_gT
        factor = T**2 if kind == "hinton" else 1.0
        total += lam * factor * np.sum(w[mask] * np.sum(s * log_g_soft[mask], axis=1))
        if kind == "probabilistic":
            g = np.clip(np.exp(log_gT[mask]), eps, 1 - eps)
            total += lam * np.sum(w[mask] * np.sum(np.log(g) + np.log(np.log(1 / g)), axis=1))
    return (-total + alpha / 2 * np.sum(coef**2)) / np.sum(w)


def numeric_gradient(f, theta, h=1e-5):
    grad = np.zeros_like(theta)
    for j in range(theta.size):
        step = np.zeros_like(theta)
        step[j] = h
        grad[j] = (f(theta + step) - f(theta - step)) / (2 * h)
    return grad


def entropy(P):
    return -np.sum(P * np.log(P), axis=1).mean()


# --------------------------------------------------------------------------
# No teacher == LogisticRegression
# --------------------------------------------------------------------------


def assert_same_as_logistic_regression(student, X, y, sample_weight, alpha, fit_intercept=True):
    reference = LogisticRegression(
        C=1 / alpha, tol=1e-12, max_iter=10000, fit_intercept=fit_intercept
    )
    reference.fit(X, y, sample_weight=sample_weight)
    assert student.coef_.shape == reference.coef_.shape
    assert_allclose(student.coef_, reference.coef_, rtol=1e-4, atol=1e-8)
    assert_allclose(student.intercept_, reference.intercept_, rtol=1e-4, atol=1e-8)
    assert_allclose(student.predict_proba(X), reference.predict_proba(X), rtol=0, atol=1e-5)
    assert_array_equal(student.classes_, reference.classes_)


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("alpha", [0.1, 1.0, 10.0])
@pytest.mark.parametrize("use_sw", [False, True])
def test_no_teacher_is_logistic_regression(n_classes, alpha, use_sw):
    X, _, y, _, sw = make_problem(n_classes=n_classes, seed=n_classes)
    sw = sw if use_sw else None
    student = DistilledClassifier(alpha=alpha, **EXACT).fit(X, y, sample_weight=sw)
    assert_same_as_logistic_regression(student, X, y, sw, alpha)
    assert student.privileged_mask_.sum() == 0


@pytest.mark.parametrize("n_classes", [2, 3])
def test_no_intercept_is_logistic_regression(n_classes):
    X, _, y, _, sw = make_problem(n_classes=n_classes, seed=7)
    student = DistilledClassifier(alpha=0.5, fit_intercept=False, **EXACT).fit(
        X, y, sample_weight=sw
    )
    assert_same_as_logistic_regression(student, X, y, sw, 0.5, fit_intercept=False)
    assert_array_equal(student.intercept_, 0.0)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_zero_teacher_weight_is_logistic_regression_and_never_calls_teacher(n_classes):
    X, X_star, y, mask, sw = make_problem(n_classes=n_classes, seed=11)
    teacher = CountingTeacher(np.ones((n_classes, X_star.shape[1])), np.zeros(n_classes))
    student = DistilledClassifier(teacher, teacher_weight=0.0, temperature=3.0, **EXACT)
    student.fit(X, y, X_star=X_star, privileged_mask=mask, sample_weight=sw)
    assert teacher.calls == []
    assert_same_as_logistic_regression(student, X, y, sw, 1.0)


def test_zero_teacher_weight_accepts_an_unfitted_teacher():
    X, _, y, _, _ = make_problem()
    student = DistilledClassifier(LogisticRegression(), teacher_weight=0.0, **EXACT).fit(X, y)
    assert_same_as_logistic_regression(student, X, y, None, 1.0)
    with pytest.raises(NotFittedError, match="teacher"):
        DistilledClassifier(LogisticRegression(), teacher_weight=0.5).fit(X, y)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("source", ["teacher", "teacher_output"])
def test_all_false_mask_is_logistic_regression(n_classes, source):
    X, X_star, y, _, sw = make_problem(n_classes=n_classes, seed=13)
    mask = np.zeros(X.shape[0], dtype=bool)
    teacher = CountingTeacher(np.ones((n_classes, X_star.shape[1])), np.zeros(n_classes))
    kwargs = (
        dict(X_star=X_star)
        if source == "teacher"
        else dict(teacher_output=np.full((X.shape[0], n_classes), np.nan))
    )
    student = DistilledClassifier(
        teacher if source == "teacher" else None, teacher_weight=0.8, temperature=2.0, **EXACT
    )
    student.fit(X, y, privileged_mask=mask, sample_weight=sw, **kwargs)
    assert teacher.calls == []
    assert_same_as_logistic_regression(student, X, y, sw, 1.0)


# --------------------------------------------------------------------------
# teacher_weight = 1: the student recovers a realizable teacher
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n_classes", [2, 3, 5])
@pytest.mark.parametrize("temperature", [1.0, 0.5, 4.0])
def test_full_teacher_weight_recovers_callable_teacher(n_classes, temperature):
    rng = np.random.RandomState(n_classes)
    X = rng.normal(size=(300, 4))
    W, b = rng.normal(size=(n_classes, 4)), rng.normal(size=n_classes)
    y = rng.randint(n_classes, size=300)  # labels are irrelevant at teacher_weight = 1
    teacher = CountingTeacher(W, b)
    student = DistilledClassifier(
        teacher, teacher_weight=1.0, temperature=temperature, alpha=1e-8, **EXACT
    )
    student.fit(X, y)
    assert teacher.calls == [300]
    V = X @ W.T + b
    # The paper evaluates the student at T in the soft term: z / T fits v / T,
    # so z = v for every T (softmax is invariant to a shift: compare centred).
    if n_classes == 2:
        assert_allclose(student.coef_[0], W[1] - W[0], rtol=1e-5)
        assert_allclose(student.intercept_[0], b[1] - b[0], rtol=1e-5)
    else:
        assert_allclose(
            student.coef_ - student.coef_.mean(axis=0), W - W.mean(axis=0), rtol=1e-5, atol=1e-6
        )
        assert_allclose(
            student.intercept_ - student.intercept_.mean(), b - b.mean(), rtol=1e-5, atol=1e-6
        )
    assert_allclose(student.predict_proba(X), softmax(V, axis=1), atol=1e-6)
    # At the temperature of the fit, g|_T equals the teacher's softened answers.
    logits = student.predict_log_proba(X)
    assert_allclose(
        softmax(logits / temperature, axis=1), softmax(V / temperature, axis=1), atol=1e-6
    )


@pytest.mark.parametrize("n_classes", [2, 3])
def test_full_teacher_weight_recovers_logistic_regression_teacher(n_classes):
    X, _, y, _, _ = make_problem(n_classes=n_classes, seed=17)
    teacher = LogisticRegression(C=0.5, tol=1e-12, max_iter=10000).fit(X, y)
    student = DistilledClassifier(
        teacher, teacher_weight=1.0, temperature=1.0, alpha=1e-8, **EXACT
    ).fit(X, y)
    # LogisticRegression's L2 penalty centres its multinomial coefficients,
    # and the student's tiny alpha picks the same (minimum-norm) solution.
    assert_allclose(student.coef_, teacher.coef_, rtol=1e-5, atol=1e-6)
    assert_allclose(student.intercept_, teacher.intercept_, rtol=1e-5, atol=1e-6)
    assert_allclose(student.predict_proba(X), teacher.predict_proba(X), atol=1e-6)


def test_higher_temperature_gives_softer_student_at_that_temperature():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 3))
    W, b = 2 * rng.normal(size=(4, 3)), rng.normal(size=4)
    teacher_logits = X @ W.T + b
    y = teacher_logits.argmax(axis=1)
    entropies = []
    for T in [0.5, 1.0, 2.0, 5.0]:
        student = DistilledClassifier(teacher_weight=1.0, temperature=T, alpha=1e-8, **EXACT)
        student.fit(X, y, teacher_output=teacher_logits)
        g_T = softmax(student.decision_function(X) / T, axis=1)
        assert_allclose(g_T, softmax(teacher_logits / T, axis=1), atol=1e-5)
        entropies.append(entropy(g_T))
    assert np.all(np.diff(entropies) > 0)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("temperature", [0.5, 3.0])
def test_temperature_softens_teacher_logits_and_probabilities_alike(n_classes, temperature):
    # s = softmax(v / T): precomputed logits v and probabilities softmax(v)
    # (read as log-probabilities, v shifted per row) give the same s.
    X, _, y, mask, sw = make_problem(n_classes=n_classes, seed=19)
    V = 3 * np.random.RandomState(1).normal(size=(X.shape[0], n_classes))
    kw = dict(teacher_weight=0.6, temperature=temperature, **EXACT)

    def fit(out, kind="auto"):
        student = DistilledClassifier(teacher_output_kind=kind, **kw)
        return student.fit(X, y, privileged_mask=mask, teacher_output=out, sample_weight=sw)

    from_logits = fit(V)
    from_proba = fit(softmax(V, axis=1))
    assert_allclose(from_proba.coef_, from_logits.coef_, rtol=1e-6, atol=1e-8)
    # Probabilities read as logits are another teacher: the fit differs.
    forced = fit(softmax(V, axis=1), "logits")
    assert np.abs(forced.coef_ - from_logits.coef_).max() > 1e-3


# --------------------------------------------------------------------------
# The fitted coefficients zero the gradient of the SPEC objective
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("loss", ["distill", "probabilistic", "hinton", "generalized"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_gradient_of_spec_objective_vanishes(n_classes, loss, fit_intercept):
    X, X_star, y, mask, sw = make_problem(n_classes=n_classes, seed=23)
    teacher = fitted_teacher(X_star, y)
    lam, T, alpha = 0.3, 2.5, 0.7
    student = DistilledClassifier(
        teacher,
        teacher_weight=lam,
        temperature=T,
        loss=loss,
        alpha=alpha,
        fit_intercept=fit_intercept,
        **EXACT,
    )
    student.fit(X, y, X_star=X_star, privileged_mask=mask, sample_weight=sw)
    assert_array_equal(student.privileged_mask_, mask)
    v = teacher.decision_function(X_star[mask])
    v = np.column_stack([np.zeros_like(v), v]) if v.ndim == 1 else v
    n_out, n_features = student.coef_.shape

    def f(theta):
        coef = theta[: n_out * n_features].reshape(n_out, n_features)
        intercept = theta[n_out * n_features :] if fit_intercept else np.zeros(n_out)
        return spec_objective(
            coef, intercept, X, y, v, mask, sw, lam=lam, T=T, alpha=alpha, kind=loss
        )

    theta = student.coef_.ravel()
    if fit_intercept:
        theta = np.concatenate([theta, student.intercept_])
    grad = numeric_gradient(f, theta)
    assert np.max(np.abs(grad)) < 1e-6
    # The loss curve ends at the objective's value there.
    assert_allclose(student.loss_curve_[-1], f(theta), rtol=1e-8)
    # And it is a minimum along random directions.
    rng = np.random.RandomState(0)
    for _ in range(5):
        step = 1e-2 * rng.normal(size=theta.shape)
        assert f(theta + step) > f(theta)


# --------------------------------------------------------------------------
# Teacher kinds
# --------------------------------------------------------------------------


class LinearLogits(torch.nn.Module):
    def __init__(self, coef, intercept):
        super().__init__()
        self.linear = torch.nn.Linear(coef.shape[1], coef.shape[0]).double()
        with torch.no_grad():
            self.linear.weight.copy_(torch.as_tensor(coef))
            self.linear.bias.copy_(torch.as_tensor(intercept))

    def forward(self, x):
        return self.linear(x)


def multiclass_teacher_kinds(teacher, X_star, mask):
    """(teacher, fit kwargs) pairs that all mean the teacher's log-probabilities."""
    log_proba = np.log(teacher.predict_proba(X_star))
    proba_nan = teacher.predict_proba(X_star)
    proba_nan[~mask] = np.nan
    logits = teacher.decision_function(X_star)
    return {
        "predict_proba": (teacher, dict(X_star=X_star)),
        "callable": (lambda rows: np.log(teacher.predict_proba(rows)), dict(X_star=X_star)),
        "torch": (LinearLogits(teacher.coef_, teacher.intercept_), dict(X_star=X_star)),
        "reversed_classes": (ReversedTeacher(teacher), dict(X_star=X_star)),
        "output_proba_auto": (None, dict(teacher_output=proba_nan)),
        "output_proba_explicit": (None, dict(teacher_output=proba_nan, kind="proba")),
        "output_logits_auto": (None, dict(teacher_output=logits)),
        "output_logits_explicit": (None, dict(teacher_output=log_proba, kind="logits")),
    }


def fit_kind(teacher, kwargs, X, y, mask, sw, **params):
    kwargs = dict(kwargs)
    kind = kwargs.pop("kind", "auto")
    student = DistilledClassifier(teacher, teacher_output_kind=kind, **params)
    return student.fit(X, y, privileged_mask=mask, sample_weight=sw, **kwargs)


@pytest.mark.parametrize("loss", ["distill", "probabilistic"])
def test_multiclass_teacher_kinds_give_identical_fits(loss):
    X, X_star, y, mask, sw = make_problem(n_classes=3, seed=29)
    teacher = fitted_teacher(X_star, y)
    params = dict(teacher_weight=0.7, temperature=2.0, loss=loss, **EXACT)
    fits = {
        name: fit_kind(t, kw, X, y, mask, sw, **params)
        for name, (t, kw) in multiclass_teacher_kinds(teacher, X_star, mask).items()
    }
    reference = fits.pop("predict_proba")
    # A different teacher weight really changes the fit (the comparison has teeth).
    other = fit_kind(
        teacher, dict(X_star=X_star), X, y, mask, sw, **{**params, "teacher_weight": 0.2}
    )
    assert np.abs(other.coef_ - reference.coef_).max() > 1e-2
    for name, student in fits.items():
        assert_allclose(student.coef_, reference.coef_, rtol=1e-6, atol=1e-8, err_msg=name)
        assert_allclose(
            student.intercept_, reference.intercept_, rtol=1e-6, atol=1e-8, err_msg=name
        )


@pytest.mark.parametrize("teacher_cls", [LinearSVC, RidgeClassifier])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_decision_function_teacher(teacher_cls, n_classes):
    X, X_star, y, mask, sw = make_problem(n_classes=n_classes, seed=31)
    teacher = teacher_cls().fit(X_star, y)
    assert not hasattr(teacher, "predict_proba")
    d = teacher.decision_function(X_star)
    full = np.column_stack([np.zeros_like(d), d]) if n_classes == 2 else d
    params = dict(teacher_weight=0.5, temperature=1.5, **EXACT)
    reference = fit_kind(teacher, dict(X_star=X_star), X, y, mask, sw, **params)
    same = [
        fit_kind(
            lambda rows: teacher.decision_function(rows),
            dict(X_star=X_star),
            X,
            y,
            mask,
            sw,
            **params,
        ),
        fit_kind(None, dict(teacher_output=full, kind="logits"), X, y, mask, sw, **params),
    ]
    if n_classes == 2:
        # Binary scores d are the log-odds of classes_[1]: the columns [0, d].
        same.append(fit_kind(None, dict(teacher_output=d, kind="logits"), X, y, mask, sw, **params))
        same.append(
            fit_kind(
                None,
                dict(teacher_output=1 / (1 + np.exp(-d)), kind="proba"),
                X,
                y,
                mask,
                sw,
                **params,
            )
        )
    for student in same:
        assert_allclose(student.coef_, reference.coef_, rtol=1e-6, atol=1e-8)
    assert not np.allclose(
        reference.coef_, DistilledClassifier(**EXACT).fit(X, y, sample_weight=sw).coef_, atol=1e-3
    )


def test_binary_teacher_kinds():
    X, X_star, y, mask, sw = make_problem(n_classes=2, seed=37)
    teacher = fitted_teacher(X_star, y)
    proba = teacher.predict_proba(X_star)
    params = dict(teacher_weight=0.5, temperature=2.0, **EXACT)
    reference = fit_kind(teacher, dict(X_star=X_star), X, y, mask, sw, **params)
    log_odds = teacher.decision_function(X_star)
    assert np.any((log_odds < 0) | (log_odds > 1))  # auto reads 1-D outside [0, 1] as log-odds
    for teacher_, kwargs in [
        (None, dict(teacher_output=proba)),
        (None, dict(teacher_output=proba[:, 1])),  # 1-D in [0, 1]: P(classes_[1])
        (None, dict(teacher_output=log_odds)),
        (None, dict(teacher_output=log_odds, kind="logits")),
        (ReversedTeacher(teacher), dict(X_star=X_star)),
        (
            LinearLogits(
                np.vstack([0 * teacher.coef_, teacher.coef_]), np.r_[0.0, teacher.intercept_]
            ),
            dict(X_star=X_star),
        ),
    ]:
        student = fit_kind(teacher_, kwargs, X, y, mask, sw, **params)
        assert_allclose(student.coef_, reference.coef_, rtol=1e-6, atol=1e-8)


def test_teacher_fitted_on_string_labels():
    X, X_star, y, mask, sw = make_problem(n_classes=3, seed=41)
    names = np.array(["cat", "ant", "bee"])  # sorted: ant, bee, cat
    teacher_int = fitted_teacher(X_star, y)
    teacher_str = fitted_teacher(X_star, names[y])
    params = dict(teacher_weight=0.6, temperature=2.0, **EXACT)
    student_str = fit_kind(teacher_str, dict(X_star=X_star), X, names[y], mask, sw, **params)
    # Same problem with integer labels renumbered in sorted-name order.
    order = np.argsort(names)
    rank = np.empty(3, dtype=int)
    rank[order] = np.arange(3)
    y_sorted = rank[y]
    teacher_sorted = fitted_teacher(X_star, y_sorted)
    student_int = fit_kind(teacher_sorted, dict(X_star=X_star), X, y_sorted, mask, sw, **params)
    assert_array_equal(student_str.classes_, ["ant", "bee", "cat"])
    assert_allclose(student_str.coef_, student_int.coef_, rtol=1e-6, atol=1e-8)
    assert_array_equal(student_str.predict(X), names[order][student_int.predict(X)])
    assert teacher_int is not teacher_str


def test_teacher_with_extra_classes_is_renormalised():
    # The teacher knows classes the student's y lacks: those columns are
    # dropped and softmax renormalises over the remaining ones.
    X, X_star, y, mask, sw = make_problem(n_classes=4, seed=43)
    teacher = fitted_teacher(X_star, y)
    keep = y != 2
    X, X_star, y, mask, sw = X[keep], X_star[keep], y[keep], mask[keep], sw[keep]
    params = dict(teacher_weight=0.5, temperature=1.5, **EXACT)
    student = fit_kind(teacher, dict(X_star=X_star), X, y, mask, sw, **params)
    log_proba = np.log(teacher.predict_proba(X_star))[:, [0, 1, 3]]
    expected = fit_kind(
        None, dict(teacher_output=log_proba, kind="logits"), X, y, mask, sw, **params
    )
    assert_array_equal(student.classes_, [0, 1, 3])
    assert_allclose(student.coef_, expected.coef_, rtol=1e-6, atol=1e-8)


def test_teacher_classes_must_cover_y():
    X, X_star, y, mask, _ = make_problem(n_classes=3, seed=47)
    teacher = fitted_teacher(X_star[y != 2], y[y != 2])
    with pytest.raises(ValueError, match=r"teacher.*classes.*\[0, 1\].*cover.*\[2\]"):
        DistilledClassifier(teacher).fit(X, y, X_star=X_star, privileged_mask=mask)


def test_teacher_log_zero_probability_is_allowed():
    # A callable may give -inf logits (an impossible class): s_k = 0 there.
    X, _, y, mask, _ = make_problem(n_classes=3, seed=61)
    proba = softmax(np.random.RandomState(0).normal(size=(X.shape[0], 3)), axis=1)
    proba[:, 2] = 0.0
    proba /= proba.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        logits = np.log(proba)
    params = dict(teacher_weight=0.5, temperature=2.0, **EXACT)
    via_callable = DistilledClassifier(lambda rows: logits, **params).fit(X, y)
    via_output = DistilledClassifier(**params).fit(X, y, teacher_output=proba)
    assert np.all(np.isfinite(via_callable.coef_))
    assert_allclose(via_callable.coef_, via_output.coef_, rtol=1e-6, atol=1e-8)


# --------------------------------------------------------------------------
# Labels and prediction methods
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "labels",
    [np.array(["no", "yes"]), np.array(["b", "c", "a"]), np.array([-1, 1]), np.array([3, 1, 2])],
)
def test_labels_and_prediction_methods(labels):
    n_classes = len(labels)
    X, _, y, _, _ = make_problem(n_classes=n_classes, seed=67)
    y_lab = labels[y]
    student = DistilledClassifier(**EXACT).fit(X, y_lab)
    assert_array_equal(student.classes_, np.sort(labels))
    scores = student.decision_function(X)
    proba = student.predict_proba(X)
    assert scores.shape == ((X.shape[0],) if n_classes == 2 else (X.shape[0], n_classes))
    assert proba.shape == (X.shape[0], n_classes)
    assert_allclose(proba.sum(axis=1), 1.0)
    assert_allclose(student.predict_log_proba(X), np.log(proba), rtol=1e-12, atol=1e-14)
    assert_array_equal(student.predict(X), student.classes_[proba.argmax(axis=1)])
    if n_classes == 2:
        assert_allclose(proba[:, 1], 1 / (1 + np.exp(-scores)))
        assert_allclose(scores, X @ student.coef_[0] + student.intercept_[0])
    else:
        assert_allclose(proba, softmax(scores, axis=1))
    assert student.score(X, y_lab) == np.mean(student.predict(X) == y_lab)


def test_predict_proba_is_stable_for_huge_scores():
    X, _, y, _, _ = make_problem(n_classes=2, seed=71)
    student = DistilledClassifier(**EXACT).fit(X, y)
    big = 1e4 * X
    proba = student.predict_proba(big)
    assert np.all(np.isfinite(proba)) and np.all(np.isfinite(student.predict_log_proba(big)))


# --------------------------------------------------------------------------
# Adam, early stopping, torch students, warm start, verbose
# --------------------------------------------------------------------------


ADAM = dict(solver="adam", learning_rate=0.05, batch_size=100)


def test_adam_reproducible_with_random_state():
    X, _, y, _, sw = make_problem(n_classes=3, seed=73)
    params = dict(max_iter=8, tol=0.0, **ADAM)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = DistilledClassifier(random_state=0, **params).fit(X, y, sample_weight=sw)
        b = DistilledClassifier(random_state=0, **params).fit(X, y, sample_weight=sw)
        c = DistilledClassifier(random_state=1, **params).fit(X, y, sample_weight=sw)
    assert_array_equal(a.coef_, b.coef_)
    assert a.loss_curve_ == b.loss_curve_
    assert np.abs(a.coef_ - c.coef_).max() > 1e-6
    assert a.n_iter_ == len(a.loss_curve_) == 8
    assert a.validation_scores_ is None
    assert a.best_loss_ == min(a.loss_curve_)


def test_adam_does_not_touch_global_torch_seed():
    X, _, y, _, _ = make_problem(n_classes=2, seed=79)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        DistilledClassifier(random_state=0, max_iter=2, **ADAM).fit(X, y)
    assert_array_equal(torch.rand(3).numpy(), expected.numpy())


def test_adam_max_iter_warns():
    X, _, y, _, _ = make_problem(n_classes=2, seed=83)
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        student = DistilledClassifier(random_state=0, max_iter=3, tol=0.0, **ADAM).fit(X, y)
    assert student.n_iter_ == len(student.loss_curve_) == 3


def test_adam_n_iter_no_change_stops_early():
    X, _, y, _, _ = make_problem(n_classes=3, seed=89)
    n_iter_no_change, tol = 3, 1e-2
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        student = DistilledClassifier(
            random_state=0, max_iter=500, tol=tol, n_iter_no_change=n_iter_no_change, **ADAM
        ).fit(X, y)
    curve = student.loss_curve_
    assert student.n_iter_ == len(curve) < 500
    # Each of the last epochs failed to beat the best before it by tol ...
    for j in range(len(curve) - n_iter_no_change, len(curve)):
        assert curve[j] >= min(curve[:j]) - tol
    # ... and the epoch before them did improve (it did not stop late).
    j = len(curve) - n_iter_no_change - 1
    assert j == 0 or curve[j] < min(curve[:j]) - tol


def test_adam_early_stopping_restores_best():
    X, _, y, _, _ = make_problem(n_samples=300, n_classes=3, seed=97)
    params = dict(
        solver="adam",
        learning_rate=0.5,
        batch_size=16,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=4,
        random_state=0,
    )
    student = DistilledClassifier(max_iter=200, **params).fit(X, y)
    scores = student.validation_scores_
    assert len(scores) == student.n_iter_ == len(student.loss_curve_)
    assert all(0.0 <= s <= 1.0 for s in scores)
    best = int(np.argmax(scores))
    assert student.n_iter_ == best + 1 + params["n_iter_no_change"] < 200
    # The same run stopped right after its best epoch: its last parameters
    # are the best ones, and the first run restored exactly those.
    stopped = DistilledClassifier(max_iter=best + 1, **params).fit(X, y)
    assert stopped.validation_scores_ == scores[: best + 1]
    assert_array_equal(student.coef_, stopped.coef_)
    assert_array_equal(student.intercept_, stopped.intercept_)


def mlp(n_inputs, n_outputs, seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(n_inputs, 16), torch.nn.ReLU(), torch.nn.Linear(16, n_outputs)
    )


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_mlp_student_learns_nonlinear_problem(solver, assert_unchanged):
    X, y = make_moons(n_samples=200, noise=0.15, random_state=0)
    net = mlp(2, 2)
    params = (
        dict(max_iter=100, alpha=1e-4)
        if solver == "lbfgs"
        else dict(max_iter=60, learning_rate=0.05, batch_size=50)
    )
    with warnings.catch_warnings(), assert_unchanged(net=net):  # the given module is left untouched
        warnings.simplefilter("ignore", ConvergenceWarning)
        student = DistilledClassifier(student=net, solver=solver, random_state=0, **params).fit(
            X, y
        )
    linear = DistilledClassifier().fit(X, y)
    assert student.score(X, y) > 0.95 > linear.score(X, y)
    assert not hasattr(student, "coef_")
    assert student.student_ is not net
    proba = student.predict_proba(X)
    assert proba.shape == (200, 2)
    assert_allclose(proba.sum(axis=1), 1.0)
    assert_array_equal(student.predict(X), student.classes_[proba.argmax(axis=1)])


def test_torch_student_with_teacher_and_one_binary_logit():
    # A binary torch student may return one logit z (read as [0, z]).
    X, X_star, y, mask, _ = make_problem(n_classes=2, seed=101)
    teacher = fitted_teacher(X_star, y)
    net = torch.nn.Linear(X.shape[1], 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        student = DistilledClassifier(
            teacher,
            student=net,
            teacher_weight=0.5,
            temperature=2.0,
            dtype="float64",
            tol=1e-10,
            max_iter=1000,
            alpha=0.0,
        ).fit(X, y, X_star=X_star, privileged_mask=mask)
        linear = DistilledClassifier(
            teacher, teacher_weight=0.5, temperature=2.0, alpha=0.0, **EXACT
        ).fit(X, y, X_star=X_star, privileged_mask=mask)
    assert student.decision_function(X).shape == (X.shape[0],)
    assert_allclose(student.predict_proba(X), linear.predict_proba(X), atol=1e-5)


def test_torch_student_wrong_outputs():
    X, _, y, _, _ = make_problem(n_classes=3, seed=103)
    with pytest.raises(ValueError, match="one logit per class"):
        DistilledClassifier(student=torch.nn.Linear(X.shape[1], 2)).fit(X, y)


def test_warm_start_lbfgs_continues_from_previous_coefficients():
    X, X_star, y, mask, _ = make_problem(n_classes=3, seed=107)
    teacher = fitted_teacher(X_star, y)
    student = DistilledClassifier(teacher, teacher_weight=0.5, temperature=2.0, **EXACT)
    student.fit(X, y, X_star=X_star, privileged_mask=mask)
    coef, final_loss = student.coef_.copy(), student.loss_curve_[-1]
    student.set_params(warm_start=True, max_iter=1)
    with warnings.catch_warnings():
        # One iteration from the optimum may still count as "not converged".
        warnings.simplefilter("ignore", ConvergenceWarning)
        student.fit(X, y, X_star=X_star, privileged_mask=mask)
    assert_allclose(student.coef_, coef, rtol=1e-7, atol=1e-9)
    assert_allclose(student.loss_curve_[0], final_loss, rtol=1e-10)
    with pytest.warns(ConvergenceWarning):
        cold = DistilledClassifier(
            teacher, teacher_weight=0.5, temperature=2.0, max_iter=1, dtype="float64"
        ).fit(X, y, X_star=X_star, privileged_mask=mask)
    assert cold.loss_curve_[0] > final_loss + 1e-3


@pytest.mark.parametrize("use_torch_student", [False, True])
def test_warm_start_adam_continues_from_previous_parameters(use_torch_student):
    X, _, y, _, _ = make_problem(n_classes=3, seed=109)
    params = dict(
        solver="adam", learning_rate=0.05, batch_size=100, random_state=0, dtype="float64"
    )
    if use_torch_student:
        params["student"] = mlp(X.shape[1], 3)

    def get(model):
        if use_torch_student:
            return (
                torch.nn.utils.parameters_to_vector(model.student_.parameters())
                .detach()
                .numpy()
                .copy()
            )
        return model.coef_.copy()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        student = DistilledClassifier(max_iter=10, **params).fit(X, y)
        first = get(student)
        # One more epoch with a vanishing step: the parameters barely move.
        student.set_params(warm_start=True, max_iter=1, learning_rate=1e-9)
        student.fit(X, y)
        cold = DistilledClassifier(**{**params, "max_iter": 1, "learning_rate": 1e-9}).fit(X, y)
    assert np.abs(first).max() > 0.05
    assert_allclose(get(student), first, atol=1e-6)
    assert np.abs(get(cold) - first).max() > 0.05


def test_warm_start_needs_the_same_classes():
    X, _, y, _, _ = make_problem(n_classes=3, seed=113)
    student = DistilledClassifier(warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match="warm_start"):
        student.fit(X[y != 2], y[y != 2])


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_verbose_prints_progress(solver, capsys):
    X, _, y, _, _ = make_problem(n_classes=2, seed=127)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        student = DistilledClassifier(solver=solver, max_iter=5, verbose=1, random_state=0).fit(
            X, y
        )
    captured = capsys.readouterr()
    text = captured.out + captured.err
    if solver == "lbfgs":
        assert "Iteration 1, loss =" in captured.out
        assert captured.out.count("Iteration") == len(student.loss_curve_)
    else:
        assert "loss=" in text
    silent = DistilledClassifier(solver=solver, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        silent.fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == "" and "loss" not in captured.err


# --------------------------------------------------------------------------
# Pickling, precision (sparse input: tests/test_shared_behaviour.py)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_pickle_round_trip(solver):
    X, X_star, y, mask, _ = make_problem(n_classes=3, seed=131)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        student = DistilledClassifier(
            fitted_teacher(X_star, y), solver=solver, max_iter=20, random_state=0
        )
        student.fit(X, y, X_star=X_star, privileged_mask=mask)
    clone = pickle.loads(pickle.dumps(student))
    assert_array_equal(clone.predict_proba(X), student.predict_proba(X))
    assert_array_equal(clone.predict(X), student.predict(X))
    assert clone.loss_curve_ == student.loss_curve_


def test_pickle_round_trip_torch_student():
    X, _, y, _, _ = make_problem(n_classes=3, seed=137)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        student = DistilledClassifier(student=mlp(X.shape[1], 3), max_iter=20).fit(X, y)
    clone = pickle.loads(pickle.dumps(student))
    assert_array_equal(clone.predict_proba(X), student.predict_proba(X))


def test_unpickled_linear_student_predicts_without_torch(tmp_path):
    X, _, y, _, _ = make_problem(n_classes=3, seed=139)
    names = np.array(["a", "b", "c"])
    student = DistilledClassifier(solver="adam", max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        student.fit(X, names[y])
    (tmp_path / "student.pkl").write_bytes(pickle.dumps(student))
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "expected.npy", student.predict_proba(X))
    script = textwrap.dedent(f"""
        import sys
        # scipy's array-API helpers do not tolerate sys.modules["torch"] = None
        # while scipy.stats is being imported: load scikit-learn first.
        import numpy as np
        import sklearn.base
        sys.modules["torch"] = None  # any `import torch` now raises ImportError
        import pickle
        student = pickle.loads(open({str(tmp_path / "student.pkl")!r}, "rb").read())
        X = np.load({str(tmp_path / "X.npy")!r})
        proba = student.predict_proba(X)
        np.testing.assert_array_equal(proba, np.load({str(tmp_path / "expected.npy")!r}))
        assert list(student.predict(X[:3])) == list(student.classes_[proba[:3].argmax(axis=1)])
        assert np.allclose(student.predict_log_proba(X), np.log(proba))
        assert student.decision_function(X).shape == (X.shape[0], 3)
        assert sys.modules["torch"] is None
        try:
            import torch
        except ImportError:
            print("ok without torch")
        """)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "ok without torch" in result.stdout


@pytest.mark.parametrize("n_classes", [2, 3])
def test_float32_default_close_to_logistic_regression(n_classes):
    X, _, y, _, sw = make_problem(n_classes=n_classes, seed=149)
    student = DistilledClassifier().fit(X, y, sample_weight=sw)
    reference = LogisticRegression(tol=1e-10, max_iter=10000).fit(X, y, sample_weight=sw)
    assert student.coef_.dtype == np.float64  # fitted state is float64 numpy
    assert_allclose(student.predict_proba(X), reference.predict_proba(X), atol=1e-3)


# --------------------------------------------------------------------------
# Bad input and documented edge behaviour
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(temperature=0.0), "temperature"),
        (dict(temperature=-1.0), "temperature"),
        (dict(loss="hinge"), "loss"),
        (dict(teacher_weight=1.5), "teacher_weight"),
        (dict(teacher_output_kind="odds"), "teacher_output_kind"),
        (dict(solver="sgd"), "solver"),
        (dict(alpha=-1.0), "alpha"),
        (dict(epsilon=0.0), "epsilon"),
        (dict(dtype="float16"), "dtype"),
        (dict(student=object()), "student"),
    ],
)
def test_bad_parameters(params, match):
    X, _, y, _, _ = make_problem()
    with pytest.raises(ValueError, match=match):
        DistilledClassifier(**params).fit(X, y)


def test_regressor_teacher_is_rejected():
    X, X_star, y, _, _ = make_problem()
    teacher = LinearRegression().fit(X_star, y)
    with pytest.raises(ValueError, match="teacher"):
        DistilledClassifier(teacher).fit(X, y, X_star=X_star)


def nan_teacher(rows):
    out = np.zeros((rows.shape[0], 3))
    out[0, 1] = np.nan
    return out


def inf_teacher(rows):
    out = np.zeros((rows.shape[0], 3))
    out[-1, 2] = np.inf
    return out


@pytest.mark.parametrize(
    "teacher, match",
    [
        (nan_teacher, r"(?i)teacher.*NaN"),
        (inf_teacher, r"(?i)teacher.*infinity"),
        (lambda rows: np.zeros((rows.shape[0], 4)), r"teacher.*4 columns.*3 classes"),
        (lambda rows: np.zeros((rows.shape[0], 2)), r"teacher.*2 columns.*3 classes"),
        (
            lambda rows: np.zeros((rows.shape[0] - 1, 3)),
            r"(?i)teacher.*one row.*per privileged row",
        ),
    ],
)
def test_bad_teacher_answers(teacher, match):
    X, X_star, y, mask, _ = make_problem(n_classes=3)
    with pytest.raises(ValueError, match=match):
        DistilledClassifier(teacher).fit(X, y, X_star=X_star, privileged_mask=mask)


@pytest.mark.parametrize(
    "teacher_output, match",
    [
        (lambda n: np.full((n, 3), np.nan), r"teacher_output.*NaN"),
        (lambda n: np.full((n, 3), np.inf), r"teacher_output.*infinity"),
        (lambda n: np.zeros((n - 1, 3)), r"teacher_output has \d+ rows"),
        (lambda n: np.zeros((n, 5)), r"teacher.*5 columns.*3 classes"),
    ],
)
def test_bad_teacher_output(teacher_output, match):
    X, _, y, _, _ = make_problem(n_classes=3)
    with pytest.raises(ValueError, match=match):
        DistilledClassifier().fit(X, y, teacher_output=teacher_output(X.shape[0]))


def test_declared_probabilities_outside_unit_interval():
    X, _, y, _, _ = make_problem(n_classes=3)
    with pytest.raises(ValueError, match="teacher_output"):
        DistilledClassifier(teacher_output_kind="proba").fit(
            X, y, teacher_output=np.full((X.shape[0], 3), 2.0)
        )


def test_single_class_is_an_error():
    X, _, _, _, _ = make_problem()
    with pytest.raises(ValueError, match=r"\by\b.*at least two classes"):
        DistilledClassifier().fit(X, np.ones(X.shape[0]))


def test_continuous_y_is_an_error():
    X, _, _, _, _ = make_problem()
    with pytest.raises(ValueError, match="Unknown label type"):
        DistilledClassifier().fit(X, np.linspace(0, 1, X.shape[0]))


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("temperature", [0.5, 1.0, 3.0])
def test_hard_probabilities_with_probabilistic_loss_stay_finite(n_classes, temperature):
    X, _, y, mask, sw = make_problem(n_classes=n_classes, seed=157)
    one_hot = np.eye(n_classes)[(y + 1) % n_classes]  # exactly 0 and 1, disagreeing with y
    student = DistilledClassifier(
        loss="probabilistic", teacher_weight=0.5, temperature=temperature, **EXACT
    )
    student.fit(X, y, teacher_output=one_hot, privileged_mask=mask, sample_weight=sw)
    assert np.all(np.isfinite(student.coef_)) and np.all(np.isfinite(student.intercept_))
    assert np.all(np.isfinite(student.loss_curve_))
    assert np.all(np.isfinite(student.predict_proba(X)))


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_cuda():
    X, _, y, _, _ = make_problem()
    with pytest.raises(ValueError, match="device='cuda'"):
        DistilledClassifier(device="cuda").fit(X, y)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_cuda_fit_matches_cpu(solver):
    X, X_star, y, mask, sw = make_problem(n_classes=3, seed=163)
    teacher = fitted_teacher(X_star, y)
    params = dict(teacher_weight=0.5, temperature=2.0, solver=solver, random_state=0, **EXACT)
    if solver == "adam":
        params.update(max_iter=20, learning_rate=0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cpu = DistilledClassifier(teacher, device="cpu", **params).fit(
            X, y, X_star=X_star, privileged_mask=mask, sample_weight=sw
        )
        gpu = DistilledClassifier(teacher, device="cuda", **params).fit(
            X, y, X_star=X_star, privileged_mask=mask, sample_weight=sw
        )
        net = DistilledClassifier(teacher, device="cuda", student=mlp(X.shape[1], 3), **params).fit(
            X, y, X_star=X_star
        )
    assert isinstance(gpu.coef_, np.ndarray)
    assert_allclose(gpu.coef_, cpu.coef_, rtol=1e-5 if solver == "lbfgs" else 1e-3, atol=1e-6)
    assert next(net.student_.parameters()).device.type == "cuda"
    assert net.predict_proba(X).shape == (X.shape[0], 3)
    assert_array_equal(pickle.loads(pickle.dumps(gpu)).predict(X), gpu.predict(X))


def test_device_auto_works():
    X, _, y, _, _ = make_problem()
    student = DistilledClassifier(device="auto", **EXACT).fit(X, y)
    assert_same_as_logistic_regression(student, X, y, None, 1.0)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (lambda X_star, mask: dict(X_star=X_star[:-1]), ValueError, "X_star has"),
        (
            lambda X_star, mask: dict(X_star=X_star, privileged_mask=mask.astype(int)),
            TypeError,
            "privileged_mask",
        ),
        (
            lambda X_star, mask: dict(X_star=X_star, privileged_mask=mask[:-1]),
            ValueError,
            "privileged_mask",
        ),
        (
            lambda X_star, mask: dict(
                X_star=np.where(mask[:, None], np.nan, X_star), privileged_mask=mask
            ),
            ValueError,
            "X_star",
        ),
    ],
)
def test_bad_privileged_input(kwargs, error, match):
    X, X_star, y, mask, _ = make_problem()
    with pytest.raises(error, match=match):
        DistilledClassifier(fitted_teacher(X_star, y)).fit(X, y, **kwargs(X_star, mask))


def test_privileged_data_without_teacher():
    X, X_star, y, mask, _ = make_problem()
    with pytest.raises(ValueError, match="X_star"):
        DistilledClassifier().fit(X, y, X_star=X_star)
    with pytest.raises(ValueError, match="privileged_mask"):
        DistilledClassifier().fit(X, y, privileged_mask=mask)


def test_predict_before_fit_and_wrong_features():
    X, _, y, _, _ = make_problem()
    with pytest.raises(NotFittedError):
        DistilledClassifier().predict(X)
    student = DistilledClassifier().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        student.predict(X[:, :2])


@pytest.mark.parametrize("class_weight", ["balanced", {0: 3.0, 1: 0.5, 2: 1.0}])
def test_class_weight_is_the_corresponding_sample_weight(class_weight):
    from sklearn.utils.class_weight import compute_sample_weight

    X, X_star, y, mask, sw = make_problem(n_classes=3, seed=5)
    teacher = fitted_teacher(X_star, y)
    common = dict(teacher_weight=0.4, temperature=2.0, **EXACT)
    weighted = DistilledClassifier(teacher, class_weight=class_weight, **common).fit(
        X, y, X_star=X_star, privileged_mask=mask, sample_weight=sw
    )
    expected = DistilledClassifier(teacher, **common).fit(
        X,
        y,
        X_star=X_star,
        privileged_mask=mask,
        sample_weight=sw * compute_sample_weight(class_weight, y),
    )
    assert_array_equal(weighted.coef_, expected.coef_)
    # Without a teacher: LogisticRegression with the same class_weight.
    alone = DistilledClassifier(class_weight=class_weight, **EXACT).fit(X, y)
    reference = LogisticRegression(class_weight=class_weight, tol=1e-12, max_iter=10000).fit(X, y)
    assert_allclose(alone.predict_proba(X), reference.predict_proba(X), rtol=0, atol=1e-6)


def test_class_weight_with_an_unknown_label_is_an_error():
    X, X_star, y, mask, sw = make_problem(n_classes=3, seed=5)
    with pytest.raises(ValueError, match=r"The classes, \[2\], are not in class_weight"):
        DistilledClassifier(class_weight={0: 1.0, 1: 1.0, 7: 2.0}).fit(X, y)


# --------------------------------------------------------------------------
# The preconditioned L-BFGS (docs/theory.md, "How the linear student is trained")
# --------------------------------------------------------------------------


def _collinear_design(kind, seed=2):
    from sklearn.datasets import make_classification

    X, y = make_classification(
        400, 4, n_informative=4, n_redundant=0, flip_y=0.3, random_state=seed
    )
    extra = {
        "duplicate": X[:, 0],
        "sum": X[:, 0] + X[:, 1],
        "constant": np.full(len(X), 3.0),
    }[kind]
    return np.column_stack([X, extra]), y


@pytest.mark.parametrize("kind", ["duplicate", "sum", "constant"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_collinear_columns_without_penalty_give_logistic_regressions_coefficients(kind, dtype):
    # Without a penalty the optimum is not unique along the collinearity; from
    # zero, L-BFGS keeps LogisticRegression's coefficients (no drift along it
    # from the gradient's rounding noise, stretched by the change of variables).
    X, y = _collinear_design(kind)
    reference = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(X, y)
    tol, tolerance = (1e-4, 5e-3) if dtype == "float32" else (1e-8, 1e-4)
    student = DistilledClassifier(alpha=0.0, dtype=dtype, tol=tol, max_iter=1000).fit(X, y)
    assert_allclose(student.coef_, reference.coef_, atol=tolerance)
    assert_allclose(student.intercept_, reference.intercept_, atol=tolerance)


def test_fits_are_preconditioned_and_the_gram_matrix_is_computed_once_per_fold(monkeypatch):
    from skdistill import DistilledClassifierCV
    from skdistill import _classifier as classifier_module
    from skdistill import _preconditioner as pre

    built, grams = [], []
    build, gram = pre.Preconditioner.build, classifier_module.weighted_gram
    monkeypatch.setattr(
        pre.Preconditioner,
        "build",
        classmethod(lambda cls, *a, **k: built.append(1) or build(*a, **k)),
    )
    monkeypatch.setattr(
        classifier_module,
        "weighted_gram",
        lambda *a, **k: grams.append(1) or gram(*a, **k),
    )
    X, X_star, y, mask, _ = make_problem(n_classes=3, seed=5)
    teacher = fitted_teacher(X_star, y)
    DistilledClassifier(teacher, teacher_weight=0.4).fit(X, y, X_star=X_star)
    assert (len(built), len(grams)) == (1, 1)
    built.clear(), grams.clear()
    search = DistilledClassifierCV(
        teacher, teacher_weights=[0.0, 0.5], temperatures=[1.0, 2.0], cv=3
    ).fit(X, y, X_star=X_star)
    # 3 folds x 3 trainings (lambda = 0 shared by the temperatures) and the refit; at
    # T = 1 the soft term has the labels' curvature, so lambda = 0 and 0.5 share one
    # preconditioner: two builds per fold.
    assert len(built) == 3 * 2 + 1
    assert len(grams) == 3 + 1
    assert search.best_estimator_.n_iter_ >= 1


def test_a_fit_that_starts_at_its_minimum_stops_at_once():
    X, _, y, _, _ = make_problem(n_classes=3, seed=8)
    student = DistilledClassifier(warm_start=True, **EXACT).fit(X, y)
    coef = student.coef_.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        student.set_params(tol=1e-6).fit(X, y)  # the previous minimum meets the looser tol
    assert student.n_iter_ == 1
    assert_array_equal(student.coef_, coef)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_warm_refits_near_the_minimum_converge_without_warnings(n_classes):
    # A warm start with a tiny gradient (a tighter tol, or a refit of a converged
    # fit at the noise floor) must still make progress and not warn.
    X, _, y, _, _ = make_problem(n_classes=n_classes, seed=9)
    X = X * np.array([1, 10, 100, 1e-2])
    student = DistilledClassifier(dtype="float64", tol=1e-6, max_iter=10000, warm_start=True)
    student.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        student.set_params(tol=1e-10).fit(X, y)
        student.fit(X, y)
    reference = LogisticRegression(C=1.0, tol=1e-12, max_iter=100000).fit(X, y)
    assert_allclose(student.predict_proba(X), reference.predict_proba(X), atol=1e-5)

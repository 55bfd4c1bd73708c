"""DistilledRegressor against the mathematics of SPEC section 3.

Every reference below is written from the SPEC's formulas, independently of
skdistill's code: sigma is a standard deviation (weight 1 / sigma**2), the
per-row weights a_i and corrected targets y''_i are those of the theorem, and
the ridge penalty is ``alpha / sigma**2 * ||w||**2`` as documented, so that
``alpha`` is Ridge's alpha when ``sigma=1``.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.neighbors import KNeighborsRegressor
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils.validation import has_fit_parameter
from threadpoolctl import threadpool_limits

from skdistill import DistilledRegressor

RTOL = 1e-10


# --------------------------------------------------------------------------
# Data and independent references
# --------------------------------------------------------------------------


def make_problem(n_samples=200, n_features=5, n_privileged=3, seed=0):
    """X, privileged X_star, y, a partial mask, sample weights and a teacher."""
    rng = np.random.RandomState(seed)
    X_star = rng.normal(size=(n_samples, n_privileged))
    X = np.column_stack(
        [
            X_star @ rng.normal(size=n_privileged) + rng.normal(size=n_samples)
            for _ in range(n_features)
        ]
    )
    y = X_star @ rng.normal(size=n_privileged) + 0.5 * rng.normal(size=n_samples) + 3.0
    mask = rng.uniform(size=n_samples) < 0.6
    sample_weight = rng.uniform(0.5, 2.0, size=n_samples)
    # The teacher sees the privileged features only; a nonlinear target so
    # that its answers are not a linear function of X.
    teacher = LinearRegression().fit(np.column_stack([X_star, X_star**2]), y)
    return X, X_star, y, mask, sample_weight, teacher


class SquareTeacher:
    """A callable teacher that counts its calls and records the rows it saw."""

    def __init__(self, coef, intercept=0.0):
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = intercept
        self.calls = []

    def __call__(self, rows):
        rows = np.asarray(rows, dtype=np.float64)
        self.calls.append(rows.copy())
        return rows @ self.coef + 0.3 * (rows**2).sum(axis=1) + self.intercept


def spec_weights_targets(y, s, mask, teacher_weight, sigma, sigma_teacher):
    """a_i and y''_i of SPEC section 3, sigma read as a standard deviation."""
    lam = teacher_weight
    a = np.full(y.shape[0], 1.0 / sigma**2)
    a[mask] = (1 - lam) / sigma**2 + lam / sigma_teacher**2
    y2 = np.array(y, dtype=np.float64)
    y2[mask] = ((1 - lam) * y[mask] / sigma**2 + lam * s[mask] / sigma_teacher**2) / a[mask]
    return a, y2


def numpy_solution(
    X, y, s, mask, sample_weight, *, teacher_weight, sigma, sigma_teacher, alpha, fit_intercept
):
    """Solve min sum_i sw_i a_i (y''_i - x_i w - b)^2 + alpha / sigma^2 ||w||^2."""
    a, y2 = spec_weights_targets(y, s, mask, teacher_weight, sigma, sigma_teacher)
    c = a * sample_weight
    n_features = X.shape[1]
    Z = np.column_stack([X, np.ones(X.shape[0])]) if fit_intercept else X
    penalty = np.zeros(Z.shape[1])
    penalty[:n_features] = alpha / sigma**2
    theta = np.linalg.solve(Z.T @ (c[:, None] * Z) + np.diag(penalty), Z.T @ (c * y2))
    intercept = theta[n_features] if fit_intercept else 0.0
    return theta[:n_features], intercept


def spec_objective_gradient(
    w, b, X, y, s, mask, sample_weight, *, teacher_weight, sigma, sigma_teacher, alpha
):
    """Gradient in (w, b) of the SPEC objective written term by term.

    J = sum_{i not in I} sw (y - g)^2 / sigma^2
        + sum_{i in I} sw [(1 - lam) (y - g)^2 / sigma^2 + lam (s - g)^2 / sigma_s^2]
        + alpha / sigma^2 ||w||^2,   g = X w + b.
    """
    lam = teacher_weight
    g = X @ w + b
    # dJ/dg_i = -2 q_i
    q = sample_weight * (y - g) / sigma**2
    q_priv = sample_weight[mask] * (
        (1 - lam) * (y[mask] - g[mask]) / sigma**2 + lam * (s[mask] - g[mask]) / sigma_teacher**2
    )
    q[mask] = q_priv
    grad_w = -2 * X.T @ q + 2 * alpha / sigma**2 * w
    grad_b = -2 * q.sum()
    return grad_w, grad_b


def teacher_features(X_star):
    return np.column_stack([X_star, X_star**2])


# --------------------------------------------------------------------------
# The closed form is SPEC section 3
# --------------------------------------------------------------------------

CONFIGS = [
    # teacher_weight, sigma, sigma_teacher, alpha, fit_intercept, use_mask, use_sw
    (0.5, 1.0, 1.0, 0.0, True, False, False),
    (0.3, 2.0, 0.5, 0.0, True, True, True),
    (0.7, 0.3, 1.7, 1.5, True, True, True),
    (0.7, 0.3, 1.7, 1.5, False, True, True),
    (0.25, 1.0, 3.0, 10.0, False, False, True),
    (0.9, 4.0, 1.0, 0.0, False, True, False),
    (1.0, 1.3, 0.6, 2.0, True, True, True),
]


@pytest.mark.parametrize(
    "teacher_weight, sigma, sigma_teacher, alpha, fit_intercept, use_mask, use_sw", CONFIGS
)
def test_fit_equals_spec_and_sklearn(
    teacher_weight, sigma, sigma_teacher, alpha, fit_intercept, use_mask, use_sw
):
    X, X_star, y, mask, sw, teacher = make_problem()
    Xt = teacher_features(X_star)
    mask = mask if use_mask else np.ones_like(mask)
    sw = sw if use_sw else np.ones_like(sw)
    s = teacher.predict(Xt)

    est = DistilledRegressor(
        teacher,
        teacher_weight=teacher_weight,
        sigma=sigma,
        sigma_teacher=sigma_teacher,
        alpha=alpha,
        fit_intercept=fit_intercept,
    ).fit(
        X,
        y,
        X_star=Xt,
        privileged_mask=mask if use_mask else None,
        sample_weight=sw if use_sw else None,
    )

    coef, intercept = numpy_solution(
        X, y, s, mask, sw,
        teacher_weight=teacher_weight, sigma=sigma, sigma_teacher=sigma_teacher,
        alpha=alpha, fit_intercept=fit_intercept,
    )  # fmt: skip
    assert_allclose(est.coef_, coef, rtol=RTOL)
    assert_allclose(est.intercept_, intercept, rtol=RTOL, atol=1e-12)
    if not fit_intercept:
        assert est.intercept_ == 0.0

    # sklearn on the corrected targets with the SPEC weights times sigma**2.
    a, y2 = spec_weights_targets(y, s, mask, teacher_weight, sigma, sigma_teacher)
    weights = a * sigma**2 * sw
    if alpha == 0:
        ref = LinearRegression(fit_intercept=fit_intercept)
    else:
        ref = Ridge(alpha=alpha, solver="cholesky", fit_intercept=fit_intercept)
    ref.fit(X, y2, sample_weight=weights)
    assert_allclose(est.coef_, ref.coef_, rtol=RTOL)
    assert_allclose(est.intercept_, ref.intercept_, rtol=RTOL, atol=1e-12)
    assert_allclose(est.predict(X), ref.predict(X), rtol=RTOL)
    assert_array_equal(est.privileged_mask_, mask)


@pytest.mark.parametrize(
    "teacher_weight, sigma, sigma_teacher, alpha, fit_intercept, use_mask, use_sw", CONFIGS
)
def test_gradient_of_spec_objective_vanishes(
    teacher_weight, sigma, sigma_teacher, alpha, fit_intercept, use_mask, use_sw
):
    X, X_star, y, mask, sw, teacher = make_problem(seed=1)
    Xt = teacher_features(X_star)
    mask = mask if use_mask else np.ones_like(mask)
    sw = sw if use_sw else np.ones_like(sw)
    s = teacher.predict(Xt)
    params = dict(teacher_weight=teacher_weight, sigma=sigma, sigma_teacher=sigma_teacher)
    est = DistilledRegressor(teacher, alpha=alpha, fit_intercept=fit_intercept, **params)
    est.fit(X, y, X_star=Xt, privileged_mask=mask, sample_weight=sw)

    zero_w, zero_b = spec_objective_gradient(
        np.zeros(X.shape[1]), 0.0, X, y, s, mask, sw, alpha=alpha, **params
    )
    grad_w, grad_b = spec_objective_gradient(
        est.coef_, est.intercept_, X, y, s, mask, sw, alpha=alpha, **params
    )
    scale = np.linalg.norm(np.append(zero_w, zero_b))
    assert scale > 1.0  # the problem is not trivially solved at zero
    assert np.linalg.norm(grad_w) <= 1e-10 * scale
    if fit_intercept:
        assert abs(grad_b) <= 1e-10 * scale
    else:
        # Without an intercept the b-derivative need not vanish: it does not
        # here, which shows the check above is not vacuous.
        assert abs(grad_b) > 1e-6 * scale

    # A small step in any coordinate increases the objective (a minimum).
    def objective(w, b):
        g = X @ w + b
        lam = teacher_weight
        out = sw * (y - g) ** 2 / sigma**2
        out[mask] = sw[mask] * (
            (1 - lam) * (y[mask] - g[mask]) ** 2 / sigma**2
            + lam * (s[mask] - g[mask]) ** 2 / sigma_teacher**2
        )
        return out.sum() + alpha / sigma**2 * w @ w

    best = objective(est.coef_, est.intercept_)
    for j in range(X.shape[1]):
        for step in (1e-3, -1e-3):
            w = est.coef_.copy()
            w[j] += step
            assert objective(w, est.intercept_) > best


# --------------------------------------------------------------------------
# Limits: no teacher weight, no privileged rows, the teacher only
# --------------------------------------------------------------------------


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("use_sw", [True, False])
def test_zero_teacher_weight_is_ordinary_least_squares(fit_intercept, use_sw):
    X, X_star, y, mask, sw, _ = make_problem(seed=2)
    sw = sw if use_sw else None
    teacher = SquareTeacher(np.ones(X_star.shape[1]))
    plain = DistilledRegressor(fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    zero = DistilledRegressor(
        teacher, teacher_weight=0.0, sigma=3.0, sigma_teacher=0.1, fit_intercept=fit_intercept
    )
    zero.fit(X, y, X_star=X_star, privileged_mask=mask, sample_weight=sw)
    # The teacher is never called when its weight is zero.
    assert teacher.calls == []
    ols = LinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    for est in (plain, zero):
        assert_allclose(est.coef_, ols.coef_, rtol=RTOL)
        assert_allclose(est.intercept_, ols.intercept_, rtol=RTOL, atol=1e-12)
    # Same arithmetic as no teacher at all: bit for bit.
    assert_array_equal(zero.coef_, plain.coef_)
    assert zero.intercept_ == plain.intercept_


def test_zero_teacher_weight_never_checks_an_unfitted_teacher():
    X, X_star, y, _, _, _ = make_problem(seed=2)
    est = DistilledRegressor(LinearRegression(), teacher_weight=0.0).fit(X, y, X_star=X_star)
    assert_allclose(est.coef_, LinearRegression().fit(X, y).coef_, rtol=RTOL)


@pytest.mark.parametrize("alpha", [0.0, 2.0])
def test_all_false_mask_is_plain_fit(alpha):
    X, X_star, y, _, sw, _ = make_problem(seed=3)
    teacher = SquareTeacher(np.ones(X_star.shape[1]))
    mask = np.zeros(X.shape[0], dtype=bool)
    est = DistilledRegressor(teacher, teacher_weight=0.8, sigma=2.0, alpha=alpha)
    est.fit(X, y, X_star=X_star, privileged_mask=mask, sample_weight=sw)
    assert teacher.calls == []
    plain = DistilledRegressor(sigma=2.0, alpha=alpha).fit(X, y, sample_weight=sw)
    assert_array_equal(est.coef_, plain.coef_)
    ref = (Ridge(alpha=alpha, solver="cholesky") if alpha else LinearRegression()).fit(
        X, y, sample_weight=sw
    )
    assert_allclose(est.coef_, ref.coef_, rtol=RTOL)
    assert_allclose(est.intercept_, ref.intercept_, rtol=RTOL)


@pytest.mark.parametrize("sigma, sigma_teacher", [(1.0, 1.0), (2.0, 0.5), (0.4, 3.0)])
@pytest.mark.parametrize("alpha", [0.0, 3.0])
def test_full_teacher_weight_regresses_on_teacher(sigma, sigma_teacher, alpha):
    X, X_star, y, _, _, _ = make_problem(seed=4)
    teacher = SquareTeacher(np.arange(1.0, X_star.shape[1] + 1))
    s = teacher(X_star)
    est = DistilledRegressor(
        teacher, teacher_weight=1.0, sigma=sigma, sigma_teacher=sigma_teacher, alpha=alpha
    )
    est.fit(X, y, X_star=X_star)
    # Every row has weight (sigma / sigma_s)^2 relative to 1/sigma^2: the
    # objective is (1/sigma_s^2) ||s - g||^2 + alpha/sigma^2 ||w||^2, i.e.
    # Ridge on s with alpha * (sigma_s / sigma)^2.
    if alpha == 0:
        ref = LinearRegression().fit(X, s)
    else:
        ref = Ridge(alpha=alpha * (sigma_teacher / sigma) ** 2, solver="cholesky").fit(X, s)
    assert_allclose(est.coef_, ref.coef_, rtol=RTOL)
    assert_allclose(est.intercept_, ref.intercept_, rtol=RTOL)
    # The labels play no role.
    est_other = clone(est).fit(X, np.zeros_like(y), X_star=X_star)
    assert_allclose(est_other.coef_, est.coef_, rtol=RTOL)


# --------------------------------------------------------------------------
# Any student: exact on the corrected targets and weights
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "student",
    [
        HistGradientBoostingRegressor(random_state=0, max_iter=30),
        DecisionTreeRegressor(max_depth=4, random_state=0),
    ],
    ids=["hgb", "tree"],
)
@pytest.mark.parametrize("teacher_weight, sigma, sigma_teacher", [(0.5, 1.0, 1.0), (0.6, 2.0, 0.5)])
def test_any_student_is_exact(student, teacher_weight, sigma, sigma_teacher):
    X, X_star, y, mask, sw, teacher = make_problem(n_samples=300, seed=5)
    Xt = teacher_features(X_star)
    s = teacher.predict(Xt)
    # One OpenMP thread: HistGradientBoosting's threads crawl on a busy 2-core machine.
    with threadpool_limits(limits=1, user_api="openmp"):
        est = DistilledRegressor(
            teacher,
            teacher_weight=teacher_weight,
            sigma=sigma,
            sigma_teacher=sigma_teacher,
            student=student,
        ).fit(X, y, X_star=Xt, privileged_mask=mask, sample_weight=sw)
        a, y2 = spec_weights_targets(y, s, mask, teacher_weight, sigma, sigma_teacher)
        direct = clone(student).fit(X, y2, sample_weight=a * sigma**2 * sw)
    X_test = make_problem(n_samples=100, seed=6)[0]
    assert_allclose(est.predict(X_test), direct.predict(X_test), rtol=RTOL, atol=1e-12)
    assert_allclose(est.predict(X), direct.predict(X), rtol=RTOL, atol=1e-12)
    # The fitted model is a clone; the parameter is left unfitted.
    assert est.student_ is not student
    assert not hasattr(student, "n_features_in_")
    assert not hasattr(est, "coef_")


class NoWeightRegressor:
    """A minimal regressor whose fit takes no sample_weight."""

    def fit(self, X, y):
        self.mean_ = np.mean(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.mean_)

    def get_params(self, deep=True):
        return {}

    def set_params(self, **params):
        return self


@pytest.mark.parametrize(
    "student", [KNeighborsRegressor(), NoWeightRegressor()], ids=["knn", "custom"]
)
def test_student_without_sample_weight_raises(student):
    assert not has_fit_parameter(student, "sample_weight")
    X, X_star, y, _, _, teacher = make_problem(seed=7)
    est = DistilledRegressor(teacher, student=student)
    with pytest.raises(TypeError, match="student"):
        est.fit(X, y, X_star=teacher_features(X_star))


# --------------------------------------------------------------------------
# Teachers of every kind give the same fit
# --------------------------------------------------------------------------


def _teacher_variants(teacher, n_features):
    torch = pytest.importorskip("torch")
    module = torch.nn.Linear(n_features, 1).double()
    with torch.no_grad():
        module.weight.copy_(torch.as_tensor(teacher.coef_[None, :]))
        module.bias.copy_(torch.as_tensor([teacher.intercept_]))
    return {
        "sklearn": teacher,
        "frozen": FrozenEstimator(teacher),
        "torch": module,
        "callable": lambda rows: np.asarray(rows) @ teacher.coef_ + teacher.intercept_,
    }


@pytest.mark.parametrize("kind", ["sklearn", "frozen", "torch", "callable", "teacher_output"])
@pytest.mark.parametrize("use_mask", [True, False])
def test_teacher_kinds_give_same_fit(kind, use_mask):
    X, X_star, y, mask, sw, _ = make_problem(seed=8)
    teacher = LinearRegression().fit(X_star, y + X_star[:, 0] ** 2)
    mask = mask if use_mask else np.ones_like(mask)
    s = teacher.predict(X_star)
    coef, intercept = numpy_solution(
        X,
        y,
        s,
        mask,
        sw,
        teacher_weight=0.6,
        sigma=1.5,
        sigma_teacher=0.7,
        alpha=0.5,
        fit_intercept=True,
    )
    params = dict(teacher_weight=0.6, sigma=1.5, sigma_teacher=0.7, alpha=0.5)
    # Rows outside the mask carry no privileged information.
    X_star_nan = X_star.copy()
    X_star_nan[~mask] = np.nan
    if kind == "teacher_output":
        output = np.where(mask, s, np.nan)
        est = DistilledRegressor(**params).fit(
            X, y, privileged_mask=mask, teacher_output=output, sample_weight=sw
        )
    else:
        est = DistilledRegressor(_teacher_variants(teacher, X_star.shape[1])[kind], **params)
        est.fit(X, y, X_star=X_star_nan, privileged_mask=mask, sample_weight=sw)
    assert_allclose(est.coef_, coef, rtol=RTOL)
    assert_allclose(est.intercept_, intercept, rtol=RTOL)


def test_float32_torch_teacher_is_close():
    torch = pytest.importorskip("torch")
    X, X_star, y, mask, _, _ = make_problem(seed=8)
    teacher = LinearRegression().fit(X_star, y)
    module = torch.nn.Linear(X_star.shape[1], 1)
    with torch.no_grad():
        module.weight.copy_(torch.as_tensor(teacher.coef_[None, :], dtype=torch.float32))
        module.bias.copy_(torch.as_tensor([teacher.intercept_], dtype=torch.float32))
    module.train()
    est = DistilledRegressor(module).fit(X, y, X_star=X_star, privileged_mask=mask)
    ref = DistilledRegressor(teacher).fit(X, y, X_star=X_star, privileged_mask=mask)
    assert_allclose(est.coef_, ref.coef_, rtol=1e-5)
    assert module.training  # the module's mode is restored


@pytest.mark.parametrize("use_mask", [True, False])
def test_no_X_star_means_teacher_sees_X(use_mask):
    # The SPEC solution with the teacher's answers on X. That the teacher gets
    # exactly the privileged rows of X (dense, sparse, array-like), and that the
    # fit is the one with X_star=X: tests/test_shared_behaviour.py.
    X, _, y, mask, _, _ = make_problem(seed=10)
    mask = mask if use_mask else None
    teacher = SquareTeacher(np.linspace(-1, 1, X.shape[1]))
    est = DistilledRegressor(teacher).fit(X, y, privileged_mask=mask)
    full = np.ones(X.shape[0], dtype=bool) if mask is None else mask
    coef, _ = numpy_solution(
        X, y, teacher.coef @ X.T + 0.3 * (X**2).sum(axis=1), full, np.ones(X.shape[0]),
        teacher_weight=0.5, sigma=1.0, sigma_teacher=1.0, alpha=0.0, fit_intercept=True,
    )  # fmt: skip
    assert_allclose(est.coef_, coef, rtol=RTOL)


# --------------------------------------------------------------------------
# Numerics: rank deficiency (dense and sparse), large feature means. Sparse X
# and X_star fit as dense: the sparse_case fixture (tests/conftest.py) in
# tests/test_shared_behaviour.py.
# --------------------------------------------------------------------------


def test_student_predict_rejects_nan_like_fit():
    X, X_star, y, _, _, teacher = make_problem(seed=7)
    est = DistilledRegressor(teacher, student=HistGradientBoostingRegressor(max_iter=5))
    with threadpool_limits(limits=1, user_api="openmp"):
        est.fit(X, y, X_star=teacher_features(X_star))
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        est.fit(X_nan, y, X_star=teacher_features(X_star))
    with pytest.raises(ValueError, match="NaN"):
        est.predict(X_nan)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("use_sw", [True, False])
def test_rank_deficient_gives_minimum_norm(fit_intercept, use_sw):
    X, X_star, y, mask, sw, _ = make_problem(seed=12)
    sw = sw if use_sw else None
    X = np.column_stack([X, X[:, 0], 2 * X[:, 1]])  # duplicated columns
    est = DistilledRegressor(fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    ref = LinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    assert_allclose(est.coef_, ref.coef_, rtol=1e-8)
    assert_allclose(est.intercept_, ref.intercept_, rtol=1e-8, atol=1e-10)
    # Minimum norm: equal weight split over a duplicated column.
    assert_allclose(est.coef_[0], est.coef_[X.shape[1] - 2], rtol=1e-8)
    # The same through the distilled path (uniform weights, teacher_weight=1).
    teacher = SquareTeacher(np.ones(X_star.shape[1]))
    s = teacher(X_star)
    distilled = DistilledRegressor(teacher, teacher_weight=1.0, fit_intercept=fit_intercept).fit(
        X, y, X_star=X_star
    )
    ref_s = LinearRegression(fit_intercept=fit_intercept).fit(X, s)
    assert_allclose(distilled.coef_, ref_s.coef_, rtol=1e-8)


def test_rank_deficient_sparse_gives_minimum_norm():
    X, _, y, _, _, _ = make_problem(seed=12)
    X = np.column_stack([X, X[:, 0]])
    est = DistilledRegressor().fit(sp.csr_matrix(X), y)
    ref = LinearRegression().fit(X, y)
    assert_allclose(est.coef_, ref.coef_, rtol=1e-8)
    assert_allclose(est.intercept_, ref.intercept_, rtol=1e-8)


@pytest.mark.parametrize("alpha", [0.0, 1.0])
@pytest.mark.parametrize("use_sw", [True, False])
def test_large_feature_means_keep_accuracy(alpha, use_sw):
    X, X_star, y, mask, sw, _ = make_problem(n_samples=2000, seed=13)
    sw = sw if use_sw else None
    shifted = X + 1e6
    # X + 1e6 rounds X; subtracting 1e6 again is exact (Sterbenz), so the
    # centred problem below is exactly the shifted one translated.
    centred = shifted - 1e6
    teacher = SquareTeacher(np.ones(X_star.shape[1]))
    params = dict(teacher_weight=0.5, sigma=1.0, sigma_teacher=0.5, alpha=alpha)
    big = DistilledRegressor(teacher, **params).fit(
        shifted, y, X_star=X_star, privileged_mask=mask, sample_weight=sw
    )
    small = DistilledRegressor(teacher, **params).fit(
        centred, y, X_star=X_star, privileged_mask=mask, sample_weight=sw
    )
    assert_allclose(big.coef_, small.coef_, rtol=1e-9)
    # Intercepts differ by the shift: b_big = b_small - 1e6 * sum(w).
    assert_allclose(big.intercept_ + 1e6 * big.coef_.sum(), small.intercept_, rtol=1e-6)
    assert_allclose(big.predict(shifted), small.predict(centred), rtol=1e-8, atol=1e-6)


# --------------------------------------------------------------------------
# The fitted teacher survives clone and is hidden from get_params
# --------------------------------------------------------------------------


def test_clone_keeps_fitted_teacher(assert_unchanged):
    X, X_star, y, mask, _, teacher = make_problem(seed=14)
    Xt = teacher_features(X_star)
    est = DistilledRegressor(teacher, teacher_weight=0.3, student=DecisionTreeRegressor())
    with assert_unchanged(teacher=teacher):  # never refit
        cloned = clone(est)
        assert cloned.teacher is teacher
        assert cloned.student is not est.student  # other parameters are cloned
        assert cloned.get_params()["teacher_weight"] == 0.3
        with config_context(enable_metadata_routing=True):
            est.set_fit_request(X_star=True, privileged_mask=True)
            assert clone(est).get_metadata_routing().fit.requests["X_star"] is True
        fitted = clone(DistilledRegressor(teacher)).fit(X, y, X_star=Xt, privileged_mask=mask)
        assert clone(fitted).teacher is teacher
        assert not hasattr(clone(fitted), "coef_")


def test_get_params_hides_teacher_parameters():
    _, _, _, _, _, teacher = make_problem(seed=14)
    est = DistilledRegressor(teacher, student=DecisionTreeRegressor())
    params = est.get_params(deep=True)
    assert params["teacher"] is teacher
    assert not [name for name in params if name.startswith("teacher__")]
    assert "student__max_depth" in params  # other nested parameters still show


def test_set_params_on_teacher_raises():
    _, _, _, _, _, teacher = make_problem(seed=14)
    est = DistilledRegressor(teacher)
    with pytest.raises(ValueError, match="teacher"):
        est.set_params(teacher__fit_intercept=False)
    assert teacher.fit_intercept is True  # the user's teacher is untouched
    # Setting another teacher is allowed.
    other = LinearRegression()
    assert est.set_params(teacher=other, teacher_weight=0.2).teacher is other


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------


def _bad_input_cases():
    X, X_star, y, mask, _, _ = make_problem(n_samples=40, seed=15)
    teacher = LinearRegression().fit(X_star, y)
    X_star_nan = X_star.copy()
    X_star_nan[np.flatnonzero(mask)[0], 1] = np.nan
    output_nan = teacher.predict(X_star)
    output_nan[np.flatnonzero(mask)[0]] = np.nan
    return X, X_star, y, mask, teacher, X_star_nan, output_nan


@pytest.mark.parametrize(
    "case, error, match",
    [
        ("X_star_short", ValueError, r"X_star has 30 rows but X has 40.*full length.*NaN"),
        ("teacher_output_short", ValueError, r"teacher_output has 30 rows.*full length"),
        ("mask_length", ValueError, "privileged_mask"),
        ("mask_2d", ValueError, "privileged_mask"),
        ("mask_int", TypeError, "privileged_mask"),
        ("mask_float", TypeError, "privileged_mask"),
        ("nan_X_star", ValueError, r"X_star.*NaN"),
        ("nan_teacher_output", ValueError, r"teacher_output.*NaN"),
        ("unfitted_teacher", NotFittedError, "teacher"),
        ("X_star_without_teacher", ValueError, r"X_star.*teacher"),
        ("mask_without_teacher", ValueError, r"privileged_mask.*teacher"),
        ("teacher_two_columns", ValueError, r"teacher.*shape"),
        ("teacher_wrong_length", ValueError, r"teacher.*shape"),
    ],
)
def test_bad_privileged_input(case, error, match):
    X, X_star, y, mask, teacher, X_star_nan, output_nan = _bad_input_cases()
    fit_kwargs = dict(X_star=X_star, privileged_mask=mask)
    est = DistilledRegressor(teacher)
    if case == "X_star_short":
        fit_kwargs["X_star"] = X_star[:30]
    elif case == "teacher_output_short":
        est = DistilledRegressor()
        fit_kwargs = dict(teacher_output=teacher.predict(X_star)[:30])
    elif case == "mask_length":
        fit_kwargs["privileged_mask"] = mask[:-1]
    elif case == "mask_2d":
        fit_kwargs["privileged_mask"] = mask[:, None]
    elif case == "mask_int":
        fit_kwargs["privileged_mask"] = mask.astype(int)
    elif case == "mask_float":
        fit_kwargs["privileged_mask"] = mask.astype(float)
    elif case == "nan_X_star":
        fit_kwargs["X_star"] = X_star_nan
    elif case == "nan_teacher_output":
        est = DistilledRegressor()
        fit_kwargs = dict(privileged_mask=mask, teacher_output=output_nan)
    elif case == "unfitted_teacher":
        est = DistilledRegressor(LinearRegression())
    elif case == "X_star_without_teacher":
        est = DistilledRegressor()
        fit_kwargs = dict(X_star=X_star)
    elif case == "mask_without_teacher":
        est = DistilledRegressor()
        fit_kwargs = dict(privileged_mask=mask)
    elif case == "teacher_two_columns":
        est = DistilledRegressor(lambda rows: np.ones((len(rows), 2)))
    elif case == "teacher_wrong_length":
        est = DistilledRegressor(lambda rows: np.ones(3))
    with pytest.raises(error, match=match):
        est.fit(X, y, **fit_kwargs)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(sigma=0.0), "sigma"),
        (dict(sigma=-1.0), "sigma"),
        (dict(sigma_teacher=0.0), "sigma_teacher"),
        (dict(sigma_teacher=-2.0), "sigma_teacher"),
        (dict(teacher_weight=-0.1), "teacher_weight"),
        (dict(teacher_weight=1.01), "teacher_weight"),
        (dict(alpha=-1.0), "alpha"),
    ],
)
def test_bad_parameters(params, match):
    X, X_star, y, mask, teacher, _, _ = _bad_input_cases()
    with pytest.raises(ValueError, match=match):
        DistilledRegressor(teacher, **params).fit(X, y, X_star=X_star, privileged_mask=mask)


def test_nan_outside_mask_is_allowed():
    X, X_star, y, mask, teacher, _, _ = _bad_input_cases()
    X_star_nan = X_star.copy()
    X_star_nan[~mask] = np.nan
    output = np.where(mask, teacher.predict(X_star), np.nan)
    a = DistilledRegressor(teacher).fit(X, y, X_star=X_star_nan, privileged_mask=mask)
    b = DistilledRegressor().fit(X, y, privileged_mask=mask, teacher_output=output)
    assert np.all(np.isfinite(a.coef_))
    assert_allclose(a.coef_, b.coef_, rtol=RTOL)


# --- Multi-output y: k outputs, each exactly its own single-output fit -------------


def _multi_output_problem(n=120, p=6, k=3, seed=0, sparse=False, collinear=False):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, p))
    if collinear:
        X[:, -1] = X[:, 0] + X[:, 1]
    Y = X @ rng.normal(size=(p, k)) + 0.3 * rng.normal(size=(n, k))
    answers = Y + 0.2 * rng.normal(size=(n, k))
    mask = rng.uniform(size=n) < 0.6
    answers[~mask] = np.nan
    weights = rng.uniform(0.5, 2.0, size=n)
    return (sp.csr_matrix(X) if sparse else X), Y, answers, mask, weights


@pytest.mark.parametrize(
    "layout",
    ["dense", "dense-rank-deficient", "sparse", "sparse-lsqr", "student", "no-intercept"],
)
def test_multi_output_equals_single_output_fits(layout, monkeypatch):
    if layout == "sparse-lsqr":
        import skdistill._regressor as regressor_module

        monkeypatch.setattr(regressor_module, "_MAX_SPARSE_GRAM_FEATURES", 2)
    X, Y, answers, mask, weights = _multi_output_problem(
        sparse=layout.startswith("sparse"), collinear=layout == "dense-rank-deficient"
    )
    params = dict(teacher_weight=0.4, sigma=0.8, sigma_teacher=0.5, alpha=0.3)
    if layout == "student":
        params["student"] = Ridge(alpha=0.3)
    if layout == "no-intercept":
        params["fit_intercept"] = False
    fit = dict(privileged_mask=mask, sample_weight=weights)
    joint = DistilledRegressor(**params).fit(X, Y, teacher_output=answers, **fit)
    singles = [
        DistilledRegressor(**params).fit(X, Y[:, j], teacher_output=answers[:, j], **fit)
        for j in range(Y.shape[1])
    ]
    predictions = np.column_stack([single.predict(X) for single in singles])
    assert joint.predict(X).shape == Y.shape
    assert_allclose(joint.predict(X), predictions, rtol=1e-9, atol=1e-9)
    if layout != "student":
        assert joint.coef_.shape == (Y.shape[1], X.shape[1])
        assert_allclose(joint.coef_, np.vstack([s.coef_ for s in singles]), rtol=1e-9, atol=1e-10)
        assert_allclose(joint.intercept_, [s.intercept_ for s in singles], rtol=1e-9, atol=1e-10)
        exported = joint.export_student()
        assert_allclose(exported.predict(X), joint.predict(X), rtol=1e-12)


def test_multi_output_teacher_answers_every_output_and_matches_ridge_without_it():
    X, Y, _, mask, _ = _multi_output_problem(k=2)
    teacher = LinearRegression().fit(X, Y)
    student = DistilledRegressor(teacher, teacher_weight=0.5).fit(
        X, Y, X_star=X, privileged_mask=mask
    )
    reference = DistilledRegressor(teacher_weight=0.5).fit(
        X,
        Y,
        teacher_output=np.where(mask[:, None], teacher.predict(X), np.nan),
        privileged_mask=mask,
    )
    assert_allclose(student.coef_, reference.coef_, rtol=1e-12)
    plain = DistilledRegressor(alpha=2.0).fit(X, Y)
    ridge = Ridge(alpha=2.0).fit(X, Y)
    assert_allclose(plain.coef_, ridge.coef_, rtol=1e-10)
    assert_allclose(plain.intercept_, ridge.intercept_, rtol=1e-10)


def test_single_column_y_keeps_linear_regression_shapes():
    # LinearRegression's shapes (Ridge flattens a single column since scikit-learn 1.x).
    X, Y, answers, mask, _ = _multi_output_problem(k=1)
    student = DistilledRegressor().fit(X, Y, teacher_output=answers[:, 0], privileged_mask=mask)
    reference = LinearRegression().fit(X, Y)
    assert student.coef_.shape == reference.coef_.shape == (1, X.shape[1])
    assert student.predict(X).shape == reference.predict(X).shape == (X.shape[0], 1)
    flat = DistilledRegressor().fit(X, Y[:, 0], teacher_output=answers[:, 0], privileged_mask=mask)
    assert_allclose(student.coef_[0], flat.coef_, rtol=1e-12)

"""Properties of the distilled fits that must hold for any data (hypothesis).

- permuting the rows (with X_star, privileged_mask and sample_weight) leaves
  the fit unchanged;
- an integer sample weight equals repeating the row;
- only the ratio sigma / sigma_teacher matters to the regressor;
- teacher_weight=0 never calls the teacher;
- on rank-deficient one-hot designs the regressor is LinearRegression's
  minimum-norm least squares, dense and sparse, with and without a teacher.

The data are drawn from a seed (numpy), so each example is cheap; the
classifier runs full-batch L-BFGS in float64 with a tight tolerance, which
reaches its (strictly convex, alpha > 0) optimum to about 1e-8.

That the caller's arrays (numpy, read-only numpy, pandas) are never modified,
and that the teacher sees exactly the privileged rows (of DataFrames too), is
tested with the other estimators' cases in tests/test_shared_behaviour.py.
"""

import numpy as np
import scipy.sparse as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import LinearRegression

from skdistill import DistilledClassifier, DistilledRegressor

PROPERTY = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EXACT = dict(dtype="float64", tol=1e-10, max_iter=500)
seeds = st.integers(0, 2**31)


def make_data(seed, n_samples, n_classes=3, nan_outside=True):
    """X, X_star (NaN outside the mask), y for both tasks, mask and weights."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, 3))
    X_star = np.hstack([X[:, :1], rng.normal(size=(n_samples, 2))])
    mask = rng.rand(n_samples) < 0.6
    y_reg = X @ rng.normal(size=3) + X_star @ rng.normal(size=3) + 0.1 * rng.normal(size=n_samples)
    y_cls = rng.permutation(np.arange(n_samples) % n_classes)
    weights = rng.uniform(0.5, 2.0, size=n_samples)
    if nan_outside:
        X_star[~mask] = np.nan
    return X, X_star, y_reg, y_cls, mask, weights


class LinearTeacher:
    """A row-wise callable teacher (logits or predictions ``X_star @ W``) that counts its calls."""

    def __init__(self, n_outputs, seed=0):
        self.weights = np.random.RandomState(seed).normal(size=(3, n_outputs))
        self.calls = 0

    def __call__(self, rows):
        self.calls += 1
        out = np.asarray(rows) @ self.weights
        return out[:, 0] if out.shape[1] == 1 else out


def fit_regressor(data, *, teacher_weight=0.6, sigma=1.0, sigma_teacher=0.5, alpha=0.1):
    X, X_star, y, mask, weights = data
    est = DistilledRegressor(
        LinearTeacher(1),
        teacher_weight=teacher_weight,
        sigma=sigma,
        sigma_teacher=sigma_teacher,
        alpha=alpha,
    )
    return est.fit(X, y, X_star=X_star, privileged_mask=mask, sample_weight=weights)


def fit_classifier(data, *, n_classes=3, temperature=2.0):
    X, X_star, y, mask, weights = data
    est = DistilledClassifier(
        LinearTeacher(n_classes), teacher_weight=0.5, temperature=temperature, **EXACT
    )
    return est.fit(X, y, X_star=X_star, privileged_mask=mask, sample_weight=weights)


@PROPERTY
@given(seed=seeds, n_samples=st.integers(5, 40))
def test_regressor_row_permutation(seed, n_samples):
    X, X_star, y, _, mask, weights = make_data(seed, n_samples)
    order = np.random.RandomState(seed + 1).permutation(n_samples)
    a = fit_regressor((X, X_star, y, mask, weights))
    b = fit_regressor((X[order], X_star[order], y[order], mask[order], weights[order]))
    assert_allclose(b.coef_, a.coef_, rtol=1e-8, atol=1e-10)
    assert_allclose(b.intercept_, a.intercept_, rtol=1e-8, atol=1e-10)
    assert_array_equal(b.privileged_mask_, a.privileged_mask_[order])


@PROPERTY
@given(
    seed=seeds,
    n_samples=st.integers(6, 40),
    n_classes=st.integers(2, 4),
    temperature=st.sampled_from([0.5, 1, 4]),
)
def test_classifier_row_permutation(seed, n_samples, n_classes, temperature):
    X, X_star, _, y, mask, weights = make_data(seed, n_samples, n_classes)
    order = np.random.RandomState(seed + 1).permutation(n_samples)
    a = fit_classifier((X, X_star, y, mask, weights), n_classes=n_classes, temperature=temperature)
    b = fit_classifier(
        (X[order], X_star[order], y[order], mask[order], weights[order]),
        n_classes=n_classes,
        temperature=temperature,
    )
    assert_allclose(b.coef_, a.coef_, atol=1e-6)
    assert_allclose(b.intercept_, a.intercept_, atol=1e-6)
    assert_allclose(b.predict_proba(X), a.predict_proba(X), atol=1e-6)


def repeat_rows(data, counts):
    return tuple(np.repeat(part, counts, axis=0) for part in data)


@PROPERTY
@given(seed=seeds, n_samples=st.integers(4, 30))
def test_regressor_integer_weight_is_repeated_rows(seed, n_samples):
    X, X_star, y, _, mask, _ = make_data(seed, n_samples)
    counts = np.random.RandomState(seed).randint(0, 4, size=n_samples)
    counts[0] = max(counts[0], 1)
    weighted = fit_regressor((X, X_star, y, mask, counts.astype(float)))
    repeated = fit_regressor(repeat_rows((X, X_star, y, mask), counts) + (None,))
    assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-8, atol=1e-10)
    assert_allclose(weighted.intercept_, repeated.intercept_, rtol=1e-8, atol=1e-10)


@PROPERTY
@given(seed=seeds, n_samples=st.integers(6, 30), n_classes=st.integers(2, 4))
def test_classifier_integer_weight_is_repeated_rows(seed, n_samples, n_classes):
    X, X_star, _, y, mask, _ = make_data(seed, n_samples, n_classes)
    counts = np.random.RandomState(seed).randint(1, 4, size=n_samples)
    weighted = fit_classifier((X, X_star, y, mask, counts.astype(float)), n_classes=n_classes)
    repeated = fit_classifier(
        repeat_rows((X, X_star, y, mask), counts) + (None,), n_classes=n_classes
    )
    assert_allclose(weighted.coef_, repeated.coef_, atol=1e-6)
    assert_allclose(weighted.intercept_, repeated.intercept_, atol=1e-6)


@PROPERTY
@given(
    seed=seeds,
    n_samples=st.integers(4, 30),
    scale=st.floats(1e-3, 1e3),
    ratio=st.floats(0.1, 10),
    alpha=st.sampled_from([0.0, 0.5]),
)
def test_regressor_only_sigma_ratio_matters(seed, n_samples, scale, ratio, alpha):
    X, X_star, y, _, mask, weights = make_data(seed, n_samples)
    data = (X, X_star, y, mask, weights)
    a = fit_regressor(data, sigma=1.0, sigma_teacher=ratio, alpha=alpha + 1e-3)
    b = fit_regressor(data, sigma=scale, sigma_teacher=scale * ratio, alpha=alpha + 1e-3)
    assert_allclose(b.coef_, a.coef_, rtol=1e-7, atol=1e-9)
    assert_allclose(b.intercept_, a.intercept_, rtol=1e-7, atol=1e-9)


@PROPERTY
@given(
    seed=seeds, n_samples=st.integers(6, 30), estimator=st.sampled_from(["regressor", "classifier"])
)
def test_zero_teacher_weight_never_calls_teacher(seed, n_samples, estimator):
    X, X_star, y_reg, y_cls, mask, weights = make_data(seed, n_samples)
    if estimator == "regressor":
        teacher = LinearTeacher(1)
        est = DistilledRegressor(teacher, teacher_weight=0.0, alpha=0.1)
        plain = DistilledRegressor(alpha=0.1).fit(X, y_reg, sample_weight=weights)
        y = y_reg
    else:
        teacher = LinearTeacher(3)
        est = DistilledClassifier(teacher, teacher_weight=0.0, **EXACT)
        plain = DistilledClassifier(**EXACT).fit(X, y_cls, sample_weight=weights)
        y = y_cls
    est.fit(X, y, X_star=X_star, privileged_mask=mask, sample_weight=weights)
    assert teacher.calls == 0
    assert_allclose(est.coef_, plain.coef_, atol=1e-8)


def one_hot_design(seed, n_samples, n_groups, n_continuous, scaled):
    """Categorical columns one-hot encoded (each group sums to one: collinear with
    the intercept and with each other), optional continuous columns, per-column scales."""
    rng = np.random.RandomState(seed)
    blocks = []
    for _ in range(n_groups):
        n_levels = rng.randint(2, 7)
        blocks.append(np.eye(n_levels)[rng.randint(0, n_levels, size=n_samples)])
    blocks.append(rng.normal(size=(n_samples, n_continuous)))
    X = np.hstack(blocks)
    if scaled:
        X *= 10.0 ** rng.uniform(-3, 3, size=X.shape[1])
    y = X @ rng.normal(size=X.shape[1]) + rng.normal(size=n_samples)
    return X, y, rng.uniform(0.2, 3.0, size=n_samples)


@settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    seed=seeds,
    n_samples=st.integers(2, 60),
    n_groups=st.integers(1, 3),
    n_continuous=st.integers(0, 3),
    scaled=st.booleans(),
    weighted=st.booleans(),
    fit_intercept=st.booleans(),
)
def test_regressor_equals_lstsq_on_one_hot_designs(
    seed, n_samples, n_groups, n_continuous, scaled, weighted, fit_intercept
):
    # Rank-deficient designs (one-hot groups with or without an intercept,
    # fewer rows than columns): the minimum-norm least-squares solution of
    # LinearRegression, coefficients and predictions, not just any minimiser.
    # LinearRegression's lstsq cuts singular values below tol (1e-6) times the
    # largest, a regularising choice: the exact minimum-norm solution is the
    # one with lstsq's own cutoff, max(n, p) * eps. With an intercept, a column
    # constant over the rows (a level every row has) has the minimum-norm
    # coefficient 0; LinearRegression would fit it to the rounding error of
    # its centring, so the reference is fitted without it.
    X, y, weights = one_hot_design(seed, n_samples, n_groups, n_continuous, scaled)
    weights = weights if weighted else None
    varying = X.min(axis=0) != X.max(axis=0) if fit_intercept else np.ones(X.shape[1], dtype=bool)
    assume(varying.any())
    exact_cutoff = max(X.shape) * np.finfo(np.float64).eps
    # Only designs whose numerical rank is well defined: a singular value at
    # rounding level just above lstsq's cutoff is kept or cut depending on
    # how the centring rounded, in either implementation.
    root_w = np.sqrt(weights if weights is not None else np.ones(len(y)))
    offset = np.average(X[:, varying], axis=0, weights=root_w**2) if fit_intercept else 0.0
    singular = np.linalg.svd((X[:, varying] - offset) * root_w[:, None], compute_uv=False)
    relative = singular / singular[0] if singular[0] > 0 else singular
    assume(not np.any((relative > exact_cutoff / 30) & (relative < 1e-10)))
    reference = LinearRegression(fit_intercept=fit_intercept, tol=exact_cutoff).fit(
        X[:, varying], y, sample_weight=weights
    )
    expected_coef = np.zeros(X.shape[1])
    expected_coef[varying] = reference.coef_
    fitted = DistilledRegressor(fit_intercept=fit_intercept).fit(X, y, sample_weight=weights)
    scale = (1.0 + np.abs(expected_coef).max()) * (1.0 + np.abs(X).max())
    assert_allclose(fitted.coef_, expected_coef, rtol=0, atol=1e-9 * scale)
    assert_allclose(
        fitted.intercept_, reference.intercept_, rtol=0, atol=1e-9 * (1 + np.abs(y).max()) * scale
    )
    X_new = one_hot_design(seed + 1, 20, n_groups, n_continuous, scaled)[0]
    if X_new.shape[1] == X.shape[1]:
        assert_allclose(
            fitted.predict(X_new),
            reference.predict(X_new[:, varying]),
            rtol=0,
            atol=1e-8 * scale * (1 + np.abs(y).max()),
        )


@settings(
    max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    seed=seeds,
    n_samples=st.integers(3, 60),
    n_groups=st.integers(1, 3),
    n_continuous=st.integers(0, 2),
)
def test_sparse_regressor_predicts_as_lstsq_on_one_hot_designs(
    seed, n_samples, n_groups, n_continuous
):
    # Sparse X is never centred; a one-hot design is singular with the
    # intercept column, and the fit falls back to LSQR on the centred operator.
    X, y, weights = one_hot_design(seed, n_samples, n_groups, n_continuous, scaled=False)
    expected = LinearRegression().fit(X, y, sample_weight=weights)
    fitted = DistilledRegressor().fit(sp.csr_matrix(X), y, sample_weight=weights)
    assert_allclose(
        fitted.predict(sp.csr_matrix(X)),
        expected.predict(X),
        rtol=0,
        atol=1e-7 * (1 + np.abs(y).max()),
    )


@settings(
    max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    seed=seeds,
    n_samples=st.integers(3, 50),
    teacher_weight=st.floats(0.05, 1.0),
    ratio=st.sampled_from([0.3, 1.0, 4.0]),
)
def test_distilled_regressor_on_one_hot_designs_is_lstsq_on_corrected_targets(
    seed, n_samples, teacher_weight, ratio
):
    # The distilled fit is weighted least squares on the corrected targets of
    # SPEC section 3: with a rank-deficient design too.
    X, y, _ = one_hot_design(seed, n_samples, 2, 1, scaled=False)
    rng = np.random.RandomState(seed)
    mask = rng.rand(n_samples) < 0.5
    answers = np.where(mask, y + rng.normal(size=n_samples), np.nan)
    precision = teacher_weight * ratio**2
    targets = np.where(
        mask,
        ((1 - teacher_weight) * y + precision * np.nan_to_num(answers))
        / (1 - teacher_weight + precision),
        y,
    )
    weights = np.where(mask, 1 - teacher_weight + precision, 1.0)
    expected = LinearRegression().fit(X, targets, sample_weight=weights)
    fitted = DistilledRegressor(teacher_weight=teacher_weight, sigma=ratio).fit(
        X, y, teacher_output=answers, privileged_mask=mask
    )
    scale = 1.0 + np.abs(expected.coef_).max()
    assert_allclose(fitted.coef_, expected.coef_, rtol=0, atol=1e-9 * scale)
    assert_allclose(
        fitted.predict(X), expected.predict(X), rtol=0, atol=1e-9 * scale * (1 + np.abs(y).max())
    )

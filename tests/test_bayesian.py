"""BayesianDistilledRegressor against the mathematics of SPEC section 8.

The references below are written from the SPEC's formulas on the stacked
rows ``[X; X_I]`` with targets ``[y; s]`` and precisions ``1 / sigma**2`` and
``1 / sigma_teacher**2``, independently of skdistill's Gram-matrix code. The
intercept has a flat prior and is profiled out, which centres the stacked rows
by their precision-weighted mean (as scikit-learn's BayesianRidge centres its
rows); integer sample weights are checked as repeated rows.
"""

import pickle
import warnings

import numpy as np
import pytest
import scipy.optimize
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import BayesianRidge, LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdistill import DistilledRegressor
from skdistill._bayesian import BayesianDistilledRegressor, _EvidenceProblem

# --------------------------------------------------------------------------
# Data and independent references
# --------------------------------------------------------------------------


def make_problem(
    n_samples=300, n_features=4, sigma=1.0, sigma_teacher=0.3, share=0.5, teacher_bias=0.3, seed=0
):
    """Data of the joint model, with privileged rows whose features are shifted.

    The shift of ``X`` on the privileged rows and the teacher's bias make the
    two groups' means differ, so that the centring of the stacked rows
    (which depends on the noise levels) matters.
    """
    rng = np.random.RandomState(seed)
    mask = rng.uniform(size=n_samples) < share
    X = rng.normal(size=(n_samples, n_features))
    X[mask] += 1.5
    w = rng.normal(size=n_features)
    y = X @ w + 2.0 + sigma * rng.normal(size=n_samples)
    s = X @ w + 2.0 + teacher_bias + sigma_teacher * rng.normal(size=n_samples)
    s[~mask] = np.nan
    return X, y, s, mask


def stacked(X, y, s, mask, sigma, sigma_teacher, sample_weight=None):
    """The stacked rows, targets and precisions of SPEC section 8.

    Integer sample weights repeat the rows (label and teacher answer alike).
    """
    if sample_weight is not None:
        repeat = np.asarray(sample_weight, dtype=int)
        X, y, s, mask = (np.repeat(a, repeat, axis=0) for a in (X, y, s, mask))
    rows = np.vstack([X, X[mask]])
    targets = np.concatenate([y, s[mask]])
    precisions = np.concatenate(
        [np.full(len(y), sigma**-2.0), np.full(int(mask.sum()), sigma_teacher**-2.0)]
    )
    return rows, targets, precisions


def spec_posterior(
    X, y, s, mask, alpha, sigma, sigma_teacher, fit_intercept=True, sample_weight=None
):
    """Posterior mean, intercept and A of the SPEC on the (centred) stacked rows."""
    rows, targets, beta = stacked(X, y, s, mask, sigma, sigma_teacher, sample_weight)
    x_offset = np.zeros(rows.shape[1])
    t_offset = 0.0
    if fit_intercept:
        x_offset = beta @ rows / beta.sum()
        t_offset = beta @ targets / beta.sum()
    rows = rows - x_offset
    targets = targets - t_offset
    A = alpha * np.eye(rows.shape[1]) + rows.T @ (beta[:, None] * rows)
    m = np.linalg.solve(A, rows.T @ (beta * targets))
    return m, t_offset - x_offset @ m, A, rows, targets, beta, x_offset


def spec_log_evidence(
    X, y, s, mask, alpha, sigma, sigma_teacher, fit_intercept=True, sample_weight=None, prior=0.0
):
    """SPEC section 8's log evidence, written from the stacked matrices.

    ``prior`` adds BayesianRidge's Gamma log-priors ``a log(tau) - a tau`` for
    each precision tau (the teacher's only when there are privileged rows).
    """
    m, _, A, rows, targets, beta, _ = spec_posterior(
        X, y, s, mask, alpha, sigma, sigma_teacher, fit_intercept, sample_weight
    )
    n_stacked, p = rows.shape
    value = 0.5 * (
        np.sum(np.log(beta))
        + p * np.log(alpha)
        - np.linalg.slogdet(A)[1]
        - beta @ (targets - rows @ m) ** 2
        - alpha * m @ m
        - n_stacked * np.log(2 * np.pi)
    )
    precisions = [alpha, sigma**-2.0] + ([sigma_teacher**-2.0] if mask.any() else [])
    return value + sum(prior * (np.log(tau) - tau) for tau in precisions)


def fit_tight(X, y, s, mask, **params):
    params = {"tol": 1e-12, "max_iter": 10_000, **params}
    return BayesianDistilledRegressor(**params).fit(X, y, teacher_output=s, privileged_mask=mask)


# --------------------------------------------------------------------------
# (1) Known noise levels are recovered
# --------------------------------------------------------------------------


@pytest.mark.parametrize("share", [0.5, 1.0])
def test_recovers_known_noise_levels(share):
    """s_i = w^T x_i + N(0, 0.3**2) beside y_i = w^T x_i + N(0, 1), 5000 rows."""
    X, y, s, mask = make_problem(
        n_samples=5000,
        n_features=5,
        sigma=1.0,
        sigma_teacher=0.3,
        share=share,
        teacher_bias=0.0,
        seed=1,
    )
    model = BayesianDistilledRegressor().fit(X, y, teacher_output=s, privileged_mask=mask)
    assert model.sigma_ == pytest.approx(1.0, rel=0.1)
    assert model.sigma_teacher_ == pytest.approx(0.3, rel=0.1)
    assert model.teacher_weight_ == pytest.approx(0.3**-2 / (1.0 + 0.3**-2), rel=0.02)
    assert model.intercept_ == pytest.approx(2.0, abs=0.05)


def test_teacher_weight_is_the_precision_share():
    X, y, s, mask = make_problem()
    model = BayesianDistilledRegressor().fit(X, y, teacher_output=s, privileged_mask=mask)
    beta_y, beta_s = model.sigma_**-2, model.sigma_teacher_**-2
    assert model.teacher_weight_ == pytest.approx(beta_s / (beta_y + beta_s), rel=1e-14)


# --------------------------------------------------------------------------
# (2) The log evidence is SPEC section 8's formula
# --------------------------------------------------------------------------


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_log_evidence_at_fitted_values_is_the_spec_formula(fit_intercept, weighted):
    X, y, s, mask = make_problem()
    sample_weight = np.random.RandomState(3).randint(1, 4, size=len(y)) if weighted else None
    model = BayesianDistilledRegressor(
        tol=1e-12, max_iter=10_000, precision_prior=0.0, fit_intercept=fit_intercept
    )
    model.fit(X, y, teacher_output=s, privileged_mask=mask, sample_weight=sample_weight)
    at_optimum = (
        X,
        y,
        s,
        mask,
        model.alpha_,
        model.sigma_,
        model.sigma_teacher_,
        fit_intercept,
        sample_weight,
    )
    expected = spec_log_evidence(*at_optimum)
    assert model.scores_[-1] == pytest.approx(expected, rel=1e-11)
    m, intercept, A, *_ = spec_posterior(*at_optimum)
    assert_allclose(model.coef_, m, rtol=1e-10)
    assert model.intercept_ == pytest.approx(intercept, rel=1e-10, abs=1e-12)
    assert_allclose(model.coef_covariance_, np.linalg.inv(A), rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_fewer_rows_than_features_is_the_spec_formula(fit_intercept):
    """12 rows, 30 features: the fit works in the rows' subspace, exactly."""
    X, y, s, mask = make_problem(n_samples=12, n_features=30, seed=22)
    model = fit_tight(X, y, s, mask, fit_intercept=fit_intercept, precision_prior=1e-6)
    expected = spec_log_evidence(
        X, y, s, mask, model.alpha_, model.sigma_, model.sigma_teacher_, fit_intercept, prior=1e-6
    )
    assert model.scores_[-1] == pytest.approx(expected, rel=1e-10)
    m, intercept, A, *_ = spec_posterior(
        X, y, s, mask, model.alpha_, model.sigma_, model.sigma_teacher_, fit_intercept
    )
    assert_allclose(model.coef_, m, rtol=1e-7)
    assert model.intercept_ == pytest.approx(intercept, rel=1e-7, abs=1e-10)
    reference = np.linalg.inv(A)  # itself only as accurate as A is conditioned
    assert_allclose(model.coef_covariance_, reference, rtol=0, atol=1e-8 * np.abs(reference).max())


@pytest.mark.parametrize("prior", [0.0, 1e-6, 0.5])
def test_log_evidence_at_arbitrary_values_is_the_spec_formula(prior):
    X, y, s, mask = make_problem(seed=4)
    rng = np.random.RandomState(5)
    sample_weight = rng.randint(0, 3, size=len(y))
    problem = _EvidenceProblem(X, y, s[mask], mask, sample_weight.astype(float), True, prior)
    for _ in range(5):
        alpha, sigma, sigma_teacher = np.exp(rng.uniform(-3, 3, size=3))
        value = problem.log_evidence(alpha, sigma**-2, sigma_teacher**-2)
        expected = spec_log_evidence(
            X, y, s, mask, alpha, sigma, sigma_teacher, True, sample_weight, prior
        )
        assert value == pytest.approx(expected, rel=1e-11)


def test_first_score_is_the_evidence_at_the_initial_values():
    X, y, s, mask = make_problem(seed=6)
    model = BayesianDistilledRegressor(
        max_iter=1, alpha_init=0.37, sigma_init=2.5, sigma_teacher_init=0.08, precision_prior=0.0
    )
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        model.fit(X, y, teacher_output=s, privileged_mask=mask)
    assert model.n_iter_ == 1 and model.scores_.shape == (2,)
    assert model.scores_[0] == pytest.approx(
        spec_log_evidence(X, y, s, mask, 0.37, 2.5, 0.08), rel=1e-12
    )


def test_scores_increase_to_the_fitted_value():
    X, y, s, mask = make_problem(seed=7)
    model = fit_tight(X, y, s, mask)
    assert np.all(np.diff(model.scores_) >= -1e-9 * np.abs(model.scores_[1:]))
    assert model.scores_.shape == (model.n_iter_ + 1,)


# --------------------------------------------------------------------------
# (3) The fixed point is the maximum of the evidence
# --------------------------------------------------------------------------


@pytest.mark.parametrize("prior", [0.0, 1e-6])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_fixed_point_is_the_scipy_maximum(prior, fit_intercept):
    X, y, s, mask = make_problem(n_samples=300, seed=8)
    model = fit_tight(X, y, s, mask, precision_prior=prior, fit_intercept=fit_intercept)

    def negative(log_params):
        alpha, sigma, sigma_teacher = np.exp(log_params)
        return -spec_log_evidence(
            X, y, s, mask, alpha, sigma, sigma_teacher, fit_intercept, prior=prior
        )

    result = scipy.optimize.minimize(
        negative,
        np.zeros(3),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20_000, "maxfev": 40_000},
    )
    assert result.success
    alpha, sigma, sigma_teacher = np.exp(result.x)
    assert model.alpha_ == pytest.approx(alpha, rel=1e-6)
    assert model.sigma_ == pytest.approx(sigma, rel=1e-6)
    assert model.sigma_teacher_ == pytest.approx(sigma_teacher, rel=1e-6)
    assert model.scores_[-1] == pytest.approx(-result.fun, rel=1e-12)
    assert model.scores_[-1] >= -result.fun - 1e-9


def test_fixed_point_is_stationary():
    """Central differences of the independent formula vanish at the fit."""
    X, y, s, mask = make_problem(seed=9)
    model = fit_tight(X, y, s, mask, precision_prior=0.0)
    point = np.log([model.alpha_, model.sigma_, model.sigma_teacher_])
    step = 1e-5
    for k in range(3):
        shift = np.zeros(3)
        shift[k] = step
        up = spec_log_evidence(X, y, s, mask, *np.exp(point + shift))
        down = spec_log_evidence(X, y, s, mask, *np.exp(point - shift))
        assert abs(up - down) / (2 * step) < 1e-5


# --------------------------------------------------------------------------
# (4) Without privileged rows it is BayesianRidge
# --------------------------------------------------------------------------


def _ridge_problem(n_samples, n_features, seed):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_features)) + 3.0
    y = X @ rng.normal(size=n_features) + rng.normal(size=n_samples) + 2.0
    return X, y, rng.uniform(0.5, 2.0, size=n_samples)


def _no_privileged_fits(X, y, sample_weight, **params):
    """The same estimator with no privileged rows, said three ways."""
    none = np.zeros(len(y), dtype=bool)
    yield BayesianDistilledRegressor(**params).fit(X, y, sample_weight=sample_weight)
    yield BayesianDistilledRegressor(LinearRegression().fit(X, y), **params).fit(
        X, y, privileged_mask=none, sample_weight=sample_weight
    )
    yield BayesianDistilledRegressor(**params).fit(
        X,
        y,
        teacher_output=np.full(len(y), np.nan),
        privileged_mask=none,
        sample_weight=sample_weight,
    )


@pytest.mark.parametrize(
    "shape, weighted, fit_intercept",
    [
        ((200, 5), False, True),
        ((200, 5), True, True),
        ((200, 5), False, False),
        ((200, 5), True, False),
        ((10, 30), False, True),
        ((10, 30), True, True),
        ((10, 30), False, False),
        ((10, 30), True, False),
    ],
)
def test_without_privileged_rows_equals_bayesian_ridge(shape, weighted, fit_intercept):
    X, y, sw = _ridge_problem(*shape, seed=10)
    sample_weight = sw if weighted else None
    ridge = BayesianRidge(compute_score=True, fit_intercept=fit_intercept).fit(
        X, y, sample_weight=sample_weight
    )
    X_new = np.random.RandomState(11).normal(size=(7, shape[1])) + 3.0
    mean, std = ridge.predict(X_new, return_std=True)
    for model in _no_privileged_fits(X, y, sample_weight, fit_intercept=fit_intercept):
        # BayesianRidge's alpha_ is the noise precision, its lambda_ the
        # weight precision and its sigma_ the posterior covariance.
        assert model.n_iter_ == ridge.n_iter_
        assert_allclose(model.coef_, ridge.coef_, rtol=1e-8)
        assert model.intercept_ == pytest.approx(ridge.intercept_, rel=1e-8, abs=1e-12)
        assert model.alpha_ == pytest.approx(ridge.lambda_, rel=1e-8)
        assert model.sigma_ == pytest.approx(ridge.alpha_**-0.5, rel=1e-8)
        assert_allclose(model.coef_covariance_, ridge.sigma_, rtol=1e-8, atol=1e-14)
        # BayesianRidge's last score pairs the coefficients of its last loop
        # iteration with the residuals of the final ones (scikit-learn 1.9);
        # ours is the evidence at the fitted values (checked against the
        # formula above), so only the scores of the iterations are compared.
        assert model.scores_.shape == ridge.scores_.shape
        assert_allclose(model.scores_[:-1], ridge.scores_[:-1], rtol=1e-8)
        assert model.sigma_teacher_ == np.inf and model.teacher_weight_ == 0.0
        model_mean, model_std = model.predict(X_new, return_std=True)
        assert_allclose(model_mean, mean, rtol=1e-8)
        assert_allclose(model_std, std, rtol=1e-8)
        assert_allclose(model.predict(X_new), mean, rtol=1e-8)


def test_zero_weight_privileged_rows_are_no_teacher():
    X, y, sw = _ridge_problem(100, 3, seed=12)
    sample_weight = np.where(np.arange(100) < 20, 0.0, sw)
    mask = np.arange(100) < 20
    s = np.where(mask, 5.0, np.nan)
    model = BayesianDistilledRegressor().fit(
        X, y, teacher_output=s, privileged_mask=mask, sample_weight=sample_weight
    )
    ridge = BayesianRidge().fit(X, y, sample_weight=sample_weight)
    assert_allclose(model.coef_, ridge.coef_, rtol=1e-8)
    assert model.teacher_weight_ == 0.0


# --------------------------------------------------------------------------
# The posterior mean, the stacked ridge and DistilledRegressor
# --------------------------------------------------------------------------


def test_posterior_mean_is_ridge_on_stacked_rows_with_a_free_intercept():
    """The intercept column is unpenalised: the flat prior, not a centring rule."""
    X, y, s, mask = make_problem(seed=13)
    model = fit_tight(X, y, s, mask)
    rows, targets, beta = stacked(X, y, s, mask, model.sigma_, model.sigma_teacher_)
    design = np.column_stack([rows, np.ones(len(targets))])
    penalty = np.diag(np.append(np.full(X.shape[1], model.alpha_), 0.0))
    solution = np.linalg.solve(
        design.T @ (beta[:, None] * design) + penalty, design.T @ (beta * targets)
    )
    assert_allclose(model.coef_, solution[:-1], rtol=1e-10)
    assert model.intercept_ == pytest.approx(solution[-1], rel=1e-10)


def test_all_rows_privileged_equals_distilled_regressor_at_the_chosen_weight():
    X, y, s, _ = make_problem(share=1.0, seed=14)
    model = BayesianDistilledRegressor().fit(X, y, teacher_output=s)
    total = model.sigma_**-2 + model.sigma_teacher_**-2
    distilled = DistilledRegressor(teacher_weight=model.teacher_weight_, alpha=model.alpha_ / total)
    distilled.fit(X, y, teacher_output=s)
    assert_allclose(model.coef_, distilled.coef_, rtol=1e-10)
    assert model.intercept_ == pytest.approx(distilled.intercept_, rel=1e-10)


def test_return_std_includes_label_noise_and_weight_uncertainty():
    X, y, s, mask = make_problem(seed=15)
    model = fit_tight(X, y, s, mask)
    *_, x_offset = spec_posterior(X, y, s, mask, model.alpha_, model.sigma_, model.sigma_teacher_)
    X_new = np.random.RandomState(16).normal(size=(6, X.shape[1]))
    centred = X_new - x_offset
    expected = np.sqrt(
        np.einsum("ij,jk,ik->i", centred, model.coef_covariance_, centred) + model.sigma_**2
    )
    mean, std = model.predict(X_new, return_std=True)
    assert_allclose(model.X_offset_, x_offset, rtol=1e-12)
    assert_allclose(std, expected, rtol=1e-12)
    assert_allclose(mean, model.predict(X_new))
    assert np.all(std > model.sigma_)


# --------------------------------------------------------------------------
# Sample weights are frequencies; the teacher comes as for DistilledRegressor
# --------------------------------------------------------------------------


def test_integer_sample_weight_is_repeating_rows():
    X, y, s, mask = make_problem(seed=17)
    weights = np.random.RandomState(18).randint(0, 4, size=len(y))
    weighted = BayesianDistilledRegressor(tol=1e-12, max_iter=10_000).fit(
        X, y, teacher_output=s, privileged_mask=mask, sample_weight=weights
    )
    repeated = fit_tight(*(np.repeat(a, weights, axis=0) for a in (X, y, s, mask)))
    for name in ("coef_", "intercept_", "alpha_", "sigma_", "sigma_teacher_", "coef_covariance_"):
        assert_allclose(getattr(weighted, name), getattr(repeated, name), rtol=1e-9, atol=1e-14)
    assert weighted.scores_[-1] == pytest.approx(repeated.scores_[-1], rel=1e-10)


def test_teacher_fit_parameters_as_distilled_regressor():
    """teacher=, X_star=, privileged_mask= and teacher_output= give the same fit."""
    rng = np.random.RandomState(19)
    X_star = rng.normal(size=(400, 3))
    X = X_star[:, :2] + 0.3 * rng.normal(size=(400, 2))
    y = X_star.sum(axis=1) + 0.5 * rng.normal(size=400)
    teacher = LinearRegression().fit(X_star, y)
    mask = rng.uniform(size=400) < 0.6
    X_star_partial = np.where(mask[:, None], X_star, np.nan)
    by_teacher = BayesianDistilledRegressor(teacher).fit(
        X, y, X_star=X_star_partial, privileged_mask=mask
    )
    answers = np.where(mask, teacher.predict(X_star), np.nan)
    by_output = BayesianDistilledRegressor().fit(X, y, teacher_output=answers, privileged_mask=mask)
    assert_allclose(by_teacher.coef_, by_output.coef_, rtol=1e-12)
    assert_array_equal(by_teacher.privileged_mask_, mask)
    # Hinton's case: the teacher sees X itself.
    hinton_teacher = LinearRegression().fit(X, y)
    hinton = BayesianDistilledRegressor(hinton_teacher).fit(X, y)
    assert hinton.privileged_mask_.all()
    assert hinton.sigma_teacher_ < hinton.sigma_


def test_exactly_linear_teacher_stays_finite():
    """A teacher that is a linear function of X gets a large, finite precision."""
    rng = np.random.RandomState(20)
    X = rng.normal(size=(100, 4))
    y = X @ np.full(4, 0.5) + rng.normal(size=100)
    model = BayesianDistilledRegressor(lambda rows: rows @ np.ones(4)).fit(X, y)
    assert np.isfinite(model.sigma_teacher_) and model.sigma_teacher_ < 1e-3
    assert model.teacher_weight_ > 0.999
    assert_allclose(model.coef_, np.ones(4), rtol=1e-6)


# --------------------------------------------------------------------------
# (5) Bad input
# --------------------------------------------------------------------------


def test_single_row_is_refused():
    X, y, s, mask = make_problem()
    with pytest.raises(ValueError, match=r"at least 2 samples.*n_samples=1"):
        BayesianDistilledRegressor().fit(X[:1], y[:1])
    one_weight = np.zeros(len(y))
    one_weight[0] = 5.0
    with pytest.raises(ValueError, match=r"at least 2 samples with positive weight.*n_samples=1"):
        BayesianDistilledRegressor().fit(
            X, y, teacher_output=s, privileged_mask=mask, sample_weight=one_weight
        )


@pytest.mark.parametrize("name", ["alpha_init", "sigma_init", "sigma_teacher_init"])
@pytest.mark.parametrize("value", [0.0, -1.0, np.nan, np.inf])
def test_non_positive_or_non_finite_inits_are_refused(name, value):
    X, y, s, mask = make_problem()
    with pytest.raises(InvalidParameterError, match=name):
        BayesianDistilledRegressor(**{name: value}).fit(
            X, y, teacher_output=s, privileged_mask=mask
        )


@pytest.mark.parametrize(
    "params",
    [
        {"precision_prior": -1e-6},
        {"max_iter": 0},
        {"tol": -1.0},
        {"fit_intercept": "yes"},
        {"teacher": 3},
    ],
)
def test_invalid_parameters_are_refused(params):
    X, y, *_ = make_problem()
    with pytest.raises(InvalidParameterError, match=next(iter(params))):
        BayesianDistilledRegressor(**params).fit(X, y)


def test_too_little_total_weight_is_explained():
    X, y, *_ = make_problem(n_samples=30, n_features=10)
    with pytest.raises(ValueError, match="sample_weight are frequencies"):
        BayesianDistilledRegressor().fit(X, y, sample_weight=np.full(30, 0.01))


def test_other_bad_inputs_give_clear_errors():
    X, y, s, mask = make_problem()
    with pytest.raises(ValueError, match="is a classifier"):
        classifier = LogisticRegression().fit(X, y > y.mean())
        BayesianDistilledRegressor(classifier).fit(X, y)
    with pytest.raises(ValueError, match="neither a `teacher` nor"):
        BayesianDistilledRegressor().fit(X, y, X_star=X)
    with pytest.raises(ValueError, match="teacher_output has 10 rows"):
        BayesianDistilledRegressor().fit(X, y, teacher_output=s[:10])
    with pytest.raises(ValueError, match="NaN or infinity"):
        BayesianDistilledRegressor().fit(X, y, teacher_output=s)  # NaN on rows the mask selects
    with pytest.raises(ValueError, match="non-negative"):
        BayesianDistilledRegressor().fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(TypeError, match="instance"):
        BayesianDistilledRegressor(LinearRegression).fit(X, y)
    with pytest.raises(NotFittedError):
        BayesianDistilledRegressor().predict(X)


def test_convergence_warning_names_max_iter():
    X, y, s, mask = make_problem()
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        BayesianDistilledRegressor(max_iter=2, tol=0.0).fit(
            X, y, teacher_output=s, privileged_mask=mask
        )


def test_failed_fit_leaves_the_estimator_as_it_was():
    X, y, s, mask = make_problem()
    model = BayesianDistilledRegressor().fit(X, y, teacher_output=s, privileged_mask=mask)
    before = {name: pickle.dumps(value) for name, value in vars(model).items()}
    bad = np.where(mask, s, np.nan)
    bad[np.flatnonzero(mask)[0]] = np.nan
    with pytest.raises(ValueError):
        model.fit(X[:, :2], y, teacher_output=bad, privileged_mask=mask)
    assert {name: pickle.dumps(value) for name, value in vars(model).items()} == before


def test_caller_arrays_are_unchanged():
    X, y, s, mask = make_problem()
    sample_weight = np.random.RandomState(21).uniform(0.5, 2.0, size=len(y))
    arrays = (X, y, s, mask, sample_weight)
    copies = [a.copy() for a in arrays]
    BayesianDistilledRegressor().fit(
        X, y, teacher_output=s, privileged_mask=mask, sample_weight=sample_weight
    )
    for original, copy in zip(arrays, copies):
        assert_array_equal(original, copy)


# --------------------------------------------------------------------------
# scikit-learn conventions
# --------------------------------------------------------------------------


def wobbly_teacher(X):
    """A teacher for any width (module level, so it pickles), not linear in X."""
    X = np.asarray(X, dtype=np.float64)
    return X.sum(axis=1) + np.sin(3.0 * X).sum(axis=1)


def sum_teacher(X):
    """A teacher that is exactly linear in X: the evidence trusts it fully."""
    return np.asarray(X, dtype=np.float64).sum(axis=1)


@parametrize_with_checks(
    [
        BayesianDistilledRegressor(),
        BayesianDistilledRegressor(wobbly_teacher),
        BayesianDistilledRegressor(sum_teacher),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


def test_clone_shares_teacher_and_pickle_round_trips():
    X, y, *_ = make_problem()
    teacher = LinearRegression().fit(X, y)
    model = BayesianDistilledRegressor(teacher, tol=1e-6).fit(X, y)
    copy = clone(model)
    assert copy.teacher is teacher and copy.get_params()["tol"] == 1e-6
    assert not hasattr(copy, "coef_")
    restored = pickle.loads(pickle.dumps(model))
    assert_array_equal(restored.predict(X), model.predict(X))
    assert_array_equal(
        restored.predict(X, return_std=True)[1], model.predict(X, return_std=True)[1]
    )


def test_pipeline_grid_search_and_cross_validation():
    X, y, s, mask = make_problem(n_samples=240)
    pipe = make_pipeline(StandardScaler(), BayesianDistilledRegressor())
    pipe.fit(
        X,
        y,
        bayesiandistilledregressor__teacher_output=s,
        bayesiandistilledregressor__privileged_mask=mask,
    )
    assert pipe[-1].teacher_weight_ > 0.5
    search = GridSearchCV(
        BayesianDistilledRegressor(),
        {"precision_prior": [0.0, 1e-6, 1.0]},
        cv=KFold(3, shuffle=True, random_state=0),
    )
    search.fit(X, y, teacher_output=s, privileged_mask=mask)
    assert search.best_estimator_.privileged_mask_.shape == (240,)
    scores = cross_val_score(
        BayesianDistilledRegressor(),
        X,
        y,
        cv=3,
        params={"teacher_output": s, "privileged_mask": mask},
    )
    assert np.all(scores > 0.5)


def test_pandas_input_gives_the_same_fit():
    pd = pytest.importorskip("pandas")
    X, y, s, mask = make_problem()
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    by_frame = BayesianDistilledRegressor().fit(
        frame, pd.Series(y), teacher_output=pd.Series(s), privileged_mask=pd.Series(mask).to_numpy()
    )
    by_array = BayesianDistilledRegressor().fit(X, y, teacher_output=s, privileged_mask=mask)
    assert_allclose(by_frame.coef_, by_array.coef_, rtol=1e-14)
    assert_array_equal(by_frame.feature_names_in_, frame.columns)
    assert_allclose(by_frame.predict(frame), by_array.predict(X), rtol=1e-14)

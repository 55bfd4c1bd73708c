"""The change of variables of L-BFGS for the linear student: exact algebra, and what it is for."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import expit

from skdistill import _preconditioner as pre
from skdistill._gram import weighted_gram


def _design(n_samples=40, n_features=5, seed=0):
    rng = np.random.RandomState(seed)
    # Correlated columns of very different scales: a badly conditioned design.
    X = rng.normal(size=(n_samples, n_features)) @ rng.normal(size=(n_features, n_features))
    X *= np.logspace(-2, 2, n_features)
    return X, rng.uniform(0.2, 3.0, size=n_samples)


def test_curvature_scale():
    weights = np.ones(10)
    assert pre.curvature_scale(1, weights, None, 1.0, 1.0) == 0.25  # binary: p (1 - p) <= 1/4
    assert pre.curvature_scale(4, weights, None, 1.0, 1.0) == 0.25
    assert pre.curvature_scale(10, weights, None, 1.0, 1.0) == 0.1
    # Half of the weight on a soft term at T = 2: its curvature is 1/4 of the labels'.
    label, teacher = np.full(10, 0.5), np.full(10, 0.5)
    assert pre.curvature_scale(1, label, teacher, 2.0, 1.0) == pytest.approx(0.25 * 0.625)
    # Hinton's T^2 factor cancels the 1 / T^2.
    assert pre.curvature_scale(1, label, teacher, 2.0, 4.0) == pytest.approx(0.25)


def test_applies():
    assert pre.applies(100, 20, True)
    assert not pre.applies(20, 20, True)  # more coefficients per row than rows
    assert not pre.applies(10**6, pre.MAX_FEATURES, True)
    assert pre.applies(10**6, pre.MAX_FEATURES, False)
    assert not pre.applies(10, 0, False)


def _preconditioner(n_rows=3, fit_intercept=True, seed=0):
    X, w = _design(seed=seed)
    gram = weighted_gram(X, w, fit_intercept)
    return pre.Preconditioner.build(
        gram, scale=0.3, penalty=0.05, n_rows=n_rows, fit_intercept=fit_intercept, floor=1e-8
    ), gram


@pytest.mark.parametrize("n_rows", [1, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_maps_are_inverse_and_the_gradient_is_the_chain_rule(n_rows, fit_intercept):
    pc, _ = _preconditioner(n_rows, fit_intercept)
    width = 5 + fit_intercept
    size = n_rows * width
    rng = np.random.RandomState(1)
    theta = rng.normal(size=size)
    assert_allclose(pc.theta(pc.parameters(theta)), theta, rtol=1e-10, atol=1e-10)
    # parameters() is linear: its Jacobian column by column, then g_theta = J^T g.
    jacobian = np.column_stack([pc.parameters(e) for e in np.eye(size)])
    gradient = rng.normal(size=size)
    assert_allclose(pc.gradient(gradient), jacobian.T @ gradient, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_the_binary_objective_at_zero_has_the_identity_hessian_in_theta(fit_intercept):
    # At zero coefficients every p = 1/2, so the Hessian of the binary
    # objective is exactly 1/4 X_a^T diag(w) X_a / W + alpha / W on the weights:
    # P with the binary scale. In theta it is the identity.
    X, w = _design(seed=3)
    alpha = 0.7
    X_a = np.column_stack([X, np.ones(len(X))]) if fit_intercept else X
    p = 0.5 * np.ones(len(X))
    hessian = X_a.T @ ((w * p * (1 - p))[:, None] * X_a) / w.sum()
    hessian[np.arange(5), np.arange(5)] += alpha / w.sum()
    pc = pre.Preconditioner.build(
        weighted_gram(X, w, fit_intercept),
        scale=pre.curvature_scale(1, w, None, 1.0, 1.0),
        penalty=alpha / w.sum(),
        n_rows=1,
        fit_intercept=fit_intercept,
        floor=1e-12,
    )
    size = X_a.shape[1]
    jacobian = np.column_stack([pc.parameters(e) for e in np.eye(size)])
    assert_allclose(jacobian.T @ hessian @ jacobian, np.eye(size), atol=1e-6)
    assert np.linalg.cond(hessian) > 1e4  # while the problem itself is badly conditioned


def test_the_hessian_in_theta_stays_well_conditioned_away_from_zero():
    X, w = _design(n_samples=400, seed=4)
    rng = np.random.RandomState(5)
    coef = rng.normal(size=5) / np.abs(X).max(axis=0)
    p = expit(X @ coef)
    X_a = np.column_stack([X, np.ones(len(X))])
    hessian = X_a.T @ ((w * p * (1 - p))[:, None] * X_a) / w.sum()
    pc = pre.Preconditioner.build(
        weighted_gram(X, w, True),
        scale=0.25,
        penalty=0.0,
        n_rows=1,
        fit_intercept=True,
        floor=1e-8,
    )
    jacobian = np.column_stack([pc.parameters(e) for e in np.eye(6)])
    assert np.linalg.cond(jacobian.T @ hessian @ jacobian) < 1e-4 * np.linalg.cond(hessian)


@pytest.mark.parametrize("fault", ["constant", "collinear", "nearly collinear"])
def test_no_change_of_variables_for_a_singular_or_nearly_singular_matrix(fault):
    X, w = _design()
    if fault == "constant":
        X[:, 2] = 7.0  # repeats the intercept
    elif fault == "collinear":
        X[:, 3] = 2 * X[:, 1]
    else:
        X[:, 3] = 2 * X[:, 1] + 1e-5 * np.random.RandomState(0).normal(size=len(X))
    gram = weighted_gram(X, w, True)
    options = dict(scale=0.25, n_rows=2, fit_intercept=True, floor=pre.curvature_floor(np.float32))
    assert pre.Preconditioner.build(gram, penalty=0.0, **options) is None
    # A penalty on the coefficients makes P regular again.
    assert pre.Preconditioner.build(gram, penalty=1.0, **options) is not None


def test_parameter_gradient_inverts_gradient_and_keeps_inner_products():
    rng = np.random.RandomState(4)
    n_rows, n_features = 3, 4
    X = rng.normal(size=(50, n_features))
    gram = weighted_gram(X, np.ones(50), True)
    factor = pre.Preconditioner.build(
        gram, scale=0.3, penalty=0.01, n_rows=n_rows, fit_intercept=True, floor=1e-8
    )
    s, g = rng.normal(size=(2, n_rows * (n_features + 1)))
    assert_allclose(factor.parameter_gradient(factor.gradient(g)), g, rtol=1e-12)
    # A step and a gradient have the same inner product in both coordinates.
    assert_allclose(factor.theta(s) @ factor.gradient(g), s @ g, rtol=1e-12)

"""Weighted Gram matrices of a design and their equilibration (``skdistill._gram``)."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

from skdistill import _gram


def _design(n_samples=40, n_features=5, seed=0):
    rng = np.random.RandomState(seed)
    # Correlated columns of very different scales: a badly conditioned design.
    X = rng.normal(size=(n_samples, n_features)) @ rng.normal(size=(n_features, n_features))
    X *= np.logspace(-2, 2, n_features)
    return X, rng.uniform(0.2, 3.0, size=n_samples)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_weighted_gram_dense_blocks_and_sparse(fit_intercept, monkeypatch):
    X, w = _design()
    X_a = np.column_stack([X, np.ones(len(X))]) if fit_intercept else X
    expected = X_a.T @ (w[:, None] * X_a) / w.sum()
    assert_allclose(_gram.weighted_gram(X, w, fit_intercept), expected, rtol=1e-12)
    monkeypatch.setattr(_gram, "GRAM_BLOCK_ROWS", 7)  # 40 rows: several blocks, the last short
    assert_allclose(_gram.weighted_gram(X, w, fit_intercept), expected, rtol=1e-12)
    assert_allclose(_gram.weighted_gram(sp.csr_matrix(X), w, fit_intercept), expected, rtol=1e-12)
    assert_allclose(
        _gram.weighted_gram(X.astype(np.float32), w, fit_intercept),
        X_a.astype(np.float32).astype(float).T
        @ (w[:, None] * X_a.astype(np.float32).astype(float))
        / w.sum(),
        rtol=1e-12,
    )


def test_equilibrated_has_a_unit_diagonal_and_keeps_non_positive_entries():
    matrix = np.array([[4.0, 2.0, 0.0], [2.0, 9.0, 0.0], [0.0, 0.0, 0.0]])
    unit, scale = _gram.equilibrated(matrix)
    assert_allclose(scale, [0.5, 1 / 3, 1.0])
    assert_allclose(np.diag(unit), [1.0, 1.0, 0.0])
    assert_allclose(unit, matrix * np.outer(scale, scale))


def test_unnormalised_gram_is_the_sum():
    X, w = _design()
    assert_allclose(
        _gram.weighted_gram(X, w, True, normalise=False),
        _gram.weighted_gram(X, w, True) * w.sum(),
        rtol=1e-12,
    )

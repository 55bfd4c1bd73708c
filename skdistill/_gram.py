"""Weighted Gram matrices of a design and their equilibration.

Shared by the regressor's normal equations (``_regressor``) and the linear
classifier's preconditioner (``_preconditioner``).
"""

import numpy as np
import scipy.sparse as sp

# Rows per block when a Gram matrix is accumulated from dense X: no weighted
# copy of the whole X is made.
GRAM_BLOCK_ROWS = 8192


def weighted_gram(X, weights, fit_intercept, *, normalise=True):
    """``X_a^T diag(w) X_a`` in float64, ``X_a = [X, 1]`` when ``fit_intercept``.

    Divided by ``sum(w)`` when ``normalise``. Sparse ``X`` stays sparse until
    the product, which is dense.
    """
    weights = np.asarray(weights, dtype=np.float64)
    n_features = X.shape[1]
    # Squares beyond float64 give an infinite matrix, which callers check.
    with np.errstate(over="ignore", invalid="ignore"):
        if sp.issparse(X):
            weighted = sp.csr_matrix(X.multiply(weights[:, None]))
            gram = np.asarray((sp.csr_matrix(X).T @ weighted).toarray(), dtype=np.float64)
            column_sums = np.asarray(weighted.sum(axis=0), dtype=np.float64).ravel()
        else:
            gram = np.zeros((n_features, n_features))
            column_sums = np.zeros(n_features)
            for start in range(0, X.shape[0], GRAM_BLOCK_ROWS):
                rows = slice(start, start + GRAM_BLOCK_ROWS)
                block = np.asarray(X[rows], dtype=np.float64)
                weighted = block * weights[rows, None]
                gram += weighted.T @ block
                column_sums += weighted.sum(axis=0)
    if fit_intercept:
        total = np.array([[weights.sum()]])
        gram = np.block([[gram, column_sums[:, None]], [column_sums[None, :], total]])
    return gram / weights.sum() if normalise else gram


def equilibrated(matrix):
    """``(D matrix D, d)`` with ``D = diag(d)``, ``d = 1 / sqrt(diag(matrix))``: unit diagonal.

    A diagonal entry that is not positive keeps its scale (``d = 1``).
    """
    diagonal = np.diag(matrix)
    scale = 1.0 / np.sqrt(np.where(diagonal > 0, diagonal, 1.0))
    return matrix * scale[:, None] * scale[None, :], scale

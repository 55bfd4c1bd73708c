"""The synthetic classification problem of Grabovoy & Strijov (2021)."""

import numbers

import numpy as np
from scipy.special import softmax
from sklearn.utils import check_random_state


def _check_int(value, name, min_value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} ({value!r}).")
    if value < min_value:
        raise ValueError(f"{name} must be >= {min_value}, got {value}.")
    return int(value)


def make_privileged_classification(
    n_samples=1100, n_features=10, n_classes=3, *, random_state=None
):
    """Generate the synthetic classification problem of the distillation paper.

    The features and the weights of a linear model are drawn from a standard
    normal distribution, ``X ~ N(0, 1)`` of shape ``(n_samples, n_features)``
    and ``W ~ N(0, 1)`` of shape ``(n_features, n_classes)``. The true class
    probabilities are ``S = softmax(X @ W)`` row-wise and each label is drawn
    from the categorical distribution of its row, ``y_i ~ Cat(S_i)``.

    The logits ``X @ W`` play the role of the privileged features: a teacher
    that sees them knows the true class probabilities, which the student must
    recover from ``X`` alone. The paper's setting is ``n_features=10``,
    ``n_classes=3`` with 1000 training and 100 test objects, hence the default
    ``n_samples=1100``.

    Parameters
    ----------
    n_samples : int, default=1100
        The number of samples.

    n_features : int, default=10
        The number of features.

    n_classes : int, default=3
        The number of classes, at least 2.

    random_state : int, RandomState instance or None, default=None
        Determines random number generation for the features, the weights and
        the labels. Pass an int for reproducible output across multiple
        function calls.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The generated features.

    y : ndarray of shape (n_samples,), dtype=int64
        The labels, integers in ``0..n_classes - 1``.

    S : ndarray of shape (n_samples, n_classes)
        The true class probabilities, ``softmax(logits)``; rows sum to 1.

    logits : ndarray of shape (n_samples, n_classes)
        The true logits ``X @ W``, the privileged features.

    References
    ----------
    A. V. Grabovoy, V. V. Strijov, "Analysis of privileged learning and
    distillation models", Avtomatika i Telemekhanika, 2021.

    Examples
    --------
    >>> from skdistill.datasets import make_privileged_classification
    >>> X, y, S, logits = make_privileged_classification(random_state=0)
    >>> X.shape, y.shape, S.shape, logits.shape
    ((1100, 10), (1100,), (1100, 3), (1100, 3))
    """
    n_samples = _check_int(n_samples, "n_samples", 1)
    n_features = _check_int(n_features, "n_features", 1)
    n_classes = _check_int(n_classes, "n_classes", 2)
    rng = check_random_state(random_state)

    X = rng.standard_normal(size=(n_samples, n_features))
    W = rng.standard_normal(size=(n_features, n_classes))
    logits = X @ W
    S = softmax(logits, axis=1)

    # Inverse-CDF sampling of one categorical draw per row.
    u = rng.uniform(size=(n_samples, 1))
    y = (np.cumsum(S, axis=1) < u).sum(axis=1)
    y = np.minimum(y, n_classes - 1).astype(np.int64)
    return X, y, S, logits

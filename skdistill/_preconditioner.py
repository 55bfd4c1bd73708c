"""A change of variables under which L-BFGS sees the linear student well conditioned.

Per logit row, the Hessian of the linear student's objective (data term over
the total weight ``W``, plus ``alpha / (2 W) ||coef||^2``) is close to

    P = c X_a^T diag(w) X_a / W + (alpha / W) diag(1, ..., 1, 0)

with ``X_a = [X, 1]`` (the intercept column, not penalised) and ``c`` the
average curvature of the softmax loss per row: ``p (1 - p) <= 1/4`` for the
binary ``[0, z]`` layout, about ``1 / K`` for ``K`` logits, times
``1 / t^2`` on the teacher's share of the rows where the soft term meets the
student at a temperature ``t``. With ``P = L L^T``, L-BFGS runs on
``theta = coef_a L`` (``coef_a = theta L^{-1}``): the same objective, hence
the same minimum, whose Hessian in ``theta`` is near the identity whatever
the scale and correlation of the features (raw pixels, unscaled columns).

The Gram matrix ``X_a^T diag(w) X_a`` depends on the rows and their total
weights only (``label_weight + teacher_part``: the sample weights), not on
the candidate's teacher weight or temperature, so a cross-validated search
computes it once per fold.
"""

import functools
from dataclasses import dataclass

import numpy as np
import scipy.linalg.lapack

from ._gram import equilibrated

# Above this many coefficients per logit row the factor (p'^2 floats) and
# the two products with it per evaluation stop being small next to X.
MAX_FEATURES = 1024


def applies(n_samples, n_features, fit_intercept):
    """Whether the change of variables pays for ``n_samples`` rows of ``n_features``.

    Each evaluation then multiplies the coefficients and their gradient by a
    ``p' x p'`` factor (``p' = n_features + fit_intercept``): cheap next to
    the evaluation's products with ``X`` only while ``p' <= n_samples``.
    """
    width = n_features + int(fit_intercept)
    return 0 < width <= MAX_FEATURES and width <= n_samples


def curvature_scale(n_logit_rows, label_weight, teacher_part, student_temperature, factor):
    """``c`` of the module docstring: the softmax's mean curvature per unit of row weight.

    ``student_temperature`` and ``factor`` are the soft term's form
    (:func:`skdistill._losses.soft_term_form`); a scalar is all L-BFGS needs,
    as it rescales its own steps.
    """
    per_row = 0.25 if n_logit_rows == 1 else 1.0 / n_logit_rows
    labels = float(np.sum(label_weight))
    if teacher_part is None:
        return per_row
    teacher = float(np.sum(teacher_part))
    # A tiny temperature gives an infinite scale (no change of variables then).
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        soft = np.float64(teacher) * factor / np.float64(student_temperature) ** 2
        return float(per_row * (labels + soft) / (labels + teacher))


def curvature_floor(dtype):
    """``sqrt(eps)`` of the training dtype: the floor of :meth:`Preconditioner.build`.

    The gradient is computed to about ``eps`` relative; stretched by at most
    ``1 / sqrt(eps)``, its noise along the flattest direction stays
    ``sqrt(eps)``.
    """
    return float(np.sqrt(np.finfo(dtype).eps))


@functools.cache
def _layout(n_rows, n_features, fit_intercept):
    """Index arrays between flat parameters and the rows of ``coef_a``, each way (read-only).

    ``coef_a.ravel() == parameters[order]``: each row's weights, then its intercept.
    """
    width = n_features + int(fit_intercept)
    order = np.empty((n_rows, width), dtype=np.intp)
    order[:, :n_features] = np.arange(n_rows * n_features).reshape(n_rows, n_features)
    if fit_intercept:
        order[:, -1] = n_rows * n_features + np.arange(n_rows)
    order = order.ravel()
    inverse = np.argsort(order)
    order.flags.writeable = inverse.flags.writeable = False
    return order, inverse


@dataclass
class Preconditioner:
    """The factor ``L`` of ``P = L L^T`` and its inverse, for coefficients of ``n_rows`` logit rows.

    Flat parameter vectors are laid out as the linear student's parameters:
    the ``(n_rows, n_features)`` weight row by row, then the intercepts when
    there are any. ``theta`` is the ``(n_rows, n_features + fit_intercept)``
    matrix ``coef_a L``, flattened row by row.
    """

    factor: np.ndarray  # L, lower triangular (p', p')
    inverse: np.ndarray  # L^{-1}
    n_rows: int
    n_features: int
    fit_intercept: bool

    def __post_init__(self):
        self._order, self._inverse_order = _layout(self.n_rows, self.n_features, self.fit_intercept)

    @classmethod
    def build(cls, gram, *, scale, penalty, n_rows, fit_intercept, floor):
        """From :func:`skdistill._gram.weighted_gram`'s matrix, the curvature ``scale`` and ``penalty = alpha / W``.

        None when ``P`` is singular or nearly so: a pivot of its Cholesky
        factor, once equilibrated (unit diagonal, so relative to each column's
        own scale), below ``floor`` (:func:`curvature_floor`). Along a
        direction of (near) zero curvature (an exact collinearity or a column
        that repeats the intercept, without a penalty to fix it) the
        objective has no unique minimum, and the change of variables would
        move the coefficients along it where plain L-BFGS leaves them (from
        zero: where ``LogisticRegression`` ends).
        """
        n_features = gram.shape[0] - int(fit_intercept)
        hessian = scale * gram
        diagonal = np.arange(n_features)
        hessian[diagonal, diagonal] += penalty
        unit_diagonal, scaling = equilibrated(hessian)
        try:
            unit_factor = np.linalg.cholesky(unit_diagonal)
        except np.linalg.LinAlgError:
            return None
        if not np.min(np.diag(unit_factor)) ** 2 >= floor:
            return None
        factor = unit_factor / scaling[:, None]
        unit_inverse = scipy.linalg.lapack.dtrtri(unit_factor, lower=1)[0]
        inverse = unit_inverse * scaling[None, :]
        return cls(factor, inverse, n_rows, n_features, fit_intercept)

    def _as_matrix(self, parameters):
        return parameters[self._order].reshape(self.n_rows, -1)

    def _as_parameters(self, matrix):
        return matrix.reshape(-1)[self._inverse_order]

    def parameters(self, theta):
        """The student's flat parameters at ``theta`` (``coef_a = theta L^{-1}``)."""
        return self._as_parameters(theta.reshape(self.n_rows, -1) @ self.inverse)

    def theta(self, parameters):
        """The point ``theta = coef_a L`` of the student's flat ``parameters``."""
        return (self._as_matrix(parameters) @ self.factor).reshape(-1)

    def gradient(self, parameter_gradient):
        """The gradient with respect to ``theta``: ``g_coef_a L^{-T}``."""
        return (self._as_matrix(parameter_gradient) @ self.inverse.T).reshape(-1)

    def parameter_gradient(self, theta_gradient):
        """The gradient with respect to the student's flat parameters, from that in ``theta``."""
        return self._as_parameters(theta_gradient.reshape(self.n_rows, -1) @ self.factor.T)

"""BayesianDistilledRegressor: noise levels and teacher weight by evidence (``docs/bayesian.md``)."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import (
    TeacherMixin,
    atomic_fit,
    check_finite_predictions,
    check_not_a_class,
    check_sample_weight,
)
from ._callbacks import CallbackSupportMixin, IterationTasks, has_callbacks
from ._teacher import regression_answers

# Rows per block when accumulating the centred Gram matrices: large enough for
# BLAS to run at full speed, small enough not to copy X whole.
_BLOCK_ROWS = 8192
# A residual sum of squares read from the Gram matrices is the difference of
# numbers as large as the total sum of squares; below this fraction of it the
# difference has lost too many digits and the residuals are summed on the
# rows instead.
_CANCELLATION = 1e-6


class _Group:
    """Weighted, centred sufficient statistics of one group of rows.

    ``gram`` is ``sum_i w_i (x_i - mean)(x_i - mean)^T`` and ``cross[k]``,
    ``squares[k]`` the same moments with the k-th target; without an
    intercept nothing is centred (the means are zero).
    """

    def __init__(self, X, rows, targets, weights, fit_intercept):
        n_features = X.shape[1]
        w = weights[rows]
        self.weight = float(w.sum())
        n_targets = len(targets)
        self.mean = np.zeros(n_features)
        self.target_mean = np.zeros(n_targets)
        if fit_intercept and self.weight > 0:
            self.mean = _weighted_column_sum(X, rows, w) / self.weight
            self.target_mean = np.array([w @ t[rows] for t in targets]) / self.weight
        moments = np.zeros((n_features + n_targets, n_features + n_targets))
        for start in range(0, rows.size, _BLOCK_ROWS):
            block_rows = rows[start : start + _BLOCK_ROWS]
            root_w = np.sqrt(weights[block_rows])[:, None]
            block = np.empty((block_rows.size, n_features + n_targets))
            np.subtract(X[block_rows], self.mean, out=block[:, :n_features])
            for k, t in enumerate(targets):
                block[:, n_features + k] = t[block_rows] - self.target_mean[k]
            block *= root_w
            moments += block.T @ block
        self.gram = moments[:n_features, :n_features]
        self.cross = moments[:n_features, n_features:].T.copy()
        self.squares = np.diag(moments)[n_features:].copy()


def _weighted_column_sum(X, rows, w):
    total = np.zeros(X.shape[1])
    for start in range(0, rows.size, _BLOCK_ROWS):
        block = slice(start, start + _BLOCK_ROWS)
        total += w[block] @ X[rows[block]]
    return total


class _EvidenceProblem:
    """The log evidence of ``docs/bayesian.md`` from Gram matrices computed once.

    Stacked rows: every row ``(x_i, y_i)`` with precision ``beta_y w_i`` and,
    for ``i`` in I, a copy ``(x_i, s_i)`` with precision ``beta_s w_i``. The
    intercept is shared and has a flat prior; it is profiled out, which
    centres the stacked rows by their precision-weighted mean
    ``xbar = (beta_y W mu + beta_s W_I mu_I) / (beta_y W + beta_s W_I)``
    (``mu``, ``mu_I`` the weighted means of all rows and of I, ``W``, ``W_I``
    their total weights). Centred that way, the stacked Gram matrix is
    ``beta_y G + beta_s G_I + kappa d d^T`` with ``G``, ``G_I`` the Gram
    matrices of the two groups each centred by its own mean,
    ``d = mu - mu_I`` and ``kappa = beta_y beta_s W W_I / (beta_y W + beta_s W_I)``:
    the difference of the two means acts as one extra row of precision
    kappa, and it is the only place where the centring depends on the noise
    levels.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    answers : ndarray of shape (n_privileged,) or None
        Teacher answers on the rows of ``mask``.
    mask : ndarray of bool of shape (n_samples,)
    sample_weight : ndarray of shape (n_samples,)
        Frequency weights.
    fit_intercept : bool
    prior : float
        Shape and rate of the Gamma prior on each precision (0: none).
    """

    def __init__(self, X, y, answers, mask, sample_weight, fit_intercept, prior):
        self.y, self.sample_weight, self.fit_intercept = y, sample_weight, fit_intercept
        self.prior = prior
        self.n_features = X.shape[1]
        positive = np.flatnonzero(sample_weight > 0)
        self.basis = None
        if positive.size < self.n_features:
            # Fewer rows than features: every centred row lies in a subspace of
            # dimension n_rows. Working in its coordinates keeps the posterior
            # exact on the rest (prior only) instead of adding rounding there
            # from a singular Gram matrix; BayesianRidge's SVD does the same.
            self.basis = _row_space_basis(X[positive], sample_weight[positive], fit_intercept)
            self._offsets = _group_means(X, mask, sample_weight, fit_intercept)
            X = X @ self.basis
        self.X = X
        privileged = np.flatnonzero(mask)
        others = np.flatnonzero(~mask)
        self.privileged = privileged
        s = np.zeros_like(y)
        if answers is not None:
            s[privileged] = answers
        self.s = s
        # Teacher rows with positive total weight: otherwise the teacher's
        # noise level is not identifiable and the model is BayesianRidge.
        has_teacher = answers is not None and sample_weight[privileged].sum() > 0
        self.has_teacher = bool(has_teacher)
        if self.has_teacher:
            group_i = _Group(X, privileged, (y, s), sample_weight, fit_intercept)
            group_o = _Group(X, others, (y,), sample_weight, fit_intercept)
            self._combine(group_i, group_o)
        else:
            rows = np.arange(X.shape[0])
            group = _Group(X, rows, (y,), sample_weight, fit_intercept)
            self.weight, self.weight_teacher = group.weight, 0.0
            self.mean, self.mean_teacher = group.mean, group.mean
            self.y_mean, self.s_mean = group.target_mean[0], 0.0
            self.gram, self.cross_y, self.squares_y = group.gram, group.cross[0], group.squares[0]
            self.gram_teacher = np.zeros_like(self.gram)
            self.cross_s, self.squares_s = np.zeros(X.shape[1]), 0.0

    def _combine(self, group_i, group_o):
        """All-row moments from the two disjoint groups (each row read once)."""
        self.weight_teacher = group_i.weight
        self.weight = group_i.weight + group_o.weight
        self.mean_teacher = group_i.mean
        self.s_mean = group_i.target_mean[1]
        self.gram_teacher = group_i.gram
        self.cross_s = group_i.cross[1]
        self.squares_s = group_i.squares[1]
        share = group_o.weight / self.weight
        self.mean = group_i.mean + share * (group_o.mean - group_i.mean)
        self.y_mean = group_i.target_mean[0] + share * (
            group_o.target_mean[0] - group_i.target_mean[0]
        )
        # Between-group term of the all-row centred moments (zero without an
        # intercept, where nothing is centred).
        between = group_i.weight * group_o.weight / self.weight
        dx = group_i.mean - group_o.mean
        dy = group_i.target_mean[0] - group_o.target_mean[0]
        self.gram = group_i.gram + group_o.gram + between * np.outer(dx, dx)
        self.cross_y = group_i.cross[0] + group_o.cross[0] + between * dx * dy
        self.squares_y = group_i.squares[0] + group_o.squares[0] + between * dy**2

    # ------------------------------------------------------------------
    def solve(self, alpha, beta_y, beta_s):
        """Posterior and everything the evidence and its fixed point need.

        Returns a dict with the posterior mean ``coef``, ``intercept``, the
        precision-weighted mean ``x_offset``, the residual sums of squares
        ``sse_y``, ``sse_s`` (weighted by ``sample_weight``), the effective
        numbers of parameters ``gamma_alpha``, ``gamma_y``, ``gamma_s``, the
        posterior ``covariance`` ``A^-1`` and ``log_det`` of ``A``.
        """
        p = self.X.shape[1]
        d = self.mean - self.mean_teacher
        e = self.y_mean - self.s_mean
        W, W_I = self.weight, self.weight_teacher
        if self.has_teacher:
            total = beta_y * W + beta_s * W_I
            kappa = beta_y * beta_s * W * W_I / total
        else:
            beta_s, total, kappa = 0.0, beta_y * W, 0.0
        A = beta_y * self.gram + beta_s * self.gram_teacher
        A[np.diag_indices(p)] += alpha
        rhs = beta_y * self.cross_y + beta_s * self.cross_s
        if kappa > 0:
            A += kappa * np.outer(d, d)
            rhs = rhs + kappa * e * d
        factor_inverse, inverse, log_det = _factor_and_invert(A)
        coef = (
            inverse @ rhs if factor_inverse is None else factor_inverse.T @ (factor_inverse @ rhs)
        )
        sse_y_centred = self._centred_sse(
            coef, self.gram, self.cross_y, self.squares_y, teacher=False
        )
        misfit = e - d @ coef  # of the two group means, shared by both targets
        share_s = beta_s * W_I / total
        sse_y = sse_y_centred + W * (share_s * misfit) ** 2
        sse_s = 0.0
        if self.has_teacher:
            sse_s_centred = self._centred_sse(
                coef, self.gram_teacher, self.cross_s, self.squares_s, teacher=True
            )
            sse_s = sse_s_centred + W_I * ((1.0 - share_s) * misfit) ** 2
        x_offset = self.mean + share_s * (self.mean_teacher - self.mean)
        t_offset = self.y_mean + share_s * (self.s_mean - self.y_mean)
        intercept = t_offset - x_offset @ coef if self.fit_intercept else 0.0
        # Directions outside the rows' subspace carry the prior alone: a
        # factor alpha of A each.
        n_outside = self.n_features - p
        log_det += n_outside * np.log(alpha)
        quad_d = d @ inverse @ d
        gamma_y = beta_y * (np.sum(inverse * self.gram) + _dkappa(beta_s, W, W_I, total) * quad_d)
        gamma_s = 0.0
        if self.has_teacher:
            gamma_s = beta_s * (
                np.sum(inverse * self.gram_teacher) + _dkappa(beta_y, W_I, W, total) * quad_d
            )
        state = dict(
            coef=coef,
            intercept=float(intercept),
            x_offset=x_offset,
            sse_y=sse_y,
            sse_s=sse_s,
            gamma_alpha=p - alpha * np.trace(inverse),
            gamma_y=gamma_y,
            gamma_s=gamma_s,
            covariance=inverse,
            log_det=log_det,
        )
        if self.basis is not None:
            mean, mean_teacher = self._offsets
            state["coef"] = self.basis @ coef
            state["x_offset"] = mean + share_s * (mean_teacher - mean)
        return state

    def covariance(self, alpha, state):
        """Posterior covariance of the weights, in the coordinates of X."""
        if self.basis is None:
            return state["covariance"]
        Q = self.basis
        # Q A_Q^-1 Q^T on the rows' subspace, the prior's 1 / alpha elsewhere.
        inside = Q @ (state["covariance"] - np.eye(Q.shape[1]) / alpha) @ Q.T
        return inside + np.eye(Q.shape[0]) / alpha

    def _centred_sse(self, coef, gram, cross, squares, teacher):
        sse = squares - 2.0 * coef @ cross + coef @ gram @ coef
        if sse > _CANCELLATION * squares:
            return float(sse)
        return self._direct_sse(coef, teacher)

    def _direct_sse(self, coef, teacher):
        """The centred residual sum of squares summed on the rows (no cancellation)."""
        if teacher:
            rows, target, x_mean, t_mean = self.privileged, self.s, self.mean_teacher, self.s_mean
        else:
            rows, target, x_mean, t_mean = (
                np.arange(self.X.shape[0]),
                self.y,
                self.mean,
                self.y_mean,
            )
        sse = 0.0
        for start in range(0, rows.size, _BLOCK_ROWS):
            block = rows[start : start + _BLOCK_ROWS]
            residual = (target[block] - t_mean) - (self.X[block] - x_mean) @ coef
            sse += self.sample_weight[block] @ residual**2
        return float(sse)

    def log_evidence(self, alpha, beta_y, beta_s, state=None):
        """The log evidence plus the Gamma log-priors, at these precisions."""
        if state is None:
            state = self.solve(alpha, beta_y, beta_s)
        W, W_I = self.weight, self.weight_teacher
        value = (
            W * np.log(beta_y)
            + self.n_features * np.log(alpha)
            - state["log_det"]
            - beta_y * state["sse_y"]
            - alpha * state["coef"] @ state["coef"]
            - W * np.log(2 * np.pi)
        )
        value += 2 * self.prior * (np.log(alpha) - alpha + np.log(beta_y) - beta_y)
        if self.has_teacher:
            value += W_I * np.log(beta_s) - beta_s * state["sse_s"] - W_I * np.log(2 * np.pi)
            value += 2 * self.prior * (np.log(beta_s) - beta_s)
        return 0.5 * value

    def update(self, alpha, beta_y, beta_s, state):
        """One MacKay fixed-point step (scikit-learn's BayesianRidge without a teacher)."""
        a = self.prior
        new_alpha = (state["gamma_alpha"] + 2 * a) / (state["coef"] @ state["coef"] + 2 * a)
        new_beta_y = (self.weight - state["gamma_y"] + 2 * a) / (state["sse_y"] + 2 * a)
        new_beta_s = beta_s
        if self.has_teacher:
            new_beta_s = (self.weight_teacher - state["gamma_s"] + 2 * a) / (state["sse_s"] + 2 * a)
        _check_precisions(new_alpha, new_beta_y, new_beta_s, self)
        return new_alpha, new_beta_y, new_beta_s


def _row_space_basis(X, weights, fit_intercept):
    """Orthonormal basis (n_features, n_rows) of the span of the (centred) rows."""
    rows = X - (weights @ X) / weights.sum() if fit_intercept else X
    return np.linalg.svd(rows * np.sqrt(weights)[:, None], full_matrices=False)[2].T


def _group_means(X, mask, weights, fit_intercept):
    """Weighted means of all rows and of the privileged rows (zeros without intercept)."""
    if not fit_intercept:
        return np.zeros(X.shape[1]), np.zeros(X.shape[1])
    mean = weights @ X / weights.sum()
    teacher_weights = weights * mask
    if teacher_weights.sum() == 0:
        return mean, mean
    return mean, teacher_weights @ X / teacher_weights.sum()


def _dkappa(beta_other, weight_own, weight_other, total):
    """Derivative of kappa with respect to one group's precision.

    ``kappa = beta_y beta_s W W_I / (beta_y W + beta_s W_I)`` is homogeneous
    of degree one in the two precisions, so ``beta_y dkappa/dbeta_y + beta_s
    dkappa/dbeta_s = kappa``: the effective numbers of parameters of the
    labels and of the teacher add up to ``gamma_alpha``.
    """
    return (beta_other * weight_other) ** 2 * weight_own / total**2


def _factor_and_invert(A):
    """Inverse and log-determinant of the symmetric positive definite ``A``.

    ``A^-1 = L^-T L^-1`` from the Cholesky factor ``L`` is symmetric and
    positive definite to rounding. numpy's routines are used rather than
    LAPACK's ``potri`` through scipy, which multithreaded OpenBLAS builds
    can run far slower on small matrices when threads compete for cores.
    """
    try:
        factor = np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        factor = None
    if factor is not None:
        diagonal = np.diag(factor)
        if np.all(diagonal > 0) and np.all(np.isfinite(diagonal)):
            factor_inverse = np.linalg.inv(factor)
            return factor_inverse, factor_inverse.T @ factor_inverse, 2.0 * np.sum(np.log(diagonal))
    # alpha I plus positive semi-definite matrices is positive definite; only
    # rounding at extreme precisions reaches here.
    if not np.all(np.isfinite(A)):
        raise ValueError(
            "The posterior precision matrix is not finite: X or the targets hold values "
            "whose squares overflow float64. Scale X and y."
        )
    eigenvalues, vectors = np.linalg.eigh(A)
    eigenvalues = np.maximum(eigenvalues, np.finfo(np.float64).tiny)
    inverse = (vectors / eigenvalues) @ vectors.T
    return None, inverse, float(np.sum(np.log(eigenvalues)))


def _check_precisions(alpha, beta_y, beta_s, problem):
    values = {
        "alpha (weight precision)": alpha,
        "1 / sigma**2": beta_y,
        "1 / sigma_teacher**2": beta_s,
    }
    bad = {name: value for name, value in values.items() if not (np.isfinite(value) and value > 0)}
    if not bad:
        return
    name, value = next(iter(bad.items()))
    if np.isfinite(value):
        raise ValueError(
            f"The evidence fixed point gave {name} = {value:g} <= 0: the total sample weight "
            f"({problem.weight:g} on the labels, {problem.weight_teacher:g} on the teacher rows) "
            "is smaller than the number of parameters the data determine. sample_weight are "
            "frequencies (a weight of 2 counts a row twice); scale them up, or give more rows."
        )
    raise ValueError(
        f"The evidence grows without bound as {name} goes to infinity: the "
        f"{'teacher answers' if 'teacher' in name else 'targets'} are fitted exactly by a "
        "linear model of X, so their noise level is zero. Set precision_prior > 0 (a Gamma "
        "prior on the precisions, as BayesianRidge) to keep it finite."
    )


class BayesianDistilledRegressor(TeacherMixin, CallbackSupportMixin, RegressorMixin, BaseEstimator):
    """Linear student whose noise levels and teacher weight are chosen by evidence.

    The joint model of ``docs/bayesian.md``: weights ``w ~ N(0, alpha^-1 I)``, an
    intercept with a flat prior, labels ``y_i ~ N(w^T x_i + b, sigma^2)`` on
    every row and teacher answers ``s_i ~ N(w^T x_i + b, sigma_teacher^2)``
    on the privileged rows, independent given ``w``. ``alpha``, ``sigma``
    and ``sigma_teacher`` maximise the marginal likelihood (the evidence) by
    MacKay's fixed point, as :class:`~sklearn.linear_model.BayesianRidge`
    does; the share of the teacher in a privileged row's precision,
    ``teacher_weight_``, is then the teacher weight the data chose. Without
    privileged rows the estimator is ``BayesianRidge``.

    Parameters
    ----------
    teacher : object, default=None
        A fitted regressor (anything with ``predict``), a ``torch.nn.Module``
        or a callable mapping privileged features to predictions, as for
        :class:`~skdistill.DistilledRegressor`. It is never refit, and clones
        share it. None means no teacher: then ``teacher_output`` gives the
        answers, or the fit is ``BayesianRidge``.
    max_iter : int, default=300
        Maximum number of fixed-point iterations.
    tol : float, default=1e-3
        Stop when the coefficients change by less than ``tol`` in sum of
        absolute values between two iterations (``BayesianRidge``'s rule).
        The rule is absolute: lower it for precise noise levels, or when
        the coefficients are small.
    alpha_init : float, default=1.0
        Initial precision of the weights (``BayesianRidge``'s
        ``lambda_init``).
    sigma_init : float, default=None
        Initial standard deviation of the label noise. None: the weighted
        standard deviation of ``y`` (``BayesianRidge``'s default
        ``alpha_init = 1 / var(y)``).
    sigma_teacher_init : float, default=None
        Initial standard deviation of the teacher's answers around the
        student. None: the weighted standard deviation of the answers.
    precision_prior : float, default=1e-6
        Shape and rate of a Gamma prior on each of the three precisions
        ``alpha``, ``1 / sigma**2`` and ``1 / sigma_teacher**2``:
        ``BayesianRidge``'s ``alpha_1``, ``alpha_2``, ``lambda_1`` and
        ``lambda_2``, all at their default 1e-6. It keeps the precisions
        finite when a target is fitted exactly. 0 maximises the evidence
        itself.
    fit_intercept : bool, default=True
        Whether to fit an intercept (flat prior, shared by labels and
        teacher answers).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Posterior mean of the weights.
    intercept_ : float
        Intercept (0.0 when ``fit_intercept=False``).
    alpha_ : float
        Estimated precision of the weights (``BayesianRidge.lambda_``).
    sigma_ : float
        Estimated standard deviation of the label noise
        (``BayesianRidge.alpha_ ** -0.5``). Not a covariance matrix:
        ``BayesianRidge.sigma_`` is this estimator's ``coef_covariance_``.
    sigma_teacher_ : float
        Estimated standard deviation of the teacher's answers around the
        student; ``inf`` when no privileged row has positive weight.
    teacher_weight_ : float
        ``(1 / sigma_teacher_**2) / (1 / sigma_**2 + 1 / sigma_teacher_**2)``,
        the teacher's share of a privileged row's precision; 0.0 without
        privileged rows.
    coef_covariance_ : ndarray of shape (n_features, n_features)
        Posterior covariance of the weights (``BayesianRidge.sigma_``).
    scores_ : ndarray of shape (``n_iter_ + 1``,)
        Log evidence plus the log Gamma priors at the start of each
        iteration and, last, at the fitted values (``BayesianRidge.scores_``
        with ``compute_score=True``; always stored, it costs nothing extra).
    n_iter_ : int
        Number of fixed-point iterations run.
    X_offset_ : ndarray of shape (n_features,)
        Precision-weighted mean of the stacked rows, by which ``X`` is
        centred for ``predict(return_std=True)``.
    privileged_mask_ : ndarray of bool of shape (n_samples,)
        The privileged rows used in the last fit.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    DistilledRegressor : The same student with the teacher weight and noise
        levels given.
    sklearn.linear_model.BayesianRidge : What this estimator is without a
        teacher.

    Notes
    -----
    Naming differs from ``BayesianRidge``, whose ``alpha_`` is the noise
    precision and ``lambda_`` the weight precision: here ``alpha_`` is the
    weight precision (the alpha of ``docs/bayesian.md``) and the noise levels are standard
    deviations.

    The intercept is profiled out as ``BayesianRidge`` does: the rows are
    centred by their precision-weighted mean, which with two targets of
    different precisions depends on ``sigma`` and ``sigma_teacher`` and is
    recomputed at every iteration. As in ``BayesianRidge``, the evidence
    leaves out the intercept's own term ``-1/2 log(sum of precisions)`` and
    the predictive variance its ``1 / (sum of precisions)``.

    ``sample_weight`` are frequency weights: a weight of 2 is the row
    counted twice, in the evidence as in the posterior (scikit-learn's
    ``BayesianRidge`` counts them the same way).

    The Gram matrices of the privileged and other rows are computed once
    (one pass over ``X``); each iteration then costs one Cholesky
    factorisation and inverse of a ``k x k`` matrix, ``k`` the smaller of
    ``n_features`` and the number of rows with positive weight, whatever the
    number of rows.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill._bayesian import BayesianDistilledRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(2000, 3))
    >>> w = np.array([1.0, -2.0, 0.5])
    >>> y = X @ w + rng.normal(size=2000)            # labels, sigma = 1
    >>> s = X @ w + 0.3 * rng.normal(size=2000)      # teacher, sigma_teacher = 0.3
    >>> model = BayesianDistilledRegressor().fit(X, y, teacher_output=s)
    >>> round(model.sigma_, 1), round(model.sigma_teacher_, 1)
    (1.0, 0.3)
    >>> round(model.teacher_weight_, 2)
    0.92
    """

    _parameter_constraints = {
        "teacher": [HasMethods("predict"), callable, None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "alpha_init": [Interval(Real, 0, None, closed="neither")],
        "sigma_init": [Interval(Real, 0, None, closed="neither"), None],
        "sigma_teacher_init": [Interval(Real, 0, None, closed="neither"), None],
        "precision_prior": [Interval(Real, 0, None, closed="left")],
        "fit_intercept": ["boolean"],
    }

    def __init__(
        self,
        teacher=None,
        *,
        max_iter=300,
        tol=1e-3,
        alpha_init=1.0,
        sigma_init=None,
        sigma_teacher_init=None,
        precision_prior=1e-6,
        fit_intercept=True,
    ):
        self.teacher = teacher
        self.max_iter = max_iter
        self.tol = tol
        self.alpha_init = alpha_init
        self.sigma_init = sigma_init
        self.sigma_teacher_init = sigma_teacher_init
        self.precision_prior = precision_prior
        self.fit_intercept = fit_intercept

    @atomic_fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self, X, y, *, X_star=None, privileged_mask=None, teacher_output=None, sample_weight=None
    ):
        """Fit the student and choose the noise levels by evidence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The student's features.
        y : array-like of shape (n_samples,)
            Target values.
        <<X_star>>
        <<privileged_mask>>
        teacher_output : array-like of shape (n_samples,), default=None
            Precomputed teacher answers (NaN allowed outside the mask); the
            teacher is then not called.
        sample_weight : array-like of shape (n_samples,), default=None
            Frequency weights of the rows (of both the label and the
            teacher answer of a privileged row).

        Returns
        -------
        self : BayesianDistilledRegressor
            The fitted estimator.
        """
        check_not_a_class(self.teacher, "teacher")
        X_raw = X
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        sample_weight = check_sample_weight(sample_weight, X)
        n_positive = int(np.count_nonzero(sample_weight))
        if n_positive < 2:
            raise ValueError(
                "BayesianDistilledRegressor estimates the noise level sigma from the spread "
                "of the residuals, which needs at least 2 samples with positive weight; got "
                f"n_samples={n_positive}."
            )
        privileged = regression_answers(
            self.teacher,
            X_raw,
            # The teacher's weight is what the evidence chooses: always ask it.
            call_teacher=True,
            owner=type(self).__name__,
            X_star=X_star,
            privileged_mask=privileged_mask,
            teacher_output=teacher_output,
        )
        problem = _EvidenceProblem(
            X,
            y,
            privileged.answers,
            privileged.mask,
            sample_weight,
            self.fit_intercept,
            float(self.precision_prior),
        )
        alpha, beta_y, beta_s = self._initial_precisions(problem)
        # For the callbacks (scikit-learn >= 1.9): the fit, with one subtask
        # per fixed-point iteration, n_iter_ in all.
        callback_ctx = self._init_callback_context(max_subtasks=self.max_iter)
        callback_ctx.call_on_fit_task_begin(estimator=self, X=X_raw, y=y, metadata=metadata)
        tasks = None
        if has_callbacks(self):
            tasks = IterationTasks(
                callback_ctx,
                self,
                "evidence-iter",
                max_tasks=self.max_iter,
                X=X_raw,
                y=y,
                metadata=metadata,
                fitted_state=lambda fitted: self._fitted_attributes(
                    problem, privileged.mask, *fitted
                ),
            )
        scores = []
        coef_old = None
        converged = False
        for iteration in range(self.max_iter):
            if tasks is not None:
                tasks.begin()
            state = problem.solve(alpha, beta_y, beta_s)
            scores.append(problem.log_evidence(alpha, beta_y, beta_s, state))
            used = (alpha, beta_y, beta_s)
            alpha, beta_y, beta_s = problem.update(alpha, beta_y, beta_s, state)
            if tasks is not None:
                # The estimator of this iteration's posterior (the precisions it was solved at).
                tasks.end(lambda used=used, state=state: (used, state))
            # BayesianRidge's rule, so that without a teacher the iterates
            # and the stopping point are BayesianRidge's.
            if iteration != 0 and np.sum(np.abs(coef_old - state["coef"])) < self.tol:
                converged = True
                break
            coef_old = state["coef"]
        if not converged:
            warnings.warn(
                f"BayesianDistilledRegressor did not converge in max_iter={self.max_iter} "
                f"iterations (tol={self.tol:g}); increase max_iter or tol.",
                ConvergenceWarning,
            )
        state = problem.solve(alpha, beta_y, beta_s)
        scores.append(problem.log_evidence(alpha, beta_y, beta_s, state))

        self.__dict__.update(
            self._fitted_attributes(problem, privileged.mask, (alpha, beta_y, beta_s), state)
        )
        self.scores_ = np.array(scores)
        self.n_iter_ = iteration + 1
        callback_ctx.call_on_fit_task_end(
            estimator=self, X=X_raw, y=y, metadata=metadata, reconstruction_attributes={}
        )
        return self

    @staticmethod
    def _fitted_attributes(problem, mask, precisions, state):
        """The fitted attributes of the posterior ``state`` solved at ``precisions``."""
        alpha, beta_y, beta_s = precisions
        fitted = {
            "coef_": state["coef"],
            "intercept_": state["intercept"],
            "alpha_": float(alpha),
            "sigma_": float(beta_y**-0.5),
            "sigma_teacher_": np.inf,
            "teacher_weight_": 0.0,
        }
        if problem.has_teacher:
            fitted["sigma_teacher_"] = float(beta_s**-0.5)
            fitted["teacher_weight_"] = float(beta_s / (beta_y + beta_s))
        fitted["coef_covariance_"] = problem.covariance(alpha, state)
        fitted["X_offset_"] = state["x_offset"]
        fitted["privileged_mask_"] = mask
        return fitted

    def _initial_precisions(self, problem):
        eps = np.finfo(np.float64).eps
        W, W_I = problem.weight, problem.weight_teacher
        # Weighted variances around the weighted means, as BayesianRidge
        # initialises its noise precision (centred even without intercept).
        w = problem.sample_weight
        y_var = w @ (problem.y - (w @ problem.y) / W) ** 2 / W
        beta_y = 1.0 / (y_var + eps) if self.sigma_init is None else self.sigma_init**-2.0
        beta_s = 1.0
        if problem.has_teacher:
            if self.sigma_teacher_init is None:
                rows = problem.privileged
                s, w_i = problem.s[rows], w[rows]
                s_var = w_i @ (s - (w_i @ s) / W_I) ** 2 / W_I
                beta_s = 1.0 / (s_var + eps)
            else:
                beta_s = self.sigma_teacher_init**-2.0
        _check_precisions(float(self.alpha_init), beta_y, beta_s, problem)
        return float(self.alpha_init), float(beta_y), float(beta_s)

    def predict(self, X, return_std=False):
        """Predict with the student; optionally the predictive standard deviation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.
        return_std : bool, default=False
            Whether to return the standard deviation of the predictive
            distribution of ``y`` (posterior uncertainty of the weights plus
            the label noise ``sigma_``), as ``BayesianRidge``.

        Returns
        -------
        y_mean : ndarray of shape (n_samples,)
            Mean of the predictive distribution.
        y_std : ndarray of shape (n_samples,)
            Its standard deviation; only when ``return_std`` is True.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            y_mean = check_finite_predictions(X @ self.coef_ + self.intercept_, self)
        if not return_std:
            return y_mean
        centred = X - self.X_offset_
        variance = np.einsum("ij,ij->i", centred @ self.coef_covariance_, centred) + self.sigma_**2
        return y_mean, np.sqrt(variance)

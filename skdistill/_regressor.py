"""DistilledRegressor: the paper's closed form for regression (``docs/theory.md``, Regression)."""

import copy
import warnings
from numbers import Real

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import (
    TeacherMixin,
    atomic_fit,
    check_finite_predictions,
    check_sample_weight,
    fit_takes_sample_weight,
    fit_with_sample_weight,
)
from ._callbacks import CallbackSupportMixin
from ._gram import GRAM_BLOCK_ROWS, equilibrated, weighted_gram
from ._teacher import regression_answers

# Above this many columns a sparse X is not turned into its dense Gram matrix
# (features**2 * 8 bytes, 32 MiB here): the least-squares problem is solved
# iteratively instead, with X kept sparse.
_MAX_SPARSE_GRAM_FEATURES = 2048


def distilled_targets(y, privileged, *, teacher_weight, sigma, sigma_teacher):
    """Corrected targets and per-row weights of the paper's regression theorem.

    The distilled objective
    ``sum_{i not in I} (y_i - g_i)^2 / sigma^2
    + sum_{i in I} [(1 - lam) (y_i - g_i)^2 / sigma^2 + lam (s_i - g_i)^2 / sigma_s^2]``
    equals ``sum_i a_i (y''_i - g_i)^2 / sigma^2`` up to a constant, with the
    weights and targets returned here (weights relative to ``1 / sigma^2``,
    so rows outside I weigh exactly one).

    Parameters
    ----------
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        True targets.
    privileged : PrivilegedData
        Mask and teacher answers ``s`` on the privileged rows, of the same
        number of outputs as ``y``.
    teacher_weight, sigma, sigma_teacher : float
        lambda, sigma and sigma_s of the paper.

    Returns
    -------
    targets : ndarray of the shape of ``y``
    weights : ndarray of shape (n_samples,)
        The same for every output: lambda, sigma and sigma_s are scalars.
    """
    targets = np.array(y, dtype=np.float64)
    weights = np.ones(targets.shape[0])
    if privileged.answers is None:
        return targets, weights
    mask = privileged.mask
    # Precisions of the two likelihoods, relative to 1 / sigma^2.
    label_precision = 1.0 - teacher_weight
    teacher_precision = teacher_weight * _precision_ratio(sigma, sigma_teacher)
    total = label_precision + teacher_precision
    targets[mask] = (
        label_precision * targets[mask] + teacher_precision * privileged.answers
    ) / total
    weights[mask] = total
    return targets, weights


def _precision_ratio(sigma, sigma_teacher):
    """``(sigma / sigma_teacher)**2``, or a ValueError when float64 cannot hold it."""
    with np.errstate(over="ignore", under="ignore"):
        ratio = (np.float64(sigma) / np.float64(sigma_teacher)) ** 2
    if not (np.isfinite(ratio) and ratio >= np.finfo(np.float64).tiny):
        raise ValueError(
            f"sigma={sigma:g} and sigma_teacher={sigma_teacher:g} give the teacher a "
            f"relative precision (sigma / sigma_teacher)**2 that float64 cannot hold "
            f"({'overflow' if not np.isfinite(ratio) else 'underflow'}). Only their ratio "
            "matters: keep it within 1e-150 to 1e150, or use teacher_weight=0 (labels "
            "only)."
        )
    return float(ratio)


def _weighted_ridge(X, Y, weights, alpha, fit_intercept):
    """Solve ``min_b,c sum_i w_i (y_i - x_i b - c)^2 + alpha ||b||^2`` exactly.

    ``Y`` has shape (n_samples, n_outputs): every output shares the weights,
    hence the factorisation, and is solved exactly as it would be alone.
    Returns ``coef`` of shape (n_outputs, n_features) and ``intercept`` of
    shape (n_outputs,).

    The normal equations are solved by Cholesky when they are well
    conditioned once equilibrated; a rank-deficient or unrepresentable Gram
    matrix (collinear columns such as one-hot groups, features whose squares
    underflow or overflow) sends the problem to least squares on the design
    itself, which gives the minimum-norm solution as ``LinearRegression``.
    With an intercept, a column that is constant on the weighted rows gets
    the coefficient zero (its minimum-norm value) instead of one fitted to
    the rounding error of its centring.
    """
    n_features = X.shape[1]
    if sp.issparse(X) and n_features > _MAX_SPARSE_GRAM_FEATURES:
        keep = (
            _non_constant_columns(X, weights, None) if fit_intercept else np.ones(n_features, bool)
        )
        return _sparse_lsqr(X, Y, weights, alpha, fit_intercept, keep)
    if sp.issparse(X):
        gram, rhs, x_mean, y_mean = _sparse_normal_equations(X, Y, weights, fit_intercept)
    else:
        gram, rhs, x_mean, y_mean = _dense_normal_equations(X, Y, weights, fit_intercept)
    keep = np.ones(n_features, dtype=bool)
    if fit_intercept:
        keep = _non_constant_columns(X, weights, None if sp.issparse(X) else (gram, x_mean))
    diagonal = np.arange(n_features)
    gram[diagonal, diagonal] += alpha
    system = (
        np.append(keep, True) if gram.shape[0] > n_features else keep
    )  # sparse: intercept column
    solution = _solve_well_conditioned(gram[np.ix_(system, system)], rhs[system])
    if solution is None and sp.issparse(X):
        return _sparse_lsqr(X, Y, weights, alpha, fit_intercept, keep)
    if solution is None:
        solution = _dense_least_squares(
            X[:, keep] if not keep.all() else X, Y, weights, alpha, x_mean[keep], y_mean
        )
    coef = np.zeros((n_features, Y.shape[1]))
    coef[keep] = solution[: keep.sum()]
    if sp.issparse(X) and fit_intercept:
        intercept = solution[-1]
    elif fit_intercept:
        intercept = y_mean - x_mean @ coef
    else:
        intercept = np.zeros(Y.shape[1])
    return coef.T, intercept


def _non_constant_columns(X, weights, centred):
    """Mask of the columns that vary over the rows of positive weight.

    ``centred`` is the dense path's ``(gram, x_mean)``: only columns whose
    centred sum of squares is at rounding level of their mean are read again
    to be checked exactly, so a dense X is not read once more in full.
    """
    rows = weights > 0
    if centred is None:  # sparse: column minimum and maximum count the implicit zeros
        X_rows = X[rows] if not rows.all() else X
        return (
            np.asarray(X_rows.max(axis=0).toarray()).ravel()
            != np.asarray(X_rows.min(axis=0).toarray()).ravel()
        )
    gram, x_mean = centred
    keep = np.ones(X.shape[1], dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        suspects = np.flatnonzero(np.diag(gram) <= 1e-20 * weights.sum() * x_mean**2)
    for j in suspects:
        column = X[rows, j]
        keep[j] = column.min() != column.max()
    return keep


def _dense_normal_equations(X, Y, weights, fit_intercept):
    # Centring block by block keeps the Gram matrix accurate (no cancellation
    # from large feature means) without a centred copy of the whole X.
    n_features = X.shape[1]
    sw_sum = weights.sum()
    x_mean = (weights @ X) / sw_sum if fit_intercept else np.zeros(n_features)
    y_mean = (weights @ Y) / sw_sum if fit_intercept else np.zeros(Y.shape[1])
    gram = np.zeros((n_features, n_features))
    rhs = np.zeros((n_features, Y.shape[1]))
    root_w = np.sqrt(weights)
    # Squares beyond float64 make an infinite Gram matrix, which the solver
    # turns into least squares on the design: no warning for that.
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, X.shape[0], GRAM_BLOCK_ROWS):
            rows = slice(start, start + GRAM_BLOCK_ROWS)
            block = X[rows] - x_mean
            block *= root_w[rows, None]
            gram += block.T @ block
            rhs += block.T @ ((Y[rows] - y_mean) * root_w[rows, None])
    return gram, rhs, x_mean, y_mean


def _sparse_normal_equations(X, Y, weights, fit_intercept):
    # Sparse X is never centred (that would densify it); the intercept is an
    # extra unpenalised column of the normal equations instead.
    gram = weighted_gram(X, weights, fit_intercept, normalise=False)
    rhs = np.asarray(X.multiply(weights[:, None]).tocsr().T @ Y)
    if fit_intercept:
        rhs = np.vstack([rhs, weights @ Y])
    return gram, rhs, None, None


def _sparse_lsqr(X, Y, weights, alpha, fit_intercept, keep):
    """The same weighted ridge problem by LSQR, for sparse X, one output at a time.

    LSQR minimises ``||A D^-1 c - t||^2 + alpha ||D^-1 c||^2`` over
    ``c = D b`` with ``A = diag(sqrt(w)) (X - 1 x_mean^T)`` applied as an
    operator (X is never centred nor densified, X^T X never formed),
    ``t = sqrt(w) (y - y_mean)`` and ``D`` powers of two that bring the
    largest value of a column near one where it lies beyond 2**±256 (exact
    scaling: features of 1e-170 or 1e200 neither underflow nor overflow). The penalty is LSQR's damping, or a
    block of extra rows ``sqrt(alpha) D^-1`` when some columns are scaled. From zero LSQR converges to the minimum-norm
    solution. Columns outside ``keep`` (constant ones) get the coefficient
    zero.
    """
    if not keep.all():
        X = X.tocsc()[:, np.flatnonzero(keep)]
    # Scaling changes which solution is the minimum-norm one of a singular
    # problem, so only columns whose squares would leave float64's range are
    # scaled; the others keep LinearRegression's minimum norm.
    largest = np.maximum(
        np.asarray(X.max(axis=0).toarray()).ravel(), -np.asarray(X.min(axis=0).toarray()).ravel()
    )
    extreme = (largest > 0) & ((largest < 2.0**-256) | (largest > 2.0**256))
    scale = np.ones(X.shape[1])
    scale[extreme] = np.exp2(np.round(np.log2(largest[extreme])))
    X = X.tocsr() @ sp.diags(1.0 / scale) if extreme.any() else X.tocsr()
    root_w = np.sqrt(weights)
    sw_sum = weights.sum()
    if fit_intercept:
        x_mean = np.asarray(X.T @ weights).ravel() / sw_sum
        y_mean = weights @ Y / sw_sum
    else:
        x_mean, y_mean = np.zeros(X.shape[1]), np.zeros(Y.shape[1])
    X_csr, X_t = X.tocsr(), X.T.tocsr()
    n_samples, n_features = X.shape
    penalty = np.sqrt(alpha) / scale if alpha > 0 and extreme.any() else None
    damp = np.sqrt(alpha) if alpha > 0 and penalty is None else 0.0

    def matvec(c):
        c = np.ravel(c)
        rows = root_w * (X_csr @ c - x_mean @ c)
        return rows if penalty is None else np.concatenate([rows, penalty * c])

    def rmatvec(r):
        r = np.ravel(r)
        data = r[:n_samples] * root_w
        out = X_t @ data - x_mean * data.sum()
        return out if penalty is None else out + penalty * r[n_samples:]

    n_rows = n_samples if penalty is None else n_samples + n_features
    design = scipy.sparse.linalg.LinearOperator(
        (n_rows, n_features), matvec=matvec, rmatvec=rmatvec, dtype=np.float64
    )
    coef = np.zeros((Y.shape[1], keep.size))
    intercept = np.zeros(Y.shape[1])
    for output in range(Y.shape[1]):
        target = root_w * (Y[:, output] - y_mean[output])
        if penalty is not None:
            target = np.concatenate([target, np.zeros(n_features)])
        result = scipy.sparse.linalg.lsqr(
            design,
            target,
            damp=damp,
            atol=1e-12,
            btol=1e-12,
            iter_lim=max(1000, 2 * min(X.shape)),
        )
        scaled_coef, stop = result[0], result[1]
        if stop == 7:
            warnings.warn(
                f"LSQR did not converge in {result[2]} iterations on sparse X with "
                f"{n_features} columns; increase alpha or scale the features.",
                ConvergenceWarning,
            )
        intercept[output] = y_mean[output] - x_mean @ scaled_coef
        coef[output, keep] = scaled_coef / scale
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))):
        raise ValueError(
            "The least-squares solution on sparse X is not finite: X or y holds values "
            "whose products overflow float64. Scale X and y."
        )
    return coef, intercept


# Cholesky on the equilibrated normal equations is accepted when their
# reciprocal condition number exceeds this: the squared condition number of
# the normal equations then costs at most about 1e-8 of relative accuracy.
_MIN_RCOND = np.sqrt(np.finfo(np.float64).eps)


def _solve_well_conditioned(gram, rhs):
    """Cholesky solve of ``gram coef = rhs``, or None when it cannot be trusted.

    The system is equilibrated first (unit diagonal), so that columns of very
    different scales or penalties do not pass for ill conditioning. None
    when the Gram matrix is not finite, has a diagonal entry that is zero or
    not a normal float (a constant column, or squares that underflowed), is
    not positive definite, or is too ill conditioned for the normal equations.
    """
    size = gram.shape[0]
    if size == 0:
        return np.zeros(rhs.shape)
    diag = np.diag(gram)
    if not (
        np.all(np.isfinite(gram))
        and np.all(diag > np.finfo(np.float64).tiny / np.finfo(np.float64).eps)
    ):
        return None
    unit_diagonal, scale = equilibrated(gram)
    try:
        factor = scipy.linalg.cho_factor(unit_diagonal, lower=False, check_finite=False)
    except np.linalg.LinAlgError:
        return None
    anorm = np.abs(unit_diagonal).sum(axis=0).max()
    rcond, info = scipy.linalg.lapack.dpocon(factor[0], anorm)
    if info != 0 or not rcond > _MIN_RCOND:
        return None
    scale = scale.reshape((size,) + (1,) * (rhs.ndim - 1))
    return scale * scipy.linalg.cho_solve(factor, scale * rhs, check_finite=False)


def _dense_least_squares(X, Y, weights, alpha, x_mean, y_mean):
    """Minimum-norm weighted ridge solution by SVD least squares on the design.

    The same computation as ``LinearRegression`` (centred, rows scaled by
    the square roots of the weights, ``scipy.linalg.lstsq`` with its cutoff),
    with ``sqrt(alpha) I`` appended as rows for the penalty. It makes a
    centred copy of ``X``; only rank-deficient or badly scaled problems come
    here.
    """
    root_w = np.sqrt(weights)
    design = (X - x_mean) * root_w[:, None]
    target = (Y - y_mean) * root_w[:, None]
    if alpha > 0:
        design = np.vstack([design, np.sqrt(alpha) * np.eye(X.shape[1])])
        target = np.vstack([target, np.zeros((X.shape[1], Y.shape[1]))])
    cond = max(design.shape) * np.finfo(np.float64).eps
    return scipy.linalg.lstsq(design, target, cond=cond)[0]


class DistilledRegressor(TeacherMixin, CallbackSupportMixin, RegressorMixin, BaseEstimator):
    """Regression student distilled from a fitted teacher.

    The student ``g`` minimises the paper's objective (Grabovoy & Strijov,
    2021, section 3)::

        sum_{i not in I} (y_i - g(x_i))^2 / sigma^2
        + (1 - teacher_weight) sum_{i in I} (y_i - g(x_i))^2 / sigma^2
        + teacher_weight sum_{i in I} (s_i - g(x_i))^2 / sigma_teacher^2

    where ``s_i`` is the teacher's answer for object ``i`` and ``I`` the
    privileged rows. For any model this equals weighted least squares on
    corrected targets, so the default linear student is solved in closed
    form and any regressor accepting ``sample_weight`` solves it exactly.

    Parameters
    ----------
    teacher : object, default=None
        A fitted regressor (anything with ``predict``), a ``torch.nn.Module``
        or a callable mapping privileged features to predictions. It is
        never refit, and clones of this estimator share it. None means no
        teacher: then ``teacher_output`` gives the answers, or there is no
        privileged information and the fit is plain (ridge) least squares.
    <<teacher_weight>>
    sigma : float, default=1.0
        Standard deviation of the label noise (sigma of the paper, read as a
        standard deviation: weight ``1 / sigma**2``).
    sigma_teacher : float, default=1.0
        Standard deviation of the teacher's answers around the student
        (sigma_s of the paper).
    student : regressor, default=None
        None fits a linear model in closed form. Otherwise a scikit-learn
        regressor whose ``fit`` accepts ``sample_weight``; a clone is fitted
        on the corrected targets and weights, which solves the distilled
        problem exactly for any model class.
    alpha : float, default=0.0
        L2 penalty on the coefficients of the linear student (the intercept
        is not penalised), added to the objective above multiplied by
        ``sigma**2``: with ``sigma=1`` it is ``Ridge``'s ``alpha``. Ignored
        when ``student`` is given.
    fit_intercept : bool, default=True
        Whether the linear student has an intercept. Ignored when
        ``student`` is given.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_outputs, n_features)
        Coefficients of the linear student (when ``student`` is None); one
        row per output when ``y`` is 2-D, as ``Ridge``.
    intercept_ : float or ndarray of shape (n_outputs,)
        Intercept of the linear student (0.0 when ``fit_intercept=False``).
    student_ : regressor
        The fitted clone of ``student`` (when ``student`` is given).
    privileged_mask_ : ndarray of bool of shape (n_samples,)
        The privileged rows used in the last fit.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    DistilledClassifier : The same idea for classification.
    sklearn.linear_model.Ridge : What the linear student equals on the
        corrected targets and weights.

    Notes
    -----
    Per row, with ``a = (1 - lambda) + lambda * sigma**2 / sigma_teacher**2``
    on privileged rows and ``a = 1`` elsewhere, the corrected target is
    ``((1 - lambda) y + lambda (sigma / sigma_teacher)**2 s) / a`` and the
    row's weight is ``a`` (times ``sample_weight``). The linear student
    solves the weighted normal equations by Cholesky factorisation, with a
    minimum-norm least-squares fallback when ``X`` is rank deficient. A
    sparse ``X`` with more than 2048 columns is solved by LSQR instead
    (``scipy.sparse.linalg.lsqr``, tolerance 1e-12), which keeps ``X``
    sparse and never forms the dense ``X^T X``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from skdistill import DistilledRegressor
    >>> rng = np.random.RandomState(0)
    >>> X_star = rng.normal(size=(200, 3))
    >>> X = X_star[:, :2] + 0.1 * rng.normal(size=(200, 2))
    >>> y = X_star.sum(axis=1) + 0.1 * rng.normal(size=200)
    >>> teacher = LinearRegression().fit(X_star, y)
    >>> student = DistilledRegressor(teacher, teacher_weight=0.5)
    >>> student.fit(X, y, X_star=X_star).coef_.shape
    (2,)
    """

    _parameter_constraints = {
        **TeacherMixin._shared_parameter_constraints,
        "teacher": [HasMethods("predict"), callable, None],
        "sigma": [Interval(Real, 0, None, closed="neither")],
        "sigma_teacher": [Interval(Real, 0, None, closed="neither")],
        "student": [HasMethods(["fit", "predict"]), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        teacher=None,
        *,
        teacher_weight=0.5,
        sigma=1.0,
        sigma_teacher=1.0,
        student=None,
        alpha=0.0,
        fit_intercept=True,
    ):
        self.teacher = teacher
        self.teacher_weight = teacher_weight
        self.sigma = sigma
        self.sigma_teacher = sigma_teacher
        self.student = student
        self.alpha = alpha
        self.fit_intercept = fit_intercept

    @atomic_fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(
        self, X, y, *, X_star=None, privileged_mask=None, teacher_output=None, sample_weight=None
    ):
        """Fit the student on ``X`` guided by the teacher's answers.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The student's features.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values. With several outputs, the teacher answers one
            number per output and each output is fitted exactly as it would
            be alone (the outputs share the row weights, hence one
            factorisation).
        <<X_star>>
        <<privileged_mask>>
        teacher_output : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Precomputed teacher answers (NaN allowed outside the mask), one
            column per output of ``y``; the teacher is then not called.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-row weights, multiplying the distillation weights.

        Returns
        -------
        self : DistilledRegressor
            The fitted estimator.
        """
        self._check_instances()
        X_raw = X
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            y_numeric=True,
            multi_output=True,
            dtype=np.float64,
        )
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        sample_weight = check_sample_weight(sample_weight, X)
        # For the callbacks (scikit-learn >= 1.9) the fit is one task, a leaf:
        # one closed-form solve, or the student's fit.
        callback_ctx = self._init_callback_context(max_subtasks=0)
        callback_ctx.call_on_fit_task_begin(estimator=self, X=X_raw, y=y, metadata=metadata)
        privileged = regression_answers(
            self.teacher,
            X_raw,
            call_teacher=self.teacher_weight > 0,
            X_star=X_star,
            privileged_mask=privileged_mask,
            teacher_output=teacher_output,
            n_outputs=None if y.ndim == 1 else y.shape[1],
        )
        targets, weights = distilled_targets(
            y,
            privileged,
            teacher_weight=self.teacher_weight,
            sigma=self.sigma,
            sigma_teacher=self.sigma_teacher,
        )
        weights *= sample_weight
        if not np.all(np.isfinite(weights)):
            raise ValueError(
                "sample_weight times the teacher's relative precision (sigma / "
                "sigma_teacher)**2 overflows float64; scale sample_weight down or bring "
                "sigma and sigma_teacher closer."
            )
        if self.student is None:
            coef, intercept = _weighted_ridge(
                X, targets.reshape(len(targets), -1), weights, self.alpha, self.fit_intercept
            )
            if y.ndim == 1:  # one output: the shapes of Ridge's single-output fit
                coef, intercept = coef[0], float(intercept[0])
            fitted = {"coef_": coef, "intercept_": intercept}
        elif not fit_takes_sample_weight(self.student):
            raise TypeError(
                f"student {type(self.student).__name__} does not accept sample_weight in "
                "fit (neither as a named parameter nor through **kwargs); the distilled "
                "problem is weighted least squares, so the student must support "
                "sample_weight."
            )
        else:
            fitted = {
                "student_": fit_with_sample_weight(clone(self.student), X_raw, targets, weights)
            }
        self._replace_fitted_state(
            ("coef_", "intercept_", "student_"), {**fitted, "privileged_mask_": privileged.mask}
        )
        callback_ctx.call_on_fit_task_end(
            estimator=self, X=X_raw, y=y, metadata=metadata, reconstruction_attributes={}
        )
        return self

    def predict(self, X):
        """Predict with the student from ordinary features only.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted values.
        """
        check_is_fitted(self)
        if hasattr(self, "student_"):
            # Same rule for non-finite values as fit, which rejects them.
            validate_data(self, X, accept_sparse=True, reset=False, dtype=None)
            return check_finite_predictions(np.asarray(self.student_.predict(X)), self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            predictions = np.asarray(X @ self.coef_.T) + self.intercept_
        return check_finite_predictions(predictions, self)

    def export_student(self):
        """The fitted student as a plain object, without the teacher and without skdistill.

        For deployment: the returned object predicts exactly what this
        estimator predicts and pickles without the teacher.

        Returns
        -------
        student : object
            For the linear student, a ``sklearn.linear_model.LinearRegression``
            (``alpha=0``) or ``Ridge`` (with this ``alpha``) whose ``coef_``,
            ``intercept_`` and ``n_features_in_`` are this fit's; otherwise a
            copy of the fitted ``student_``.
        """
        check_is_fitted(self)
        if hasattr(self, "student_"):
            return copy.deepcopy(self.student_)
        from sklearn.linear_model import LinearRegression, Ridge

        # The parameters of the fit, not the current ones.
        if self._alpha == 0:
            exported = LinearRegression(fit_intercept=self._fit_intercept)
        else:
            exported = Ridge(alpha=self._alpha, fit_intercept=self._fit_intercept)
        exported.coef_ = self.coef_.copy()
        exported.intercept_ = self.intercept_
        exported.n_features_in_ = self.n_features_in_
        if hasattr(self, "feature_names_in_"):
            exported.feature_names_in_ = self.feature_names_in_.copy()
        return exported

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.input_tags.sparse = self.student is None
        if self.student is not None:
            try:  # a student that fits sparse X makes the distilled fit accept it
                tags.input_tags.sparse = get_tags(self.student).input_tags.sparse
            except (AttributeError, TypeError, ValueError):
                pass  # a duck-typed student without scikit-learn tags
        return tags

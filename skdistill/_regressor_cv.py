"""DistilledRegressorCV: the teacher weight (and ridge penalty) chosen by cross-validation.

For the linear student, every candidate of a fold is one small solve: the
distilled normal equations are linear in the per-row weights, which take
one value on the privileged rows and another elsewhere, so the moments of
the two groups of rows are computed once per fold and combined per
candidate (``docs/theory.md``, "Cross-validated choice of λ and T"). Other students are refitted per candidate, with
the teacher evaluated once for all of them.
"""

import copy
import functools
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context, clone
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import TeacherMixin, atomic_fit, check_sample_weight, select_rows
from ._callbacks import CallbackSupportMixin, lazy, subtask
from ._regressor import (
    _MAX_SPARSE_GRAM_FEATURES,
    DistilledRegressor,
    _precision_ratio,
    _solve_well_conditioned,
)
from ._search import candidates, check_grid, fold_scorer, folds, run_search
from ._teacher import regression_answers

#: The default grid of teacher weights: 0 (labels only) to 1 in steps of 0.1.
DEFAULT_TEACHER_WEIGHTS = tuple(np.round(np.linspace(0.0, 1.0, 11), 10))


@dataclass
class _Problem:
    """One ``fit`` call's data, validated once and shared by every fold."""

    X_raw: object  # as the user passed it: scorers and students see it
    X: object  # float64 ndarray or CSR/CSC matrix
    Y: np.ndarray  # (n_samples, n_outputs)
    y: np.ndarray  # as validated, 1-D or 2-D: what the scorer compares with
    sample_weight: np.ndarray
    mask: np.ndarray
    answers: np.ndarray | None  # full length (n_samples, n_outputs), NaN outside the mask
    precision_ratio: float  # (sigma / sigma_teacher)**2
    weighted: bool = False  # whether the caller gave sample_weight (for the callbacks' metadata)


@dataclass
class _GroupMoments:
    """Weighted moments of one group of training rows, around a common shift."""

    gram: np.ndarray  # sum w x x^T
    x_sum: np.ndarray  # sum w x
    weight: float  # sum w
    label_rhs: np.ndarray  # sum w x y^T, (n_features, n_outputs)
    label_sum: np.ndarray  # sum w y, (n_outputs,)
    teacher_rhs: np.ndarray | None = None  # the same with the teacher's answers
    teacher_sum: np.ndarray | None = None


def _moments(X, Y, weights, answers=None):
    if sp.issparse(X):
        weighted = X.multiply(weights[:, None]).tocsr()
        gram = (weighted.T @ X).toarray()
    else:
        # Z^T Z with Z = sqrt(w) X is a symmetric rank-k update (BLAS syrk),
        # much faster than the general product (w X)^T X.
        root = X * np.sqrt(weights)[:, None]
        gram = root.T @ root
        weighted = X * weights[:, None]
    moments = _GroupMoments(
        gram=gram,
        x_sum=np.asarray(weighted.sum(axis=0)).ravel(),
        weight=float(weights.sum()),
        label_rhs=np.asarray(weighted.T @ Y),
        label_sum=weights @ Y,
    )
    if answers is not None:
        moments.teacher_rhs = np.asarray(weighted.T @ answers)
        moments.teacher_sum = weights @ answers
    return moments


class DistilledRegressorCV(TeacherMixin, CallbackSupportMixin, RegressorMixin, BaseEstimator):
    """Distilled regressor with the teacher weight chosen by cross-validation.

    The ``RidgeCV`` of :class:`DistilledRegressor`: every pair of
    ``teacher_weights`` and ``alphas`` is scored on the folds of ``cv``, as
    ``GridSearchCV(DistilledRegressor(...), {"alpha": alphas,
    "teacher_weight": teacher_weights})`` would score it, and the best pair
    is refitted on all rows. It chooses what that search chooses, at a
    fraction of its cost: the teacher is evaluated once, and for the linear
    student each candidate of a fold is a solve of size ``n_features`` from
    the moments of the fold's privileged and other rows, computed once.

    Parameters
    ----------
    teacher : object, default=None
        As in :class:`DistilledRegressor`: a fitted regressor, a
        ``torch.nn.Module`` or a callable, never refit; None with
        ``teacher_output``.
    teacher_weights : array-like of float, default=(0.0, 0.1, ..., 1.0)
        Candidate teacher weights lambda, each in [0, 1].
    alphas : array-like of float, default=(0.0,)
        Candidate L2 penalties of the linear student (ignored, beyond being
        a candidate, when ``student`` is given), each >= 0.
    sigma, sigma_teacher : float, default=1.0
        Noise levels of the labels and of the teacher's answers, as in
        :class:`DistilledRegressor`.
    student : regressor, default=None
        None: the linear student (fast path). Otherwise a regressor whose
        ``fit`` accepts ``sample_weight``, refitted for every candidate and
        fold.
    fit_intercept : bool, default=True
        Whether the linear student has an intercept.
    cv : int, cross-validation generator or iterable, default=None
        The folds, as ``GridSearchCV``'s ``cv`` (None: 5-fold ``KFold``).
    scoring : str or callable, default=None
        As ``GridSearchCV``'s ``scoring``; None is the estimator's ``score``
        (R^2). With ``sample_weight`` the test rows are weighted as
        ``GridSearchCV`` weighs them (scikit-learn >= 1.7, a scorer that accepts
        ``sample_weight``, no metadata routing).
    n_jobs : int, default=None
        Folds evaluated in parallel (joblib); None means 1.

    Attributes
    ----------
    teacher_weight_ : float
        The chosen teacher weight.
    alpha_ : float
        The chosen penalty.
    best_score_ : float
        Its mean cross-validated score.
    best_params_ : dict
        ``{"alpha": alpha_, "teacher_weight": teacher_weight_}``.
    best_index_ : int
        Its index in ``cv_results_``.
    cv_results_ : dict of ndarray
        Keyed like ``GridSearchCV``'s (``params``, ``param_alpha``,
        ``param_teacher_weight``, ``split<k>_test_score``,
        ``mean_test_score``, ``std_test_score``, ``rank_test_score``); no
        timing keys, since candidates of a fold are not fitted one by one.
    best_estimator_ : DistilledRegressor
        The student refitted on all rows with the chosen values.
    coef_, intercept_ : ndarray, float
        Those of ``best_estimator_`` for the linear student.
    n_splits_ : int
        Number of folds.
    privileged_mask_ : ndarray of bool of shape (n_samples,)
        The privileged rows.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    DistilledRegressor : The estimator whose teacher weight is chosen here.
    BayesianDistilledRegressor : The noise levels, hence the teacher's
        share, chosen by evidence instead of folds.

    Notes
    -----
    A fold whose distilled normal equations are rank deficient or badly
    conditioned for a candidate (for example collinear columns with
    ``alpha=0``) is fitted by :class:`DistilledRegressor` itself for that
    candidate, so every score is the one ``GridSearchCV`` would compute.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from skdistill import DistilledRegressorCV
    >>> rng = np.random.RandomState(0)
    >>> X_star = rng.normal(size=(300, 4))
    >>> X = X_star[:, :2] + rng.normal(size=(300, 2))
    >>> y = X_star.sum(axis=1) + rng.normal(size=300)
    >>> teacher = LinearRegression().fit(X_star, y)
    >>> search = DistilledRegressorCV(teacher).fit(X, y, X_star=X_star)
    >>> 0.0 <= search.teacher_weight_ <= 1.0
    True
    """

    _parameter_constraints = {
        "teacher": [HasMethods("predict"), callable, None],
        "teacher_weights": ["array-like"],
        "alphas": ["array-like"],
        "sigma": [Interval(Real, 0, None, closed="neither")],
        "sigma_teacher": [Interval(Real, 0, None, closed="neither")],
        "student": [HasMethods(["fit", "predict"]), None],
        "fit_intercept": ["boolean"],
        "cv": ["cv_object"],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        teacher=None,
        *,
        teacher_weights=DEFAULT_TEACHER_WEIGHTS,
        alphas=(0.0,),
        sigma=1.0,
        sigma_teacher=1.0,
        student=None,
        fit_intercept=True,
        cv=None,
        scoring=None,
        n_jobs=None,
    ):
        self.teacher = teacher
        self.teacher_weights = teacher_weights
        self.alphas = alphas
        self.sigma = sigma
        self.sigma_teacher = sigma_teacher
        self.student = student
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs

    def _base_estimator(self, **params):
        return DistilledRegressor(
            self.teacher,
            sigma=self.sigma,
            sigma_teacher=self.sigma_teacher,
            student=None if self.student is None else clone(self.student),
            fit_intercept=self.fit_intercept,
            **params,
        )

    @atomic_fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(
        self, X, y, *, X_star=None, privileged_mask=None, teacher_output=None, sample_weight=None
    ):
        """Score every candidate on the folds, then refit the best on all rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The student's features.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        <<X_star>>
        <<privileged_mask>>
        teacher_output : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Precomputed teacher answers (NaN allowed outside the mask).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-row weights of the fits, and of the scores where ``GridSearchCV``
            weighs them (see ``scoring``).

        Returns
        -------
        self : DistilledRegressorCV
            The fitted estimator.
        """
        self._check_instances()
        teacher_weights = check_grid(self.teacher_weights, "teacher_weights", low=0.0, high=1.0)
        alphas = check_grid(self.alphas, "alphas", low=0.0)
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
        weighted = sample_weight is not None
        sample_weight = check_sample_weight(sample_weight, X)
        splits = folds(self.cv, X, y, classifier=False)
        # For the callbacks (scikit-learn >= 1.9): the fit, with one task per
        # fold (one subtask per candidate in it), then the refit.
        callback_ctx = self._init_callback_context(max_subtasks=len(splits) + 1)
        metadata = {"sample_weight": sample_weight} if weighted else None
        callback_ctx.call_on_fit_task_begin(estimator=self, X=X_raw, y=y, metadata=metadata)
        # The teacher is asked once, for the largest weight (not at all when every weight is 0).
        privileged = regression_answers(
            self.teacher,
            X_raw,
            call_teacher=max(teacher_weights) > 0,
            owner=type(self).__name__,
            X_star=X_star,
            privileged_mask=privileged_mask,
            teacher_output=teacher_output,
            n_outputs=None if y.ndim == 1 else y.shape[1],
        )
        Y = y.reshape(len(y), -1)
        answers = None
        if privileged.answers is not None:
            answers = np.full(Y.shape, np.nan)
            answers[privileged.mask] = privileged.answers.reshape(-1, Y.shape[1])
        problem = _Problem(
            X_raw=X_raw,
            X=X,
            Y=Y,
            y=y,
            sample_weight=sample_weight,
            mask=privileged.mask,
            answers=answers,
            precision_ratio=_precision_ratio(self.sigma, self.sigma_teacher),
            weighted=weighted,
        )
        candidate_list = candidates(alpha=alphas, teacher_weight=teacher_weights)
        scorer = check_scoring(self._base_estimator(), self.scoring)
        fast = self.student is None and not (
            sp.issparse(X) and X.shape[1] > _MAX_SPARSE_GRAM_FEATURES
        )
        score_fold = self._linear_fold_scores if fast else self._refitted_fold_scores
        rows = np.arange(X.shape[0])

        def refit(params):
            estimator = self._rows_estimator(problem, params)
            return estimator, lambda: self._fit_rows(problem, rows, params, estimator=estimator)

        return run_search(
            self,
            callback_ctx,
            candidate_list,
            splits,
            score_fold=functools.partial(
                self._scored_fold, score_fold, problem, candidate_list, scorer
            ),
            refit=refit,
            seen=dict(X=X_raw, y=y, metadata=metadata),
            mask=privileged.mask,
        )

    def _rows_estimator(self, problem, params):
        """The unfitted ``DistilledRegressor`` of one candidate, as :meth:`_fit_rows` fits it."""
        estimator = self._base_estimator(**params)
        if (
            problem.answers is None and problem.mask.any()
        ):  # every weight is zero: no teacher needed
            estimator.set_params(teacher=None)
        return estimator

    def _fit_rows(self, problem, rows, params, estimator=None):
        """A ``DistilledRegressor`` fitted on ``rows`` with the answers computed once.

        ``estimator``, when given, is the one to fit (from :meth:`_rows_estimator`).
        """
        if estimator is None:
            estimator = self._rows_estimator(problem, params)
        fit_params = {"sample_weight": problem.sample_weight[rows]}
        if problem.answers is not None:
            answers = problem.answers[rows]
            fit_params.update(
                teacher_output=answers[:, 0] if problem.y.ndim == 1 else answers,
                privileged_mask=problem.mask[rows],
            )
        return estimator.fit(select_rows(problem.X_raw, rows), problem.y[rows], **fit_params)

    def _scored_fold(self, score_fold, problem, candidate_list, scorer, train, test, context):
        """``score_fold``'s scores of one fold, as the fold's callback task ``context``.

        One subtask per candidate (``task_id`` its index in ``cv_results_``),
        where a ``DistilledRegressor`` fitted for the candidate hangs its own
        fit's task; a candidate solved from the fold's moments is a leaf.
        """
        metadata = {"sample_weight": problem.sample_weight[train]} if problem.weighted else None
        # The fold's rows of X as given, copied only for a callback that reads them.
        seen = dict(
            X=lazy(lambda: select_rows(problem.X_raw, train)), y=problem.y[train], metadata=metadata
        )
        context.call_on_fit_task_begin(estimator=self, **seen)
        scorer = fold_scorer(scorer, problem.sample_weight[test] if problem.weighted else None)
        scores = score_fold(problem, train, test, candidate_list, scorer, context, seen)
        context.call_on_fit_task_end(estimator=self, **seen)
        return scores

    def _refitted_fold_scores(self, problem, train, test, candidate_list, scorer, context, seen):
        X_test, y_test = select_rows(problem.X_raw, test), problem.y[test]
        scores = np.empty(len(candidate_list))
        for index, params in enumerate(candidate_list):
            estimator = self._rows_estimator(problem, params)
            with subtask(
                context, self, "candidate", task_id=index, sub_estimator=estimator, **seen
            ):
                scores[index] = scorer(
                    self._fit_rows(problem, train, params, estimator), X_test, y_test
                )
        return scores

    def _linear_fold_scores(self, problem, train, test, candidate_list, scorer, context, seen):
        """Every candidate of one fold from the moments of its two groups of rows."""
        X, Y = problem.X[train], problem.Y[train]
        if sp.issparse(X):
            X = X.tocsr()
        weights, mask = problem.sample_weight[train], problem.mask[train]
        keep = np.ones(X.shape[1], dtype=bool)
        if self.fit_intercept:  # as DistilledRegressor: constant columns get the coefficient 0
            positive = X[weights > 0]
            low, high = positive.min(axis=0), positive.max(axis=0)
            keep = np.ravel(high.toarray() != low.toarray()) if sp.issparse(X) else high != low
            if not keep.all():
                X = X[:, np.flatnonzero(keep)]
        # Shift dense columns and the targets to their weighted means, so the
        # combined moments lose no accuracy to large means; sparse X is not
        # centred and keeps the intercept as a column, as DistilledRegressor does.
        dense = not sp.issparse(X)
        x_shift = (weights @ X) / weights.sum() if dense and self.fit_intercept else None
        y_shift = (weights @ Y) / weights.sum() if self.fit_intercept else np.zeros(Y.shape[1])
        if x_shift is not None:
            X = X - x_shift
        other = _moments(X[~mask], Y[~mask] - y_shift, weights[~mask])
        answers = None if problem.answers is None else problem.answers[train][mask] - y_shift
        privileged = _moments(X[mask], Y[mask] - y_shift, weights[mask], answers)
        template = self._base_estimator()
        template.__dict__.update(
            {name: value for name, value in vars(self).items() if name.endswith("_in_")}
        )
        X_test, y_test = select_rows(problem.X_raw, test), problem.y[test]
        scores = []
        for index, params in enumerate(candidate_list):
            # Solved before its task begins: an ill-conditioned candidate is
            # a fit of DistilledRegressor, whose task hangs in the candidate's.
            solution = self._solve(other, privileged, params, problem.precision_ratio, dense)
            if solution is None:  # ill conditioned: the exact fit of DistilledRegressor
                estimator = self._rows_estimator(problem, params)
                with subtask(
                    context, self, "candidate", task_id=index, sub_estimator=estimator, **seen
                ):
                    scores.append(
                        scorer(self._fit_rows(problem, train, params, estimator), X_test, y_test)
                    )
                continue
            with subtask(context, self, "candidate", task_id=index, **seen):
                coef, intercept = solution
                full = np.zeros((Y.shape[1], keep.size))
                full[:, keep] = coef
                intercept = (
                    intercept + y_shift - (full[:, keep] @ x_shift if x_shift is not None else 0.0)
                )
                estimator = copy.copy(template)
                single = problem.y.ndim == 1
                estimator.coef_ = full[0] if single else full
                estimator.intercept_ = float(intercept[0]) if single else intercept
                scores.append(scorer(estimator, X_test, y_test))
        return np.array(scores)

    def _solve(self, other, privileged, params, precision_ratio, dense):
        """Coefficients and intercept of one candidate, or None when ill conditioned."""
        lam, alpha = params["teacher_weight"], params["alpha"]
        # DistilledRegressor's row weights (relative to 1 / sigma**2) and corrected
        # targets: weight a = (1 - lam) + lam r on privileged rows, a y'' =
        # (1 - lam) y + lam r s; without answers every row weighs one.
        if privileged.teacher_rhs is None:
            label_precision, teacher_precision = 1.0, 0.0
        else:
            label_precision, teacher_precision = 1.0 - lam, lam * precision_ratio
        total = label_precision + teacher_precision
        gram = other.gram + total * privileged.gram
        x_sum = other.x_sum + total * privileged.x_sum
        weight = other.weight + total * privileged.weight
        rhs = other.label_rhs + label_precision * privileged.label_rhs
        t_sum = other.label_sum + label_precision * privileged.label_sum
        if teacher_precision > 0:
            rhs = rhs + teacher_precision * privileged.teacher_rhs
            t_sum = t_sum + teacher_precision * privileged.teacher_sum
        n_features = gram.shape[0]
        if not self.fit_intercept:
            gram[np.arange(n_features), np.arange(n_features)] += alpha
            coef = _solve_well_conditioned(gram, rhs)
            return None if coef is None else (coef.T, np.zeros(rhs.shape[1]))
        if dense:  # centred normal equations, as DistilledRegressor's dense path
            centred = gram - np.outer(x_sum, x_sum) / weight
            centred[np.arange(n_features), np.arange(n_features)] += alpha
            coef = _solve_well_conditioned(centred, rhs - np.outer(x_sum, t_sum) / weight)
            if coef is None:
                return None
            return coef.T, (t_sum - x_sum @ coef) / weight
        # Sparse: the intercept as an unpenalised column, as DistilledRegressor's sparse path.
        gram[np.arange(n_features), np.arange(n_features)] += alpha
        system = np.block([[gram, x_sum[:, None]], [x_sum[None, :], np.array([[weight]])]])
        solution = _solve_well_conditioned(system, np.vstack([rhs, t_sum]))
        if solution is None:
            return None
        return solution[:-1].T, solution[-1]

    def predict(self, X):
        """Predict with the refitted student.

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
        return self.best_estimator_.predict(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.input_tags.sparse = self._base_estimator().__sklearn_tags__().input_tags.sparse
        return tags

"""DistilledClassifierCV: the teacher weight and temperature chosen by cross-validation.

What ``GridSearchCV`` over ``DistilledClassifier`` would choose, at a
fraction of its cost (``docs/theory.md``, "Cross-validated choice of λ and T"): the teacher is evaluated once for all
rows, every candidate of a fold is trained from the same validated fold, the
labels-only fit (teacher weight 0, whatever the temperature) once per fold,
and the linear student trained with L-BFGS starts each teacher weight from
the solutions of the previous ones at the same temperature, with their
curvature (the objective is convex: the same minimum, fewer iterations).
"""

import contextlib
import copy
import functools
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.model_selection import StratifiedKFold
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._base import TeacherMixin, atomic_fit, check_sample_weight, select_rows
from ._callbacks import CallbackSupportMixin, subtask
from ._classifier import DistilledClassifier
from ._lbfgs import CurvatureMemory
from ._losses import LOSSES
from ._search import candidates, check_grid, fold_scorer, folds, run_search
from ._students import LINEAR, VALIDATED_DTYPES, LinearStudent
from ._teacher import TeacherAnswers, align_teacher_columns, classification_logits
from ._torch_solver import logit_columns, resolve_device
from ._torch_utils import threads_for_work

#: Parameters handed unchanged to every DistilledClassifier of the search.
_STUDENT_PARAMS = (
    "loss",
    "class_weight",
    "student",
    "alpha",
    "fit_intercept",
    "solver",
    "max_iter",
    "tol",
    "batch_size",
    "learning_rate",
    "early_stopping",
    "validation_fraction",
    "n_iter_no_change",
    "epsilon",
    "dtype",
    "device",
    "random_state",
    "verbose",
)


#: The secant start goes at most this many times the last step of the chain
#: beyond its last solution: further out, the fits' own tolerance-level errors,
#: multiplied by the ratio, would outweigh what the secant predicts.
_MAX_SECANT_RATIO = 2.0


def _secant_ratio(path, teacher_weight):
    """How far past the last solution of ``path`` the secant start goes, in its last step; 0: none."""
    if len(path) < 2 or path[-2][0] == path[-1][0]:
        return 0.0
    (before, _), (last, _) = path[-2:]
    ratio = (teacher_weight - last) / (last - before)
    return ratio if 0 < ratio <= _MAX_SECANT_RATIO else 0.0


class _LinearAccuracy:
    """The accuracy of linear students on one fold's test rows, validated once for all.

    What the default scoring (``DistilledClassifier.score``) and
    ``"accuracy"`` compute, ``accuracy_score`` of ``predict``, without
    validating the same rows again for every candidate.
    """

    def __init__(self, X_test, estimator):
        self._X = check_array(
            X_test, accept_sparse="csr", dtype=VALIDATED_DTYPES, input_name="X", estimator=estimator
        )

    def __call__(self, estimator, X, y, sample_weight=None):
        scores = LinearStudent.validated_decision_function(estimator, self._X)
        predicted = LinearStudent.labels(estimator, scores)
        return float(np.average(y == predicted, weights=sample_weight))


class DistilledClassifierCV(TeacherMixin, CallbackSupportMixin, ClassifierMixin, BaseEstimator):
    """Distilled classifier with the teacher weight and temperature chosen by cross-validation.

    The ``LogisticRegressionCV`` of :class:`DistilledClassifier`: every pair
    of ``teacher_weights`` and ``temperatures`` is scored on the folds of
    ``cv`` as ``GridSearchCV(DistilledClassifier(...), {"teacher_weight":
    teacher_weights, "temperature": temperatures})`` scores it, and the best
    pair is refitted on all rows. The teacher is evaluated once; the
    labels-only candidate (weight 0) is fitted once per fold for every
    temperature; the linear student with L-BFGS warm-starts along the
    teacher weights of each temperature.

    Parameters
    ----------
    teacher : object, default=None
        As in :class:`DistilledClassifier`: a fitted classifier, a
        ``torch.nn.Module`` or a callable returning logits, never refit;
        None with ``teacher_output``.
    teacher_weights : array-like of float, default=(0.0, 0.25, 0.5, 0.75, 1.0)
        Candidate teacher weights lambda, each in [0, 1].
    temperatures : array-like of float, default=(1.0, 2.0, 5.0)
        Candidate temperatures T, each > 0.
    loss, teacher_output_kind, class_weight, student, alpha, fit_intercept, solver, \
max_iter, tol, batch_size, learning_rate, early_stopping, validation_fraction, \
n_iter_no_change, epsilon, dtype, device, random_state, verbose
        As in :class:`DistilledClassifier`, for every fit of the search.
    cv : int, cross-validation generator or iterable, default=None
        The folds, as ``GridSearchCV``'s ``cv`` (None: 5-fold
        ``StratifiedKFold``).
    scoring : str or callable, default=None
        As ``GridSearchCV``'s ``scoring``; None is the estimator's ``score``
        (accuracy). With ``sample_weight`` the test rows are weighted as
        ``GridSearchCV`` weighs them (scikit-learn >= 1.7, a scorer that accepts
        ``sample_weight``, no metadata routing).
    n_jobs : int, default=None
        Folds evaluated in parallel (joblib); None means 1.

    Attributes
    ----------
    teacher_weight_ : float
        The chosen teacher weight.
    temperature_ : float
        The chosen temperature.
    best_score_ : float
        Its mean cross-validated score.
    best_params_ : dict
        ``{"teacher_weight": teacher_weight_, "temperature": temperature_}``.
    best_index_ : int
        Its index in ``cv_results_``.
    cv_results_ : dict of ndarray
        Keyed like ``GridSearchCV``'s (``params``, ``param_teacher_weight``,
        ``param_temperature``, ``split<k>_test_score``, ``mean_test_score``,
        ``std_test_score``, ``rank_test_score``).
    best_estimator_ : DistilledClassifier
        The student refitted on all rows with the chosen values.
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    coef_, intercept_ : ndarray
        Those of ``best_estimator_`` for the linear student.
    n_iter_ : int
        Iterations (L-BFGS) or epochs (Adam) of the refit, for a torch or
        linear student.
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
    DistilledClassifier : The estimator whose teacher weight and temperature
        are chosen here.
    DistilledRegressorCV : The same for regression.

    Notes
    -----
    Warm starts reach the same minimum as the cold fits of ``GridSearchCV``
    to the solver's tolerance ``tol``, so cross-validated scores agree to
    that precision and a different choice happens only between candidates
    whose scores tie within it. On a very flat objective (a large
    temperature with nearly uniform teacher answers and a small ``alpha``)
    ``tol`` holds far from the minimum, where a warm and a cold fit stop at
    different points and their scores can differ; a smaller ``tol`` brings
    both to the minimum (a warm start that already meets ``tol`` is replaced
    by a cold one).

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skdistill import DistilledClassifierCV
    >>> X_star, y = make_classification(n_samples=300, n_features=8, random_state=0)
    >>> teacher = LogisticRegression().fit(X_star, y)
    >>> search = DistilledClassifierCV(teacher, teacher_weights=[0.0, 0.5], temperatures=[1.0, 2.0])
    >>> search.fit(X_star[:, :4], y, X_star=X_star).best_params_.keys()
    dict_keys(['teacher_weight', 'temperature'])
    """

    _parameter_constraints = {
        **{
            name: constraint
            for name, constraint in DistilledClassifier._parameter_constraints.items()
            if name not in ("teacher_weight", "temperature", "warm_start")
        },
        "teacher_weights": ["array-like"],
        "temperatures": ["array-like"],
        "loss": [StrOptions(set(LOSSES))],
        "cv": ["cv_object"],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        teacher=None,
        *,
        teacher_weights=(0.0, 0.25, 0.5, 0.75, 1.0),
        temperatures=(1.0, 2.0, 5.0),
        loss="distill",
        teacher_output_kind="auto",
        class_weight=None,
        student=None,
        alpha=1.0,
        fit_intercept=True,
        solver="lbfgs",
        max_iter=100,
        tol=1e-4,
        batch_size="auto",
        learning_rate=1e-3,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        epsilon=1e-6,
        dtype="float32",
        device="cpu",
        random_state=None,
        verbose=0,
        cv=None,
        scoring=None,
        n_jobs=None,
    ):
        self.teacher = teacher
        self.teacher_weights = teacher_weights
        self.temperatures = temperatures
        self.loss = loss
        self.teacher_output_kind = teacher_output_kind
        self.class_weight = class_weight
        self.student = student
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.epsilon = epsilon
        self.dtype = dtype
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs

    def _student(self, teacher=None, **params):
        """A DistilledClassifier with this search's fixed parameters."""
        fixed = {
            name: copy.deepcopy(getattr(self, name)) if name == "student" else getattr(self, name)
            for name in _STUDENT_PARAMS
        }
        return DistilledClassifier(teacher, **fixed, **params)

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
        y : array-like of shape (n_samples,)
            Class labels.
        <<X_star>>
        <<privileged_mask>>
        teacher_output : array-like of shape (n_samples, n_classes), default=None
            Precomputed teacher answers, as in :meth:`DistilledClassifier.fit`.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-row weights of the fits, and of the scores where ``GridSearchCV``
            weighs them (see ``scoring``).

        Returns
        -------
        self : DistilledClassifierCV
            The fitted estimator.
        """
        self._check_instances()
        teacher_weights = check_grid(self.teacher_weights, "teacher_weights", low=0.0, high=1.0)
        temperatures = check_grid(self.temperatures, "temperatures", low=0.0, low_open=True)
        X_raw = X
        # Shape and names here; every fit of the search checks the values itself.
        X_checked, y = validate_data(
            self, X, y, accept_sparse=True, dtype=None, ensure_all_finite=False
        )
        check_classification_targets(y)
        labels = np.unique(y)
        if len(labels) < 2:
            raise ValueError(
                "y must hold at least two classes to train a classifier; got 1 class: "
                f"{labels.tolist()}."
            )
        weighted = sample_weight is not None
        sample_weight = check_sample_weight(sample_weight, X_checked)
        splits = folds(self._checked_cv(y), X_checked, y, classifier=True)
        # For the callbacks (scikit-learn >= 1.9): the fit, with one task per
        # fold (one subtask per candidate in it), then the refit.
        callback_ctx = self._init_callback_context(max_subtasks=len(splits) + 1)
        metadata = {"sample_weight": sample_weight} if weighted else None
        callback_ctx.call_on_fit_task_begin(estimator=self, X=X_raw, y=y, metadata=metadata)
        # The teacher is asked once, for the largest weight (not at all when every weight is 0).
        privileged = classification_logits(
            self.teacher,
            X_raw,
            call_teacher=max(teacher_weights) > 0,
            X_star=X_star,
            privileged_mask=privileged_mask,
            teacher_output=teacher_output,
            output_kind=self.teacher_output_kind,
        )
        answers = None
        if privileged.answers is not None:
            # Checked against y's classes here, where the labels' source is known; the
            # folds align the columns again, by label, to the classes each fold holds.
            align_teacher_columns(
                privileged.answers, privileged.classes, labels, privileged.label_source
            )
            answers = np.full((len(y), privileged.answers.shape[1]), np.nan)
            answers[privileged.mask] = privileged.answers
            if privileged.classes is not None:
                answers = TeacherAnswers(answers, privileged.classes)
        problem = dict(
            X=X_raw,
            y=y,
            sample_weight=sample_weight,
            mask=privileged.mask,
            answers=answers,
            weighted=weighted,
        )
        candidate_list = candidates(teacher_weight=teacher_weights, temperature=temperatures)
        scorer = check_scoring(self._student(), self.scoring)
        rows = np.arange(len(y))

        def refit(params):
            estimator = self._student(**params)
            return estimator, lambda: self._fit_rows(problem, rows, params, estimator=estimator)

        return run_search(
            self,
            callback_ctx,
            candidate_list,
            splits,
            score_fold=functools.partial(self._fold_scores, problem, candidate_list, scorer),
            refit=refit,
            seen=dict(X=X_raw, y=y, metadata=metadata),
            mask=privileged.mask,
        )

    def _checked_cv(self, y):
        """``cv``, refused when a stratified fold cannot hold every class."""
        n_splits = self.cv if isinstance(self.cv, Integral) else getattr(self.cv, "n_splits", None)
        stratified = self.cv is None or isinstance(self.cv, (Integral, StratifiedKFold))
        if n_splits is None and self.cv is None:
            n_splits = 5
        if stratified and n_splits is not None:
            labels, counts = np.unique(y, return_counts=True)
            if counts.min() < n_splits:
                raise ValueError(
                    f"cv={n_splits} stratified folds need at least {n_splits} rows of every "
                    f"class, but class {labels[counts.argmin()].tolist()!r} of y has "
                    f"{counts.min()}: some training folds would miss it. Use cv <= "
                    f"{counts.min()}, or pass a splitter of your own."
                )
        return self.cv

    def _fit_rows(self, problem, rows, params, previous=None, estimator=None):
        """A DistilledClassifier fitted on ``rows``, from ``previous`` when given (a warm start).

        ``estimator``, when given, is the unfitted ``DistilledClassifier`` to fit.
        """
        if previous is not None:
            estimator = copy.deepcopy(previous).set_params(warm_start=True, **params)
        elif estimator is None:
            estimator = self._student(**params)
        fit_params = {"sample_weight": problem["sample_weight"][rows]}
        if problem["answers"] is not None:
            estimator.set_params(teacher_output_kind="logits")
            fit_params.update(
                teacher_output=problem["answers"][rows], privileged_mask=problem["mask"][rows]
            )
        return estimator.fit(select_rows(problem["X"], rows), problem["y"][rows], **fit_params)

    def _fold_scores(self, problem, candidate_list, scorer, train, test, context):
        """The score of every candidate on one fold.

        The fold is validated and the teacher's answers aligned once
        (``DistilledClassifier._prepare``); each candidate then only trains.
        The labels-only candidate (weight 0: the same objective at every
        temperature) trains once; the linear student with L-BFGS starts each
        weight from the previous weights' solutions at the same temperature
        (the last one, or the secant through the last two carried on to this
        weight) and from the curvature pairs the previous fit's L-BFGS left
        (the objectives differ by the teacher weight only: a quasi-Newton
        first step instead of a gradient step). The linear student's accuracy
        is computed on test rows validated once (:class:`_LinearAccuracy`).

        ``context`` is the fold's callback task: one subtask per candidate
        (``task_id`` its index), the training of a ``DistilledClassifier``
        whose own fit's tasks hang there; a reused labels-only candidate is
        an empty leaf.
        """
        X_test, y_test = select_rows(problem["X"], test), problem["y"][test]
        X_train, y_train = select_rows(problem["X"], train), problem["y"][train]
        metadata = (
            {"sample_weight": problem["sample_weight"][train]} if problem["weighted"] else None
        )
        seen = dict(X=X_train, y=y_train, metadata=metadata)
        context.call_on_fit_task_begin(estimator=self, **seen)
        fold = self._student(teacher_weight=1.0, teacher_output_kind="logits")
        answers = problem["answers"]
        prepared = fold._prepare(
            X_train,
            y_train,
            None,
            None if answers is None else problem["mask"][train],
            None if answers is None else answers[train],
            problem["sample_weight"][train],
            targets_checked=True,  # y was checked by fit
        )
        if prepared.kind == LINEAR and self.scoring in (None, "accuracy"):
            scorer = _LinearAccuracy(X_test, fold)
        scorer = fold_scorer(
            scorer, problem["sample_weight"][test] if problem["weighted"] else None
        )
        warm = prepared.kind == LINEAR and self.solver == "lbfgs"
        by_temperature = {}
        for index, params in enumerate(candidate_list):
            by_temperature.setdefault(params["temperature"], []).append(index)
        scores = np.empty(len(candidate_list))
        labels_only = None
        with self._fold_threads(prepared):
            for indices in by_temperature.values():
                # The chain of one temperature: its fitted candidates so far, and their
                # curvature (each fit starts from the previous one's pairs).
                path = []
                curvature = CurvatureMemory() if warm else None
                for index in sorted(indices, key=lambda i: candidate_list[i]["teacher_weight"]):
                    params = candidate_list[index]
                    if params["teacher_weight"] == 0 and labels_only is not None:
                        with subtask(context, self, "candidate", task_id=index, **seen):
                            scores[index], fitted, pairs = labels_only
                        if warm:
                            path, curvature = [(0.0, fitted)], pairs.copy()
                        continue
                    estimator = self._candidate(fold, params, path)
                    with subtask(
                        context, self, "candidate", task_id=index, sub_estimator=estimator, **seen
                    ):
                        fitted = estimator._fit_prepared(
                            prepared, metadata=metadata, curvature=curvature
                        )
                        scores[index] = scorer(fitted, X_test, y_test)
                    if params["teacher_weight"] == 0:
                        labels_only = (
                            scores[index],
                            fitted,
                            curvature.copy() if warm else None,
                        )
                    if warm:
                        path.append((params["teacher_weight"], fitted))
        context.call_on_fit_task_end(estimator=self, **seen)
        return scores

    def _fold_threads(self, prepared):
        """One thread limit for all the linear candidates of a fold (each fit would set its own)."""
        if prepared.kind != LINEAR:
            return contextlib.nullcontext()
        n_parameters = logit_columns(len(prepared.classes)) * (prepared.X.shape[1] + 1)
        return threads_for_work(prepared.X.shape[0] * n_parameters, resolve_device(self.device))

    @staticmethod
    def _candidate(fold, params, path):
        """A copy of ``fold`` (prepared) with one candidate's weight and temperature, to train.

        ``path`` lists the chain's fitted candidates so far as ``(teacher_weight,
        fitted)`` (L-BFGS and the linear student; empty: a cold start). The fit
        starts from the last solution or, after two, from the secant through the
        last two carried on to this teacher weight: a predictor along the path of
        minima, which the fit then corrects (the same minimum, fewer iterations).
        """
        estimator = copy.copy(fold)
        # Our own candidate's values of two parameters that fold has: set_params would
        # only check that again, at a tenth of a millisecond per candidate.
        estimator.__dict__.update(params)
        if path:
            weight, last = path[-1]
            coef, intercept = last.coef_, last.intercept_
            ratio = _secant_ratio(path, params["teacher_weight"])
            if ratio:
                before = path[-2][1]
                coef = coef + ratio * (coef - before.coef_)
                intercept = intercept + ratio * (intercept - before.intercept_)
            estimator.__dict__.update(warm_start=True, coef_=coef, intercept_=intercept)
        return estimator

    def predict(self, X):
        """Predict class labels with the refitted student.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.
        """
        check_is_fitted(self)
        return self.best_estimator_.predict(X)

    def predict_proba(self, X):
        """Class probabilities of the refitted student.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        return self.best_estimator_.predict_proba(X)

    def predict_log_proba(self, X):
        """Log-probabilities of the refitted student.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        return self.best_estimator_.predict_log_proba(X)

    def decision_function(self, X):
        """Decision scores of the refitted student.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            As :meth:`DistilledClassifier.decision_function`.
        """
        check_is_fitted(self)
        return self.best_estimator_.decision_function(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = self._student().__sklearn_tags__().input_tags.sparse
        return tags

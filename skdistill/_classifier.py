"""DistilledClassifier: a softmax student trained on labels and teacher answers."""

import copy
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _preconditioner
from . import _torch_solver as solver
from ._base import TeacherMixin, atomic_fit, check_sample_weight
from ._callbacks import CallbackSupportMixin, IterationTasks, has_callbacks, with_callbacks
from ._gram import weighted_gram
from ._losses import LOSSES, check_temperature, row_weights, soft_term_form
from ._students import (
    ESTIMATOR,
    LINEAR,
    STUDENTS,
    check_estimator_student,
    student_kind,
)
from ._teacher import (
    align_teacher_columns,
    classification_logits,
    softmax_at_temperature,
)


@dataclass
class PreparedProblem:
    """One fit's validated data, before a teacher weight and temperature are chosen."""

    kind: str  # the kind of student (see _students)
    X_raw: object  # X as given: a scikit-learn student gets it
    X: object  # validated X (float for the linear and torch students)
    y: np.ndarray  # encoded labels
    classes: np.ndarray
    sample_weight: np.ndarray  # class weights included
    mask: np.ndarray  # privileged rows
    teacher_logits: np.ndarray | None  # on the privileged rows, aligned to classes
    # weighted_gram's matrices, by fit_intercept, the soft targets, by
    # temperature, and the preconditioners, by their settings: shared by the
    # candidates.
    _grams: dict = field(default_factory=dict, repr=False, compare=False)
    _soft_targets: dict = field(default_factory=dict, repr=False, compare=False)
    _preconditioners: dict = field(default_factory=dict, repr=False, compare=False)

    def weighted_gram(self, fit_intercept):
        """:func:`skdistill._gram.weighted_gram` of the rows, computed once."""
        if fit_intercept not in self._grams:
            self._grams[fit_intercept] = weighted_gram(self.X, self.sample_weight, fit_intercept)
        return self._grams[fit_intercept]

    def preconditioner(self, fit_intercept, **settings):
        """:meth:`Preconditioner.build <skdistill._preconditioner.Preconditioner.build>` from
        :meth:`weighted_gram`, built once per ``settings`` (candidates of one curvature
        scale share it); None where the Gram matrix is not finite (squares beyond float64).
        """
        key = (fit_intercept, *sorted(settings.items()))
        if key not in self._preconditioners:
            matrix = self.weighted_gram(fit_intercept)
            self._preconditioners[key] = (
                _preconditioner.Preconditioner.build(
                    matrix, fit_intercept=fit_intercept, **settings
                )
                if np.all(np.isfinite(matrix))
                else None
            )
        return self._preconditioners[key]

    def candidate(self, teacher_weight, temperature):
        """``(label_weight, teacher_part, soft_targets)`` of one candidate.

        Without teacher answers the labels carry every row's weight and the
        other two are None. The soft targets are shared by the candidates of
        their temperature (and the training tensors may share their memory):
        nothing downstream writes to them.
        """
        if self.teacher_logits is None:
            return self.sample_weight, None, None
        soft_targets = self._soft_targets.get(temperature)
        if soft_targets is None:
            soft_targets = np.zeros((self.y.shape[0], len(self.classes)))
            soft_targets[self.mask] = softmax_at_temperature(self.teacher_logits, temperature)
            self._soft_targets[temperature] = soft_targets
        label_weight, teacher_part = row_weights(self.sample_weight, self.mask, teacher_weight)
        return label_weight, teacher_part, soft_targets


def _representable_weights(label_weight, teacher_part, alpha, dtype):
    """Row weights the training ``dtype`` holds, with ``alpha`` scaled alike.

    The data term is divided by the total weight, the penalty is
    ``alpha / (2 W) ||coef||^2``: scaling every weight and ``alpha`` by one
    factor leaves the objective unchanged. Weights beyond float32's range
    (1e40, or 1e-300 underflowing to zero) are scaled so that the largest is
    one; others are left exactly as given.
    """
    weights = label_weight + (0.0 if teacher_part is None else teacher_part)
    largest = float(np.max(weights))
    limit = float(np.finfo(dtype).max) ** 0.5
    penalty = alpha / float(np.sum(weights))  # what the objective holds, whatever the scale
    # A huge penalty keeps the coefficients tiny, so its products with them stay
    # finite: only a penalty at the dtype's very range cannot be trained with.
    if not penalty <= float(np.finfo(dtype).max) * 1e-3:
        remedy = "Use dtype='float64', or scale" if np.dtype(dtype) == np.float32 else "Scale"
        raise ValueError(
            f"alpha={alpha!r} over the total sample_weight ({float(np.sum(weights)):g}) is a "
            f"penalty of {penalty:.3g}, beyond what dtype={np.dtype(dtype).name!r} can train "
            f"with. {remedy} sample_weight up (alpha acts relative to it)."
        )
    if 1.0 / limit <= largest <= limit:
        return label_weight, teacher_part, alpha
    scale = 1.0 / largest
    return (
        label_weight * scale,
        None if teacher_part is None else teacher_part * scale,
        alpha * scale,
    )


class DistilledClassifier(TeacherMixin, CallbackSupportMixin, ClassifierMixin, BaseEstimator):
    """Softmax student distilled from a fitted teacher (Grabovoy & Strijov, 2021).

    The student ``g(x) = softmax(z(x) / T)`` maximises the joint likelihood
    of the true labels and of the teacher's answers
    ``s_i = softmax(v(x*_i) / T)`` on the privileged rows ``I``::

        sum_{i not in I} log g_{y_i}(x_i)|_{T=1}
        + (1 - teacher_weight) sum_{i in I} log g_{y_i}(x_i)|_{T=1}
        + teacher_weight sum_{i in I} sum_k s_ik log g_k(x_i)|_{T=temperature}

    each row weighted by ``sample_weight``, minus ``alpha / 2`` times the
    squared norm of the weights. Hinton's distillation (the teacher sees
    ``X``), generalized distillation (the teacher sees privileged ``X_star``)
    and a partial privileged set (``privileged_mask``) are the same fit.

    Parameters
    ----------
    teacher : object, default=None
        A fitted classifier (``predict_proba``, else ``decision_function``),
        a ``torch.nn.Module`` or a callable returning logits. It is never
        refit, and clones of this estimator share it. None means no teacher:
        then ``teacher_output`` gives the answers, or there is no privileged
        information and the fit is multinomial logistic regression.
    <<teacher_weight>>
    temperature : float, default=1.0
        Temperature T > 0 at which the teacher's answers are softened and
        the student is compared with them. Predictions always use T = 1.
    loss : {"distill", "probabilistic", "hinton", "generalized"}, default="distill"
        The convention of the soft term on privileged rows (``s`` the
        teacher at ``temperature``, ``p`` the student at T = 1, ``q`` the
        student at ``temperature``):

        - ``"distill"``: ``-teacher_weight sum_k s_k log q_k``, the objective
          above (Grabovoy & Strijov);
        - ``"probabilistic"``: the same plus the paper's term
          ``teacher_weight * sum_{i in I} sum_k (log q_k + log log(1 / q_k))``,
          derived from the normalising constant of ``p(s | x, g)``, with
          ``q_k`` clamped to ``[epsilon, 1 - epsilon]``;
        - ``"hinton"``: ``-teacher_weight T**2 sum_k s_k log q_k`` (Hinton et
          al., 2015): the ``T**2`` keeps the soft gradient's scale
          independent of T;
        - ``"generalized"``: ``-teacher_weight sum_k s_k log p_k``, the
          student at T = 1 (Lopez-Paz et al., 2016, eq. 4): a weighted
          log-loss on soft labels, under which large temperatures do not
          shrink the student.

        The label term ``-(1 - teacher_weight) log p_y`` is the same in all.
    teacher_output_kind : {"auto", "proba", "logits"}, default="auto"
        How to read ``teacher_output`` given to ``fit``. ``"auto"`` takes
        rows that are non-negative and sum to one (within 1e-6) as
        probabilities, and a 1-D output within [0, 1] as the probability of
        ``classes_[1]``; anything else as logits.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, ``{label: weight}``, or ``"balanced"``
        (``n_samples / (n_classes * np.bincount(y))``), multiplying
        ``sample_weight`` row by row (label and teacher parts alike):
        exactly the corresponding ``sample_weight``, as in
        ``LogisticRegression``.
    student : torch.nn.Module or classifier, default=None
        None trains a linear softmax student ``z(x) = W x + b`` whose fitted
        state is numpy (``coef_``, ``intercept_``). A ``torch.nn.Module``
        mapping a float tensor of shape (n, n_features) to one logit per
        class (or one logit for two classes) is trained instead; a copy of
        it, in its given initial state and submodule modes, is fitted into
        ``student_``. A scikit-learn classifier with ``predict_proba`` whose
        ``fit`` takes ``sample_weight`` (a ``Pipeline``: its last step) is
        fitted as a clone on copies of the rows: each row's label with
        weight ``w (1 - teacher_weight)`` (``w`` outside the privileged
        rows) and, on privileged rows, each class ``k`` with weight
        ``w teacher_weight s_k``, at most ``K + 1`` copies of ``X`` (copies
        of weight zero are left out). That weighted log-loss is the
        objective with the student at T = 1, so such a student needs
        ``loss="generalized"`` (or ``temperature=1``); it gets ``X`` as
        given (missing values and categories are its own business), sees
        copies of rows (mind settings that count rows, such as
        ``min_samples_leaf`` or ``HistGradientBoostingClassifier``'s
        automatic early stopping: scale them by ``K + 1``), and
        ``warm_start`` does not apply to it.
    alpha : float, default=1.0
        L2 penalty on the weights (not the intercept). The objective is
        divided by the total sample weight, so ``alpha = 1 / C`` of
        ``LogisticRegression``: the default equals its ``C=1.0``.
    fit_intercept : bool, default=True
        Whether the linear student has an intercept.
    solver : {"lbfgs", "adam"}, default="lbfgs"
        ``"lbfgs"``: full-batch L-BFGS, deterministic, recommended for the
        (convex) linear student. It keeps up to 50 correction pairs (fewer
        for students with more than a few hundred thousand parameters, so
        that they stay within 256 MiB), against scipy's default of 10, so an
        iteration goes further than one of ``LogisticRegression``'s.
        ``"adam"``: mini-batch Adam over shuffled epochs.
    max_iter : int, default=100
        L-BFGS iterations, or Adam epochs.
    tol : float, default=1e-4
        L-BFGS stops when the largest gradient entry is below ``tol``. Adam
        stops when the training loss (or the validation score with
        ``early_stopping``) has not improved by ``tol`` for
        ``n_iter_no_change`` epochs.
    batch_size : int or "auto", default="auto"
        Mini-batch size for Adam; ``"auto"`` is ``min(200, n_samples)``.
    learning_rate : float, default=1e-3
        Adam's step size.
    early_stopping : bool, default=False
        Adam only: hold out ``validation_fraction`` of the rows (stratified),
        stop when their accuracy stops improving, and keep the best
        parameters.
    validation_fraction : float, default=0.1
        Share of rows held out for early stopping.
    n_iter_no_change : int, default=10
        Epochs without improvement before Adam stops.
    epsilon : float, default=1e-6
        Clamp of the student's probabilities in the probabilistic term.
    dtype : {"float32", "float64"}, default="float32"
        Precision of the torch computation. float64 is slower and reaches
        LogisticRegression's solution to many digits.
    device : str, default="cpu"
        Torch device: ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"``
        (CUDA when available).
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling of Adam and the early-stopping split, through a
        local ``torch.Generator``.
    verbose : int, default=0
        Print the loss per L-BFGS iteration, or show a progress bar over
        Adam's epochs (tqdm, when installed). With scikit-learn >= 1.9,
        ``set_callbacks`` takes scikit-learn's callbacks (``ProgressBar``,
        ``ScoringMonitor``), which see every iteration or epoch as a task
        (user guide, "Progress and monitoring").
    warm_start : bool, default=False
        Start from the previous fit's parameters (and Adam's state).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Weights of the linear student (one row for two classes, as in
        ``LogisticRegression``).
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts of the linear student.
    student_ : torch.nn.Module or classifier
        The fitted torch student (in eval mode) or the fitted clone of a
        scikit-learn student (when ``student`` is given).
    n_iter_ : int
        L-BFGS iterations or Adam epochs run (linear and torch students;
        ``n_iter_``, ``loss_curve_``, ``best_loss_`` and
        ``validation_scores_`` are not set for a scikit-learn student).
    loss_curve_ : list of float
        The objective after each iteration or epoch.
    validation_scores_ : list of float or None
        Validation accuracy per epoch with ``early_stopping``, else None.
    best_loss_ : float
        Smallest value in ``loss_curve_``.
    privileged_mask_ : ndarray of bool of shape (n_samples,)
        The privileged rows of the last fit.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    DistilledRegressor : The same idea for regression, in closed form.
    sklearn.linear_model.LogisticRegression : What the linear student equals
        without a teacher (with ``C = 1 / alpha``).

    Notes
    -----
    Conventions differ between sources (``loss``). Hinton et al. (2015)
    multiply the soft term by T**2 and evaluate the student at T
    (``"hinton"``); Lopez-Paz et al. (2016, eq. 4) evaluate the student at
    T = 1 (``"generalized"``; their published code also multiplies by T**2,
    their equation does not). The default follows Grabovoy & Strijov: the
    student at T, without a T**2 factor. Under it, the substitution
    ``u = z / T`` shows that ``alpha`` acts as ``alpha T**2`` on the soft
    term, so at ``teacher_weight=1`` a large T shrinks the student towards
    uniform predictions. The training objective is divided by the total
    sample weight, so ``tol`` and ``alpha`` mean what they mean in
    ``LogisticRegression``.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skdistill import DistilledClassifier
    >>> X_star, y = make_classification(n_samples=300, n_features=8, random_state=0)
    >>> X = X_star[:, :4]
    >>> teacher = LogisticRegression().fit(X_star, y)
    >>> student = DistilledClassifier(teacher, teacher_weight=0.5, temperature=2.0)
    >>> student.fit(X, y, X_star=X_star).predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints = {
        **TeacherMixin._shared_parameter_constraints,
        "teacher": [HasMethods("predict_proba"), HasMethods("decision_function"), callable, None],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "loss": [StrOptions(set(LOSSES))],
        "teacher_output_kind": [StrOptions({"auto", "proba", "logits"})],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "student": [
            HasMethods(["forward", "parameters"]),
            HasMethods(["fit", "predict_proba"]),
            None,
        ],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "solver": [StrOptions({"lbfgs", "adam"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "epsilon": [Interval(Real, 0, 0.5, closed="neither")],
        "dtype": [StrOptions({"float32", "float64"})],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        teacher=None,
        *,
        teacher_weight=0.5,
        temperature=1.0,
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
        warm_start=False,
    ):
        self.teacher = teacher
        self.teacher_weight = teacher_weight
        self.temperature = temperature
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
        self.warm_start = warm_start

    @atomic_fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(
        self, X, y, *, X_star=None, privileged_mask=None, teacher_output=None, sample_weight=None
    ):
        """Fit the student on ``X`` from the labels and the teacher's answers.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The student's features.
        y : array-like of shape (n_samples,)
            Class labels.
        <<X_star>>
        <<privileged_mask>>
        teacher_output : array-like of shape (n_samples, n_classes) or (n_samples,), default=None
            Precomputed teacher answers, probabilities or logits (see
            ``teacher_output_kind``; -inf logits mean an impossible class);
            NaN allowed outside the mask. The teacher is then not called.
            Columns are matched to the classes of ``y`` by label for a
            DataFrame (its column labels) and for the answers of
            :func:`teacher_answers` (their ``classes``), by position (the
            sorted labels of ``y``) for a plain array.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-row weights.

        Returns
        -------
        self : DistilledClassifier
            The fitted estimator.
        """
        problem = self._prepare(X, y, X_star, privileged_mask, teacher_output, sample_weight)
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        return self._fit_prepared(problem, metadata=metadata)

    @with_callbacks
    def _fit_prepared(self, problem, *, metadata=None, curvature=None):
        """Train on a :class:`PreparedProblem` with this estimator's teacher weight and temperature.

        Everything ``fit`` does after ``_prepare``, so that the
        cross-validated search trains its candidates as fits too. For the
        callbacks (scikit-learn >= 1.9) it is the fit's task: one subtask
        per L-BFGS iteration (``"lbfgs-iter"``) or Adam epoch
        (``"adam-epoch"``), none for a scikit-learn student (a leaf).
        ``metadata`` is what the callbacks get as such (``sample_weight``).
        ``curvature`` (:class:`skdistill._lbfgs.CurvatureMemory`, L-BFGS
        only) carries curvature pairs, and the change of variables they are
        in, from a neighbouring fit to this one, and this one's on to the next.
        """
        kind = problem.kind
        # What the callbacks see: X as given (what predict takes) and the labels.
        X_seen, y_seen = problem.X_raw, problem.classes[problem.y]
        callback_ctx = self._init_callback_context(
            max_subtasks=0 if kind == ESTIMATOR else self.max_iter
        )
        callback_ctx.call_on_fit_task_begin(estimator=self, X=X_seen, y=y_seen, metadata=metadata)
        label_weight, teacher_part, soft_targets = problem.candidate(
            self.teacher_weight, self.temperature
        )
        fitted = {"classes_": problem.classes, "privileged_mask_": problem.mask}
        if kind == ESTIMATOR:
            state = STUDENTS[ESTIMATOR].fit(
                self,
                problem.X_raw,
                problem.y,
                problem.classes,
                label_weight,
                teacher_part,
                soft_targets,
            )
        else:
            tasks = None
            if has_callbacks(self):
                student = STUDENTS[kind]
                tasks = IterationTasks(
                    callback_ctx,
                    self,
                    "lbfgs-iter" if self.solver == "lbfgs" else "adam-epoch",
                    max_tasks=self.max_iter,
                    X=X_seen,
                    y=y_seen,
                    metadata=metadata,
                    fitted_state=lambda module: {
                        **student.fitted_state(module),
                        **fitted,
                        "_student_kind": kind,
                    },
                )
            state = self._train(
                problem.X,
                problem.y,
                len(problem.classes),
                label_weight,
                teacher_part,
                soft_targets,
                tasks=tasks,
                preconditioner_of=problem.preconditioner,
                curvature=curvature,
            )
        self._store_fitted(kind, **fitted, **state)
        callback_ctx.call_on_fit_task_end(
            estimator=self, X=X_seen, y=y_seen, metadata=metadata, reconstruction_attributes={}
        )
        return self

    def _prepare(
        self, X, y, X_star, privileged_mask, teacher_output, sample_weight, *, targets_checked=False
    ):
        """Validate one fit's data and turn the teacher into aligned logits, once.

        Everything here is independent of the teacher weight and the
        temperature, so cross-validated searches prepare a fold once for all
        their candidates (:class:`PreparedProblem`); ``targets_checked`` says
        that ``y`` is a part of labels already found fit for classification.
        """
        self._check_instances()
        kind = student_kind(self.student)
        if kind == ESTIMATOR:
            check_estimator_student(self.student, self.loss, self.temperature)
        previous = self._warm_start_layout() if self.warm_start and kind != ESTIMATOR else None
        X_raw = X
        if kind == ESTIMATOR:
            # The student gets X as the caller gave it and checks it itself
            # (missing values, categories); here only its shape and names.
            X, y = validate_data(
                self, X, y, accept_sparse=True, dtype=None, ensure_all_finite=False
            )
        else:
            X, y = validate_data(self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32])
        if not targets_checked:
            check_classification_targets(y)
        classes, y_encoded = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(
                "y must hold at least two classes to train a classifier; got 1 class: "
                f"{classes.tolist()}."
            )
        if previous is not None:
            self._check_warm_start(previous, classes, X.shape[1])
        sample_weight = check_sample_weight(sample_weight, X)
        if self.class_weight is not None:
            if isinstance(self.class_weight, dict):
                bad = {
                    k: v for k, v in self.class_weight.items() if not (np.isfinite(v) and v >= 0)
                }
                if bad:
                    raise ValueError(
                        f"class_weight must map each class to a finite non-negative weight; "
                        f"got {bad}."
                    )
            # Exactly the corresponding sample_weight, as in LogisticRegression.
            sample_weight = sample_weight * compute_sample_weight(self.class_weight, y)
            if not sample_weight.sum() > 0:
                raise ValueError(
                    "class_weight gives every row the weight zero; nothing is left to fit."
                )
        privileged = classification_logits(
            self.teacher,
            X_raw,
            call_teacher=self.teacher_weight > 0,
            X_star=X_star,
            privileged_mask=privileged_mask,
            teacher_output=teacher_output,
            output_kind=self.teacher_output_kind,
        )
        logits = None
        if privileged.answers is not None:
            logits = align_teacher_columns(
                privileged.answers, privileged.classes, classes, privileged.label_source
            )
        return PreparedProblem(
            kind=kind,
            X_raw=X_raw,
            X=X,
            y=y_encoded,
            classes=classes,
            sample_weight=sample_weight,
            mask=privileged.mask,
            teacher_logits=logits,
        )

    def _warm_start_layout(self):
        """What a warm start continues from: the previous fit's shape, or None."""
        if not hasattr(self, "classes_"):
            return None
        return {
            "classes": self.classes_,
            "n_features": self.n_features_in_,
            "student": self._student_param if hasattr(self, "student_") else None,
            "fit_intercept": self._fit_intercept,
        }

    def _check_warm_start(self, previous, classes, n_features):
        changes = []
        if not np.array_equal(classes, previous["classes"]):
            changes.append(f"classes {previous['classes'].tolist()} -> {classes.tolist()}")
        if n_features != previous["n_features"]:
            changes.append(f"n_features {previous['n_features']} -> {n_features}")
        if self.student is not previous["student"]:
            changes.append(
                f"student {type(previous['student']).__name__} -> {type(self.student).__name__}"
            )
        if self.student is None and self.fit_intercept != previous["fit_intercept"]:
            changes.append(f"fit_intercept {previous['fit_intercept']} -> {self.fit_intercept}")
        if changes:
            raise ValueError(
                "warm_start=True continues the previous fit, which needs the same classes, "
                f"features and student; this fit changes {', '.join(changes)}. Set "
                "warm_start=False (or clone the estimator) to start afresh."
            )

    def _train(
        self,
        X,
        y,
        n_classes,
        label_weight,
        teacher_part,
        soft_targets,
        *,
        tasks,
        preconditioner_of,
        curvature=None,
    ):
        """Train a linear or torch student; return its fitted state (nothing is set here).

        ``tasks`` (:class:`skdistill._callbacks.IterationTasks` or None)
        reports the iterations or epochs to the callbacks.
        ``preconditioner_of`` (``PreparedProblem.preconditioner``) builds the
        linear student's change of variables for L-BFGS; ``curvature`` is
        L-BFGS's (see :meth:`_fit_prepared`).
        """
        if soft_targets is not None:
            check_temperature(self.loss, self.temperature, np.dtype(self.dtype))
        torch = solver.import_torch()
        device = solver.resolve_device(self.device)
        dtype = solver.torch_dtype(self.dtype)
        student = STUDENTS[student_kind(self.student)]
        module = student.initial_module(self, X.shape[1], n_classes, dtype=dtype, device=device)
        # Small problems run on one thread throughout: a pool woken up for
        # each conversion or product costs more than it computes.
        work = X.shape[0] * solver.parameter_count(module)
        label_weight, teacher_part, alpha = _representable_weights(
            label_weight, teacher_part, self.alpha, np.dtype(self.dtype)
        )
        with solver.threads_for_work(work, device):
            settings = solver.LossSettings(
                alpha=alpha, temperature=self.temperature, kind=self.loss, epsilon=self.epsilon
            )
            # A warm start continues the previous random stream (as MLPClassifier
            # does), so that one-epoch fits do not all shuffle the same way; a copy,
            # so that a failed fit leaves the stream where it was.
            if self.warm_start and hasattr(self, "_random_state"):
                random_state = copy.deepcopy(self._random_state)
            else:
                random_state = check_random_state(self.random_state)
            validation = None
            if self.solver == "adam" and self.early_stopping:
                train_idx, val_idx = self._validation_split(y, n_classes, random_state)
                validation = (
                    # X[val_idx] is a copy of ours: the tensor may share it.
                    solver.as_tensor(X[val_idx], dtype=dtype, device=device, share_memory=True),
                    torch.as_tensor(y[val_idx], device=device),
                )
                X, y, label_weight = X[train_idx], y[train_idx], label_weight[train_idx]
                if soft_targets is not None:
                    soft_targets, teacher_part = soft_targets[train_idx], teacher_part[train_idx]
            data = solver.build_training_data(
                X,
                y,
                label_weight,
                teacher_part,
                soft_targets,
                n_classes,
                dtype=dtype,
                device=device,
                share_memory=student.shares_input_memory,
            )
            student.check(module, data)
            optimizer_state = None
            if self.solver == "lbfgs":
                history = solver.fit_lbfgs(
                    module,
                    data,
                    settings,
                    max_iter=self.max_iter,
                    tol=self.tol,
                    verbose=self.verbose,
                    tasks=tasks,
                    preconditioner=self._preconditioner(
                        preconditioner_of,
                        module,
                        X,
                        label_weight,
                        teacher_part,
                        alpha / data.total_weight,
                    ),
                    curvature=curvature,
                )
            else:
                generator = torch.Generator().manual_seed(
                    int(random_state.randint(np.iinfo(np.int32).max))
                )
                batch_size = (
                    min(200, X.shape[0])
                    if self.batch_size == "auto"
                    else min(self.batch_size, X.shape[0])
                )
                previous_state = (
                    getattr(self, "_optimizer_state", None) if self.warm_start else None
                )
                history = solver.fit_adam(
                    module,
                    data,
                    settings,
                    max_iter=self.max_iter,
                    tol=self.tol,
                    batch_size=batch_size,
                    learning_rate=self.learning_rate,
                    n_iter_no_change=self.n_iter_no_change,
                    generator=generator,
                    validation=validation,
                    verbose=self.verbose,
                    optimizer_state=previous_state,
                    tasks=tasks,
                )
                optimizer_state = history.optimizer_state
            return {
                **student.fitted_state(module),
                "n_iter_": history.n_iter,
                "loss_curve_": history.loss_curve,
                "best_loss_": min(history.loss_curve),
                "validation_scores_": history.validation_scores,
                "_random_state": random_state,
                "_optimizer_state": optimizer_state,
            }

    def _preconditioner(self, preconditioner_of, module, X, label_weight, teacher_part, penalty):
        """The linear student's change of variables for L-BFGS, or None where it does not pay."""
        if not getattr(module, "is_linear_student", False):
            return None
        if not _preconditioner.applies(X.shape[0], X.shape[1], self.fit_intercept):
            return None
        n_rows = module.weight.shape[0]
        student_temperature, factor = soft_term_form(self.loss, self.temperature)
        scale = _preconditioner.curvature_scale(
            n_rows, label_weight, teacher_part, student_temperature, factor
        )
        if not (np.isfinite(scale) and scale > 0):  # an extreme temperature
            return None
        return preconditioner_of(
            self.fit_intercept,
            scale=scale,
            penalty=penalty,
            n_rows=n_rows,
            floor=_preconditioner.curvature_floor(np.dtype(self.dtype)),
        )

    def _validation_split(self, y, n_classes, random_state):
        """Stratified train and validation rows for early stopping."""
        n_samples = y.shape[0]
        n_validation = int(np.ceil(self.validation_fraction * n_samples))
        smallest = int(np.bincount(y, minlength=n_classes).min())
        if n_validation < n_classes or n_samples - n_validation < n_classes or smallest < 2:
            raise ValueError(
                f"early_stopping=True holds out validation_fraction={self.validation_fraction} "
                f"of {n_samples} rows ({n_validation}) with every class on both sides, which "
                f"needs at least {n_classes} validation rows, {n_classes} training rows and two "
                f"rows per class (the smallest class has {smallest}). Use more rows, another "
                "validation_fraction, or early_stopping=False."
            )
        return train_test_split(
            np.arange(n_samples),
            test_size=self.validation_fraction,
            stratify=y,
            random_state=random_state.randint(np.iinfo(np.int32).max),
        )

    # Fitted attributes that belong to one kind of student or its training.
    _STUDENT_STATE = (
        "coef_",
        "intercept_",
        "student_",
        "_student_training_modes",
        "_student_param",
        "n_iter_",
        "loss_curve_",
        "best_loss_",
        "validation_scores_",
        "_random_state",
        "_optimizer_state",
    )

    def _store_fitted(self, kind, **state):
        """Replace the previous fit's student state by this fit's.

        Prediction follows the fitted state (``_student_kind``), not the
        parameters, and only this fit's kind of student remains.
        """
        if kind != LINEAR:
            state["_student_param"] = self.student  # what a warm start must continue from
        self._replace_fitted_state(self._STUDENT_STATE, {**state, "_student_kind": kind})

    def _fitted_student(self):
        """The behaviour of the fitted kind of student (see ``_students``)."""
        check_is_fitted(self)
        return STUDENTS[self._student_kind]

    def decision_function(self, X):
        """Student logits at T = 1.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes, the log-odds of ``classes_[1]``. For a
            scikit-learn student, its log-probabilities (log-odds for two
            classes), with probability zero floored at the smallest normal
            float.
        """
        return self._fitted_student().decision_function(self, X)

    def predict_log_proba(self, X):
        """Logarithm of the student's class probabilities at T = 1.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        return self._fitted_student().predict_log_proba(self, X)

    def predict_proba(self, X):
        """Student's class probabilities at T = 1.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        return self._fitted_student().predict_proba(self, X)

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        return self._fitted_student().predict(self, X)

    def export_student(self):
        """The fitted student as a plain object, without the teacher and without skdistill.

        For deployment: the returned object predicts exactly what this
        estimator predicts and pickles without the teacher (and, for the
        linear and scikit-learn students, without torch).

        Returns
        -------
        student : object
            A ``sklearn.linear_model.LogisticRegression`` with ``coef_``,
            ``intercept_`` and ``classes_`` set, for the linear student; a
            copy of the fitted ``torch.nn.Module`` (in eval mode, logits at
            T = 1) for a torch student; a copy of the fitted scikit-learn
            clone for a scikit-learn student.
        """
        return self._fitted_student().export(self)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def __getstate__(self):
        # A copy: on Python 3.11+ object.__getstate__ returns the live __dict__.
        state = dict(super().__getstate__())
        # Adam's moments are only for warm starts; they are torch tensors.
        state.pop("_optimizer_state", None)
        return state

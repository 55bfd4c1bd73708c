"""What a classification student is: its kind, how a scikit-learn one is fitted, exports.

Three kinds of student (``DistilledClassifier(student=...)``):

- ``"linear"`` (``student=None``): the linear softmax, trained by the torch
  solvers and stored as numpy ``coef_`` and ``intercept_``;
- ``"torch"``: a ``torch.nn.Module`` of logits, trained by the same solvers,
  stored as ``student_``;
- ``"estimator"``: a scikit-learn classifier with ``predict_proba`` whose
  ``fit`` takes ``sample_weight``, fitted on the rows expanded as ``docs/theory.md``
  ("Any scikit-learn classifier as student") says, stored as ``student_``.

This module imports nothing of torch: a fitted linear or scikit-learn
student predicts and pickles without it.
"""

import copy

import numpy as np
from sklearn.base import clone
from sklearn.utils.validation import validate_data

from . import _torch_solver as solver
from ._base import (
    check_finite_predictions,
    fit_takes_sample_weight,
    fit_with_sample_weight,
    select_rows,
)
from ._losses import GENERALIZED, PROBABILISTIC
from ._torch_utils import (
    is_torch_module,
    module_dtype_and_device,
    restore_training_modes,
    training_modes,
)

LINEAR, TORCH, ESTIMATOR = "linear", "torch", "estimator"
#: The dtypes X is validated to for prediction (others become float64).
VALIDATED_DTYPES = [np.float64, np.float32]


def student_kind(student):
    """``"linear"``, ``"torch"`` or ``"estimator"`` for a ``student`` parameter."""
    if student is None:
        return LINEAR
    if is_torch_module(student):
        return TORCH
    return ESTIMATOR


def check_estimator_student(student, loss, temperature):
    """Refuse a scikit-learn student that cannot solve the distilled problem.

    Its logits are out of reach, so only the conventions whose soft term
    meets the teacher with the student at T = 1 can be expressed as a
    weighted log-loss: ``"generalized"``, and ``"distill"`` or ``"hinton"``
    at ``temperature=1`` (where they coincide with it). The probabilistic
    term is no weighted log-loss at any temperature.
    """
    name = type(student).__name__  # predict_proba: required by the parameter constraint
    if not fit_takes_sample_weight(student):
        raise TypeError(
            f"student {name} does not accept sample_weight in fit: a scikit-learn student "
            "is fitted on copies of the rows weighted by the labels' and the teacher's "
            "shares, so its fit must take sample_weight."
        )
    if loss == PROBABILISTIC:
        raise ValueError(
            f"loss='probabilistic' needs the student's logits, which the scikit-learn "
            f"student {name} does not expose (its extra term is no weighted log-loss); "
            "use loss='generalized', or a torch or linear student."
        )
    if loss != GENERALIZED and temperature != 1:
        raise ValueError(
            f"loss={loss!r} compares the teacher with the student at temperature="
            f"{temperature}, which needs the student's logits; the scikit-learn student "
            f"{name} does not expose them. Use loss='generalized' (the student at T = 1, "
            "Lopez-Paz et al.), or temperature=1, where the conventions coincide."
        )


def expand_rows(X, y, classes, label_weight, teacher_part, soft_targets):
    """The rows of the weighted log-loss that equals the distilled objective.

    Row ``i`` becomes the copy ``(x_i, y_i)`` with weight ``label_weight[i]``
    (``w_i (1 - lam m_i)``) and, when privileged, the ``K`` copies ``(x_i, k)``
    with weights ``teacher_part[i] * soft_targets[i, k]`` (``w_i lam s_ik``):
    ``docs/theory.md``, "Any scikit-learn classifier as student". Copies of weight exactly zero add nothing to the loss
    and are left out. At most ``K + 1`` copies of ``X`` are made.

    Returns
    -------
    X_expanded, y_expanded, weights : the copied rows (``X``'s own type:
        array, sparse matrix or DataFrame), their labels (from ``classes``)
        and weights.
    """
    n_samples = len(y)
    rows = [np.arange(n_samples)]
    labels = [classes[y]]
    weights = [np.asarray(label_weight, dtype=np.float64)]
    if soft_targets is not None:
        privileged = np.flatnonzero(teacher_part > 0)
        for k in range(len(classes)):
            rows.append(privileged)
            labels.append(np.full(privileged.size, classes[k], dtype=classes.dtype))
            weights.append(teacher_part[privileged] * soft_targets[privileged, k])
    rows, labels, weights = (np.concatenate(part) for part in (rows, labels, weights))
    kept = weights > 0
    if kept.all() and rows.size == n_samples:
        return X, labels, weights  # no teacher: the rows themselves, no copy
    return select_rows(X, rows[kept]), labels[kept], weights[kept]


def estimator_proba(fitted, classes, X):
    """``fitted.predict_proba(X)`` with one column per class of ``classes``.

    A class whose copies all had weight zero is unknown to the fitted
    student; it gets probability zero.
    """
    proba = np.asarray(fitted.predict_proba(X), dtype=np.float64)
    student_classes = getattr(fitted, "classes_", classes)
    if proba.ndim != 2 or proba.shape[1] != len(student_classes):
        raise ValueError(
            f"The student {type(fitted).__name__} returned predict_proba of shape {proba.shape} "
            f"for {len(student_classes)} classes: one column per class of its classes_ is needed."
        )
    if np.array_equal(student_classes, classes):
        return proba
    out = np.zeros((proba.shape[0], len(classes)))
    position = {label: j for j, label in enumerate(classes.tolist())}
    for column, label in enumerate(np.asarray(student_classes).tolist()):
        out[:, position[label]] = proba[:, column]
    return out


def export_linear_classifier(estimator):
    """A ``LogisticRegression`` that predicts what the linear student predicts."""
    from sklearn.linear_model import LogisticRegression

    exported = LogisticRegression(
        C=np.inf if estimator._alpha == 0 else 1.0 / estimator._alpha,
        fit_intercept=estimator._fit_intercept,
        max_iter=estimator.max_iter,
        tol=estimator.tol,
    )
    _copy_fitted(estimator, exported, ("classes_", "n_features_in_", "feature_names_in_"))
    exported.coef_ = estimator.coef_.copy()
    exported.intercept_ = estimator.intercept_.copy()
    exported.n_iter_ = np.array([estimator.n_iter_], dtype=np.int32)
    return exported


def _copy_fitted(source, target, names):
    for name in names:
        if hasattr(source, name):
            value = getattr(source, name)
            setattr(target, name, value.copy() if isinstance(value, np.ndarray) else value)


# ---------------------------------------------------------------------------
# Each kind's behaviour: the initial module it trains (torch kinds), the
# fitted state it stores, how it predicts and what it exports. The
# estimator holds the fitted state; these classes hold no state of their own.
# ---------------------------------------------------------------------------


def _log_softmax(scores):
    # Plain numpy: scipy.special.log_softmax looks torch up in sys.modules for
    # array-API dispatch and fails where torch is blocked with
    # sys.modules["torch"] = None, and predicting must work without torch.
    shifted = scores - scores.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _log_expit(scores):
    # log(sigmoid(d)) without overflow, in plain numpy for the same reason.
    return -np.logaddexp(0.0, -scores)


class _LogitStudent:
    """A student whose logits are known: probabilities follow from them."""

    #: Whether the training tensor of X may share the caller's memory.
    shares_input_memory = False

    @staticmethod
    def check(module, data):
        """Refuse a module that does not fit the data (before training)."""

    @classmethod
    def predict_log_proba(cls, estimator, X):
        scores = cls.decision_function(estimator, X)
        if scores.ndim == 1:
            return np.column_stack([_log_expit(-scores), _log_expit(scores)])
        return _log_softmax(scores)

    @classmethod
    def predict_proba(cls, estimator, X):
        return np.exp(cls.predict_log_proba(estimator, X))

    @classmethod
    def predict(cls, estimator, X):
        return cls.labels(estimator, cls.decision_function(estimator, X))

    @staticmethod
    def labels(estimator, scores):
        """The predicted class of each row of decision ``scores``."""
        if scores.ndim == 1:
            return estimator.classes_[(scores > 0).astype(int)]
        return estimator.classes_[scores.argmax(axis=1)]

    @staticmethod
    def _validated(estimator, X):
        return validate_data(estimator, X, accept_sparse="csr", reset=False, dtype=VALIDATED_DTYPES)


class LinearStudent(_LogitStudent):
    """``student=None``: the linear softmax, stored as numpy ``coef_`` and ``intercept_``."""

    kind = LINEAR
    shares_input_memory = True  # its passes never write to X

    @staticmethod
    def initial_module(estimator, n_features, n_classes, *, dtype, device):
        module = solver.make_linear_module(
            n_features, n_classes, fit_intercept=estimator.fit_intercept, dtype=dtype, device=device
        )
        if estimator.warm_start and hasattr(estimator, "coef_"):
            torch = solver.import_torch()
            with torch.no_grad():
                module.weight.copy_(torch.as_tensor(estimator.coef_))
                module.bias.copy_(torch.as_tensor(estimator.intercept_))
        return module

    @staticmethod
    def fitted_state(module):
        # Numpy fitted state: a linear student predicts and pickles without torch.
        return {
            "coef_": module.weight.detach().cpu().double().numpy().copy(),
            "intercept_": module.bias.detach().cpu().double().numpy().copy(),
        }

    @classmethod
    def decision_function(cls, estimator, X):
        return cls.validated_decision_function(estimator, cls._validated(estimator, X))

    @staticmethod
    def validated_decision_function(estimator, X):
        """:meth:`decision_function` of ``X`` validated already (CSR or dense, a float dtype)."""
        # Multiply in X's precision: float32 X times the float64 coef_ would
        # first copy the whole of X to float64.
        with np.errstate(over="ignore", invalid="ignore"):
            scores = (
                np.asarray(X @ estimator.coef_.T.astype(X.dtype, copy=False)) + estimator.intercept_
            )
        scores = scores[:, 0] if scores.shape[1] == 1 else scores
        return check_finite_predictions(scores, estimator)

    @staticmethod
    def export(estimator):
        return export_linear_classifier(estimator)


class TorchStudent(_LogitStudent):
    """A ``torch.nn.Module`` of logits, trained on a copy and stored as ``student_``."""

    kind = TORCH

    @staticmethod
    def check(module, data):
        solver.check_student(module, data)

    @staticmethod
    def initial_module(estimator, n_features, n_classes, *, dtype, device):
        if estimator.warm_start and hasattr(estimator, "student_"):
            # A copy: the fitted student_ stays as it is if this fit fails.
            module = copy.deepcopy(estimator.student_)
            restore_training_modes(module, estimator._student_training_modes)
        else:
            # The user's module stays untouched, modes included: a copy is
            # trained in the modes it was given (a frozen BatchNorm stays frozen).
            module = copy.deepcopy(estimator.student)
        return module.to(device=device, dtype=dtype)

    @staticmethod
    def fitted_state(module):
        # Kept in eval mode, so that predicting (from any thread) never
        # switches modes; the training modes are kept for warm starts.
        modes = training_modes(module)
        return {"student_": module.eval(), "_student_training_modes": modes}

    @classmethod
    def decision_function(cls, estimator, X):
        X = cls._validated(estimator, X)
        dtype, device = module_dtype_and_device(estimator.student_)
        logits = solver.predict_logits(
            estimator.student_, X, len(estimator.classes_), dtype=dtype, device=device
        )
        scores = logits[:, 1] - logits[:, 0] if len(estimator.classes_) == 2 else logits
        return check_finite_predictions(scores, estimator)

    @staticmethod
    def export(estimator):
        return copy.deepcopy(estimator.student_)


class EstimatorStudent:
    """A scikit-learn classifier fitted on the expanded rows, stored as ``student_``."""

    kind = ESTIMATOR

    @staticmethod
    def fit(estimator, X, y, classes, label_weight, teacher_part, soft_targets):
        """The fitted state: a clone of the student fitted on the expanded rows."""
        X_expanded, y_expanded, weights = expand_rows(
            X, y, classes, label_weight, teacher_part, soft_targets
        )
        fitted = fit_with_sample_weight(clone(estimator.student), X_expanded, y_expanded, weights)
        learnt = np.asarray(getattr(fitted, "classes_", classes))
        unknown = [label for label in learnt.tolist() if label not in set(classes.tolist())]
        if unknown:
            raise ValueError(
                f"The student {type(fitted).__name__} reports classes_ {learnt.tolist()}, which "
                f"are not labels of y {classes.tolist()} (e.g. {unknown[0]!r}): a scikit-learn "
                "student must keep the labels it was fitted on."
            )
        return {"student_": fitted}

    @staticmethod
    def _checked(estimator, X):
        # The same checks of X as fit; the student gets X as the caller gave it.
        validate_data(
            estimator, X, accept_sparse=True, reset=False, dtype=None, ensure_all_finite=False
        )
        return X

    @staticmethod
    def _knows_every_class(estimator):
        return np.array_equal(
            getattr(estimator.student_, "classes_", estimator.classes_), estimator.classes_
        )

    @classmethod
    def predict_proba(cls, estimator, X):
        X = cls._checked(estimator, X)
        return check_finite_predictions(
            estimator_proba(estimator.student_, estimator.classes_, X), estimator
        )

    @classmethod
    def predict_log_proba(cls, estimator, X):
        if cls._knows_every_class(estimator) and hasattr(estimator.student_, "predict_log_proba"):
            return estimator.student_.predict_log_proba(cls._checked(estimator, X))
        with np.errstate(divide="ignore"):
            return np.log(cls.predict_proba(estimator, X))

    @classmethod
    def decision_function(cls, estimator, X):
        # Log-probabilities (log-odds for two classes), zero floored at the
        # smallest normal float: the student's logits are out of reach.
        log_proba = np.log(np.maximum(cls.predict_proba(estimator, X), np.finfo(np.float64).tiny))
        return log_proba[:, 1] - log_proba[:, 0] if len(estimator.classes_) == 2 else log_proba

    @classmethod
    def predict(cls, estimator, X):
        # The student's own decision (SVC(probability=True) does not decide
        # by its Platt probabilities), so that export_student predicts the same.
        if cls._knows_every_class(estimator):
            return np.asarray(estimator.student_.predict(cls._checked(estimator, X)))
        return estimator.classes_[cls.predict_proba(estimator, X).argmax(axis=1)]

    @staticmethod
    def export(estimator):
        return copy.deepcopy(estimator.student_)


#: The behaviour of each kind of student, by kind.
STUDENTS = {cls.kind: cls for cls in (LinearStudent, TorchStudent, EstimatorStudent)}

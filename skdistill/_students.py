"""What a classification student is: its kind, how a scikit-learn one is fitted, exports.

Three kinds of student (``DistilledClassifier(student=...)``):

- ``"linear"`` (``student=None``): the linear softmax, trained by the torch
  solvers and stored as numpy ``coef_`` and ``intercept_``;
- ``"torch"``: a ``torch.nn.Module`` of logits, trained by the same solvers,
  stored as ``student_``;
- ``"estimator"``: a scikit-learn classifier with ``predict_proba`` whose
  ``fit`` takes ``sample_weight``, fitted on the rows expanded as SPEC
  section 7 says, stored as ``student_``.

This module imports nothing of torch: a fitted linear or scikit-learn
student predicts and pickles without it.
"""

import numpy as np
from sklearn.base import clone
from sklearn.utils import _safe_indexing

from ._base import fit_takes_sample_weight, fit_with_sample_weight
from ._losses import GENERALIZED, PROBABILISTIC
from ._torch_utils import is_torch_module

LINEAR, TORCH, ESTIMATOR = "linear", "torch", "estimator"


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
    name = type(student).__name__
    if not hasattr(student, "predict_proba"):
        raise TypeError(
            f"student {name} has no predict_proba: a scikit-learn student must give class "
            "probabilities (the distilled objective is a log-loss)."
        )
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
    SPEC section 7. Copies of weight exactly zero add nothing to the loss
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
    return _safe_indexing(X, rows[kept]), labels[kept], weights[kept]


def fit_estimator_student(student, X, y, classes, label_weight, teacher_part, soft_targets):
    """A fitted clone of the scikit-learn ``student`` on the expanded rows."""
    X_expanded, y_expanded, weights = expand_rows(X, y, classes, label_weight, teacher_part, soft_targets)
    return fit_with_sample_weight(clone(student), X_expanded, y_expanded, weights)


def estimator_proba(fitted, classes, X):
    """``fitted.predict_proba(X)`` with one column per class of ``classes``.

    A class whose copies all had weight zero is unknown to the fitted
    student; it gets probability zero.
    """
    proba = np.asarray(fitted.predict_proba(X), dtype=np.float64)
    student_classes = getattr(fitted, "classes_", classes)
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
        C=np.inf if estimator.alpha == 0 else 1.0 / estimator.alpha,
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

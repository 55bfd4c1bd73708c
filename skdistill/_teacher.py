"""Turn any teacher into answers on the privileged rows.

A teacher is whatever produced the privileged knowledge: a fitted scikit-learn
estimator, a ``torch.nn.Module``, a plain callable, or answers computed
beforehand (``teacher_output``). Both estimators share this module, so the
rules for ``X_star``, ``privileged_mask`` and ``teacher_output`` are written
once.
"""

from dataclasses import dataclass
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from scipy.special import log_softmax
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _num_samples, check_array, check_is_fitted

# Rows handed to a torch teacher at once; bounds the memory of one forward pass.
_TORCH_CHUNK_ROWS = 65536


@dataclass
class PrivilegedData:
    """Validated privileged inputs of one ``fit`` call.

    Attributes
    ----------
    mask : ndarray of bool, shape (n_samples,)
        Which rows are privileged (the set I of the paper).
    answers : ndarray or None
        Raw teacher answers on the privileged rows only (``mask.sum()`` rows):
        predictions for a regressor teacher, logits for a classifier teacher.
        None when no row is privileged or the teacher weight is zero.
    classes : ndarray or None
        The labels of the answer columns when the teacher declares them
        (``teacher.classes_``), else None.
    """

    mask: np.ndarray
    answers: np.ndarray | None
    classes: np.ndarray | None = None


def _is_torch_module(obj):
    # Looked up by class name rather than through sys.modules["torch"]: torch
    # is never imported here, and a thread may see a half-imported torch.
    return any(
        cls.__name__ == "Module" and cls.__module__ == "torch.nn.modules.module"
        for cls in type(obj).__mro__
    )


def _is_sklearn_estimator(obj):
    return hasattr(obj, "fit") and hasattr(obj, "get_params")


def check_teacher_fitted(teacher):
    """Raise a ``NotFittedError`` naming ``teacher`` when it is not fitted.

    scikit-learn estimators are checked with ``check_is_fitted``; other
    objects only when they declare ``__sklearn_is_fitted__``.
    """
    if isinstance(teacher, BaseEstimator):
        try:
            check_is_fitted(teacher)
            return
        except NotFittedError:
            fitted = False
    else:
        is_fitted = getattr(teacher, "__sklearn_is_fitted__", None)
        fitted = True if is_fitted is None else bool(is_fitted())
    if not fitted:
        raise NotFittedError(
            f"The teacher {type(teacher).__name__} is not fitted. skdistill never "
            "fits the teacher: pass a fitted estimator as `teacher` (wrap it in "
            "sklearn.frozen.FrozenEstimator if you like), or pass precomputed "
            "answers as `teacher_output`."
        )


def _check_mask(privileged_mask, n_samples):
    if privileged_mask is None:
        return np.ones(n_samples, dtype=bool)
    mask = np.asarray(privileged_mask)
    if mask.dtype != bool:
        raise TypeError(
            "privileged_mask must be a boolean array of shape (n_samples,), "
            f"got dtype {mask.dtype}. Use e.g. `mask.astype(bool)` if it holds 0/1."
        )
    if mask.ndim != 1 or mask.shape[0] != n_samples:
        raise ValueError(
            f"privileged_mask must have shape ({n_samples},) like the rows of X, "
            f"got shape {mask.shape}."
        )
    return mask.copy()


def _check_full_length(name, value, n_samples):
    try:
        n_rows = _num_samples(value)
    except TypeError as exc:
        raise TypeError(
            f"{name} must be an array-like with {n_samples} rows like X, got "
            f"{type(value).__name__}."
        ) from exc
    if n_rows != n_samples:
        raise ValueError(
            f"{name} has {n_rows} rows but X has {n_samples}. {name} must be full "
            "length and aligned with X row by row (that is how cross-validation "
            "slices it per fold); rows outside privileged_mask may hold NaN. If "
            f"you only have {name} for the privileged objects, scatter them into "
            f"an array of {n_samples} rows filled with NaN and pass the mask."
        )


def validate_privileged(
    X,
    *,
    teacher,
    X_star,
    privileged_mask,
    teacher_output,
    call_teacher,
):
    """Check the privileged inputs of ``fit`` and return the privileged mask.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The student's features, as the user passed them.
    teacher : object or None
        The teacher parameter of the estimator.
    X_star, privileged_mask, teacher_output : array-like or None
        The fit parameters of the same names.
    call_teacher : bool
        False when the teacher is not needed (a zero teacher weight): then
        it is not checked nor called.

    Returns
    -------
    mask : ndarray of bool of shape (n_samples,)
        All False when there is no privileged information at all.
    """
    n_samples = _num_samples(X)
    if teacher is None and teacher_output is None:
        for name, value in (("X_star", X_star), ("privileged_mask", privileged_mask)):
            if value is not None:
                raise ValueError(
                    f"{name} was given but there is neither a `teacher` nor "
                    "`teacher_output`: privileged data needs a teacher to be used. "
                    "Pass a fitted teacher to the constructor or precomputed "
                    "answers as teacher_output."
                )
        return np.zeros(n_samples, dtype=bool)
    mask = _check_mask(privileged_mask, n_samples)
    if X_star is not None:
        _check_full_length("X_star", X_star, n_samples)
    if teacher_output is not None:
        _check_full_length("teacher_output", teacher_output, n_samples)
    elif call_teacher:
        check_teacher_fitted(teacher)
    return mask


def _rows(data, mask):
    # _safe_indexing takes arrays, dataframes, lists and row-indexable sparse
    # matrices; other sparse formats become CSR, and any other array-like (an
    # object with only __array__) an ndarray.
    if sp.issparse(data) and data.format not in ("csr", "csc"):
        data = data.tocsr()
    elif not hasattr(data, "shape") and not isinstance(data, (list, tuple)):
        data = np.asarray(data)
    return _safe_indexing(data, np.flatnonzero(mask))


def _call_torch(module, X_rows):
    import torch

    if sp.issparse(X_rows):
        X_rows = X_rows.toarray()  # privileged rows only; a torch module needs them dense
    params = next(iter(module.parameters()), None)
    dtype = params.dtype if params is not None else torch.get_default_dtype()
    device = params.device if params is not None else torch.device("cpu")
    X_rows = np.asarray(X_rows, dtype=np.float64)
    outputs = []
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            for start in range(0, X_rows.shape[0], _TORCH_CHUNK_ROWS):
                chunk = torch.as_tensor(
                    X_rows[start : start + _TORCH_CHUNK_ROWS], dtype=dtype, device=device
                )
                outputs.append(module(chunk).detach().cpu().double().numpy())
    finally:
        module.train(was_training)
    if not outputs:
        return np.empty((0,))
    return np.concatenate(outputs, axis=0)


def _call_teacher(teacher, X_rows, method):
    """Answers of ``teacher`` on ``X_rows`` and the labels of their columns.

    An exception raised by the teacher propagates unchanged (same type, same
    message, so the caller's ``except`` clauses still work); on Python 3.11+
    a note saying which teacher failed on how many rows is attached to it.
    """
    try:
        return _dispatch_teacher(teacher, X_rows, method)
    except Exception as exc:
        if hasattr(exc, "add_note"):
            exc.add_note(
                f"Raised while skdistill called the teacher {type(teacher).__name__} "
                f"on {_num_samples(X_rows)} privileged rows."
            )
        raise


def _dispatch_teacher(teacher, X_rows, method):
    if _is_torch_module(teacher):
        return _call_torch(teacher, X_rows), None
    if method == "predict_logits" and (
        _is_sklearn_estimator(teacher)
        or hasattr(teacher, "predict_proba")
        or hasattr(teacher, "decision_function")
    ):
        return _sklearn_logits(teacher, X_rows)
    if method == "predict" and hasattr(teacher, "predict"):
        return np.asarray(teacher.predict(X_rows)), None
    if callable(teacher):
        return np.asarray(teacher(X_rows)), None
    raise TypeError(
        f"teacher must be a fitted scikit-learn estimator, a torch.nn.Module or a "
        f"callable, got {type(teacher).__name__}."
    )


def _sklearn_logits(teacher, X_rows):
    classes = getattr(teacher, "classes_", None)
    if hasattr(teacher, "predict_proba"):
        with np.errstate(divide="ignore"):
            logits = np.log(np.asarray(teacher.predict_proba(X_rows), dtype=np.float64))
        # log(0) = -inf is a legitimate logit for an impossible class; keep it
        # finite so that softmax(v / T) stays defined for every T.
        return np.maximum(logits, np.log(np.finfo(np.float64).tiny)), classes
    if hasattr(teacher, "decision_function"):
        scores = np.asarray(teacher.decision_function(X_rows), dtype=np.float64)
        if scores.ndim == 1:
            # Binary scores are the log-odds of classes_[1]: softmax([0, d]) = sigmoid(d).
            scores = np.column_stack([np.zeros_like(scores), scores])
        return scores, classes
    raise TypeError(
        f"The teacher {type(teacher).__name__} has neither predict_proba nor "
        "decision_function: a classifier teacher must give class scores. Wrap it in "
        "a callable returning logits, or pass teacher_output."
    )


def _used_mask(estimator, X, X_star, privileged_mask, teacher_output):
    """The validated mask, and whether any teacher answer is needed at all."""
    call_teacher = estimator.teacher_weight > 0
    mask = validate_privileged(
        X,
        teacher=estimator.teacher,
        X_star=X_star,
        privileged_mask=privileged_mask,
        teacher_output=teacher_output,
        call_teacher=call_teacher,
    )
    return mask, bool(call_teacher and mask.any())


def _teacher_input_rows(teacher, X, X_star, mask):
    """The privileged rows the teacher sees (of ``X`` in Hinton's case), checked."""
    source_name = "X" if X_star is None else "X_star"
    rows = _rows(X if X_star is None else X_star, mask)
    _check_finite_rows(rows, source_name)
    _check_teacher_width(teacher, rows, source_name)
    return rows


def regression_answers(estimator, X, *, X_star, privileged_mask, teacher_output):
    """Validated privileged data for a regressor: mask and 1-D teacher answers."""
    mask, needed = _used_mask(estimator, X, X_star, privileged_mask, teacher_output)
    if not needed:
        return PrivilegedData(mask=mask, answers=None)
    if teacher_output is not None:
        answers = _rows(teacher_output, mask)
        name = "teacher_output"
    else:
        rows = _teacher_input_rows(estimator.teacher, X, X_star, mask)
        answers, _ = _call_teacher(estimator.teacher, rows, "predict")
        name = "the teacher's predictions"
    answers = _as_numbers(answers, name)
    if answers.ndim == 2 and answers.shape[1] == 1:
        answers = answers[:, 0]
    if answers.shape != (mask.sum(),):
        raise ValueError(
            f"{name} must hold one number per privileged row, shape "
            f"({mask.sum()},), got shape {answers.shape}."
        )
    if not np.all(np.isfinite(answers)):
        raise ValueError(f"{name} contain NaN or infinity on privileged rows.")
    return PrivilegedData(mask=mask, answers=answers)


def _as_numbers(answers, name):
    """``answers`` as a float64 array, or a ValueError naming their source."""
    try:
        return np.asarray(answers, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numbers that convert to float: {exc}") from exc


def _check_teacher_width(teacher, rows, name):
    """A teacher that declares ``n_features_in_`` must get that many columns."""
    expected = getattr(teacher, "n_features_in_", None)
    if not isinstance(expected, Integral) or np.shape(rows)[1] == expected:
        return
    hint = " Pass the privileged features as X_star; without it the teacher sees X." if name == "X" else ""
    raise ValueError(
        f"{name} has {np.shape(rows)[1]} columns but the teacher "
        f"{type(teacher).__name__} was fitted on {expected} features.{hint}"
    )


def _check_finite_rows(rows, name):
    if not sp.issparse(rows) and np.ndim(rows) != 2:
        raise ValueError(
            f"{name} must be 2-D, shape (n_samples, n_features), got a "
            f"{np.ndim(rows)}-D array. Reshape a single privileged feature with "
            f"{name}.reshape(-1, 1)."
        )
    check_array(
        rows,
        accept_sparse=True,
        dtype=None,
        ensure_all_finite=True,
        ensure_min_samples=0,
        input_name=f"{name} (on privileged rows)",
    )


def classification_logits(
    estimator, X, *, X_star, privileged_mask, teacher_output, output_kind="auto"
):
    """Validated privileged data for a classifier: mask and teacher logits.

    ``output_kind`` says how to read ``teacher_output``: ``"proba"``,
    ``"logits"`` or ``"auto"`` (probabilities when every privileged row is
    non-negative and sums to one within 1e-6; for a 1-D output, probabilities
    of the second class when every value lies in [0, 1]; else logits).
    """
    mask, needed = _used_mask(estimator, X, X_star, privileged_mask, teacher_output)
    if not needed:
        return PrivilegedData(mask=mask, answers=None)
    if teacher_output is not None:
        raw = _as_numbers(_rows(teacher_output, mask), "teacher_output")
        if not np.all(np.isfinite(raw)):
            raise ValueError(
                "teacher_output contains NaN or infinity on privileged rows; only "
                "rows outside privileged_mask may hold NaN."
            )
        return PrivilegedData(mask=mask, answers=_as_logits(raw, output_kind))
    rows = _teacher_input_rows(estimator.teacher, X, X_star, mask)
    logits, classes = _call_teacher(estimator.teacher, rows, "predict_logits")
    logits = _as_numbers(logits, "The teacher's answers")
    if logits.ndim == 1:
        logits = np.column_stack([np.zeros_like(logits), logits])
    if logits.ndim != 2 or logits.shape[0] != mask.sum():
        raise ValueError(
            "The teacher must return one row of class scores per privileged row, "
            f"shape ({mask.sum()}, n_classes); got shape {logits.shape}."
        )
    if np.isnan(logits).any() or np.isposinf(logits).any():
        raise ValueError("The teacher returned NaN or +infinity on privileged rows.")
    return PrivilegedData(mask=mask, answers=logits, classes=classes)


def _as_logits(raw, output_kind):
    if raw.ndim == 1:
        is_proba = output_kind == "proba" or (
            output_kind == "auto" and np.all((raw >= 0) & (raw <= 1))
        )
        if is_proba:
            raw = np.column_stack([1.0 - raw, raw])
        else:
            return np.column_stack([np.zeros_like(raw), raw])
    elif raw.ndim != 2:
        raise ValueError(
            f"teacher_output must be 1-D or 2-D (n_samples, n_classes), got {raw.ndim}-D."
        )
    else:
        is_proba = output_kind == "proba" or (
            output_kind == "auto"
            and np.all(raw >= 0)
            and np.allclose(raw.sum(axis=1), 1.0, rtol=0, atol=1e-6)
        )
    if not is_proba:
        return raw
    if np.any(raw < 0) or np.any(raw > 1):
        raise ValueError("teacher_output was declared as probabilities but lies outside [0, 1].")
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(raw), np.log(np.finfo(np.float64).tiny))


def align_teacher_columns(logits, teacher_classes, classes):
    """Reorder the teacher's logit columns to the student's ``classes_``.

    Columns of classes the student never saw are dropped (the softmax over the
    remaining ones renormalises); a student class the teacher does not know is
    an error, and so is a row that gives every class of y the logit -inf
    (probability zero), whose softmax is undefined.
    """
    n_classes = len(classes)
    if teacher_classes is None:
        if logits.shape[1] != n_classes:
            raise ValueError(
                f"The teacher answers (teacher or teacher_output) have "
                f"{logits.shape[1]} columns but y has {n_classes} classes "
                f"{classes.tolist()}. Without teacher.classes_ the columns are taken "
                "in the order of the sorted labels of y."
            )
        return _check_some_class_possible(logits)
    teacher_classes = np.asarray(teacher_classes)
    if logits.shape[1] != len(teacher_classes):
        raise ValueError(
            f"The teacher returned {logits.shape[1]} columns but declares "
            f"{len(teacher_classes)} classes in teacher.classes_."
        )
    position = {label: j for j, label in enumerate(teacher_classes.tolist())}
    missing = [label for label in classes.tolist() if label not in position]
    if missing:
        raise ValueError(
            f"The teacher's classes {teacher_classes.tolist()} do not cover the labels "
            f"{missing} found in y; teacher columns are matched to y's classes by label."
        )
    return _check_some_class_possible(logits[:, [position[label] for label in classes.tolist()]])


def _check_some_class_possible(logits):
    impossible = np.flatnonzero(np.all(logits == -np.inf, axis=1))
    if impossible.size:
        raise ValueError(
            f"The teacher gives logit -inf (probability zero) to every class of y on "
            f"{impossible.size} privileged row(s), e.g. privileged row {impossible[0]}: "
            "its soft targets are undefined. Check the teacher's answers."
        )
    return logits


def teacher_answers(teacher, X_star, privileged_mask=None):
    """Evaluate a teacher once, for reuse as ``teacher_output`` in many fits.

    A grid search refits the student for every candidate and fold; passing
    the answers computed here as ``teacher_output`` means each teacher row is
    evaluated exactly once. Rows are sliced per fold with ``X_star``.

    Parameters
    ----------
    teacher : object
        A fitted scikit-learn estimator, a ``torch.nn.Module`` or a callable.
        A classifier (anything with ``predict_proba`` or
        ``decision_function``) gives logits: log-probabilities from
        ``predict_proba``, else decision scores (binary scores ``d`` become
        the two columns ``[0, d]``); a regressor gives ``predict``; a torch
        module or callable gives its raw output.
    X_star : array-like of shape (n_samples, n_privileged_features)
        The privileged features; rows outside the mask may hold NaN.
    privileged_mask : array-like of bool of shape (n_samples,), default=None
        Rows to evaluate; None means every row.

    Returns
    -------
    answers : ndarray of shape (n_samples,) or (n_samples, n_classes)
        The teacher's answers, NaN outside the mask. Columns of a scikit-learn
        classifier follow ``teacher.classes_``.
    """
    n_samples = _num_samples(X_star)
    mask = _check_mask(privileged_mask, n_samples)
    check_teacher_fitted(teacher)
    rows = _rows(X_star, mask)
    _check_finite_rows(rows, "X_star")
    _check_teacher_width(teacher, rows, "X_star")
    # Duck typing, not is_classifier: wrappers, callables and torch modules have no tags.
    gives_scores = hasattr(teacher, "predict_proba") or hasattr(teacher, "decision_function")
    method = "predict_logits" if gives_scores else "predict"
    answers, _ = _call_teacher(teacher, rows, method)
    answers = np.asarray(answers, dtype=np.float64)
    out = np.full((n_samples,) + answers.shape[1:], np.nan)
    out[mask] = answers
    return out


def softmax_at_temperature(logits, temperature):
    """Row-wise ``softmax(logits / temperature)`` computed stably in float64.

    The row maximum is subtracted before dividing by the temperature, so huge
    finite logits at a small temperature underflow to zero probabilities
    instead of overflowing to inf - inf = NaN.
    """
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=1, keepdims=True)
    with np.errstate(over="ignore"):
        return np.exp(log_softmax(shifted / temperature, axis=1))

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
from sklearn.base import BaseEstimator, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import _num_samples, check_array, check_is_fitted

from ._base import check_not_a_class, select_rows
from ._torch_utils import (
    forward_in_chunks,
    inference_module,
    is_tensor,
    is_torch_module,
    module_dtype_and_device,
)


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
        (``teacher.classes_``, the labels of ``teacher_output``), else None.
    label_source : str
        Where ``classes`` come from, for error messages.
    """

    mask: np.ndarray
    answers: np.ndarray | None
    classes: np.ndarray | None = None
    label_source: str = "teacher.classes_"


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
    if isinstance(value, (str, bytes)):
        raise TypeError(
            f"{name} is a single string; it must hold one row per row of X: for a text "
            f"teacher, a sequence of {n_samples} documents (a list, array or Series)."
        )
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
    return select_rows(data, np.flatnonzero(mask))


def _call_torch(module, X_rows):
    if sp.issparse(X_rows):
        X_rows = X_rows.toarray()  # privileged rows only; a torch module needs them dense
    X_rows = np.asarray(X_rows, dtype=np.float64)
    dtype, device = module_dtype_and_device(module)
    outputs = forward_in_chunks(
        inference_module(module),
        X_rows,
        dtype=dtype,
        device=device,
        to_numpy=lambda output: answers_as_array(output, module),
    )
    return np.concatenate(outputs, axis=0)


def answers_as_array(answers, teacher):
    """The teacher's raw answers as a numpy array, or an error naming the teacher.

    A torch tensor is detached and moved to the CPU (a callable teacher may
    return one that requires grad); ``None``, a tuple or a dict of outputs
    cannot be read as one array of answers.
    """
    name = type(teacher).__name__
    if is_tensor(answers):
        return answers.detach().cpu().double().numpy()
    if (
        answers is None
        or isinstance(answers, dict)
        or (
            isinstance(answers, tuple) and any(is_tensor(a) or hasattr(a, "shape") for a in answers)
        )
    ):
        raise TypeError(
            f"The teacher {name} returned {type(answers).__name__}; a teacher must return "
            "one array (or tensor) of answers, one row per privileged row. If it returns "
            "several outputs, wrap it, e.g. `lambda X: model(X)[0]`."
        )
    try:
        return np.asarray(answers, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"The teacher {name} returned answers that are not numbers converting to "
            f"float ({type(answers).__name__}): {exc}"
        ) from exc


def _call_teacher(teacher, X_rows, method):
    """Answers of ``teacher`` on ``X_rows`` and the labels of their columns.

    An exception raised by the teacher propagates unchanged (same type, same
    message, so the caller's ``except`` clauses still work); on Python 3.11+
    a note saying which teacher failed on how many rows is attached to it.
    """
    try:
        answers, classes = _dispatch_teacher(teacher, X_rows, method)
    except Exception as exc:
        if hasattr(exc, "add_note"):
            exc.add_note(
                f"Raised while skdistill called the teacher {type(teacher).__name__} "
                f"on {_num_samples(X_rows)} privileged rows."
            )
        raise
    return answers_as_array(answers, teacher), classes


def _dispatch_teacher(teacher, X_rows, method):
    if is_torch_module(teacher):
        return _call_torch(teacher, X_rows), None
    if method == "predict_logits" and (
        _is_sklearn_estimator(teacher)
        or hasattr(teacher, "predict_proba")
        or hasattr(teacher, "decision_function")
    ):
        return _sklearn_logits(teacher, X_rows)
    if method == "predict" and hasattr(teacher, "predict"):
        return teacher.predict(X_rows), None
    if callable(teacher):
        return teacher(X_rows), None
    raise TypeError(
        f"teacher must be a fitted scikit-learn estimator, a torch.nn.Module or a "
        f"callable, got {type(teacher).__name__}."
    )


def _sklearn_logits(teacher, X_rows):
    classes = getattr(teacher, "classes_", None)
    if hasattr(teacher, "predict_proba"):
        proba = answers_as_array(teacher.predict_proba(X_rows), teacher)
        # log(0) = -inf is a legitimate logit for an impossible class; it is
        # made finite after the columns are matched to y (align_teacher_columns).
        with np.errstate(divide="ignore"):
            return np.log(proba), classes
    if hasattr(teacher, "decision_function"):
        scores = answers_as_array(teacher.decision_function(X_rows), teacher)
        if scores.ndim == 1:
            scores = binary_logits(scores)
        return scores, classes
    raise TypeError(
        f"The teacher {type(teacher).__name__} has neither predict_proba nor "
        "decision_function: a classifier teacher must give class scores. Wrap it in "
        "a callable returning logits, or pass teacher_output."
    )


def binary_logits(scores):
    """Binary scores ``d`` (log-odds of ``classes_[1]``) as the logits ``[0, d]``.

    ``softmax([0, d]) = sigmoid(d)``: the one place where a single binary
    score becomes two logit columns.
    """
    return np.column_stack([np.zeros_like(scores), scores])


def _used_mask(teacher, call_teacher, X, X_star, privileged_mask, teacher_output):
    """The validated mask, and whether any teacher answer is needed at all."""
    mask = validate_privileged(
        X,
        teacher=teacher,
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
    check_teacher_rows(teacher, rows, source_name)
    return rows


def _holds_numbers(rows):
    """Whether ``rows`` are numbers: a sparse matrix, or numeric array or frame.

    Strings, objects and mixed-dtype DataFrames are another modality, whose
    meaning only the teacher knows.
    """
    if sp.issparse(rows):
        return True
    dtypes = getattr(rows, "dtypes", None)
    if dtypes is not None and not hasattr(rows, "dtype"):  # a DataFrame
        return all(np.dtype(dtype).kind in "biuf" for dtype in _numpy_dtypes(dtypes))
    dtype = getattr(rows, "dtype", None)
    if dtype is None:  # a list or another sequence
        try:
            dtype = np.asarray(rows).dtype
        except (TypeError, ValueError):  # ragged
            return False
    try:
        return np.dtype(dtype).kind in "biuf"
    except TypeError:  # an extension dtype numpy does not know (pandas "string")
        return False


def _numpy_dtypes(dtypes):
    for dtype in dtypes:
        try:
            yield np.dtype(dtype)
        except TypeError:  # pandas extension dtypes: nullable ints keep their numpy kind
            yield getattr(dtype, "numpy_dtype", np.dtype(object))


def _teacher_allows_nan(teacher):
    if not _is_sklearn_estimator(teacher) or is_torch_module(teacher):
        return False
    try:
        from sklearn.utils import get_tags

        return bool(get_tags(teacher).input_tags.allow_nan)
    except (AttributeError, TypeError, ValueError):
        return False


def check_teacher_rows(teacher, rows, name):
    """Check the rows a teacher will see, as far as their modality allows.

    Numbers (arrays, sparse matrices, numeric DataFrames) must be 2-D, finite
    (unless a scikit-learn teacher declares it handles NaN) and as wide as
    the teacher's ``n_features_in_``. Anything else (strings, documents,
    mixed-dtype DataFrames) goes to the teacher as given: only a torch
    module teacher refuses it, since it needs a float tensor.
    """
    if not _holds_numbers(rows):
        if is_torch_module(teacher):
            raise TypeError(
                f"{name} must hold numbers for the torch module teacher "
                f"{type(teacher).__name__}, which is called on a float tensor; got "
                f"{_describe_rows(rows)}. Encode it first, or wrap the model in a "
                "callable that takes the raw inputs."
            )
        _check_no_missing_documents(rows, name)
        return
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
        ensure_all_finite="allow-nan" if _teacher_allows_nan(teacher) else True,
        ensure_min_samples=0,
        input_name=f"{name} (on privileged rows)",
    )
    _check_teacher_width(teacher, rows, name)


def _check_no_missing_documents(rows, name):
    """A sequence of documents (one object per row) holds no None or NaN on privileged rows.

    The numeric counterpart is the finiteness check; a 2-D frame of mixed
    dtypes is left to the teacher, whose pipeline may impute.
    """
    if hasattr(rows, "columns") or sp.issparse(rows) or np.ndim(rows) != 1:
        return
    values = rows.tolist() if hasattr(rows, "tolist") else list(rows)
    missing = [i for i, v in enumerate(values) if v is None or (isinstance(v, float) and v != v)]
    if missing:
        raise ValueError(
            f"{name} holds None or NaN on {len(missing)} privileged row(s), e.g. privileged "
            f"row {missing[0]}: the teacher would be given a missing document. Fill it, or "
            "take the row out of privileged_mask (rows outside it may hold anything)."
        )


def _describe_rows(rows):
    dtype = getattr(rows, "dtype", None)
    if dtype is not None:
        return f"{type(rows).__name__} of dtype {dtype}"
    return type(rows).__name__


def regression_answers(
    teacher,
    X,
    *,
    call_teacher,
    X_star,
    privileged_mask,
    teacher_output,
    n_outputs=None,
    owner="DistilledRegressor",
):
    """Validated privileged data for a regressor: mask and teacher answers.

    ``call_teacher`` is False when no answer is needed (a teacher weight of
    zero): the teacher is then neither checked nor called. The answers have
    shape (n_privileged,) for a single output (``n_outputs=None``), else
    (n_privileged, n_outputs). ``owner`` names the estimator in errors.
    """
    if teacher is not None and _declares_classifier(teacher):
        raise ValueError(
            f"The teacher {type(teacher).__name__} of {owner} is a classifier: "
            "its predictions are class labels, not numbers to regress on. Pass a "
            "regressor as teacher, or use DistilledClassifier."
        )
    mask, needed = _used_mask(teacher, call_teacher, X, X_star, privileged_mask, teacher_output)
    if not needed:
        return PrivilegedData(mask=mask, answers=None)
    if teacher_output is not None:
        answers = _as_numbers(_rows(teacher_output, mask), "teacher_output")
        name = "teacher_output"
    else:
        rows = _teacher_input_rows(teacher, X, X_star, mask)
        answers, _ = _call_teacher(teacher, rows, "predict")
        name = "the teacher's predictions"
    return PrivilegedData(
        mask=mask, answers=_regression_answers(answers, int(mask.sum()), name, n_outputs)
    )


def _declares_classifier(teacher):
    # is_classifier reads scikit-learn tags; callables and modules have none.
    try:
        return is_classifier(teacher)
    except (AttributeError, TypeError):
        return False


def _regression_answers(answers, n_rows, name, n_outputs=None):
    """Finite answers, shape (n_rows,), or (n_rows, n_outputs) for several outputs."""
    if n_outputs is None and answers.ndim == 2 and answers.shape[1] == 1:
        answers = answers[:, 0]
    if n_outputs == 1 and answers.ndim == 1:
        answers = answers[:, None]
    expected = (n_rows,) if n_outputs is None else (n_rows, n_outputs)
    if answers.shape != expected:
        what = (
            "one number"
            if n_outputs is None
            else f"one number for each of the {n_outputs} outputs of y"
        )
        raise ValueError(
            f"{name} must hold {what} per privileged row, shape {expected}, got shape "
            f"{answers.shape}.{_row_count_hint(answers, n_rows)}"
        )
    if not np.all(np.isfinite(answers)):
        raise ValueError(f"{name} contain NaN or infinity on privileged rows.")
    return answers


def _row_count_hint(answers, n_rows):
    """Why a teacher may answer a different number of rows than it was given."""
    if answers.ndim == 0 or answers.shape[0] == n_rows:
        return ""
    return (
        f" The teacher answered {answers.shape[0]} rows for {n_rows} privileged rows: it "
        "reads its input differently from how skdistill slices X_star row by row (a text "
        "pipeline given a DataFrame iterates over its column names: pass the column of "
        "documents, e.g. df['text'])."
    )


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
    hint = (
        " Pass the privileged features as X_star; without it the teacher sees X."
        if name == "X"
        else ""
    )
    raise ValueError(
        f"{name} has {np.shape(rows)[1]} columns but the teacher "
        f"{type(teacher).__name__} was fitted on {expected} features.{hint}"
    )


class TeacherAnswers(np.ndarray):
    """Teacher answers that carry the class labels of their columns.

    :func:`teacher_answers` returns one for a classifier teacher that declares
    ``classes_``: a plain ndarray otherwise, whose attribute ``classes`` holds
    the label of each column. Row selection (cross-validation folds) and
    pickling keep the labels, and ``fit(teacher_output=...)`` matches the
    columns to the classes of ``y`` by label, exactly as it does for the
    teacher itself. ``np.asarray(answers)`` drops the labels.
    """

    def __new__(cls, values, classes):
        obj = np.asarray(values).view(cls)
        obj.classes = np.asarray(classes)
        return obj

    def __array_finalize__(self, obj):
        self.classes = getattr(obj, "classes", None)

    def __getitem__(self, key):
        result = super().__getitem__(key)
        if isinstance(result, TeacherAnswers):
            result.classes = self._labels_after(key)
        return result

    def take(self, indices, axis=None, out=None, mode="raise"):
        result = super().take(indices, axis=axis, out=out, mode=mode)
        if isinstance(result, TeacherAnswers):
            if axis == 0:
                result.classes = self._labels_after(indices)
            elif axis in (1, -1):
                result.classes = self._labels_after((slice(None), indices))
            else:  # a flat take mixes rows and columns: no labels
                result.classes = None
        return result

    def _labels_after(self, key):
        """The labels that follow the columns through the index ``key``.

        Rows may be selected freely; columns selected, reordered or repeated
        take their labels with them, and any index whose effect on the
        columns is not plain drops the labels (the answers are then read by
        position, as a plain array).
        """
        if self.classes is None or self.ndim != 2:
            return None
        if not isinstance(key, tuple):
            key = (key,)
        ellipsis = [part is Ellipsis for part in key]
        if any(part is None for part in key) or sum(ellipsis) > 1 or len(key) > 2:
            return None
        if len(key) < 2 or ellipsis[-1]:  # rows only: (rows,), (...,), (rows, ...)
            return self.classes
        columns = key[1]  # (rows, columns) or (..., columns)
        try:
            return np.asarray(self.classes)[columns]
        except (IndexError, TypeError, ValueError):
            return None

    def __reduce__(self):
        reconstruct, arguments, state = super().__reduce__()
        return reconstruct, arguments, (state, self.classes)

    def __setstate__(self, state):
        array_state, self.classes = state
        super().__setstate__(array_state)


def output_classes(teacher_output):
    """The labels of the columns of ``teacher_output``, when it declares them.

    A DataFrame's column labels, or the ``classes`` of :class:`TeacherAnswers`;
    None for a plain array, whose columns are the sorted labels of ``y``.
    """
    if isinstance(teacher_output, TeacherAnswers) and teacher_output.ndim != 2:
        raise ValueError(
            "teacher_output is one column of the labelled answers of teacher_answers; "
            "pass the whole 2-D answers (select rows, not columns), or "
            "np.asarray(...) of answers meant for positions."
        )
    if getattr(teacher_output, "ndim", None) != 2:
        return None
    columns = getattr(teacher_output, "columns", None)
    labels = columns if columns is not None else getattr(teacher_output, "classes", None)
    if labels is None:
        return None
    labels = np.asarray(labels)
    if labels.shape != (teacher_output.shape[1],):
        raise ValueError(
            f"teacher_output has {teacher_output.shape[1]} columns but carries "
            f"{labels.size} class labels; select its rows, not its columns, or pass "
            "np.asarray(teacher_output) with columns in the order of the sorted labels."
        )
    if len(set(labels.tolist())) != labels.size:
        raise ValueError(
            f"teacher_output has repeated column labels {labels.tolist()}; each column "
            "must be the answer for one class."
        )
    return labels


def _source_precision(values):
    """Machine epsilon of the floating dtype ``values`` arrive in (float64 otherwise)."""
    dtype = np.asarray(values).dtype if not sp.issparse(values) else values.dtype
    return np.finfo(dtype).eps if np.issubdtype(dtype, np.floating) else np.finfo(np.float64).eps


def classification_logits(
    teacher, X, *, call_teacher, X_star, privileged_mask, teacher_output, output_kind="auto"
):
    """Validated privileged data for a classifier: mask and teacher logits.

    ``output_kind`` says how to read ``teacher_output``: ``"proba"``,
    ``"logits"`` or ``"auto"`` (probabilities when every privileged row is
    non-negative and sums to one within the precision of its dtype; for a
    1-D output, probabilities of the second class when every value lies in
    [0, 1]; else logits). Logits may be -inf (an impossible class); they are
    matched to the classes of ``y`` and made finite by
    :func:`align_teacher_columns`.
    """
    mask, needed = _used_mask(teacher, call_teacher, X, X_star, privileged_mask, teacher_output)
    if not needed:
        return PrivilegedData(mask=mask, answers=None)
    n_rows = int(mask.sum())
    if teacher_output is not None:
        classes = output_classes(teacher_output)
        rows = _rows(teacher_output, mask)
        raw = _as_numbers(rows, "teacher_output")
        if np.isnan(raw).any() or np.isposinf(raw).any():
            raise ValueError(
                "teacher_output contains NaN or +infinity on privileged rows; only "
                "rows outside privileged_mask may hold NaN."
            )
        logits = _as_logits(raw, output_kind, _source_precision(rows))
        source = (
            "the column labels of the teacher_output DataFrame"
            if hasattr(teacher_output, "columns")
            else "teacher_output.classes, from teacher_answers"
        )
        return PrivilegedData(
            mask=mask,
            answers=_class_scores(logits, n_rows, "teacher_output"),
            classes=classes,
            label_source=source,
        )
    rows = _teacher_input_rows(teacher, X, X_star, mask)
    logits, classes = _call_teacher(teacher, rows, "predict_logits")
    logits = _class_scores(logits, n_rows, "The teacher's answers")
    return PrivilegedData(mask=mask, answers=logits, classes=classes)


def _class_scores(logits, n_rows, name):
    """Logits of shape (n_rows, n_columns) without NaN or +inf; 1-D scores are binary."""
    if logits.ndim == 1:
        logits = binary_logits(logits)
    if logits.ndim != 2 or logits.shape[0] != n_rows:
        raise ValueError(
            f"{name} must hold one row of class scores per privileged row, shape "
            f"({n_rows}, n_classes); got shape {logits.shape}.{_row_count_hint(logits, n_rows)}"
        )
    if np.isnan(logits).any() or np.isposinf(logits).any():
        raise ValueError(f"{name} contain NaN or +infinity on privileged rows.")
    return logits


_FLOAT64_EPS = np.finfo(np.float64).eps


def _as_logits(raw, output_kind, precision=_FLOAT64_EPS):
    """Logits from raw answers read as probabilities or logits (see output_kind)."""
    if raw.ndim == 1:
        is_proba = output_kind == "proba" or (
            output_kind == "auto" and np.all((raw >= 0) & (raw <= 1))
        )
        if not is_proba:
            return binary_logits(raw)
        raw = np.column_stack([1.0 - raw, raw])
    elif raw.ndim != 2:
        raise ValueError(
            f"teacher_output must be 1-D or 2-D (n_samples, n_classes), got {raw.ndim}-D."
        )
    # Rows of probabilities sum to one up to the rounding of their own dtype
    # (float16 or float32 answers miss 1e-6 by far).
    tolerance = max(1e-6, 2 * raw.shape[1] * precision)
    sums_to_one = np.abs(raw.sum(axis=1) - 1.0) <= tolerance
    if output_kind == "auto":
        if not (np.all(raw >= 0) and np.all(sums_to_one)):
            return raw
    elif output_kind == "logits":
        return raw
    if np.any(raw < 0) or np.any(raw > 1):
        raise ValueError(
            "teacher_output was declared as probabilities (teacher_output_kind='proba') "
            "but lies outside [0, 1]; pass teacher_output_kind='logits' for logits."
        )
    if not np.all(sums_to_one):
        row = int(np.flatnonzero(~sums_to_one)[0])
        raise ValueError(
            "teacher_output was declared as probabilities (teacher_output_kind='proba') "
            f"but privileged row {row} sums to {raw[row].sum():.6g}, not 1; pass one "
            "probability per class of the teacher (rows summing to one), or "
            "teacher_output_kind='logits'."
        )
    with np.errstate(divide="ignore"):
        return np.log(raw)


# The log-probability of an impossible class once made finite: exp of it is
# the smallest normal float64, so softmax(v / T) stays defined for every T.
_LOG_TINY = np.log(np.finfo(np.float64).tiny)


def align_teacher_columns(logits, teacher_classes, classes, label_source="teacher.classes_"):
    """The teacher's logit columns matched to the student's ``classes_``, finite.

    Columns are matched by label when the teacher (or ``teacher_output``)
    declares them, else taken as the sorted labels of ``y``. Columns of
    classes the student never saw are dropped (the softmax over the remaining
    ones renormalises); a student class the teacher does not know is an
    error, and so is a row where the teacher gives every class of ``y``
    probability zero, whose soft targets are undefined. Logits of -inf (an
    impossible class) become finite, ``log(tiny)`` below the row's largest.
    """
    n_classes = len(classes)
    if teacher_classes is None:
        if logits.shape[1] != n_classes:
            raise ValueError(
                f"The teacher answers (teacher or teacher_output) have "
                f"{logits.shape[1]} columns but y has {n_classes} classes "
                f"{classes.tolist()}. Without class labels (teacher.classes_, the "
                "columns of a DataFrame, or the answers of teacher_answers) the "
                "columns are taken in the order of the sorted labels of y."
            )
        selected = logits
    else:
        teacher_classes = np.asarray(teacher_classes)
        if logits.shape[1] != len(teacher_classes):
            raise ValueError(
                f"The teacher returned {logits.shape[1]} columns but declares "
                f"{len(teacher_classes)} classes in {label_source}."
            )
        position = {label: j for j, label in enumerate(teacher_classes.tolist())}
        missing = [label for label in classes.tolist() if label not in position]
        if missing:
            hint = ""
            if "DataFrame" in label_source:
                hint = (
                    " Name the columns after the classes (e.g. columns=teacher.classes_), "
                    "or pass teacher_output.to_numpy() to have the columns read in the "
                    "order of the sorted labels of y."
                )
            raise ValueError(
                f"The teacher's classes {teacher_classes.tolist()} do not cover the labels "
                f"{missing} found in y (the classes are {label_source}); teacher columns are "
                f"matched to y's classes by label.{hint}"
            )
        selected = logits[:, [position[label] for label in classes.tolist()]]
    _check_some_class_possible(selected)
    return finite_logits(selected)


def finite_logits(logits):
    """Logits with -inf raised to ``log(tiny)`` below each row's largest logit.

    softmax is unchanged to float64 precision (such a class keeps probability
    at most ``tiny``), and ``softmax(v / T)`` stays defined for every T. The
    floor is relative so that rows of large negative logits keep their order.
    """
    with np.errstate(invalid="ignore"):
        floor = logits.max(axis=1, keepdims=True) + _LOG_TINY
    return np.maximum(logits, floor)


def _check_some_class_possible(selected):
    # softmax over y's classes is defined unless all of them have logit -inf;
    # large finite gaps to a class outside y are fine (the softmax over the
    # remaining columns renormalises).
    impossible = np.flatnonzero(np.all(selected == -np.inf, axis=1))
    if impossible.size:
        raise ValueError(
            f"The teacher gives probability zero (logit -inf) to every class of y on "
            f"{impossible.size} privileged row(s), e.g. privileged row {impossible[0]}: "
            "its soft targets are undefined. Check the teacher's answers and that its "
            "classes are those of y."
        )


def teacher_answers(teacher, X_star, privileged_mask=None, *, y=None, cv=None):
    """Evaluate a teacher once, for reuse as ``teacher_output`` in many fits.

    A grid search refits the student for every candidate and fold; passing
    the answers computed here as ``teacher_output`` means each teacher row is
    evaluated exactly once. Rows are sliced per fold with ``X_star``. The
    student trained on these answers is the one trained with ``teacher=``.

    Parameters
    ----------
    teacher : object
        A fitted scikit-learn estimator, a ``torch.nn.Module`` or a callable.
        A classifier (anything with ``predict_proba`` or
        ``decision_function``) gives logits: log-probabilities from
        ``predict_proba`` (probability zero gives -inf, an impossible class,
        which ``fit`` accepts), else decision scores (binary scores ``d`` become the two columns
        ``[0, d]``); a regressor gives ``predict``; a torch module or
        callable gives its raw output.
    X_star : array-like, sparse matrix or sequence of n_samples rows
        The privileged information, in the form the teacher takes (features,
        a DataFrame of mixed dtypes, a list of documents); rows outside the
        mask may hold NaN. Numbers are checked (2-D, finite, the teacher's
        width); other inputs go to the teacher as given.
    privileged_mask : array-like of bool of shape (n_samples,), default=None
        Rows to evaluate; None means every row.
    y : array-like of shape (n_samples,), default=None
        Labels (or targets) of the rows. Given, the answers are out of fold:
        clones of the (possibly unfitted) scikit-learn ``teacher`` are fitted
        on the folds of ``cv`` over the privileged rows, and each row is
        answered by the clone that did not see it, as
        ``sklearn.model_selection.cross_val_predict`` does; the user's
        teacher is not fitted nor changed. Use it when the teacher would
        otherwise be fitted on the student's own rows: its in-sample answers
        are over-confident there (cross-fitting).
    cv : int, cross-validation generator or iterable, default=None
        The folds of the out-of-fold answers, as ``cross_val_predict``'s
        ``cv`` (None: 5 folds, stratified for a classifier). Needs ``y``.

    Returns
    -------
    answers : ndarray of shape (n_samples,) or (n_samples, n_classes)
        The teacher's answers, NaN outside the mask. For a classifier that
        declares ``classes_``, a :class:`TeacherAnswers` array whose columns
        follow ``teacher.classes_`` and whose ``classes`` attribute holds
        those labels: ``fit(teacher_output=answers)`` matches them to the
        classes of ``y`` by label (extra teacher classes are dropped).
    """
    check_not_a_class(teacher, "teacher")
    if X_star is None:
        raise TypeError("X_star must be an array-like of privileged features, got None.")
    try:
        n_samples = _num_samples(X_star)
    except TypeError as exc:
        raise TypeError(
            f"X_star must be an array-like of privileged features, got {type(X_star).__name__}."
        ) from exc
    mask = _check_mask(privileged_mask, n_samples)
    out_of_fold = y is not None
    if cv is not None and not out_of_fold:
        raise ValueError(
            "cv was given without y: out-of-fold teacher answers fit clones of the teacher "
            "on the folds, which needs the labels (or targets) y of the rows."
        )
    if out_of_fold:
        if is_torch_module(teacher) or not _is_sklearn_estimator(teacher):
            raise TypeError(
                f"Out-of-fold answers (y=...) fit clones of the teacher, which needs a "
                f"scikit-learn estimator; got {type(teacher).__name__}. Compute the answers "
                "of a torch module or callable yourself and pass them as teacher_output."
            )
        _check_full_length("y", y, n_samples)
    else:
        check_teacher_fitted(teacher)
    rows = _rows(X_star, mask)
    check_teacher_rows(teacher, rows, "X_star")
    n_rows = int(mask.sum())
    # Duck typing, not is_classifier: wrappers, callables and torch modules have no tags.
    gives_scores = hasattr(teacher, "predict_proba") or hasattr(teacher, "decision_function")
    if n_rows == 0 and not is_torch_module(teacher):
        return _no_answers(teacher, n_samples, gives_scores)
    if out_of_fold:
        return _out_of_fold_answers(teacher, rows, _rows(y, mask), cv, mask, gives_scores)
    if gives_scores:
        answers, classes = _call_teacher(teacher, rows, "predict_logits")
        answers = _class_scores(answers, n_rows, "The teacher's answers")
    else:
        answers, classes = _call_teacher(teacher, rows, "predict")
        _check_raw_answers(answers, n_rows)
    out = np.full((n_samples,) + answers.shape[1:], np.nan)
    out[mask] = answers
    if classes is not None:
        return TeacherAnswers(out, classes)
    return out


def _out_of_fold_answers(teacher, rows, y_rows, cv, mask, gives_scores):
    """Answers of clones fitted on the folds, each row by the clone that did not see it."""
    from sklearn.model_selection import cross_val_predict

    method = "predict"
    if gives_scores:
        method = "predict_proba" if hasattr(teacher, "predict_proba") else "decision_function"
    answers = answers_as_array(
        cross_val_predict(teacher, rows, y_rows, cv=cv, method=method), teacher
    )
    out = np.full((mask.size,) + answers.shape[1:], np.nan)
    if not gives_scores:
        out[mask] = answers
        return out
    if method == "predict_proba":
        with np.errstate(divide="ignore"):
            answers = np.log(answers)  # probability zero: -inf, an impossible class
    elif answers.ndim == 1:
        answers = binary_logits(answers)
    out = np.full((mask.size, answers.shape[1]), np.nan)
    out[mask] = answers
    # cross_val_predict's columns are the sorted labels of y.
    return TeacherAnswers(out, np.unique(y_rows))


def _no_answers(teacher, n_samples, gives_scores):
    """All-NaN answers of the right shape when the mask selects no row.

    scikit-learn estimators refuse zero rows, so the teacher is not called:
    the width comes from ``classes_`` for a classifier and is one for a
    regressor; an opaque callable's width cannot be known.
    """
    classes = getattr(teacher, "classes_", None)
    if gives_scores and classes is not None:
        return TeacherAnswers(np.full((n_samples, len(classes)), np.nan), classes)
    if not gives_scores and _is_sklearn_estimator(teacher):
        return np.full(n_samples, np.nan)
    raise ValueError(
        f"privileged_mask selects no row, and the width of the answers of the teacher "
        f"{type(teacher).__name__} cannot be known without calling it on at least one "
        "row. Select at least one row."
    )


def _check_raw_answers(answers, n_rows):
    """Rows and dimensions of answers whose meaning is left to ``fit``."""
    if answers.ndim not in (1, 2) or answers.shape[0] != n_rows:
        raise ValueError(
            f"The teacher's answers must have one row per privileged row, shape "
            f"({n_rows},) or ({n_rows}, n_outputs); got shape {answers.shape}."
            f"{_row_count_hint(answers, n_rows)}"
        )
    if np.isnan(answers).any() or np.isposinf(answers).any():
        raise ValueError("The teacher's answers contain NaN or +infinity on privileged rows.")


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

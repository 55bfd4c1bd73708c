"""Machinery shared by the distilled estimators: a kept teacher, atomic fits."""

import copy
import functools
import inspect
from numbers import Real

import numpy as np
from sklearn.base import clone
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import _check_sample_weight, has_fit_parameter


def check_not_a_class(value, name):
    """Refuse an estimator or module class where a (fitted) instance is expected."""
    if isinstance(value, type):
        raise TypeError(
            f"{name} must be an instance, got the class {value.__name__} itself. "
            f"Pass {value.__name__}(...) (fitted, for a teacher) instead."
        )


def select_rows(data, indices):
    """Rows ``indices`` of ``data``: an array, DataFrame, list or any sparse matrix.

    ``_safe_indexing`` takes arrays, DataFrames, lists and row-indexable
    sparse matrices; other sparse formats (COO, DIA, BSR) become CSR first,
    and any other array-like (an object with only ``__array__``) an ndarray.
    """
    import scipy.sparse as sp
    from sklearn.utils import _safe_indexing

    if sp.issparse(data) and data.format not in ("csr", "csc"):
        data = data.tocsr()
    elif not hasattr(data, "shape") and not isinstance(data, (list, tuple)):
        data = np.asarray(data)
    return _safe_indexing(data, indices)


def check_sample_weight(sample_weight, X):
    """Validated float64 ``sample_weight`` of shape (n_samples,), never negative.

    A negative weight leaves the classifier's objective without a minimum and
    the regressor's normal equations indefinite, so it is refused rather than
    trained on.
    """
    sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
    negative = sample_weight < 0
    if negative.any():
        raise ValueError(
            f"sample_weight must be non-negative; got {int(negative.sum())} negative "
            f"value(s), the smallest {sample_weight.min():g}."
        )
    if not sample_weight.sum() > 0:
        raise ValueError("sample_weight must have a positive sum; all weights are zero.")
    return sample_weight


def _final_step(estimator):
    """The last step of a ``Pipeline``-like estimator, or None."""
    steps = getattr(estimator, "steps", None)
    if isinstance(steps, list) and steps and isinstance(steps[-1], tuple):
        return steps[-1]
    return None


def fit_with_sample_weight(estimator, X, y, sample_weight):
    """``estimator.fit(X, y)`` with per-row weights, a ``Pipeline`` included.

    A ``Pipeline`` takes weights for its last step as ``<step>__sample_weight``
    (or, with metadata routing enabled, as ``sample_weight`` when that step
    requests it).
    """
    from sklearn import get_config

    final = _final_step(estimator)
    if final is not None and not get_config().get("enable_metadata_routing", False):
        return estimator.fit(X, y, **{f"{final[0]}__sample_weight": sample_weight})
    return estimator.fit(X, y, sample_weight=sample_weight)


def fit_takes_sample_weight(estimator):
    """Whether ``estimator.fit`` accepts ``sample_weight``, by name or through ``**kwargs``.

    Meta-estimators (``GridSearchCV``, ``TransformedTargetRegressor``) pass it
    on through ``**fit_params``; the estimator then raises its own error if it
    cannot use it. For a ``Pipeline``, its last step must take it.
    """
    final = _final_step(estimator)
    if final is not None and final[1] not in (None, "passthrough"):
        return fit_takes_sample_weight(final[1])
    if has_fit_parameter(estimator, "sample_weight"):
        return True
    try:
        parameters = inspect.signature(estimator.fit).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def atomic_fit(fit):
    """Make ``fit`` all or nothing: a fit that raises leaves the estimator as it was.

    A fit sets attributes as it goes (``validate_data`` sets
    ``n_features_in_`` first, the classes come before the coefficients), so
    a refit that fails half way would mix the new fit's attributes with the
    old ones. The estimator's attributes are saved on entry and put back when
    anything is raised; fits replace fitted objects rather than change them
    in place, so a shallow copy is enough. It goes outside ``_fit_context``,
    whose callback management (scikit-learn >= 1.9) tears the callbacks down
    first: a failed fit leaves no callback context behind either.
    """

    @functools.wraps(fit)
    def wrapper(self, *args, **kwargs):
        saved = dict(self.__dict__)
        try:
            return fit(self, *args, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    return wrapper


def check_finite_predictions(values, estimator):
    """Refuse to return NaN or infinite predictions; name the rows and the cause."""
    finite = np.isfinite(values)
    if finite.all():
        return values
    rows = np.flatnonzero(~finite.reshape(finite.shape[0], -1).all(axis=1))
    raise ValueError(
        f"{type(estimator).__name__} computed NaN or infinite predictions on {rows.size} "
        f"row(s) of X, e.g. row {rows[0]}: the student's output overflows or is undefined "
        "there. Scale the features (e.g. StandardScaler) or check the student."
    )


#: Docstring pieces both estimators share, written once: a line ``<<name>>``
#: in a docstring of the class or of its ``fit`` is replaced by the piece.
DOCSTRING_PIECES = {
    "teacher_weight": """\
    teacher_weight : float, default=0.5
        Weight lambda in [0, 1] of the teacher's answers on privileged rows.""",
    "X_star": """\
        X_star : array-like, sparse matrix or sequence of n_samples rows, default=None
            Privileged information the teacher sees, in whatever form the
            teacher takes: a 2-D array or sparse matrix of features, a
            DataFrame of mixed dtypes, a list or 1-D array of documents. Full
            length, aligned with ``X`` row by row (cross-validation slices it
            like ``X``); rows outside ``privileged_mask`` may hold anything
            (NaN). Numbers are checked (2-D, finite, the teacher's width);
            other inputs go to the teacher as given. None means the teacher
            sees ``X`` (Hinton's distillation).""",
    "privileged_mask": """\
        privileged_mask : array-like of bool of shape (n_samples,), default=None
            Rows with privileged information (the set I). None means all.""",
}


def _fill_docstring(doc):
    if not doc:
        return doc
    for name, piece in DOCSTRING_PIECES.items():
        doc = doc.replace(" " * (piece.index(name)) + f"<<{name}>>", piece)
    return doc


class TeacherMixin:
    """Keep the fitted teacher through ``clone`` and hide its parameters.

    scikit-learn's ``clone`` would replace a fitted teacher by an unfitted
    copy, and ``GridSearchCV`` clones the estimator once per candidate and
    fold. The teacher is knowledge handed to the student, not a
    hyper-parameter: clones share the very same teacher object, which is never
    refit. ``get_params(deep=True)`` does not descend into the teacher, so a
    search cannot change the user's fitted teacher in place through
    ``teacher__*`` parameters; set a different ``teacher`` instead.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.__doc__ = _fill_docstring(cls.__doc__)
        fit = cls.__dict__.get("fit")
        if fit is not None:
            fit.__doc__ = _fill_docstring(fit.__doc__)

    #: Parameter constraints both estimators share.
    _shared_parameter_constraints = {
        "teacher_weight": [Interval(Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
    }

    def _replace_fitted_state(self, stale, state):
        """Drop the previous fit's ``stale`` attributes, then set this fit's ``state``.

        Prediction follows the fitted state, not the parameters, so only this
        fit's kind of student may remain. The parameters the state was made
        with are kept beside it (``export_student``, warm starts).
        """
        for name in stale:
            self.__dict__.pop(name, None)
        self.__dict__.update(state, _alpha=self.alpha, _fit_intercept=self.fit_intercept)

    def _check_instances(self):
        """The first step of every fit: teacher and student are objects, not classes."""
        for name in ("teacher", "student"):
            check_not_a_class(getattr(self, name), name)

    def __sklearn_clone__(self):
        params = self.get_params(deep=False)
        new_params = {
            name: value if name == "teacher" else clone(value, safe=False)
            for name, value in params.items()
        }
        new_object = type(self)(**new_params)
        # What BaseEstimator's clone keeps besides the parameters: metadata
        # requests (set_fit_request) and the set_output configuration.
        for attribute in ("_metadata_request", "_sklearn_output_config"):
            if attribute in self.__dict__:
                setattr(new_object, attribute, copy.deepcopy(self.__dict__[attribute]))
        # And the callbacks of set_callbacks (scikit-learn >= 1.9), by
        # reference as clone does: one callback serves every clone.
        if "_skl_callbacks" in self.__dict__:
            new_object._skl_callbacks = self.__dict__["_skl_callbacks"]
        return new_object

    @classmethod
    def _get_param_names(cls):
        # BaseEstimator inspects the constructor's signature at every
        # get_params (twice per fit); the signature of a class never changes.
        names = cls.__dict__.get("_skdistill_param_names")
        if names is None:
            names = super()._get_param_names()
            cls._skdistill_param_names = names
        return names

    def get_params(self, deep=True):
        params = super().get_params(deep=deep)
        return {name: value for name, value in params.items() if not name.startswith("teacher__")}

    def set_params(self, **params):
        nested = sorted(name for name in params if name.startswith("teacher__"))
        if nested:
            raise ValueError(
                f"Invalid parameter(s) {nested} for estimator {type(self).__name__}: the "
                "fitted teacher is shared knowledge, not a hyper-parameter, and changing "
                "it in place would alter the user's teacher. Set a different teacher "
                "with set_params(teacher=...) instead."
            )
        return super().set_params(**params)

"""What the cross-validated estimators share: candidate grids, folds and results.

``DistilledClassifierCV`` and ``DistilledRegressorCV`` choose what
``GridSearchCV`` would choose over the same grid, folds and scoring; the
candidates are enumerated, scored and ranked here exactly as it does.
"""

import inspect
from numbers import Real

import numpy as np
from joblib import Parallel, delayed
from scipy.stats import rankdata
from sklearn.model_selection import ParameterGrid, check_cv
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils.metadata_routing import _routing_enabled

from ._callbacks import subtask


def check_grid(values, name, *, low=None, high=None, low_open=False):
    """A non-empty 1-D grid of finite numbers within bounds, as a tuple of floats.

    Parameters
    ----------
    values : array-like of numbers
        The candidate values as the user passed them.
    name : str
        The parameter's name, for the error messages.
    low, high : float or None
        Bounds of the values (None: unbounded); ``high`` is closed.
    low_open : bool
        Whether ``low`` itself is excluded.
    """
    if isinstance(values, (str, bytes, Real)):
        hint = f" Pass a list, e.g. {name}=[{values!r}]." if isinstance(values, Real) else ""
        raise TypeError(
            f"{name} must be a non-empty 1-D array-like of numbers, got "
            f"{type(values).__name__} {values!r}.{hint}"
        )
    raw = np.asarray(values, dtype=object)
    if any(isinstance(value, (bool, np.bool_)) for value in raw.ravel()):
        # True and False would pass as 1.0 and 0.0: almost surely a mistake.
        raise TypeError(f"{name} must hold numbers, not booleans; got {values!r}.")
    try:
        grid = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a non-empty 1-D array-like of numbers: {exc}") from exc
    if grid.ndim != 1 or grid.size == 0:
        raise ValueError(
            f"{name} must be a non-empty 1-D array-like of numbers, got shape {grid.shape}."
        )
    if not np.all(np.isfinite(grid)):
        raise ValueError(f"{name} must hold finite numbers, got {values!r}.")
    bad = np.zeros(grid.size, dtype=bool)
    if low is not None:
        bad |= (grid <= low) if low_open else (grid < low)
    if high is not None:
        bad |= grid > high
    if bad.any():
        opening = "(" if low_open else "["
        if low is not None and high is not None:
            bounds = f"in {opening}{low:g}, {high:g}]"
        elif low is not None:
            bounds = f"{'>' if low_open else '>='} {low:g}"
        else:
            bounds = f"<= {high:g}"
        raise ValueError(f"Every value of {name} must be {bounds}; got {grid[bad][0]:g}.")
    return tuple(float(value) for value in grid)


def candidates(**grids):
    """The candidates in ``GridSearchCV``'s order (``ParameterGrid``: sorted names, last fastest)."""
    return list(ParameterGrid({name: list(values) for name, values in grids.items()}))


def folds(cv, X, y, *, classifier):
    """The (train, test) index pairs of ``cv``, as ``GridSearchCV`` makes them."""
    splitter = check_cv(cv, y, classifier=classifier)
    splits = list(splitter.split(X, y))
    if not splits:
        raise ValueError(
            "cv gave no folds: the iterable of (train, test) pairs is empty, or a "
            "generator already used up (by an earlier search). Pass an int, a splitter "
            "or a list of (train, test) pairs."
        )
    return splits


def search_results(candidate_list, fold_scores):
    """``cv_results_`` keyed like ``GridSearchCV``'s, and the index of the best candidate.

    Parameters
    ----------
    candidate_list : list of dict
        The candidates, in order.
    fold_scores : ndarray of shape (n_folds, n_candidates)
        The test score of every candidate on every fold.

    Returns
    -------
    results : dict
        ``params``, ``param_<name>`` (masked arrays), ``split<k>_test_score``,
        ``mean_test_score``, ``std_test_score`` and ``rank_test_score``.
    best_index : int
        The best mean score; among ties, the first candidate, as
        ``GridSearchCV`` (a NaN mean ranks last).
    """
    fold_scores = np.asarray(fold_scores, dtype=np.float64)
    results = {"params": candidate_list}
    for name in candidate_list[0]:
        values = np.asarray([candidate[name] for candidate in candidate_list])
        results[f"param_{name}"] = np.ma.MaskedArray(values, mask=np.zeros(values.shape, bool))
    for k, scores in enumerate(fold_scores):
        results[f"split{k}_test_score"] = scores
    mean = fold_scores.mean(axis=0)
    results["mean_test_score"] = mean
    results["std_test_score"] = fold_scores.std(axis=0)
    ranked = np.where(np.isnan(mean), -np.inf, mean)
    results["rank_test_score"] = rankdata(-ranked, method="min").astype(np.int32)
    return results, int(np.argmin(results["rank_test_score"]))


#: Fitted attributes a search copies from its refitted estimator, when it has them.
_COPIED_FROM_BEST = ("classes_", "coef_", "intercept_", "n_iter_")


def run_search(search, callback_ctx, candidate_list, splits, *, score_fold, refit, seen, mask):
    """Score the candidates on every fold, refit the best one, and store the search.

    ``score_fold(train, test, context)`` gives one fold's scores (folds run
    in parallel under ``search.n_jobs``, each as a callback task made here,
    before any is sent to a worker); ``refit(params)`` returns the unfitted
    best estimator and the function that fits it on every row. ``seen`` is
    what the callbacks get as the fit's data (``X``, ``y``, ``metadata``).
    Ends the search's own callback task.
    """
    fold_contexts = [
        callback_ctx.subcontext(
            task_name="fold", max_subtasks=len(candidate_list), sequential_subtasks=False
        )
        for _ in splits
    ]
    fold_scores = Parallel(n_jobs=search.n_jobs)(
        delayed(score_fold)(train, test, context)
        for (train, test), context in zip(splits, fold_contexts)
    )
    results, best = search_results(candidate_list, fold_scores)
    best_estimator, fit_best = refit(candidate_list[best])
    with subtask(
        callback_ctx, search, "refit-with-best-params", sub_estimator=best_estimator, **seen
    ):
        fit_best()
    store_search(search, results, best, candidate_list, best_estimator, len(splits), mask)
    callback_ctx.call_on_fit_task_end(estimator=search, **seen, reconstruction_attributes={})
    return search


def store_search(search, results, best, candidate_list, best_estimator, n_splits, mask):
    """Replace ``search``'s previous fitted state by this search's.

    Sets ``cv_results_``, ``best_index_``, ``best_params_``, ``best_score_``,
    ``best_estimator_``, ``n_splits_``, ``privileged_mask_``, one ``<name>_``
    per searched parameter (``teacher_weight_``, ``temperature_``,
    ``alpha_``) and the attributes of :data:`_COPIED_FROM_BEST` that the
    refitted estimator has (a previous fit's are dropped otherwise).
    """
    best_params = dict(candidate_list[best])
    for name in _COPIED_FROM_BEST:
        search.__dict__.pop(name, None)
    search.__dict__.update(
        cv_results_=results,
        best_index_=best,
        best_params_=best_params,
        best_score_=float(results["mean_test_score"][best]),
        best_estimator_=best_estimator,
        n_splits_=n_splits,
        privileged_mask_=mask,
        **{f"{name}_": value for name, value in best_params.items()},
        **{
            name: getattr(best_estimator, name)
            for name in _COPIED_FROM_BEST
            if hasattr(best_estimator, name)
        },
    )


def _search_forwards_sample_weight():
    # scikit-learn's searches pass the caller's sample_weight on to a scorer
    # that accepts it since they have this method (1.7); earlier ones do not.
    return hasattr(BaseSearchCV, "_check_scorers_accept_sample_weight")


def _accepts_sample_weight(scorer):
    accepts = getattr(scorer, "_accept_sample_weight", None)
    if accepts is not None:
        return bool(accepts())
    return "sample_weight" in inspect.signature(scorer).parameters


def fold_scorer(scorer, test_weight):
    """``scorer`` as ``GridSearchCV`` applies it to a fold's test rows.

    Without metadata routing, ``GridSearchCV`` of this scikit-learn passes the
    caller's ``sample_weight`` of the test rows (``test_weight``, None when
    the caller gave none) to a scorer that accepts it; so does this one.
    """
    if test_weight is None or _routing_enabled() or not _search_forwards_sample_weight():
        return scorer
    if not _accepts_sample_weight(scorer):
        return scorer

    def weighted(estimator, X, y):
        return scorer(estimator, X, y, sample_weight=test_weight)

    return weighted

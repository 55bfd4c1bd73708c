"""DistilledRegressorCV chooses what GridSearchCV over DistilledRegressor chooses."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold

from skdistill import DistilledRegressor, DistilledRegressorCV

LAMBDAS = [0.0, 0.2, 0.5, 0.8, 1.0]


def _problem(n=240, p=6, seed=0, k=None):
    rng = np.random.RandomState(seed)
    X_star = rng.normal(size=(n, p + 3))
    X = X_star[:, :p] + rng.normal(size=(n, p))
    coef = rng.normal(size=(p + 3,) if k is None else (p + 3, k))
    y = X_star @ coef + rng.normal(size=(n,) if k is None else (n, k))
    teacher = LinearRegression().fit(X_star, y)
    mask = rng.uniform(size=n) < 0.6
    weights = rng.uniform(0.2, 2.0, size=n)
    return X, y, X_star, teacher, mask, weights


def _grid_search(estimator, grid, X, y, cv, scoring=None, **fit_params):
    # Without metadata routing, as the CV estimator is fitted: every fit gets
    # the fit parameters, and (scikit-learn >= 1.7) a scorer that accepts
    # sample_weight gets the test rows' weights.
    return GridSearchCV(estimator, grid, cv=cv, scoring=scoring).fit(X, y, **fit_params)


def _assert_same_search(search, reference):
    expected = {"alpha": 0.0, **{k: float(v) for k, v in reference.best_params_.items()}}
    if "alpha" not in reference.best_params_:  # the reference used DistilledRegressor's own alpha
        expected["alpha"] = search.alpha_
    assert search.best_params_ == expected
    assert_allclose(
        search.cv_results_["mean_test_score"],
        reference.cv_results_["mean_test_score"],
        rtol=1e-9,
        atol=1e-12,
    )
    for k in range(search.n_splits_):
        key = f"split{k}_test_score"
        assert_allclose(search.cv_results_[key], reference.cv_results_[key], rtol=1e-9, atol=1e-12)
    assert_array_equal(
        search.cv_results_["rank_test_score"], reference.cv_results_["rank_test_score"]
    )
    assert search.best_index_ == reference.best_index_
    assert search.best_score_ == pytest.approx(reference.best_score_, rel=1e-9)
    assert_allclose(
        search.predict(search._X_check), reference.predict(search._X_check), rtol=1e-9, atol=1e-12
    )


@pytest.mark.parametrize(
    "case",
    [
        "dense",
        "alphas",
        "sparse",
        "multi-output",
        "no-intercept",
        "scoring",
        "student",
        "collinear",
        "constant-column",
        "shuffled-folds",
        "dataframe",
    ],
)
def test_same_choice_and_scores_as_grid_search(case):
    X, y, X_star, teacher, mask, weights = _problem(k=2 if case == "multi-output" else None)
    if case == "collinear":
        X[:, -1] = X[:, 0] - 2 * X[:, 1]
    if case == "constant-column":
        X[:, 2] = 3.0
    if case == "sparse":
        X[np.abs(X) < 0.8] = 0.0
        X = sp.csr_matrix(X)
    if case == "dataframe":
        X = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    params = dict(sigma=0.7, sigma_teacher=0.4)
    if case == "no-intercept":
        params["fit_intercept"] = False
    if case == "student":
        params["student"] = Ridge(alpha=0.5)
    grid = {"teacher_weight": LAMBDAS}
    alphas = [0.0]
    if case in ("alphas", "sparse", "multi-output", "constant-column"):
        alphas = [0.0, 3.0, 30.0]
        grid["alpha"] = alphas
    cv = KFold(4, shuffle=True, random_state=0) if case == "shuffled-folds" else 4
    scoring = "neg_mean_absolute_error" if case == "scoring" else None
    fit_params = dict(X_star=X_star, privileged_mask=mask, sample_weight=weights)
    search = DistilledRegressorCV(
        teacher, teacher_weights=LAMBDAS, alphas=alphas, cv=cv, scoring=scoring, **params
    ).fit(X, y, **fit_params)
    reference = _grid_search(
        DistilledRegressor(teacher, **params), grid, X, y, cv, scoring, **fit_params
    )
    search._X_check = X
    _assert_same_search(search, reference)
    refit = DistilledRegressor(
        teacher, teacher_weight=search.teacher_weight_, alpha=search.alpha_, **params
    )
    refit.fit(X, y, **fit_params)
    assert_allclose(search.predict(X), refit.predict(X), rtol=1e-12)


def test_teacher_output_and_a_teacher_called_once():
    X, y, X_star, teacher, mask, _ = _problem()
    calls = []

    def counting_teacher(rows):
        calls.append(len(rows))
        return teacher.predict(rows)

    search = DistilledRegressorCV(counting_teacher, teacher_weights=LAMBDAS, cv=5).fit(
        X, y, X_star=X_star, privileged_mask=mask
    )
    assert calls == [mask.sum()]
    answers = np.where(mask, teacher.predict(X_star), np.nan)
    from_output = DistilledRegressorCV(teacher_weights=LAMBDAS, cv=5).fit(
        X, y, teacher_output=answers, privileged_mask=mask
    )
    assert_allclose(
        from_output.cv_results_["mean_test_score"],
        search.cv_results_["mean_test_score"],
        rtol=1e-12,
    )
    none_used = DistilledRegressorCV(counting_teacher, teacher_weights=[0.0], cv=5).fit(
        X, y, X_star=X_star, privileged_mask=mask
    )
    assert len(calls) == 1 and none_used.teacher_weight_ == 0.0


def test_parallel_folds_equal_sequential_ones():
    X, y, X_star, teacher, mask, _ = _problem()
    one = DistilledRegressorCV(teacher, teacher_weights=LAMBDAS, n_jobs=1).fit(X, y, X_star=X_star)
    two = DistilledRegressorCV(teacher, teacher_weights=LAMBDAS, n_jobs=2).fit(X, y, X_star=X_star)
    assert_array_equal(one.cv_results_["mean_test_score"], two.cv_results_["mean_test_score"])
    assert one.best_params_ == two.best_params_


def test_without_privileged_information_it_is_ridge_cv_over_alphas():
    X, y, _, _, _, _ = _problem()
    search = DistilledRegressorCV(alphas=[0.1, 1.0, 10.0, 100.0], cv=5).fit(X, y)
    reference = GridSearchCV(Ridge(), {"alpha": [0.1, 1.0, 10.0, 100.0]}, cv=5).fit(X, y)
    assert search.alpha_ == reference.best_params_["alpha"]
    assert_allclose(
        search.cv_results_["mean_test_score"].reshape(4, -1)[:, 0],
        reference.cv_results_["mean_test_score"],
        rtol=1e-9,
    )


@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(teacher_weights=[]), ValueError, r"teacher_weights must be a non-empty 1-D"),
        (
            dict(teacher_weights=[0.5, 1.5]),
            ValueError,
            r"Every value of teacher_weights must be in \[0, 1\]; got 1.5",
        ),
        (
            dict(teacher_weights=[-0.1]),
            ValueError,
            r"teacher_weights must be in \[0, 1\]; got -0.1",
        ),
        (
            dict(teacher_weights=0.5),
            ValueError,
            r"'teacher_weights' parameter of DistilledRegressorCV must be an array-like",
        ),
        (dict(alphas=[1.0, -1.0]), ValueError, r"Every value of alphas must be >= 0; got -1"),
        (dict(alphas=[np.nan]), ValueError, r"alphas must hold finite numbers"),
        (
            dict(teacher_weights=[True, False]),
            TypeError,
            r"teacher_weights must hold numbers, not booleans",
        ),
        (dict(cv=1000), ValueError, r"n_splits=1000 greater than the number of samples"),
        (
            dict(scoring="no-such-score"),
            ValueError,
            r"The 'scoring' parameter of DistilledRegressorCV",
        ),
    ],
)
def test_bad_input(params, error, match):
    X, y, X_star, teacher, mask, _ = _problem()
    search = DistilledRegressorCV(teacher, **params)
    with pytest.raises(error, match=match):
        search.fit(X, y, X_star=X_star)
    assert not hasattr(search, "cv_results_")

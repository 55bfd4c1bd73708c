"""DistilledClassifierCV chooses what GridSearchCV over DistilledClassifier chooses."""

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from skdistill import DistilledClassifier, DistilledClassifierCV, teacher_answers

LAMBDAS = [0.0, 0.4, 0.8]
TEMPERATURES = [1.0, 3.0]
EXACT = dict(dtype="float64", tol=1e-9, max_iter=2000)


def _problem(n_classes=3, n=300, seed=0):
    X_star, y = make_classification(
        n, 10, n_informative=6, n_redundant=0, n_classes=n_classes, random_state=seed
    )
    rng = np.random.RandomState(seed)
    X = X_star[:, :4] + rng.normal(size=(n, 4))
    teacher = LogisticRegression(max_iter=1000).fit(X_star, y)
    mask = rng.uniform(size=n) < 0.7
    weights = rng.uniform(0.5, 2.0, size=n)
    return X, y, X_star, teacher, mask, weights


def _grid_search(estimator, X, y, cv, scoring=None, **fit_params):
    # Without metadata routing, as the CV estimator is fitted: every fit gets
    # the fit parameters, and (scikit-learn >= 1.7) a scorer that accepts
    # sample_weight gets the test rows' weights.
    grid = {"teacher_weight": LAMBDAS, "temperature": TEMPERATURES}
    return GridSearchCV(estimator, grid, cv=cv, scoring=scoring).fit(X, y, **fit_params)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_same_scores_and_choice_as_grid_search(n_classes):
    X, y, X_star, teacher, mask, weights = _problem(n_classes)
    fit_params = dict(X_star=X_star, privileged_mask=mask, sample_weight=weights)
    search = DistilledClassifierCV(
        teacher,
        teacher_weights=LAMBDAS,
        temperatures=TEMPERATURES,
        scoring="neg_log_loss",
        cv=4,
        **EXACT,
    ).fit(X, y, **fit_params)
    reference = _grid_search(
        DistilledClassifier(teacher, **EXACT), X, y, 4, "neg_log_loss", **fit_params
    )
    assert search.best_params_ == {k: float(v) for k, v in reference.best_params_.items()}
    for key in ["mean_test_score"] + [f"split{k}_test_score" for k in range(4)]:
        assert_allclose(search.cv_results_[key], reference.cv_results_[key], rtol=1e-6)
    assert_array_equal(
        search.cv_results_["rank_test_score"], reference.cv_results_["rank_test_score"]
    )
    assert [dict(p) for p in search.cv_results_["params"]] == [
        {k: float(v) for k, v in p.items()} for p in reference.cv_results_["params"]
    ]
    refit = DistilledClassifier(
        teacher, teacher_weight=search.teacher_weight_, temperature=search.temperature_, **EXACT
    ).fit(X, y, **fit_params)
    assert_allclose(search.predict_proba(X), refit.predict_proba(X), rtol=1e-6, atol=1e-9)
    assert_array_equal(search.classes_, refit.classes_)


@pytest.mark.parametrize("scoring", [None, "accuracy"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_accuracy_scores_equal_grid_search_exactly(scoring, weighted, n_classes):
    # The linear student's accuracy is computed on test rows validated once per
    # fold (_LinearAccuracy): the same numbers as the estimator's score.
    X, y, X_star, _, mask, weights = _problem(n_classes)
    labels = np.array(["ant", "bee", "cat"])[y]
    teacher = LogisticRegression(max_iter=1000).fit(X_star, labels)
    fit_params = dict(X_star=X_star, privileged_mask=mask)
    if weighted:
        fit_params["sample_weight"] = weights
    search = DistilledClassifierCV(
        teacher, teacher_weights=LAMBDAS, temperatures=TEMPERATURES, scoring=scoring, cv=3, **EXACT
    ).fit(X, labels, **fit_params)
    reference = _grid_search(
        DistilledClassifier(teacher, **EXACT), X, labels, 3, scoring, **fit_params
    )
    for key in ["mean_test_score"] + [f"split{k}_test_score" for k in range(3)]:
        assert_array_equal(search.cv_results_[key], reference.cv_results_[key])
    assert search.best_index_ == reference.best_index_


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n_classes", [2, 4])
def test_linear_accuracy_equals_the_estimators_score(dtype, n_classes):
    import pandas as pd

    from skdistill._classifier_cv import _LinearAccuracy

    X, y, _, _, _, weights = _problem(n_classes)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    model = DistilledClassifier(dtype=dtype).fit(frame[:200], y[:200])
    test, y_test, w_test = frame[200:], y[200:], weights[200:]
    score = _LinearAccuracy(test, model)
    assert score(model, test, y_test) == model.score(test, y_test)
    assert score(model, test, y_test, sample_weight=w_test) == model.score(
        test, y_test, sample_weight=w_test
    )


def test_default_settings_choose_the_same_or_a_tie():
    """float32 and tol=1e-4: warm starts reach the minimum to the solver's tolerance."""
    X, y, X_star, teacher, _, _ = _problem(4, n=600)
    search = DistilledClassifierCV(teacher, teacher_weights=LAMBDAS, temperatures=TEMPERATURES).fit(
        X, y, X_star=X_star
    )
    reference = _grid_search(DistilledClassifier(teacher), X, y, None, X_star=X_star)
    chosen = reference.cv_results_["mean_test_score"][search.best_index_]
    assert chosen >= reference.best_score_ - 1e-3
    assert_allclose(
        search.cv_results_["mean_test_score"], reference.cv_results_["mean_test_score"], atol=5e-3
    )


def test_cold_fits_for_adam_equal_grid_search_exactly():
    X, y, X_star, teacher, mask, _ = _problem(3, n=200)
    params = dict(solver="adam", max_iter=5, random_state=0, batch_size=32)
    search = DistilledClassifierCV(
        teacher,
        teacher_weights=LAMBDAS,
        temperatures=TEMPERATURES,
        cv=3,
        scoring="neg_log_loss",
        **params,
    ).fit(X, y, X_star=X_star, privileged_mask=mask)
    reference = _grid_search(
        DistilledClassifier(teacher, **params),
        X,
        y,
        3,
        "neg_log_loss",
        X_star=X_star,
        privileged_mask=mask,
    )
    assert_allclose(
        search.cv_results_["mean_test_score"], reference.cv_results_["mean_test_score"], rtol=1e-12
    )


def test_teacher_asked_once_and_teacher_output_gives_the_same_search():
    X, y, X_star, teacher, mask, _ = _problem()
    calls = []

    def counting_teacher(rows):
        calls.append(len(rows))
        return np.log(teacher.predict_proba(rows))

    search = DistilledClassifierCV(
        counting_teacher, teacher_weights=LAMBDAS, temperatures=TEMPERATURES
    ).fit(X, y, X_star=X_star, privileged_mask=mask)
    assert calls == [mask.sum()]
    answers = teacher_answers(teacher, X_star, mask)
    from_output = DistilledClassifierCV(teacher_weights=LAMBDAS, temperatures=TEMPERATURES).fit(
        X, y, teacher_output=answers, privileged_mask=mask
    )
    assert_allclose(
        from_output.cv_results_["mean_test_score"],
        search.cv_results_["mean_test_score"],
        atol=1e-12,
    )
    # The labels-only candidate is one fit per fold, whatever the temperature.
    scores = search.cv_results_["mean_test_score"].reshape(len(LAMBDAS), len(TEMPERATURES))
    assert np.all(scores[0] == scores[0, 0])


def test_folds_missing_a_class_align_the_teacher_by_label():
    X, y, X_star, teacher, _, _ = _problem(3)
    rare = np.flatnonzero(y == 2)[:2]
    keep = np.setdiff1d(np.arange(len(y)), np.flatnonzero(y == 2)[2:])
    X, y, X_star = X[keep], y[keep], X_star[keep]
    position = np.searchsorted(keep, rare)
    others = np.setdiff1d(np.arange(len(y)), position)
    folds = [
        (others[::2], np.concatenate([others[1::2], position])),
        (np.concatenate([others[1::2], position]), others[::2]),
    ]
    search = DistilledClassifierCV(
        teacher, teacher_weights=LAMBDAS, temperatures=TEMPERATURES, cv=folds
    ).fit(X, y, X_star=X_star)
    reference = _grid_search(DistilledClassifier(teacher), X, y, folds, X_star=X_star)
    assert_allclose(
        search.cv_results_["mean_test_score"], reference.cv_results_["mean_test_score"], atol=5e-3
    )


def test_scikit_learn_student_and_parallel_folds():
    X, y, X_star, teacher, _, _ = _problem()
    params = dict(
        student=LogisticRegression(C=1.0),
        loss="generalized",
        teacher_weights=LAMBDAS,
        temperatures=[1.0],
    )
    one = DistilledClassifierCV(teacher, **params).fit(X, y, X_star=X_star)
    two = DistilledClassifierCV(teacher, n_jobs=2, **params).fit(X, y, X_star=X_star)
    assert_array_equal(one.cv_results_["mean_test_score"], two.cv_results_["mean_test_score"])
    assert not hasattr(one, "coef_") and one.predict(X).shape == y.shape


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(teacher_weights=[]), r"teacher_weights must be a non-empty 1-D"),
        (dict(teacher_weights=[0.2, 1.2]), r"teacher_weights must be in \[0, 1\]; got 1.2"),
        (dict(temperatures=[1.0, 0.0]), r"Every value of temperatures must be > 0; got 0"),
        (dict(temperatures=[-2.0]), r"temperatures must be > 0; got -2"),
        (
            dict(cv=8),
            r"cv=8 stratified folds need at least 8 rows of every class, but class 2 of y has 5",
        ),
        (dict(cv=StratifiedKFold(6)), r"cv=6 stratified folds .* class 2 of y has 5"),
    ],
)
def test_bad_input(params, match):
    X, y, X_star, teacher, _, _ = _problem()
    rows = np.concatenate([np.flatnonzero(y != 2), np.flatnonzero(y == 2)[:5]])
    search = DistilledClassifierCV(teacher, **params)
    with pytest.raises(ValueError, match=match):
        search.fit(X[rows], y[rows], X_star=X_star[rows])
    assert not hasattr(search, "cv_results_")


def test_boolean_grids_are_refused():
    X, y, X_star, teacher, _, _ = _problem()
    search = DistilledClassifierCV(teacher, teacher_weights=[True, False])
    with pytest.raises(TypeError, match=r"teacher_weights must hold numbers, not booleans"):
        search.fit(X, y, X_star=X_star)
    assert not hasattr(search, "cv_results_")


def test_x_star_routed_through_a_pipeline():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, X_star, teacher, _, _ = _problem()
    params = dict(teacher_weights=LAMBDAS, temperatures=TEMPERATURES, **EXACT)
    direct = DistilledClassifierCV(teacher, **params).fit(
        StandardScaler().fit_transform(X), y, X_star=X_star
    )
    with sklearn.config_context(enable_metadata_routing=True):
        search = DistilledClassifierCV(teacher, **params).set_fit_request(X_star=True)
        pipeline = make_pipeline(StandardScaler(), search).fit(X, y, X_star=X_star)
    assert_array_equal(
        pipeline[-1].cv_results_["mean_test_score"], direct.cv_results_["mean_test_score"]
    )
    assert pipeline[-1].best_params_ == direct.best_params_


def test_empty_folds_and_unaligned_teacher_classes_are_clear_errors():
    from skdistill import DistilledRegressorCV

    X, y, X_star, teacher, _, _ = _problem()
    for search in (
        DistilledClassifierCV(teacher, teacher_weights=LAMBDAS, temperatures=[1.0], cv=[]),
        DistilledRegressorCV(teacher_weights=LAMBDAS, cv=iter([])),
    ):
        with pytest.raises(ValueError, match=r"cv gave no folds"):
            if isinstance(search, DistilledRegressorCV):
                search.fit(X, y.astype(float), teacher_output=y.astype(float))
            else:
                search.fit(X, y, X_star=X_star)
    partial = LogisticRegression().fit(X_star[y != 2], y[y != 2])
    search = DistilledClassifierCV(partial, teacher_weights=LAMBDAS, temperatures=[1.0])
    single = DistilledClassifier(partial)
    with pytest.raises(ValueError, match=r"teacher\.classes_") as from_search:
        search.fit(X, y, X_star=X_star)
    with pytest.raises(ValueError, match=r"teacher\.classes_") as from_single:
        single.fit(X, y, X_star=X_star)
    assert str(from_search.value) == str(from_single.value)


def test_each_candidate_starts_from_its_chains_curvature(monkeypatch):
    from skdistill import _torch_solver

    fit_lbfgs, seen = _torch_solver.fit_lbfgs, []

    def spy(*args, curvature=None, **kwargs):
        seen.append(None if curvature is None else len(curvature.pairs))
        return fit_lbfgs(*args, curvature=curvature, **kwargs)

    monkeypatch.setattr(_torch_solver, "fit_lbfgs", spy)
    X, y, X_star, teacher, _, _ = _problem(3)
    DistilledClassifierCV(
        teacher, teacher_weights=[0.0, 0.5, 1.0], temperatures=[1.0, 2.0], cv=2
    ).fit(X, y, X_star=X_star)
    # Per fold: lambda = 0 cold, then 0.5 and 1 at T = 1 and (from lambda = 0's
    # pairs) at T = 2; the refit on all rows is a plain cold fit.
    assert len(seen) == 2 * 5 + 1
    for fold in (seen[:5], seen[5:10]):
        assert fold[0] == 0
        assert all(count > 0 for count in fold[1:])
    assert seen[-1] is None


def test_a_chain_starts_from_the_secant_through_its_last_two_solutions():
    from skdistill._classifier_cv import DistilledClassifierCV as CV

    fold = DistilledClassifier(dtype="float64")
    X, y, _, _, _, _ = _problem(3)
    first = DistilledClassifier(dtype="float64", alpha=1.0).fit(X, y)
    second = DistilledClassifier(dtype="float64", alpha=2.0).fit(X, y)
    path = [(0.0, first), (0.25, second)]
    start = CV._candidate(fold, {"teacher_weight": 0.75, "temperature": 1.0}, path)
    assert start.warm_start and start.teacher_weight == 0.75
    assert_allclose(start.coef_, second.coef_ + 2.0 * (second.coef_ - first.coef_), rtol=1e-15)
    assert_allclose(
        start.intercept_, second.intercept_ + 2.0 * (second.intercept_ - first.intercept_)
    )
    # One solution: its own; the same weight twice (a repeated grid value): no secant.
    assert_array_equal(CV._candidate(fold, {"teacher_weight": 0.5}, path[:1]).coef_, first.coef_)
    repeated = [(0.25, first), (0.25, second)]
    assert_array_equal(CV._candidate(fold, {"teacher_weight": 0.5}, repeated).coef_, second.coef_)
    assert not hasattr(CV._candidate(fold, {"teacher_weight": 0.5}, []), "coef_")
    # Far beyond the chain's last step the secant is not trusted: the last solution.
    far = [(0.0, first), (1e-3, second)]
    assert_array_equal(CV._candidate(fold, {"teacher_weight": 1.0}, far).coef_, second.coef_)
    assert not fold.warm_start  # the prepared fold is never changed

"""Both estimators wherever scikit-learn works: clone, searches, pipelines, routing."""

import warnings

import joblib
import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score, cross_validate
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skdistill import DistilledClassifier, DistilledRegressor, teacher_answers

N_SAMPLES = 120


class RecordingTeacher:
    """A fitted teacher that remembers every row it was asked about.

    Column 0 of X_star holds the row's index, so the recorded values say
    exactly which rows a fit evaluated. Clones and searches must share this
    very object: a deep copy would record into a list the test never sees.
    """

    def __init__(self, model):
        self.model = model
        self.seen = []

    def _record(self, X_star):
        X_star = np.asarray(X_star)
        self.seen.append(X_star[:, 0].astype(int).copy())
        return X_star[:, 1:]

    def predict(self, X_star):
        return self.model.predict(self._record(X_star))

    def fit(self, *args, **kwargs):  # pragma: no cover - must never run
        raise AssertionError("the teacher must never be refit")

    def get_params(self, deep=True):
        return {"model": self.model}

    def __sklearn_is_fitted__(self):
        return True


class RecordingClassifierTeacher(RecordingTeacher):
    def __init__(self, model):
        super().__init__(model)
        self.classes_ = model.classes_

    def predict_proba(self, X_star):
        return self.model.predict_proba(self._record(X_star))


def _data(task):
    if task == "classification":
        X_star, y = make_classification(
            n_samples=N_SAMPLES, n_features=6, n_informative=4, n_classes=3, random_state=0
        )
        model = LogisticRegression().fit(X_star, y)
        estimator_class = DistilledClassifier
    else:
        X_star, y = make_regression(n_samples=N_SAMPLES, n_features=6, noise=1.0, random_state=0)
        model = LinearRegression().fit(X_star, y)
        estimator_class = DistilledRegressor
    X = X_star[:, :3] + 0.3 * np.random.RandomState(1).normal(size=(N_SAMPLES, 3))
    indexed_star = np.column_stack([np.arange(N_SAMPLES), X_star])
    recorder = RecordingClassifierTeacher if task == "classification" else RecordingTeacher
    return X, y, indexed_star, recorder(model), estimator_class


def _grid(estimator_class, prefix=""):
    grid = {prefix + "teacher_weight": [0.25, 0.75]}
    if estimator_class is DistilledClassifier:
        grid[prefix + "temperature"] = [1.0, 3.0]
    return grid


TASKS = ["classification", "regression"]


@pytest.mark.parametrize("task", TASKS)
def test_clone_keeps_the_fitted_teacher(task):
    _, _, _, teacher, estimator_class = _data(task)
    fitted_lr = teacher.model
    for candidate in (teacher, fitted_lr, FrozenEstimator(fitted_lr), lambda Z: Z[:, 0]):
        estimator = estimator_class(candidate, teacher_weight=0.3)
        cloned = clone(estimator)
        assert cloned.teacher is candidate
        assert cloned.teacher_weight == 0.3
        assert cloned.get_params()["teacher"] is candidate
        assert not any(name.startswith("teacher__") for name in cloned.get_params(deep=True))
    other = LinearRegression()
    assert estimator.set_params(teacher=other).teacher is other
    with pytest.raises(ValueError, match="Invalid parameter"):
        estimator_class(fitted_lr).set_params(teacher__C=3.0)


@pytest.mark.parametrize("task", TASKS)
def test_clone_keeps_fit_requests_and_output_config(task):
    *_, teacher, estimator_class = _data(task)
    with sklearn.config_context(enable_metadata_routing=True):
        estimator = estimator_class(teacher).set_fit_request(X_star=True, privileged_mask=False)
        cloned = clone(estimator)
        requests = cloned.get_metadata_routing().fit.requests
        assert requests["X_star"] is True
        assert requests["privileged_mask"] is False


@pytest.mark.parametrize("task", TASKS)
def test_grid_search_slices_privileged_data_per_fold(task):
    X, y, X_star, teacher, estimator_class = _data(task)
    mask = np.arange(N_SAMPLES) % 3 != 0
    X_star = X_star.copy()
    X_star[~mask, 1:] = np.nan  # allowed outside the mask
    cv = KFold(3, shuffle=True, random_state=0)
    search = GridSearchCV(estimator_class(teacher), _grid(estimator_class), cv=cv, refit=True)
    search.fit(X, y, X_star=X_star, privileged_mask=mask)

    n_candidates = len(search.cv_results_["params"])
    expected = [np.flatnonzero(mask[train]) for train, _ in cv.split(X)]
    # One teacher call per candidate and fold, on that fold's privileged training
    # rows only, then one for the refit on all privileged rows; all recorded in
    # the user's own object (no deep copy per candidate), never refit.
    assert len(teacher.seen) == n_candidates * cv.get_n_splits() + 1
    fold_calls = teacher.seen[:-1]
    train_sets = [set(np.arange(N_SAMPLES)[train][mask[train]]) for train, _ in cv.split(X)]
    assert all(
        any(set(rows) == rows_expected for rows_expected in train_sets) for rows in fold_calls
    )
    assert {len(rows) for rows in fold_calls} == {len(rows) for rows in expected}
    np.testing.assert_array_equal(teacher.seen[-1], np.flatnonzero(mask))
    assert search.best_estimator_.teacher is teacher


@pytest.mark.parametrize("task", TASKS)
def test_precomputed_teacher_output_evaluates_each_row_once(task):
    X, y, X_star, teacher, estimator_class = _data(task)
    answers = teacher_answers(teacher, X_star)
    assert len(teacher.seen) == 1 and len(teacher.seen[0]) == N_SAMPLES
    search = GridSearchCV(estimator_class(), _grid(estimator_class), cv=3)
    search.fit(X, y, teacher_output=answers)
    assert len(teacher.seen) == 1
    direct = GridSearchCV(estimator_class(teacher), _grid(estimator_class), cv=3)
    direct.fit(X, y, X_star=X_star)
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"], direct.cv_results_["mean_test_score"], rtol=1e-6
    )


@pytest.mark.parametrize("task", TASKS)
def test_cross_val_score_and_cross_validate(task):
    X, y, X_star, teacher, estimator_class = _data(task)
    scores = cross_val_score(estimator_class(teacher), X, y, cv=3, params={"X_star": X_star})
    results = cross_validate(
        estimator_class(teacher), X, y, cv=3, params={"X_star": X_star}, return_estimator=True
    )
    np.testing.assert_allclose(scores, results["test_score"])
    assert all(fitted.teacher is teacher for fitted in results["estimator"])
    assert np.all(np.isfinite(scores))


@pytest.mark.parametrize("task", TASKS)
def test_pipeline_scales_X_but_not_X_star(task):
    X, y, X_star, teacher, estimator_class = _data(task)
    X = X * 1000.0 + 50.0
    pipe = make_pipeline(StandardScaler(), estimator_class(teacher))
    step = pipe.steps[-1][0]
    search = GridSearchCV(pipe, _grid(estimator_class, prefix=f"{step}__"), cv=3)
    search.fit(X, y, **{f"{step}__X_star": X_star})
    # The teacher received the raw privileged rows: their index column is intact.
    assert all(np.isin(rows, np.arange(N_SAMPLES)).all() for rows in teacher.seen)
    student = search.best_estimator_[-1]
    if hasattr(student, "coef_"):
        manual = clone(student).fit(StandardScaler().fit_transform(X), y, X_star=X_star)
        np.testing.assert_allclose(manual.coef_, student.coef_, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("task", TASKS)
def test_metadata_routing(task):
    X, y, X_star, teacher, estimator_class = _data(task)
    mask = np.arange(N_SAMPLES) % 2 == 0
    with sklearn.config_context(enable_metadata_routing=True):
        estimator = estimator_class(teacher).set_fit_request(
            X_star=True, privileged_mask=True, teacher_output=False, sample_weight=False
        )
        pipe = Pipeline([("scale", StandardScaler()), ("student", estimator)])
        search = GridSearchCV(pipe, _grid(estimator_class, prefix="student__"), cv=3)
        search.fit(X, y, X_star=X_star, privileged_mask=mask)
        assert {len(rows) for rows in teacher.seen} <= {mask.sum(), 40, 39, 41, 38, 42}
        np.testing.assert_array_equal(teacher.seen[-1], np.flatnonzero(mask))
        results = cross_validate(
            estimator, X, y, cv=3, params={"X_star": X_star, "privileged_mask": mask}
        )
        assert np.all(np.isfinite(results["test_score"]))
        with pytest.raises(UnsetMetadataPassedError, match="X_star"):
            cross_validate(estimator_class(teacher), X, y, cv=3, params={"X_star": X_star})


@pytest.mark.parametrize("task", TASKS)
def test_short_X_star_is_rejected_with_the_full_length_rule(task):
    X, y, X_star, teacher, estimator_class = _data(task)
    mask = np.arange(N_SAMPLES) < 30
    with pytest.raises(ValueError, match=r"X_star has 30 rows but X has 120.*full\s+length"):
        estimator_class(teacher).fit(X, y, X_star=X_star[mask], privileged_mask=mask)
    search = GridSearchCV(
        estimator_class(teacher), _grid(estimator_class), cv=3, error_score="raise"
    )
    with pytest.raises(ValueError, match="privileged_mask"):
        search.fit(X, y, X_star=X_star[mask], privileged_mask=mask)


def test_pandas_and_string_labels_through_a_search():
    pd = pytest.importorskip("pandas")
    X, y, X_star, _, _ = _data("classification")
    labels = np.array(["cat", "dog", "emu"])[y]
    X_df = pd.DataFrame(X, columns=["a", "b", "c"])
    X_star_df = pd.DataFrame(X_star[:, 1:], columns=[f"p{i}" for i in range(6)])
    teacher = LogisticRegression().fit(X_star_df, labels)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # e.g. "X does not have valid feature names"
        search = GridSearchCV(
            DistilledClassifier(teacher),
            {"teacher_weight": [0.3, 0.7], "temperature": [1.0, 2.0]},
            cv=3,
        ).fit(X_df, labels, X_star=X_star_df)
        predictions = search.predict(X_df)
    best = search.best_estimator_
    np.testing.assert_array_equal(best.feature_names_in_, ["a", "b", "c"])
    np.testing.assert_array_equal(best.classes_, ["cat", "dog", "emu"])
    assert set(predictions) <= {"cat", "dog", "emu"}
    assert search.best_score_ > 0.5

    regressor = DistilledRegressor(LinearRegression().fit(X_star_df, X_star[:, 1]))
    fitted = regressor.fit(X_df, X_star[:, 1], X_star=X_star_df)
    np.testing.assert_array_equal(fitted.feature_names_in_, ["a", "b", "c"])


def test_process_workers_give_the_same_search():
    X, y, X_star, teacher, estimator_class = _data("classification")
    serial = GridSearchCV(estimator_class(teacher), _grid(estimator_class), cv=3).fit(
        X, y, X_star=X_star
    )
    parallel = GridSearchCV(
        estimator_class(teacher), _grid(estimator_class), cv=3, n_jobs=2, error_score="raise"
    )
    with joblib.parallel_backend("loky"):
        parallel.fit(X, y, X_star=X_star)
    np.testing.assert_allclose(
        parallel.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"], rtol=1e-6
    )


def test_search_on_a_dask_cluster():
    distributed = pytest.importorskip("distributed")
    X, y, X_star, teacher, estimator_class = _data("classification")
    serial = GridSearchCV(estimator_class(teacher), _grid(estimator_class), cv=3).fit(
        X, y, X_star=X_star
    )
    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=2,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster),
    ):
        with joblib.parallel_backend("dask"):
            on_dask = GridSearchCV(
                estimator_class(teacher), _grid(estimator_class), cv=3, error_score="raise"
            ).fit(X, y, X_star=X_star)
    np.testing.assert_allclose(
        on_dask.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"], rtol=1e-6
    )
    assert on_dask.best_params_ == serial.best_params_

"""Unit tests of skdistill/_teacher.py: any teacher into answers on privileged rows."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier

from skdistill import teacher_answers
from skdistill._teacher import (
    _as_logits,
    align_teacher_columns,
    softmax_at_temperature,
)

TINY_LOG = np.log(np.finfo(np.float64).tiny)


@pytest.fixture
def regression_data():
    rng = np.random.RandomState(0)
    X_star = rng.normal(size=(50, 3))
    y = X_star @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=50)
    mask = rng.uniform(size=50) < 0.5
    return X_star, y, mask


def _classification(n_classes, labels=None, seed=0):
    X, y = make_classification(
        n_samples=120,
        n_features=5,
        n_informative=4,
        n_redundant=0,
        n_classes=n_classes,
        random_state=seed,
    )
    if labels is not None:
        y = np.asarray(labels)[y]
    mask = np.random.RandomState(seed).uniform(size=len(y)) < 0.6
    return X, y, mask


# --------------------------------------------------------------------------
# teacher_answers
# --------------------------------------------------------------------------


@pytest.mark.parametrize("use_mask", [True, False])
def test_teacher_answers_regressor(regression_data, use_mask):
    X_star, y, mask = regression_data
    teacher = LinearRegression().fit(X_star, y)
    X_star_nan = X_star.copy()
    if use_mask:
        X_star_nan[~mask] = np.nan  # rows outside the mask may hold NaN
    answers = teacher_answers(teacher, X_star_nan, mask if use_mask else None)
    assert answers.shape == (50,)
    expected = teacher.predict(X_star)
    if use_mask:
        assert_allclose(answers[mask], expected[mask], rtol=1e-15)
        assert np.all(np.isnan(answers[~mask]))
    else:
        assert_allclose(answers, expected, rtol=1e-15)


def test_teacher_answers_torch_module_eval_mode(regression_data):
    torch = pytest.importorskip("torch")
    X_star, _, mask = regression_data
    module = torch.nn.Sequential(torch.nn.Linear(3, 2).double(), torch.nn.Dropout(p=0.9))
    module.train()
    answers = teacher_answers(module, X_star, mask)
    with torch.no_grad():
        expected = module[0](torch.as_tensor(X_star[mask])).numpy()
    # Dropout is off during the call (eval mode), and the mode is restored.
    assert answers.shape == (50, 2)
    assert_allclose(answers[mask], expected, rtol=1e-14)
    assert np.all(np.isnan(answers[~mask]))
    assert module.training


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("labels", [None, "strings"])
def test_teacher_answers_classifier_log_proba(n_classes, labels):
    names = ["cat", "ant", "dog"][:n_classes] if labels else None
    X, y, mask = _classification(n_classes, names)
    teacher = LogisticRegression().fit(X, y)
    X_nan = X.copy()
    X_nan[~mask] = np.nan
    answers = teacher_answers(teacher, X_nan, mask)
    # One column per class in teacher.classes_ order (two columns when binary).
    assert answers.shape == (len(y), n_classes)
    assert np.all(np.isnan(answers[~mask]))
    assert_allclose(answers[mask], np.log(teacher.predict_proba(X[mask])), rtol=1e-12)
    assert_allclose(
        softmax_at_temperature(answers[mask], 1.0), teacher.predict_proba(X[mask]), rtol=1e-12
    )


def test_teacher_answers_frozen_classifier():
    from sklearn.frozen import FrozenEstimator

    X, y, mask = _classification(3)
    teacher = LogisticRegression().fit(X, y)
    assert_array_equal(
        teacher_answers(FrozenEstimator(teacher), X, mask), teacher_answers(teacher, X, mask)
    )


def test_teacher_answers_reused_as_teacher_output(regression_data):
    from skdistill import DistilledRegressor

    X_star, y, mask = regression_data
    X = X_star[:, :2] + 0.5
    teacher = LinearRegression().fit(X_star, y)
    output = teacher_answers(teacher, X_star, mask)
    a = DistilledRegressor(teacher).fit(X, y, X_star=X_star, privileged_mask=mask)
    b = DistilledRegressor().fit(X, y, privileged_mask=mask, teacher_output=output)
    assert_array_equal(a.coef_, b.coef_)


def test_teacher_answers_zero_probability_is_an_impossible_class():
    # Pure leaves give probabilities 0 and 1: log(0) = -inf, which fit reads
    # as an impossible class and makes finite after matching the columns.
    from skdistill import DistilledClassifier

    X, y, mask = _classification(3)
    teacher = DecisionTreeClassifier(random_state=0).fit(X, y)
    answers = teacher_answers(teacher, X, mask)
    rows = np.asarray(answers)[mask]
    assert np.all(np.isin(rows, [0.0, -np.inf]))
    assert_array_equal(
        rows.argmax(axis=1), np.searchsorted(teacher.classes_, teacher.predict(X[mask]))
    )
    exact = dict(dtype="float64", tol=1e-10, max_iter=300)
    direct = DistilledClassifier(teacher, **exact).fit(X, y, privileged_mask=mask)
    precomputed = DistilledClassifier(**exact).fit(
        X, y, teacher_output=answers, privileged_mask=mask
    )
    assert_array_equal(precomputed.coef_, direct.coef_)


def test_teacher_answers_binary_decision_function_two_columns():
    X, y, mask = _classification(2, ["no", "yes"])
    teacher = LinearSVC(random_state=0).fit(X, y)
    assert not hasattr(teacher, "predict_proba")
    answers = teacher_answers(teacher, X, mask)
    d = teacher.decision_function(X[mask])
    assert answers.shape == (len(y), 2)
    assert_array_equal(answers[mask, 0], 0.0)
    assert_allclose(answers[mask, 1], d, rtol=1e-15)
    # softmax([0, d]) is sigmoid(d), the probability of classes_[1].
    assert_allclose(
        softmax_at_temperature(answers[mask], 1.0)[:, 1], 1 / (1 + np.exp(-d)), rtol=1e-12
    )


def test_teacher_answers_multiclass_decision_function():
    X, y, mask = _classification(3)
    teacher = LinearSVC(random_state=0).fit(X, y)
    answers = teacher_answers(teacher, X, mask)
    assert_allclose(answers[mask], teacher.decision_function(X[mask]), rtol=1e-15)


def test_teacher_answers_errors(regression_data):
    X_star, y, mask = regression_data
    with pytest.raises(NotFittedError, match="teacher"):
        teacher_answers(LinearRegression(), X_star, mask)
    teacher = LinearRegression().fit(X_star, y)
    X_star_nan = X_star.copy()
    X_star_nan[np.flatnonzero(mask)[0], 0] = np.nan
    with pytest.raises(ValueError, match="X_star"):
        teacher_answers(teacher, X_star_nan, mask)
    with pytest.raises(ValueError, match="privileged_mask"):
        teacher_answers(teacher, X_star, mask[:-1])
    with pytest.raises(TypeError, match="privileged_mask"):
        teacher_answers(teacher, X_star, mask.astype(int))


# --------------------------------------------------------------------------
# align_teacher_columns
# --------------------------------------------------------------------------


def test_align_reorders_by_label():
    logits = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    out = align_teacher_columns(logits, np.array(["b", "c", "a"]), np.array(["a", "b", "c"]))
    assert_array_equal(out, logits[:, [2, 0, 1]])


def test_align_drops_extra_teacher_classes():
    logits = np.array([[1.0, 2.0, 3.0, 4.0]])
    out = align_teacher_columns(logits, np.array([0, 1, 2, 3]), np.array([1, 3]))
    assert_array_equal(out, [[2.0, 4.0]])


def test_align_missing_class_is_an_error():
    with pytest.raises(ValueError, match=r"do not cover the labels \[2\]"):
        align_teacher_columns(np.zeros((1, 2)), np.array([0, 1]), np.array([0, 1, 2]))


def test_align_teacher_columns_count_must_match_its_classes():
    with pytest.raises(ValueError, match="declares 3 classes"):
        align_teacher_columns(np.zeros((1, 2)), np.array([0, 1, 2]), np.array([0, 1]))


def test_align_without_teacher_classes():
    logits = np.array([[1.0, 2.0]])
    assert_array_equal(align_teacher_columns(logits, None, np.array(["x", "y"])), logits)
    with pytest.raises(ValueError, match="2 columns but y has 3 classes"):
        align_teacher_columns(logits, None, np.array([0, 1, 2]))


# --------------------------------------------------------------------------
# _as_logits: the detection rule of teacher_output
# --------------------------------------------------------------------------


def test_as_logits_probability_rows_become_log():
    proba = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])
    out = _as_logits(proba, "auto")
    assert_allclose(out[0], np.log(proba[0]), rtol=1e-15)
    assert out[1, 0] == 0.0
    assert_array_equal(out[1, 1:], -np.inf)  # made finite once matched to y's classes


@pytest.mark.parametrize(
    "raw",
    [
        np.array([[0.2, 0.9]]),  # non-negative, but rows do not sum to one
        np.array([[-1.0, 2.0]]),  # negative values: logits
        np.array([[0.5, 0.5 + 2e-6]]),  # outside the 1e-6 tolerance
    ],
)
def test_as_logits_logits_pass_through(raw):
    assert_array_equal(_as_logits(raw, "auto"), raw)


def test_as_logits_sum_tolerance():
    raw = np.array([[0.5, 0.5 + 5e-7]])  # within 1e-6 of a probability row
    assert_allclose(_as_logits(raw, "auto"), np.log(raw), rtol=1e-15)


def test_as_logits_1d_binary():
    p = np.array([0.1, 0.5, 1.0])
    out = _as_logits(p, "auto")  # probabilities of the second class
    assert out.shape == (3, 2)
    assert_allclose(out[:2], np.log(np.column_stack([1 - p[:2], p[:2]])), rtol=1e-15)
    assert out[2, 0] == -np.inf
    d = np.array([-3.0, 0.5, 2.0])  # outside [0, 1]: log-odds
    assert_array_equal(_as_logits(d, "auto"), np.column_stack([np.zeros(3), d]))


def test_as_logits_explicit_override():
    proba_looking = np.array([[0.25, 0.75]])
    assert_array_equal(_as_logits(proba_looking, "logits"), proba_looking)
    assert_array_equal(_as_logits(np.array([0.3]), "logits"), [[0.0, 0.3]])
    # Declared probabilities must be rows that sum to one.
    assert_allclose(_as_logits(np.array([[0.2, 0.8]]), "proba"), np.log([[0.2, 0.8]]), rtol=1e-15)
    with pytest.raises(ValueError, match=r"teacher_output_kind='proba'.*row 0 sums to 0.4"):
        _as_logits(np.array([[0.2, 0.2]]), "proba")
    with pytest.raises(ValueError, match="probabilities"):
        _as_logits(np.array([[1.5, -0.5]]), "proba")
    with pytest.raises(ValueError, match="probabilities"):
        _as_logits(np.array([1.5]), "proba")


def test_as_logits_rejects_3d():
    with pytest.raises(ValueError, match="3-D"):
        _as_logits(np.zeros((2, 2, 2)), "auto")


# --------------------------------------------------------------------------
# softmax_at_temperature
# --------------------------------------------------------------------------


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0, 10.0])
def test_softmax_at_temperature_matches_formula(temperature):
    rng = np.random.RandomState(0)
    logits = rng.normal(scale=3.0, size=(20, 4))
    e = np.exp(logits / temperature)
    expected = e / e.sum(axis=1, keepdims=True)
    out = softmax_at_temperature(logits, temperature)
    assert_allclose(out, expected, rtol=1e-13)
    assert_allclose(out.sum(axis=1), 1.0, rtol=1e-15)


def test_softmax_at_temperature_is_stable():
    logits = np.array([[1000.0, 999.0, -1000.0], [TINY_LOG, 0.0, TINY_LOG]])
    out = softmax_at_temperature(logits, 0.5)
    assert np.all(np.isfinite(out))
    assert_allclose(out[0, :2], [1 / (1 + np.exp(-2.0)), 1 / (1 + np.exp(2.0))], rtol=1e-14)
    assert_allclose(out[1], [0.0, 1.0, 0.0], atol=1e-300)
    # Higher temperature is closer to uniform.
    hot = softmax_at_temperature(logits[:1], 1e6)
    assert_allclose(hot, 1 / 3, rtol=1e-2)


# --------------------------------------------------------------------------
# Out-of-fold answers
# --------------------------------------------------------------------------


def test_out_of_fold_answers_equal_cross_val_predict_and_leave_the_teacher_alone():
    from sklearn.base import clone
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import KFold, cross_val_predict

    from skdistill import DistilledClassifier

    X, y, mask = _classification(3)
    teacher = RandomForestClassifier(
        n_estimators=20, random_state=0
    )  # unfitted, probabilities 0 occur
    cv = KFold(4, shuffle=True, random_state=0)
    answers = teacher_answers(teacher, X, mask, y=y, cv=cv)
    expected = cross_val_predict(clone(teacher), X[mask], y[mask], cv=cv, method="predict_proba")
    assert_allclose(np.exp(np.asarray(answers)[mask]), expected, rtol=1e-15)
    assert np.all(np.isnan(np.asarray(answers)[~mask]))
    assert_array_equal(answers.classes, np.unique(y[mask]))
    assert not hasattr(teacher, "estimators_")  # the user's teacher is not fitted
    student = DistilledClassifier(max_iter=50).fit(
        X, y, teacher_output=answers, privileged_mask=mask
    )
    assert student.n_iter_ >= 1  # zero probabilities are fine as teacher_output


def test_out_of_fold_answers_of_a_regressor_and_decision_scores():
    from sklearn.model_selection import cross_val_predict

    X, y, mask = _classification(2)
    target = X @ np.arange(X.shape[1], dtype=float)
    regression = teacher_answers(LinearRegression(), X, y=target, cv=3)
    assert_allclose(regression, cross_val_predict(LinearRegression(), X, target, cv=3), rtol=1e-13)
    scores = teacher_answers(LinearSVC(random_state=0), X, y=y, cv=3)
    expected = cross_val_predict(LinearSVC(random_state=0), X, y, cv=3, method="decision_function")
    assert_allclose(
        np.asarray(scores), np.column_stack([np.zeros_like(expected), expected]), rtol=1e-12
    )


def test_out_of_fold_bad_input():
    import torch

    X, y, mask = _classification(3)
    with pytest.raises(ValueError, match=r"cv was given without y"):
        teacher_answers(LogisticRegression().fit(X, y), X, cv=3)
    with pytest.raises(TypeError, match=r"Out-of-fold answers \(y=...\) fit clones of the teacher"):
        teacher_answers(torch.nn.Linear(X.shape[1], 3), X, y=y, cv=3)
    with pytest.raises(ValueError, match=r"y has 10 rows but X has"):
        teacher_answers(LogisticRegression(), X, y=y[:10], cv=3)


# --- X_star of any modality: whatever the teacher was fitted on ------------------

import pandas as pd  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.compose import make_column_transformer  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import Ridge  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold, cross_val_predict  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

from skdistill import DistilledClassifier, DistilledRegressor  # noqa: E402

_WORDS = {0: ["dull", "poor", "awful", "bad"], 1: ["great", "fine", "good", "nice"]}


@pytest.fixture(scope="module")
def text_problem():
    """Documents the teacher reads and noisy numeric features the student sees."""
    rng = np.random.RandomState(0)
    n = 160
    y = rng.randint(0, 2, n)
    docs = [
        " ".join(rng.choice(_WORDS[label] + _WORDS[1 - label][:1], size=4)) + f" id{i}"
        for i, label in enumerate(y)
    ]
    X = rng.normal(size=(n, 3)) + 0.7 * y[:, None]
    teacher = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(docs, y)
    return X, y, docs, teacher


def _log_proba(teacher, rows):
    return np.log(teacher.predict_proba(rows))


@pytest.mark.parametrize("container", ["list", "tuple", "str_array", "object_array", "series"])
def test_text_x_star_is_given_to_the_teacher_as_is(text_problem, container, assert_unchanged):
    X, y, docs, teacher = text_problem
    X_star = {
        "list": list(docs),
        "tuple": tuple(docs),
        "str_array": np.array(docs),
        "object_array": np.array(docs, dtype=object),
        "series": pd.Series(docs, index=np.arange(len(docs))[::-1]),
    }[container]
    mask = np.arange(len(docs)) % 3 != 0
    student = DistilledClassifier(teacher=teacher, teacher_weight=0.6, temperature=2.0)
    with assert_unchanged(
        X_star=X_star, teacher=teacher
    ):  # the documents and the teacher, bit for bit
        student.fit(X, y, X_star=X_star, privileged_mask=mask)
        answers = teacher_answers(teacher, X_star, mask)
    expected = np.full((len(docs), 2), np.nan)
    expected[mask] = _log_proba(teacher, [docs[i] for i in np.flatnonzero(mask)])
    reference = DistilledClassifier(teacher_weight=0.6, temperature=2.0).fit(
        X, y, teacher_output=expected, privileged_mask=mask
    )
    assert_allclose(student.coef_, reference.coef_, rtol=1e-12, atol=1e-14)
    assert_allclose(answers[mask], expected[mask], rtol=1e-12)


def test_mixed_dataframe_x_star_with_column_transformer_teacher(assert_unchanged):
    rng = np.random.RandomState(1)
    n = 150
    y = rng.randint(0, 3, n)
    frame = pd.DataFrame(
        {
            "colour": np.array(["red", "green", "blue"])[(y + (rng.uniform(size=n) < 0.2)) % 3],
            "size": y + rng.normal(scale=0.5, size=n),
            "count": rng.randint(0, 5, n),
        }
    )
    teacher = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["colour"]), remainder="passthrough"),
        LogisticRegression(max_iter=500),
    ).fit(frame, y)
    mask = rng.uniform(size=n) < 0.6
    X_star = frame.copy()
    X_star.loc[~mask, "colour"] = None  # rows without privileged information
    X_star.loc[~mask, "size"] = np.nan
    X = frame[["size"]].to_numpy() + rng.normal(size=(n, 1))
    with assert_unchanged(X_star=X_star, teacher=teacher):
        student = DistilledClassifier(teacher=teacher).fit(
            X, y, X_star=X_star, privileged_mask=mask
        )
        answers = teacher_answers(teacher, X_star, mask)
    assert_allclose(answers[mask], _log_proba(teacher, frame[mask]), rtol=1e-12)
    reference = DistilledClassifier().fit(X, y, teacher_output=answers, privileged_mask=mask)
    assert_allclose(student.coef_, reference.coef_, rtol=1e-12, atol=1e-14)


def test_text_teacher_for_the_regressor(text_problem):
    X, _, docs, _ = text_problem
    target = X.sum(axis=1) + np.array([doc.count("good") for doc in docs])
    teacher = make_pipeline(TfidfVectorizer(), Ridge()).fit(docs, target)
    student = DistilledRegressor(teacher=teacher, teacher_weight=0.4).fit(X, target, X_star=docs)
    reference = DistilledRegressor(teacher_weight=0.4).fit(
        X, target, teacher_output=teacher.predict(docs)
    )
    assert_allclose(student.coef_, reference.coef_, rtol=1e-12)


def test_out_of_fold_answers_of_a_text_teacher(text_problem):
    X, y, docs, teacher = text_problem
    folds = KFold(4, shuffle=True, random_state=0)
    answers = teacher_answers(clone(teacher), docs, y=y, cv=folds)
    expected = cross_val_predict(clone(teacher), docs, y, cv=folds, method="predict_proba")
    assert_allclose(np.exp(answers), expected, rtol=1e-12)


def test_text_x_star_routed_by_grid_search(text_problem):
    """Each fold's student gets its rows of the documents: the scores of a manual loop."""
    import sklearn

    X, y, docs, teacher = text_problem
    folds = list(KFold(3, shuffle=True, random_state=0).split(X))
    grid = {"teacher_weight": [0.0, 0.5, 0.9]}
    with sklearn.config_context(enable_metadata_routing=True):
        estimator = DistilledClassifier(teacher=teacher).set_fit_request(X_star=True)
        search = GridSearchCV(estimator, grid, cv=folds, error_score="raise").fit(X, y, X_star=docs)
    for k, weight in enumerate(grid["teacher_weight"]):
        manual = [
            DistilledClassifier(teacher=teacher, teacher_weight=weight)
            .fit(X[train], y[train], X_star=[docs[i] for i in train])
            .score(X[test], y[test])
            for train, test in folds
        ]
        assert search.cv_results_["mean_test_score"][k] == pytest.approx(np.mean(manual), abs=1e-12)


def test_text_x_star_with_pipeline_students(text_problem):
    import sklearn

    X, y, docs, teacher = text_problem
    reference = DistilledClassifier(teacher=teacher).fit(
        StandardScaler().fit_transform(X), y, X_star=docs
    )
    with sklearn.config_context(enable_metadata_routing=True):
        pipeline = make_pipeline(
            StandardScaler(), DistilledClassifier(teacher=teacher).set_fit_request(X_star=True)
        ).fit(X, y, X_star=docs)
    assert_allclose(pipeline[-1].coef_, reference.coef_, rtol=1e-12)
    # A scikit-learn Pipeline as the student itself, with the documents for the teacher.
    student = DistilledClassifier(
        teacher=teacher,
        student=make_pipeline(StandardScaler(), LogisticRegression()),
        loss="generalized",
    ).fit(X, y, X_star=docs)
    assert student.predict_proba(X).shape == (len(docs), 2)
    assert student.score(X, y) > 0.6


def test_a_nan_tolerant_teacher_gets_nan_features():
    rng = np.random.RandomState(2)
    X_star = rng.normal(size=(200, 4))
    y = (X_star[:, 0] + X_star[:, 1] > 0).astype(int)
    X_star[rng.uniform(size=X_star.shape) < 0.2] = np.nan
    teacher = HistGradientBoostingClassifier(max_iter=20).fit(X_star, y)
    X = np.nan_to_num(X_star[:, :2]) + rng.normal(size=(200, 2))
    student = DistilledClassifier(teacher=teacher).fit(X, y, X_star=X_star)
    reference = DistilledClassifier().fit(X, y, teacher_output=_log_proba(teacher, X_star))
    assert_allclose(student.coef_, reference.coef_, rtol=1e-12)
    with pytest.raises(ValueError, match="X_star"):
        DistilledClassifier(teacher=LogisticRegression().fit(np.nan_to_num(X_star), y)).fit(
            X, y, X_star=X_star
        )


def test_numeric_checks_stay_for_numeric_teachers(text_problem):
    X, y, docs, _ = text_problem
    numeric_teacher = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match=r"X_star must be 2-D.*reshape\(-1, 1\)"):
        DistilledClassifier(teacher=numeric_teacher).fit(X, y, X_star=X[:, 0])
    with pytest.raises(ValueError, match="X_star has 3 rows but X has"):
        DistilledClassifier(teacher=numeric_teacher).fit(X, y, X_star=docs[:3])


def test_torch_teacher_refuses_documents(text_problem):
    torch = pytest.importorskip("torch")
    X, y, docs, _ = text_problem
    teacher = torch.nn.Linear(3, 2)
    with pytest.raises(TypeError, match="X_star must hold numbers for the torch module teacher"):
        DistilledClassifier(teacher=teacher).fit(X, y, X_star=docs)


def test_teacher_that_reads_a_frame_by_columns_gets_a_hint(text_problem):
    X, y, docs, teacher = text_problem
    with pytest.raises(ValueError, match=r"answered 1 rows for 160 privileged rows.*df\['text'\]"):
        DistilledClassifier(teacher=teacher).fit(X, y, X_star=pd.DataFrame({"text": docs}))


def test_missing_documents_and_a_single_string_are_refused(text_problem):
    X, y, docs, teacher = text_problem
    student = DistilledClassifier(teacher=teacher)
    with pytest.raises(TypeError, match=r"X_star is a single string; .* sequence of 160 documents"):
        student.fit(X, y, X_star="good movie")
    for missing in (None, np.nan):
        with pytest.raises(
            ValueError,
            match=r"X_star holds None or NaN on 1 privileged row\(s\), e.g. privileged row 0",
        ):
            student.fit(X, y, X_star=[missing] + docs[1:])
        with pytest.raises(ValueError, match=r"X_star holds None or NaN"):
            teacher_answers(teacher, pd.Series([missing] + docs[1:], dtype=object))
    # Outside the mask a missing document is fine.
    mask = np.ones(len(docs), dtype=bool)
    mask[0] = False
    student.fit(X, y, X_star=[None] + docs[1:], privileged_mask=mask)
    assert not hasattr(DistilledClassifier(teacher=teacher), "coef_")

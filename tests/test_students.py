"""Unit tests of skdistill/_students.py: scikit-learn students and exported students.

The row expansion of SPEC section 7 turns the distilled objective with the
student at T = 1 (``loss="generalized"``) into a weighted log-loss; a
student that minimises a weighted log-loss (LogisticRegression) therefore
solves it exactly, and equals the linear student with that loss.
"""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import log_softmax, softmax
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from skdistill import DistilledClassifier, DistilledRegressor
from skdistill._losses import row_weights
from skdistill._students import expand_rows

EXACT = dict(dtype="float64", tol=1e-10, max_iter=1000)


class _Unweighted(DecisionTreeClassifier):
    def fit(self, X, y):  # no sample_weight
        return super().fit(X, y)


def problem(n_samples=120, n_classes=3, seed=0):
    rng = np.random.RandomState(seed)
    X_star = rng.normal(size=(n_samples, 4))
    X = X_star[:, :2] + 0.5 * rng.normal(size=(n_samples, 2))
    y = (X_star @ rng.normal(size=(4, n_classes))).argmax(axis=1)
    mask = rng.uniform(size=n_samples) < 0.6
    weights = rng.uniform(0.3, 2.0, size=n_samples)
    teacher = LogisticRegression().fit(X_star, y)
    return X, X_star, y, mask, weights, teacher


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("temperature", [1.0, 3.0])
def test_logistic_regression_student_equals_the_generalized_linear_student(n_classes, temperature):
    X, X_star, y, mask, weights, teacher = problem(n_classes=n_classes)
    alpha = 0.5
    common = dict(teacher_weight=0.6, temperature=temperature, loss="generalized", alpha=alpha)
    linear = DistilledClassifier(teacher, **common, **EXACT).fit(
        X, y, X_star=X_star, privileged_mask=mask, sample_weight=weights
    )
    # alpha = 1 / C as without a teacher: the copies keep the total weight.
    student = LogisticRegression(C=1.0 / alpha, tol=1e-12, max_iter=10000)
    via_rows = DistilledClassifier(teacher, **common, student=student).fit(
        X, y, X_star=X_star, privileged_mask=mask, sample_weight=weights
    )
    assert_allclose(via_rows.predict_proba(X), linear.predict_proba(X), rtol=0, atol=1e-4)
    assert_array_equal(via_rows.predict(X), linear.predict(X))


def test_the_expansion_is_the_distilled_objective():
    # For any student probabilities P, the weighted log-loss over the copies
    # equals the SPEC objective with the student at T = 1.
    rng = np.random.RandomState(1)
    n, K, lam = 30, 4, 0.7
    y = rng.randint(K, size=n)
    classes = np.array(["a", "b", "c", "d"])
    mask = rng.uniform(size=n) < 0.5
    w = rng.uniform(0.1, 2.0, size=n)
    S = softmax(rng.normal(size=(n, K)) * 2, axis=1)
    label_weight, teacher_part = row_weights(w, mask, lam)
    X = np.arange(n, dtype=float)[:, None]  # row i is recognisable by its value
    X_rows, labels, copy_weights = expand_rows(X, y, classes, label_weight, teacher_part, S)
    log_P = log_softmax(rng.normal(size=(n, K)), axis=1)
    rows = X_rows[:, 0].astype(int)
    codes = np.searchsorted(classes, labels)
    expanded = -np.sum(copy_weights * log_P[rows, codes])
    spec = -(
        np.sum(w[~mask] * log_P[~mask, y[~mask]])
        + (1 - lam) * np.sum(w[mask] * log_P[mask, y[mask]])
        + lam * np.sum(w[mask] * np.sum(S[mask] * log_P[mask], axis=1))
    )
    assert_allclose(expanded, spec, rtol=1e-13)
    assert_allclose(copy_weights.sum(), w.sum(), rtol=1e-13)  # the total weight is kept
    assert len(rows) <= (K + 1) * n  # at most K + 1 copies of X


def test_copies_of_zero_weight_are_left_out():
    y = np.array([0, 1, 0])
    classes = np.array([0, 1])
    label_weight, teacher_part = row_weights(np.ones(3), np.array([True, True, False]), 1.0)
    S = np.array([[1.0, 0.0], [0.25, 0.75], [0.5, 0.5]])
    X_rows, labels, weights = expand_rows(
        np.arange(3.0)[:, None], y, classes, label_weight, teacher_part, S
    )
    # Row 0 and 1 are privileged with teacher_weight 1: no label copy; row 0's
    # class-1 copy has weight 0; row 2 keeps its label copy only.
    assert_array_equal(X_rows[:, 0], [2, 0, 1, 1])
    assert_array_equal(labels, [0, 0, 0, 1])
    assert_allclose(weights, [1.0, 1.0, 0.25, 0.75])


def test_a_class_with_no_weight_gets_probability_zero():
    X, X_star, y, mask, weights, teacher = problem(n_classes=3)
    weights = np.where(y == 2, 0.0, weights)  # class 2 has no copy of positive weight
    est = DistilledClassifier(
        student=DecisionTreeClassifier(random_state=0), teacher_weight=0.0
    ).fit(X, y, sample_weight=weights)
    assert_array_equal(est.classes_, [0, 1, 2])
    proba = est.predict_proba(X)
    assert proba.shape == (len(y), 3) and np.all(proba[:, 2] == 0.0)
    assert_allclose(proba.sum(axis=1), 1.0)


def test_gradient_boosting_student_moves_towards_the_teacher():
    X, X_star, y, mask, weights, teacher = problem(n_samples=400, n_classes=3, seed=2)
    student = HistGradientBoostingClassifier(max_iter=30, random_state=0)
    alone = DistilledClassifier(student=student).fit(X, y)
    taught = DistilledClassifier(
        teacher, student=student, teacher_weight=1.0, loss="generalized", temperature=2.0
    ).fit(X, y, X_star=X_star)
    target = teacher.predict_proba(X_star)
    distance = lambda est: np.abs(est.predict_proba(X) - target).mean()  # noqa: E731
    assert distance(taught) < distance(alone)


def test_pipeline_student_gets_the_callers_dataframe_and_weights_for_its_last_step():
    X, X_star, y, mask, weights, teacher = problem()
    frame = pd.DataFrame(X, columns=["a", "b"])
    student = make_pipeline(
        ColumnTransformer([("scale", StandardScaler(), ["a", "b"])]), LogisticRegression()
    )
    est = DistilledClassifier(teacher, student=student, loss="generalized", temperature=2.0).fit(
        frame, y, X_star=X_star, sample_weight=weights
    )
    assert_array_equal(est.student_.feature_names_in_, ["a", "b"])  # it saw the DataFrame
    # The same Pipeline fitted by hand on the expanded rows, weights to its last step.
    label_weight, teacher_part = row_weights(weights, np.ones(len(y), dtype=bool), 0.5)
    soft = softmax(teacher.decision_function(X_star) / 2.0, axis=1)
    rows, labels, copy_weights = expand_rows(
        frame, y, np.unique(y), label_weight, teacher_part, soft
    )
    by_hand = make_pipeline(
        ColumnTransformer([("scale", StandardScaler(), ["a", "b"])]), LogisticRegression()
    )
    by_hand.fit(rows, labels, logisticregression__sample_weight=copy_weights)
    assert_allclose(est.predict_proba(frame), by_hand.predict_proba(frame), rtol=1e-12)
    with pytest.raises(TypeError, match=r"student Pipeline does not accept sample_weight"):
        DistilledClassifier(student=make_pipeline(StandardScaler(), _Unweighted())).fit(X, y)


# --------------------------------------------------------------------------
# export_student
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_exported_linear_classifier_is_a_logistic_regression(n_classes, fit_intercept):
    X, X_star, y, mask, weights, teacher = problem(n_classes=n_classes)
    est = DistilledClassifier(teacher, fit_intercept=fit_intercept, temperature=2.0).fit(
        X, y, X_star=X_star
    )
    exported = est.export_student()
    assert type(exported) is LogisticRegression
    assert_array_equal(exported.classes_, est.classes_)
    assert_allclose(exported.predict_proba(X), est.predict_proba(X), rtol=1e-12, atol=1e-15)
    assert_allclose(exported.decision_function(X), est.decision_function(X), rtol=1e-12, atol=1e-14)
    assert_array_equal(exported.predict(X), est.predict(X))
    payload = pickle.dumps(exported)
    assert b"skdistill" not in payload and b"torch" not in payload
    assert len(payload) < len(pickle.dumps(est))


def test_exported_students_do_not_carry_the_teacher():
    X, X_star, y, mask, weights, teacher = problem()
    estimator_student = DistilledClassifier(
        teacher, student=LogisticRegression(), loss="generalized"
    ).fit(X, y, X_star=X_star)
    exported = estimator_student.export_student()
    assert type(exported) is LogisticRegression and exported is not estimator_student.student_
    assert_array_equal(exported.predict_proba(X), estimator_student.predict_proba(X))
    assert b"skdistill" not in pickle.dumps(exported)
    torch_student = DistilledClassifier(teacher, student=torch.nn.Linear(2, 3), max_iter=20).fit(
        X, y, X_star=X_star
    )
    module = torch_student.export_student()
    assert isinstance(module, torch.nn.Linear) and not module.training
    with torch.no_grad():
        logits = module(torch.as_tensor(X, dtype=torch.float32)).double().numpy()
    assert_allclose(softmax(logits, axis=1), torch_student.predict_proba(X), rtol=1e-6)


@pytest.mark.parametrize("alpha, expected_type", [(0.0, LinearRegression), (2.0, Ridge)])
def test_exported_linear_regressor(alpha, expected_type):
    X, X_star, y, mask, weights, _ = problem()
    target = X_star @ [1.0, 2.0, -1.0, 0.5]
    teacher = LinearRegression().fit(X_star, target)
    est = DistilledRegressor(teacher, alpha=alpha).fit(
        pd.DataFrame(X, columns=["a", "b"]), target, X_star=X_star
    )
    exported = est.export_student()
    assert type(exported) is expected_type
    frame = pd.DataFrame(X, columns=["a", "b"])
    assert_allclose(exported.predict(frame), est.predict(frame), rtol=1e-14)
    assert b"skdistill" not in pickle.dumps(exported)


def test_exported_regressor_student_is_a_copy():
    X, X_star, y, mask, weights, _ = problem()
    est = DistilledRegressor(student=Ridge(alpha=3.0)).fit(X, y.astype(float))
    exported = est.export_student()
    assert exported is not est.student_
    assert_array_equal(exported.predict(X), est.predict(X))


def test_predictions_are_the_students_own():
    from sklearn.svm import SVC

    X, X_star, y, mask, weights, teacher = problem(n_samples=300)
    est = DistilledClassifier(
        teacher, student=SVC(probability=True, random_state=0), loss="generalized", temperature=3.0
    ).fit(X, y, X_star=X_star)
    exported = est.export_student()
    assert_array_equal(est.predict(X), exported.predict(X))  # SVC decides by its decision function
    assert_array_equal(est.predict(X), est.student_.predict(X))
    assert_allclose(est.predict_log_proba(X), exported.predict_log_proba(X), rtol=1e-12)


def test_the_student_checks_its_own_input():
    from sklearn.compose import make_column_transformer
    from sklearn.preprocessing import OneHotEncoder

    X, X_star, y, mask, weights, teacher = problem()
    X_nan = X.copy()
    X_nan[::7, 0] = np.nan  # HistGradientBoosting handles missing values itself
    hgb = HistGradientBoostingClassifier(max_iter=10, early_stopping=False, random_state=0)
    est = DistilledClassifier(teacher, student=hgb, loss="generalized").fit(X_nan, y, X_star=X_star)
    assert np.all(np.isfinite(est.predict_proba(X_nan)))
    frame = pd.DataFrame({"c": np.where(X[:, 0] > 0, "u", "v"), "x": X[:, 1]})
    encoded = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["c"]), remainder="passthrough"),
        LogisticRegression(),
    )
    est = DistilledClassifier(teacher, student=encoded, loss="generalized").fit(
        frame, y, X_star=X_star
    )
    assert est.predict(frame).shape == (len(y),)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        DistilledClassifier(teacher, loss="generalized").fit(
            X_nan, y, X_star=X_star
        )  # the linear student


def test_a_refit_with_another_kind_leaves_no_state_of_the_first():
    X, X_star, y, mask, weights, teacher = problem()
    est = DistilledClassifier(solver="adam", max_iter=3, random_state=0)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    assert est._optimizer_state is not None
    est.set_params(student=LogisticRegression(), solver="lbfgs").fit(X, y)
    assert not any(
        hasattr(est, name) for name in ("coef_", "_optimizer_state", "_random_state", "n_iter_")
    )


def test_export_describes_the_fit_not_later_parameters():
    X, X_star, y, mask, weights, teacher = problem()
    est = DistilledClassifier(alpha=2.0).fit(X, y)
    est.set_params(alpha=0.1, fit_intercept=False)
    exported = est.export_student()
    assert exported.C == 0.5 and exported.fit_intercept
    reg = DistilledRegressor(alpha=3.0).fit(X, y.astype(float))
    reg.set_params(alpha=0.0)
    assert type(reg.export_student()) is Ridge and reg.export_student().alpha == 3.0


def test_misbehaving_scikit_learn_students_are_named():
    X, X_star, y, mask, weights, teacher = problem(n_classes=2)

    class StringClasses(LogisticRegression):
        def fit(self, X, y, sample_weight=None):
            super().fit(X, y, sample_weight=sample_weight)
            self.classes_ = self.classes_.astype(str)
            return self

    with pytest.raises(ValueError, match=r"student StringClasses reports classes_ \['0', '1'\]"):
        DistilledClassifier(student=StringClasses()).fit(X, y)

    class ThreeColumns(LogisticRegression):
        def predict_proba(self, X):
            return np.full((len(X), 3), 1 / 3)

    est = DistilledClassifier(student=ThreeColumns()).fit(X, y)
    with pytest.raises(ValueError, match=r"predict_proba of shape \(120, 3\) for 2 classes"):
        est.decision_function(X)


@pytest.mark.parametrize("class_weight", [{0: np.nan, 1: 1.0}, {0: -1.0, 1: 1.0}])
def test_class_weight_values_are_checked(class_weight):
    X, X_star, y, mask, weights, teacher = problem(n_classes=2)
    with pytest.raises(
        ValueError, match=r"class_weight must map each class to a finite non-negative weight"
    ):
        DistilledClassifier(class_weight=class_weight).fit(X, y)
    with pytest.raises(ValueError, match=r"class_weight gives every row the weight zero"):
        DistilledClassifier(class_weight={0: 0.0, 1: 0.0}).fit(X, y)

"""Reliability under faults, threads and extreme inputs (issue #12), by class of defect.

Each class is one kind of failure a hostile user can provoke; each case
asserts the exact outcome (equality with an independent computation, the
caller's object bit for bit, or the error type and a message naming the
parameter). The rank-deficient properties over random one-hot designs live
in ``tests/test_properties.py``.

- TestCallerMemory: torch modules get tensors of their own, pickling leaves
  the live estimator alone (that students and teachers writing to their
  input leave the caller's X and X_star alone: tests/test_shared_behaviour.py).
- TestTorchModes: teachers and students keep each submodule's mode.
- TestThreads: fits in threads beside each other.
- TestLabelAlignment: teacher columns matched by label everywhere.
- TestAtomicFit: a failed fit leaves the estimator as it was.
- TestFittedStateDispatch: prediction follows what was fitted.
- TestFinitePredictions: no NaN or infinity returned silently.
- TestExtremeScales: tiny and huge features, sigma ratios, temperatures, weights.
- TestRankDeficient: the regressor's solver on singular designs.
- TestClearErrors: odd teachers, students, devices and warm starts named.
"""

import copy
import pickle
import threading
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from _students import InPlaceStudent
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils import _safe_indexing
from threadpoolctl import threadpool_info

from skdistill import DistilledClassifier, DistilledRegressor, TeacherAnswers, teacher_answers
from skdistill import _torch_utils as torch_utils
from skdistill._teacher import finite_logits
from skdistill._torch_utils import as_tensor, evaluation_mode, single_threaded_blas

EXACT = dict(dtype="float64", tol=1e-10, max_iter=500)
rng = np.random.RandomState(0)
N = 60
X = rng.normal(size=(N, 4))
X_STAR = np.hstack([X[:, :2], rng.normal(size=(N, 2))])
Y = (X_STAR @ [1.0, -1.0, 2.0, 0.5] > 0).astype(int) + (X_STAR[:, 2] > 1)  # three classes
Y_REG = X @ [1.0, 2.0, -1.0, 0.5] + X_STAR[:, 2]


def quiet(fit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit()


def dropout_teacher(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.Dropout(0.5), torch.nn.Linear(8, 3)
    ).double()


def modes(module):
    return [sub.training for sub in module.modules()]


def state(module):
    return {name: value.clone() for name, value in module.state_dict().items()}


# ---------------------------------------------------------------------------
class TestCallerMemory:
    @pytest.mark.parametrize("solver", ["lbfgs", "adam"])
    def test_student_writing_to_its_input_trains_as_one_that_does_not(self, solver):
        # The training tensor is the student's own, but the full batch is
        # evaluated many times: a module that writes to it gets a fresh copy.
        class OutOfPlace(InPlaceStudent):
            def forward(self, x):
                return self.linear(x * 2.0 + 1.0)

        settings = dict(solver=solver, max_iter=15, random_state=0, dtype="float64")
        if solver == "adam":
            settings.update(early_stopping=True, validation_fraction=0.25, n_iter_no_change=50)
        torch.manual_seed(0)
        writing, clean = InPlaceStudent(), OutOfPlace()
        clean.load_state_dict(writing.state_dict())
        X_big, Y_big = np.vstack([X] * 2), np.concatenate([Y] * 2)
        a = quiet(lambda: DistilledClassifier(student=writing, **settings).fit(X_big, Y_big))
        b = quiet(lambda: DistilledClassifier(student=clean, **settings).fit(X_big, Y_big))
        assert a.n_iter_ == b.n_iter_
        assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=0, atol=1e-12)
        if solver == "adam":
            assert a.validation_scores_ == b.validation_scores_

    @pytest.mark.parametrize("kind", ["float32", "float64", "sparse"])
    def test_as_tensor_has_memory_of_its_own_unless_asked(self, kind):
        data = (
            sp.random(20, 5, density=0.5, format="csr", random_state=0)
            if kind == "sparse"
            else X.astype(kind)
        )
        dtype = torch.float32 if kind == "float32" else torch.float64
        own = as_tensor(data, dtype=dtype, device="cpu")
        shared = as_tensor(data, dtype=dtype, device="cpu", share_memory=True)
        values = data.data if kind == "sparse" else data
        address = values.__array_interface__["data"][0]
        own_values = own.values() if kind == "sparse" else own
        shared_values = shared.values() if kind == "sparse" else shared
        assert own_values.data_ptr() != address
        assert shared_values.data_ptr() == address  # the linear student's zero-copy path stays

    def test_pickling_leaves_the_live_estimator_unchanged(self):
        def make():
            return DistilledClassifier(solver="adam", warm_start=True, max_iter=3, random_state=0)

        est, twin = quiet(lambda: make().fit(X, Y)), quiet(lambda: make().fit(X, Y))
        pickle.dumps(est)
        copy.deepcopy(est)
        assert hasattr(est, "_optimizer_state")
        quiet(lambda: est.fit(X, Y))
        quiet(lambda: twin.fit(X, Y))
        assert_array_equal(est.coef_, twin.coef_)  # the next warm start is unchanged
        restored = pickle.loads(pickle.dumps(est))
        assert not hasattr(restored, "_optimizer_state")  # only the copy drops Adam's moments


# ---------------------------------------------------------------------------
class TestTorchModes:
    @pytest.mark.parametrize("setting", ["frozen-batchnorm", "all-training", "all-eval"])
    def test_teacher_modes_are_kept_and_answers_are_eval_mode(self, setting):
        teacher = dropout_teacher()
        if setting == "frozen-batchnorm":
            teacher[1].eval()
        elif setting == "all-eval":
            teacher.eval()
        before_modes, before_state = modes(teacher), state(teacher)
        est = DistilledClassifier(teacher, **EXACT).fit(X, Y, X_star=X_STAR)
        assert modes(teacher) == before_modes
        for name, value in state(teacher).items():
            assert torch.equal(value, before_state[name]), name  # no running statistics updated
        reference_teacher = copy.deepcopy(teacher).eval()
        reference = DistilledClassifier(reference_teacher, **EXACT).fit(X, Y, X_star=X_STAR)
        assert_array_equal(est.coef_, reference.coef_)

    def test_eval_teacher_is_called_itself_and_training_teacher_never(self):
        calls = []

        class Recording(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.linear = torch.nn.Linear(4, 3).double()

            def forward(self, x):
                calls.append((id(self), self.training))
                return self.linear(x)

        teacher = Recording()
        DistilledClassifier(teacher, max_iter=3, tol=1e-2).fit(X, Y, X_star=X_STAR)
        assert calls and all(owner != id(teacher) and not training for owner, training in calls)
        calls.clear()
        teacher.eval()
        DistilledClassifier(teacher, max_iter=3, tol=1e-2).fit(X, Y, X_star=X_STAR)
        assert calls == [(id(teacher), False)]  # no copy when nothing would change

    def test_student_frozen_submodule_stays_frozen(self):
        torch.manual_seed(0)
        student = torch.nn.Sequential(
            torch.nn.Linear(4, 5), torch.nn.BatchNorm1d(5), torch.nn.Linear(5, 3)
        )
        student[1].eval()
        user_modes = modes(student)
        est = quiet(lambda: DistilledClassifier(student=student, max_iter=5).fit(X, Y))
        assert modes(student) == user_modes
        assert_array_equal(est.student_[1].running_mean.numpy(), np.zeros(5))
        assert est.student_[1].num_batches_tracked.item() == 0
        assert est._student_training_modes == user_modes
        assert modes(est.student_) == [False] * len(user_modes)  # stored for prediction

    def test_warm_start_trains_in_the_given_modes(self):
        torch.manual_seed(0)
        student = torch.nn.Sequential(
            torch.nn.Linear(4, 5), torch.nn.BatchNorm1d(5), torch.nn.Linear(5, 3)
        )
        student[1].eval()
        seen = []
        student[2].register_forward_pre_hook(lambda module, args: seen.append(student_modes()))
        est = DistilledClassifier(student=student, max_iter=2, warm_start=True)

        def student_modes():
            return None

        quiet(lambda: est.fit(X, Y))
        first = est.student_
        quiet(lambda: est.fit(X, Y))
        assert est.student_ is not first  # a copy was trained
        assert est.student_[1].num_batches_tracked.item() == 0  # still frozen on the warm start
        assert modes(first) == [False] * 4

    def test_validation_uses_eval_mode(self):
        torch.manual_seed(0)
        student = torch.nn.Sequential(torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 3))
        X_big = np.vstack([X] * 4)
        Y_big = np.concatenate([Y] * 4)
        est = quiet(
            lambda: DistilledClassifier(
                student=student,
                solver="adam",
                early_stopping=True,
                max_iter=2,
                n_iter_no_change=5,
                batch_size=len(Y_big),
                validation_fraction=0.5,
                learning_rate=1e-12,
                random_state=0,
            ).fit(X_big, Y_big)
        )
        # Equal scores keep the first epoch's parameters: one training batch,
        # and the validation pass of that epoch left no trace.
        assert est.validation_scores_[0] == est.validation_scores_[1]
        assert est.student_[0].num_batches_tracked.item() == 1

    def test_dropout_student_validation_scores_are_deterministic(self):
        torch.manual_seed(0)
        student = torch.nn.Sequential(
            torch.nn.Linear(4, 16), torch.nn.Dropout(0.9), torch.nn.Linear(16, 3)
        )
        est = quiet(
            lambda: DistilledClassifier(
                student=student,
                solver="adam",
                early_stopping=True,
                max_iter=6,
                n_iter_no_change=100,
                learning_rate=1e-12,
                random_state=0,
                validation_fraction=0.5,
            ).fit(np.vstack([X] * 2), np.concatenate([Y] * 2))
        )
        assert len(set(est.validation_scores_)) == 1  # parameters frozen in effect: one score

    def test_evaluation_mode_restores_each_submodule(self):
        module = dropout_teacher()
        module[1].eval()
        before = modes(module)
        with evaluation_mode(module):
            assert modes(module) == [False] * len(before)
        assert modes(module) == before


# ---------------------------------------------------------------------------
class TestThreads:
    def test_fits_sharing_a_training_mode_teacher_equal_sequential_fits(self):
        teacher = dropout_teacher()
        before = modes(teacher)
        grid = [0.2, 0.5, 0.8, 1.0]
        sequential = [
            DistilledClassifier(teacher, teacher_weight=w, **EXACT).fit(X, Y, X_star=X_STAR).coef_
            for w in grid
        ]
        results = [None] * len(grid)

        def fit(i):
            results[i] = (
                DistilledClassifier(teacher, teacher_weight=grid[i], **EXACT)
                .fit(X, Y, X_star=X_STAR)
                .coef_
            )

        threads = [threading.Thread(target=fit, args=(i,)) for i in range(len(grid))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for got, expected in zip(results, sequential):
            assert_array_equal(got, expected)
        assert modes(teacher) == before

    @staticmethod
    def _thread_recording_student(n_features, n_classes, seen):
        import torch

        class Recording(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.linear = torch.nn.Linear(n_features, n_classes)

            def forward(self, inputs):
                seen.append(torch.get_num_threads())
                return self.linear(inputs)

        return Recording()

    @pytest.mark.parametrize("solver", ["lbfgs", "adam"])
    def test_small_fits_train_on_one_torch_thread_and_restore_it(self, solver):
        import torch

        seen = []
        before = torch.get_num_threads()
        student = self._thread_recording_student(X.shape[1], 3, seen)
        DistilledClassifier(student=student, solver=solver, max_iter=3).fit(X, Y)
        assert seen and set(seen) == {1}
        assert torch.get_num_threads() == before

    def test_large_work_keeps_torch_threads_and_a_caller_limit_holds(self, monkeypatch):
        import torch

        seen = []
        monkeypatch.setattr(torch_utils, "SMALL_WORK", 0)  # every problem counts as large
        before = torch.get_num_threads()
        student = self._thread_recording_student(X.shape[1], 3, seen)
        DistilledClassifier(student=student, max_iter=2).fit(X, Y)
        assert set(seen) == {before}
        torch.set_num_threads(1)
        try:
            monkeypatch.setattr(torch_utils, "SMALL_WORK", 1 << 24)
            seen.clear()
            DistilledClassifier(
                student=self._thread_recording_student(X.shape[1], 3, seen), max_iter=2
            ).fit(X, Y)
            assert (
                set(seen) == {1} and torch.get_num_threads() == 1
            )  # never raised above the caller's
        finally:
            torch.set_num_threads(before)

    def test_overlapping_small_fits_restore_torch_threads(self):
        import torch

        torch_utils_threads = torch_utils.threads_for_work
        before = torch.get_num_threads()
        a_entered, b_entered, a_left = threading.Event(), threading.Event(), threading.Event()
        inside_b_after_a = []

        def first():
            with torch_utils_threads(1):
                a_entered.set()
                b_entered.wait(5)
            a_left.set()

        def second():
            a_entered.wait(5)
            with torch_utils_threads(1):
                b_entered.set()
                a_left.wait(5)
                inside_b_after_a.append(torch.get_num_threads())

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert inside_b_after_a == [1]
        assert torch.get_num_threads() == before

    def test_overlapping_blas_limits_restore_the_original(self, monkeypatch):
        # The process-wide setting is modelled by a fake threadpool controller, so
        # that the order of set and restore is checked whatever BLAS reports.
        setting = {"threads": 2}
        log = []

        class FakeLimits:
            def __init__(self, limits, user_api):
                self.saved = setting["threads"]
                setting["threads"] = limits
                log.append(("set", limits))

            def restore_original_limits(self):
                setting["threads"] = self.saved
                log.append(("restore", self.saved))

        class FakeController:
            def limit(self, limits, user_api):
                return FakeLimits(limits, user_api)

        monkeypatch.setattr(torch_utils, "_blas_controller", FakeController)
        a_entered, b_entered, a_left = threading.Event(), threading.Event(), threading.Event()
        inside_b_after_a = []

        def first():
            with single_threaded_blas():
                a_entered.set()
                b_entered.wait(5)
            a_left.set()

        def second():
            a_entered.wait(5)
            with single_threaded_blas():
                b_entered.set()
                a_left.wait(5)
                inside_b_after_a.append(setting["threads"])

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert inside_b_after_a == [1]  # still limited while B runs
        assert setting["threads"] == 2  # restored once both are out
        assert log == [("set", 1), ("restore", 2)]  # set by the first in, restored by the last out

    def test_blas_limit_applies_inside_and_is_restored(self):
        def blas_threads():
            return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]

        before = blas_threads()
        with single_threaded_blas():
            assert blas_threads() == [1] * len(before)
        assert blas_threads() == before

    def test_concurrent_fits_leave_blas_threads_as_they_were(self):
        before = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
        threads = [
            threading.Thread(target=lambda: DistilledClassifier(max_iter=20).fit(X, Y))
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [
            info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"
        ] == before

    def test_concurrent_predictions_of_one_torch_student(self):
        torch.manual_seed(0)
        student = torch.nn.Sequential(
            torch.nn.Linear(4, 8), torch.nn.Dropout(0.5), torch.nn.Linear(8, 3)
        )
        est = quiet(lambda: DistilledClassifier(student=student, max_iter=5).fit(X, Y))
        expected = est.predict_proba(X)
        results = [None] * 6

        def predict(i):
            results[i] = est.predict_proba(X)

        threads = [threading.Thread(target=predict, args=(i,)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for got in results:
            assert_array_equal(got, expected)  # eval mode throughout: no dropout noise


# ---------------------------------------------------------------------------
class ShuffledTeacher:
    """A classifier teacher whose ``classes_`` are unsorted and include an extra label."""

    def __init__(self, labels=("b", "c", "a", "z")):
        self.classes_ = np.array(labels)
        self.weights = np.random.RandomState(1).normal(size=(4, len(labels)))

    def fit(self, *args):  # pragma: no cover - never called
        raise AssertionError("skdistill must never fit the teacher")

    def get_params(self, deep=True):
        return {}

    def __sklearn_is_fitted__(self):
        return True

    def predict_proba(self, rows):
        scores = np.asarray(rows) @ self.weights
        e = np.exp(scores - scores.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)


LABELS = np.array(["c", "a", "b"])[Y]


class TestLabelAlignment:
    @pytest.mark.parametrize(
        "labels", [("b", "c", "a", "z"), ("c", "b", "a"), ("z", "a", "y", "b", "c")]
    )
    def test_teacher_answers_train_the_student_the_teacher_trains(self, labels):
        teacher = ShuffledTeacher(labels)
        answers = teacher_answers(teacher, X_STAR)
        assert isinstance(answers, TeacherAnswers)
        assert_array_equal(answers.classes, labels)
        direct = DistilledClassifier(teacher, **EXACT).fit(X, LABELS, X_star=X_STAR)
        precomputed = DistilledClassifier(**EXACT).fit(X, LABELS, teacher_output=answers)
        assert_array_equal(precomputed.coef_, direct.coef_)

    def test_teacher_answers_in_a_search_equal_the_teacher(self):
        # Folds without some class: the labels, not the positions, say which column is which.
        order = np.argsort(LABELS, kind="stable")
        teacher = ShuffledTeacher()
        answers = teacher_answers(teacher, X_STAR[order])
        cv = KFold(3)  # sorted labels: each fold misses a class
        grid = {"teacher_weight": [0.3, 0.9]}
        direct = GridSearchCV(
            DistilledClassifier(teacher, **EXACT), grid, cv=cv, error_score="raise"
        )
        direct.fit(X[order], LABELS[order], X_star=X_STAR[order])
        precomputed = GridSearchCV(DistilledClassifier(**EXACT), grid, cv=cv, error_score="raise")
        precomputed.fit(X[order], LABELS[order], teacher_output=answers)
        assert_array_equal(
            precomputed.cv_results_["mean_test_score"], direct.cv_results_["mean_test_score"]
        )
        assert_array_equal(precomputed.best_estimator_.coef_, direct.best_estimator_.coef_)

    def test_labels_survive_row_selection_and_pickling(self):
        answers = teacher_answers(ShuffledTeacher(), X_STAR)
        rows = _safe_indexing(answers, np.arange(0, N, 2))
        assert isinstance(rows, TeacherAnswers) and rows.shape == (N // 2, 4)
        assert_array_equal(rows.classes, answers.classes)
        restored = pickle.loads(pickle.dumps(answers))
        assert_array_equal(restored.classes, answers.classes)
        assert_array_equal(np.asarray(restored), np.asarray(answers))
        assert type(np.asarray(answers)) is np.ndarray  # asarray drops the labels

    def test_columns_selected_or_reordered_take_their_labels(self):
        teacher = ShuffledTeacher()
        answers = teacher_answers(teacher, X_STAR)
        direct = DistilledClassifier(teacher, **EXACT).fit(X, LABELS, X_star=X_STAR)
        for columns in (
            answers[:, :3],
            answers[:, ::-1],
            answers[:, [2, 0, 1]],
            answers.take([1, 2, 0], axis=1),
        ):
            fitted = DistilledClassifier(**EXACT).fit(X, LABELS, teacher_output=columns)
            assert_array_equal(fitted.coef_, direct.coef_)
        assert_array_equal(answers[:, [3, 0]].classes, ["z", "b"])
        mislabelled = TeacherAnswers(np.asarray(answers)[:, :3], answers.classes)
        with pytest.raises(
            ValueError, match=r"teacher_output has 3 columns but carries 4 class labels"
        ):
            DistilledClassifier().fit(X, LABELS, teacher_output=mislabelled)
        with pytest.raises(
            ValueError, match=r"teacher_output is one column of the labelled answers"
        ):
            DistilledClassifier().fit(X, LABELS, teacher_output=answers[:, 1])

    def test_dataframe_teacher_output_is_read_by_column_label(self):
        proba = ShuffledTeacher(("a", "b", "c")).predict_proba(X_STAR)
        sorted_frame = pd.DataFrame(proba, columns=["a", "b", "c"])
        shuffled_frame = sorted_frame[["c", "a", "b"]]
        by_position = DistilledClassifier(**EXACT).fit(X, LABELS, teacher_output=proba)
        by_label = DistilledClassifier(**EXACT).fit(X, LABELS, teacher_output=shuffled_frame)
        assert_allclose(by_label.coef_, by_position.coef_, rtol=0, atol=1e-12)

    def test_dataframe_with_other_labels_is_refused(self):
        frame = pd.DataFrame(np.full((N, 3), 1 / 3))  # columns 0, 1, 2; y has "a", "b", "c"
        with pytest.raises(
            ValueError,
            match=r"teacher's classes \[0, 1, 2\] do not cover the labels \['a', 'b', 'c'\]",
        ):
            DistilledClassifier().fit(X, LABELS, teacher_output=frame)

    def test_dataframe_with_repeated_labels_is_refused(self):
        frame = pd.DataFrame(np.full((N, 3), 1 / 3), columns=["a", "a", "b"])
        with pytest.raises(ValueError, match=r"teacher_output has repeated column labels"):
            DistilledClassifier().fit(X, LABELS, teacher_output=frame)

    @pytest.mark.parametrize(
        "dtype, n_classes", [(np.float16, 3), (np.float16, 10), (np.float16, 40)]
    )
    def test_auto_reads_low_precision_probabilities_as_probabilities(self, dtype, n_classes):
        y = np.arange(N) % n_classes if n_classes <= N else np.arange(N)
        y = np.concatenate([y, np.arange(n_classes)])  # every class present
        X_rows = np.vstack([X, rng.normal(size=(n_classes, 4))])
        # Probabilities computed in their own precision, as a float16 or float32 model gives them.
        scores = np.random.RandomState(2).normal(size=(len(y), n_classes)).astype(dtype)
        proba = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
        assert not np.allclose(proba.astype(np.float64).sum(axis=1), 1.0, rtol=0, atol=1e-6)
        settings = dict(max_iter=5, tol=1e-2, dtype="float64")
        auto = quiet(lambda: DistilledClassifier(**settings).fit(X_rows, y, teacher_output=proba))
        declared = quiet(
            lambda: DistilledClassifier(teacher_output_kind="proba", **settings).fit(
                X_rows, y, teacher_output=proba
            )
        )
        assert_array_equal(auto.coef_, declared.coef_)

    def test_declared_probabilities_must_sum_to_one(self):
        with pytest.raises(ValueError, match=r"teacher_output_kind='proba'.*row 0 sums to 0.6"):
            DistilledClassifier(teacher_output_kind="proba").fit(
                X, Y, teacher_output=np.full((N, 3), 0.2)
            )

    def test_zero_probability_on_every_class_of_y_is_refused(self):
        teacher = LogisticRegression().fit(
            X_STAR, np.where(np.arange(N) < 5, 9, Y)
        )  # class 9 extra
        proba = teacher.predict_proba(X_STAR)
        proba[3] = [0.0, 0.0, 0.0, 1.0]  # row 3: all of y's classes impossible

        class Fixed:
            classes_ = teacher.classes_

            def predict_proba(self, rows):
                return proba[: len(rows)]

        match = (
            r"teacher gives probability zero \(logit -inf\) to every class of y on 1 privileged row"
        )
        with pytest.raises(ValueError, match=match):
            DistilledClassifier(Fixed()).fit(X, Y, X_star=X_STAR)
        answers = teacher_answers(Fixed(), X_STAR)  # log(0) = -inf: an impossible class
        assert_array_equal(np.asarray(answers)[3, :3], -np.inf)
        with pytest.raises(ValueError, match=match):
            DistilledClassifier().fit(X, Y, teacher_output=answers)
        with pytest.raises(ValueError, match=match):
            DistilledClassifier().fit(
                X, Y, teacher_output=pd.DataFrame(proba, columns=teacher.classes_)
            )

    def test_large_finite_gap_to_a_class_outside_y_is_accepted(self):
        # A fold without class 2: the softmax over y's classes is defined,
        # however far below class 2's logit theirs lie.
        y = np.arange(N) % 2
        logits = np.column_stack([-800 + X[:, 0], -800 - X[:, 0], np.zeros(N)])
        frame = pd.DataFrame(logits, columns=[0, 1, 2])
        got = DistilledClassifier(**EXACT).fit(X, y, teacher_output=frame)
        expected = DistilledClassifier(**EXACT).fit(X, y, teacher_output=logits[:, :2] + 800)
        assert_allclose(got.coef_, expected.coef_, rtol=0, atol=1e-12)

    def test_dataframe_label_message_says_how_to_fix(self):
        frame = pd.DataFrame(np.full((N, 2), 0.5))  # default columns 0, 1; y is 1, 2
        with pytest.raises(
            ValueError,
            match=r"column labels of the teacher_output DataFrame.*columns=teacher.classes_.*to_numpy",
        ):
            DistilledClassifier().fit(X, np.where(np.arange(N) % 2, 2, 1), teacher_output=frame)

    def test_minus_inf_logits_mean_an_impossible_class(self):
        logits = rng.normal(size=(N, 3))
        logits[::4, 2] = -np.inf
        floored = logits.copy()
        floored[::4, 2] = logits[::4, :2].max(axis=1) + np.log(np.finfo(float).tiny)
        with_inf = DistilledClassifier(**EXACT).fit(X, Y, teacher_output=logits)
        finite = DistilledClassifier(**EXACT).fit(X, Y, teacher_output=floored)
        assert_array_equal(with_inf.coef_, finite.coef_)

    def test_finite_floor_is_relative_to_each_row(self):
        out = finite_logits(np.array([[-1000.0, -np.inf, -1001.0], [5.0, 0.0, -np.inf]]))
        tiny = np.log(np.finfo(float).tiny)
        assert_array_equal(out, [[-1000.0, -1000.0 + tiny, -1001.0], [5.0, 0.0, 5.0 + tiny]])


# ---------------------------------------------------------------------------
def raising_teacher(rows):
    raise RuntimeError("teacher failed")


def assert_same_state(est, saved):
    assert set(vars(est)) == set(saved)
    for name, value in saved.items():
        current = vars(est)[name]
        if isinstance(value, np.ndarray):
            assert_array_equal(current, value)
        else:
            assert current is value or current == value, name


FAILING_REFITS = {
    "classifier-negative-weight-new-width": (
        lambda: DistilledClassifier(max_iter=20),
        lambda est: est.fit(rng.normal(size=(N, 6)), Y, sample_weight=-np.ones(N)),
    ),
    "classifier-teacher-raises-new-classes": (
        lambda: DistilledClassifier(raising_teacher, max_iter=20),
        lambda est: est.fit(X, np.arange(N) % 4, X_star=X_STAR),
    ),
    "classifier-bad-teacher-output": (
        lambda: DistilledClassifier(max_iter=20),
        lambda est: est.fit(X, Y, teacher_output=np.full((N, 3), np.nan)),
    ),
    "classifier-early-stopping-too-few-rows": (
        lambda: DistilledClassifier(max_iter=20),
        lambda est: est.set_params(solver="adam", early_stopping=True).fit(X[:5], Y[:5]),
    ),
    "regressor-negative-weight-new-width": (
        lambda: DistilledRegressor(),
        lambda est: est.fit(rng.normal(size=(N, 6)), Y_REG, sample_weight=-np.ones(N)),
    ),
    "regressor-student-refused-after-mask": (
        lambda: DistilledRegressor(),
        lambda est: est.set_params(student=_NoWeights(), teacher_weight=0.3).fit(
            X, Y_REG, teacher_output=Y_REG, privileged_mask=np.arange(N) < 30
        ),
    ),
}


class _NoWeights(DecisionTreeRegressor):
    def fit(self, X, y):  # no sample_weight
        return super().fit(X, y)


class TestAtomicFit:
    @pytest.mark.parametrize("case", FAILING_REFITS, ids=list(FAILING_REFITS))
    def test_a_failed_refit_leaves_the_previous_fit(self, case):
        make, fail = FAILING_REFITS[case]
        est = make()
        fit_y = Y_REG if isinstance(est, DistilledRegressor) else Y
        fit_kwargs = {} if est.teacher is None else {"X_star": X_STAR}
        if est.teacher is raising_teacher:
            est.set_params(teacher_weight=0.0)
        quiet(lambda: est.fit(X, fit_y, **fit_kwargs))
        if est.teacher is raising_teacher:
            est.set_params(teacher_weight=0.5)
        predictions = est.predict(X)
        saved = dict(vars(est))
        with pytest.raises((ValueError, TypeError, RuntimeError)):
            quiet(lambda: fail(est))
        est.set_params(**{k: v for k, v in make().get_params().items() if k != "teacher"})
        assert_same_state(est, saved)
        assert_array_equal(est.predict(X), predictions)

    @pytest.mark.parametrize("estimator", [DistilledClassifier(), DistilledRegressor()])
    def test_a_failed_first_fit_leaves_the_estimator_unfitted(self, estimator):
        y = Y if isinstance(estimator, DistilledClassifier) else Y_REG
        with pytest.raises(ValueError, match="sample_weight must be non-negative"):
            estimator.fit(X, y, sample_weight=-np.ones(N))
        assert not hasattr(estimator, "n_features_in_")
        with pytest.raises(NotFittedError):
            estimator.predict(X)

    def test_a_failed_warm_start_leaves_the_student_untouched(self):
        class Failing(torch.nn.Module):
            fail = False

            def __init__(self):
                super().__init__()
                self.linear = torch.nn.Linear(4, 3)
                self.calls = 0

            def forward(self, x):
                if Failing.fail and self.training:
                    self.calls += 1
                    if self.calls > 3:
                        raise RuntimeError("boom")
                return self.linear(x)

        est = quiet(
            lambda: DistilledClassifier(
                student=Failing(),
                warm_start=True,
                solver="adam",
                max_iter=5,
                random_state=0,
                learning_rate=0.1,
            ).fit(X, Y)
        )
        weights, proba, n_iter = (
            est.student_.linear.weight.detach().clone(),
            est.predict_proba(X),
            est.n_iter_,
        )
        Failing.fail = True
        try:
            with pytest.raises(RuntimeError, match="boom"):
                quiet(lambda: est.fit(X, Y))
        finally:
            Failing.fail = False
        assert torch.equal(est.student_.linear.weight.detach(), weights)
        assert_array_equal(est.predict_proba(X), proba)
        assert est.n_iter_ == n_iter

    def test_a_failed_warm_start_leaves_the_adam_state_untouched(self):
        make = lambda: DistilledClassifier(  # noqa: E731
            solver="adam", warm_start=True, max_iter=3, random_state=0, batch_size=10
        )
        untouched, failed = quiet(lambda: make().fit(X, Y)), quiet(lambda: make().fit(X, Y))
        state = failed._optimizer_state["state"]
        steps = [entry["step"].clone() for entry in state.values()]
        # A failure inside training: Adam has taken steps on the first epoch
        # when the loss overflows to NaN.
        with pytest.raises(ValueError, match=r"training loss is NaN or infinite at Adam epoch 1"):
            quiet(lambda: failed.fit(X * 1e300, Y))
        assert failed._optimizer_state["state"] is state
        assert [entry["step"] for entry in state.values()] == steps  # not advanced in place
        quiet(lambda: untouched.fit(X, Y))
        quiet(lambda: failed.fit(X, Y))
        assert_array_equal(failed.coef_, untouched.coef_)


# ---------------------------------------------------------------------------
class TestFittedStateDispatch:
    def test_linear_refit_after_a_torch_student_predicts_linearly(self):
        est = quiet(
            lambda: DistilledClassifier(student=torch.nn.Linear(4, 3), max_iter=5).fit(X, Y)
        )
        est.set_params(student=None, **EXACT).fit(X, Y)
        assert not hasattr(est, "student_")
        reference = LogisticRegression(C=1.0, tol=1e-12, max_iter=1000).fit(X, Y)
        assert_allclose(est.predict_proba(X), reference.predict_proba(X), rtol=0, atol=1e-6)

    def test_regressor_linear_refit_after_a_student(self):
        est = DistilledRegressor(student=Ridge(alpha=1000.0)).fit(X, Y_REG)
        est.set_params(student=None).fit(X, Y_REG)
        assert not hasattr(est, "student_")
        assert_allclose(
            est.predict(X), LinearRegression().fit(X, Y_REG).predict(X), rtol=0, atol=1e-12
        )

    @pytest.mark.parametrize(
        "change", [{"dtype": "float64"}, {"student": None}, {"device": "auto"}]
    )
    def test_parameters_changed_after_fit_do_not_change_predictions(self, change):
        est = quiet(
            lambda: DistilledClassifier(student=torch.nn.Linear(4, 3), max_iter=5).fit(X, Y)
        )
        expected = est.predict_proba(X)
        est.set_params(**change)
        assert_array_equal(est.predict_proba(X), expected)


# ---------------------------------------------------------------------------
class NaNStudent(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(4, 3)

    def forward(self, x):
        out = self.linear(x)
        if not self.training:
            out = out.clone()
            out[1] = float("nan")
        return out


class TestFinitePredictions:
    @pytest.mark.parametrize(
        "method", ["predict", "predict_proba", "predict_log_proba", "decision_function"]
    )
    def test_torch_student_nan_is_an_error(self, method):
        est = quiet(lambda: DistilledClassifier(student=NaNStudent(), max_iter=3).fit(X, Y))
        with pytest.raises(
            ValueError, match=r"NaN or infinite predictions on 1 row\(s\) of X, e.g. row 1"
        ):
            getattr(est, method)(X)

    def test_linear_overflow_is_an_error(self):
        est = DistilledClassifier().fit(X, Y)
        X_huge = X.copy()
        X_huge[7] = np.sign(est.coef_[0]) * np.finfo(np.float64).max  # class 0's score overflows
        assert np.abs(est.coef_[0]).sum() > 1.0
        with pytest.raises(
            ValueError, match=r"NaN or infinite predictions on 1 row\(s\) of X, e.g. row 7"
        ):
            est.predict_proba(X_huge)

    def test_regressor_student_nan_is_an_error(self):
        class NaNRegressor(Ridge):
            def predict(self, X):
                out = super().predict(X)
                out[2] = np.nan
                return out

        est = DistilledRegressor(student=NaNRegressor()).fit(X, Y_REG)
        with pytest.raises(
            ValueError, match=r"DistilledRegressor computed NaN or infinite predictions on 1 row"
        ):
            est.predict(X)

    def test_regressor_linear_overflow_is_an_error(self):
        est = DistilledRegressor().fit(X, Y_REG)
        with pytest.raises(ValueError, match=r"NaN or infinite predictions on 2 row"):
            est.predict(np.vstack([X[:3], np.full((2, 4), 1e308)]))


# ---------------------------------------------------------------------------
class TestExtremeScales:
    @pytest.mark.parametrize("scale", [1e-170, 1e-155, 1e150, 1e200])
    def test_regressor_fits_features_whose_squares_leave_float64(self, scale):
        X_scaled = X * scale
        expected = LinearRegression().fit(X, Y_REG).predict(X)
        got = DistilledRegressor().fit(X_scaled, Y_REG).predict(X_scaled)
        assert_allclose(got, expected, rtol=0, atol=1e-9)

    @pytest.mark.parametrize("scale", [1e-170, 1e-150, 1e155, 1e300])
    @pytest.mark.parametrize("alpha", [0.0, 0.5])
    def test_sparse_regressor_fits_features_of_extreme_scale(self, scale, alpha):
        # alpha on features of that scale: the same ridge as alpha / scale**2 on X.
        X_scaled = sp.csr_matrix(X * scale)
        got = DistilledRegressor(alpha=alpha).fit(X_scaled, Y_REG)
        with np.errstate(over="ignore", under="ignore", divide="ignore"):
            unscaled_alpha = np.float64(alpha) / np.float64(scale) ** 2 if alpha else 0.0
        if not np.isfinite(
            unscaled_alpha
        ):  # the penalty wins: coefficients zero, the mean predicted
            assert_allclose(got.coef_ * scale, 0.0, atol=1e-12)
            assert_allclose(got.predict(X_scaled), Y_REG.mean(), rtol=1e-12)
            return
        reference = (
            Ridge(alpha=unscaled_alpha, solver="svd").fit(X, Y_REG)
            if alpha
            else LinearRegression().fit(X, Y_REG)
        )
        assert_allclose(got.predict(X_scaled), reference.predict(X), rtol=0, atol=1e-8)
        assert_allclose(got.coef_ * scale, reference.coef_, rtol=1e-8, atol=1e-12)

    def test_sparse_features_with_a_large_offset(self):
        X_offset = X.copy()
        X_offset[:, 0] += 1e8
        expected = LinearRegression().fit(X_offset, Y_REG)
        got = DistilledRegressor().fit(sp.csr_matrix(X_offset), Y_REG)
        assert_allclose(got.coef_, expected.coef_, rtol=1e-6)
        assert_allclose(
            got.predict(sp.csr_matrix(X_offset)), expected.predict(X_offset), rtol=0, atol=1e-6
        )

    @pytest.mark.parametrize(
        "sigma, sigma_teacher, side", [(1e200, 1e-200, "overflow"), (1e-170, 1.0, "underflow")]
    )
    def test_unrepresentable_sigma_ratio_is_an_error(self, sigma, sigma_teacher, side):
        est = DistilledRegressor(
            LinearRegression().fit(X, Y_REG),
            teacher_weight=1.0,
            sigma=sigma,
            sigma_teacher=sigma_teacher,
        )
        with pytest.raises(
            ValueError, match=rf"sigma=.* and sigma_teacher=.*float64 cannot hold \({side}\)"
        ):
            est.fit(X, Y_REG, privileged_mask=np.arange(N) < 30)

    def test_large_representable_sigma_ratio_is_the_teacher_limit(self):
        answers = Y_REG + rng.normal(size=N)
        mask = np.arange(N) < 40
        huge = DistilledRegressor(teacher_weight=0.5, sigma=1e100).fit(
            X, Y_REG, teacher_output=answers, privileged_mask=mask
        )
        limit = DistilledRegressor(teacher_weight=1.0).fit(X[mask], answers[mask])
        assert_allclose(huge.coef_, limit.coef_, rtol=1e-9)

    def test_tiny_temperature_reaches_the_minimum_of_its_limit(self):
        # At T = 1e-15 the soft targets are the labels and the soft term is a
        # hinge of margin 0 scaled by 1 / T, zero wherever every row is on its
        # side: where the labels-only fit with alpha / (1 - lambda) separates
        # the rows, that fit is the minimum (scipy's L-BFGS-B stalled here).
        y = (X[:, 0] > 0).astype(int)
        soft = np.column_stack([0.9 - 0.8 * y, 0.1 + 0.8 * y])
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            got = DistilledClassifier(
                temperature=1e-15, dtype="float64", max_iter=500, tol=1e-10
            ).fit(X, y, teacher_output=soft)
        limit = DistilledClassifier(
            teacher_weight=0.0, alpha=2.0, dtype="float64", max_iter=500, tol=1e-10
        ).fit(X, y)
        assert limit.score(X, y) == 1.0
        assert_allclose(got.coef_, limit.coef_, rtol=1e-6)
        assert_allclose(got.intercept_, limit.intercept_, rtol=1e-6)

    def test_adam_ignores_batches_of_zero_weight(self):
        weights = (np.arange(N) % 2).astype(float)
        X_other = X.copy()
        X_other[weights == 0] = 123.0  # rows of weight zero carry nothing

        def fit(data):
            estimator = DistilledClassifier(
                solver="adam", batch_size=2, max_iter=3, random_state=0, dtype="float64"
            )
            return quiet(lambda: estimator.fit(data, Y, sample_weight=weights))

        first, second = fit(X), fit(X_other)
        assert np.all(np.isfinite(first.coef_))
        assert_array_equal(first.coef_, second.coef_)


# ---------------------------------------------------------------------------
class TestRankDeficient:
    def test_duplicated_columns_share_the_coefficient(self):
        X_dup = np.hstack([X, X[:, :1]])
        got = DistilledRegressor().fit(X_dup, Y_REG)
        coef = LinearRegression().fit(X, Y_REG).coef_
        assert_allclose(got.coef_, [coef[0] / 2, *coef[1:], coef[0] / 2], rtol=1e-10)

    def test_fewer_rows_than_columns_is_minimum_norm(self):
        X_wide, y = X[:3], Y_REG[:3]
        got = DistilledRegressor(fit_intercept=False).fit(X_wide, y)
        assert_allclose(got.coef_, np.linalg.pinv(X_wide) @ y, rtol=1e-10)

    @pytest.mark.parametrize("sparse", [False, True])
    def test_constant_column_gets_coefficient_zero(self, sparse):
        X_const = np.hstack([X, np.full((N, 1), 3.7)])
        data = sp.csr_matrix(X_const) if sparse else X_const
        got = DistilledRegressor().fit(data, Y_REG)
        expected = LinearRegression().fit(X, Y_REG)
        assert got.coef_[-1] == 0.0
        assert_allclose(got.coef_[:-1], expected.coef_, rtol=1e-8)
        assert_allclose(got.intercept_, expected.intercept_, rtol=1e-8)

    def test_column_constant_on_the_weighted_rows(self):
        weights = np.ones(N)
        weights[:5] = 0.0
        X_const = np.hstack([X, np.where(np.arange(N) < 5, rng.normal(size=N), 2.0)[:, None]])
        got = DistilledRegressor().fit(X_const, Y_REG, sample_weight=weights)
        expected = LinearRegression().fit(X[5:], Y_REG[5:])
        assert got.coef_[-1] == 0.0
        assert_allclose(got.coef_[:-1], expected.coef_, rtol=1e-8)

    def test_collinear_design_with_ridge_penalty_equals_ridge(self):
        X_col = np.hstack([X, X[:, :2] @ [[1.0], [2.0]]])
        got = DistilledRegressor(alpha=0.3).fit(X_col, Y_REG)
        expected = Ridge(alpha=0.3, solver="svd").fit(X_col, Y_REG)
        assert_allclose(got.coef_, expected.coef_, rtol=1e-9)


# ---------------------------------------------------------------------------
class TestClearErrors:
    def test_teacher_returning_a_grad_tensor_is_detached(self):
        module = torch.nn.Linear(4, 3).double()
        est = DistilledClassifier(lambda rows: module(torch.as_tensor(rows)), **EXACT).fit(
            X, Y, X_star=X_STAR
        )
        with torch.no_grad():
            logits = module(torch.as_tensor(X_STAR)).numpy()
        reference = DistilledClassifier(**EXACT).fit(
            X,
            Y,
            teacher_output=logits,
        )
        reference_kind = DistilledClassifier(teacher_output_kind="logits", **EXACT).fit(
            X, Y, teacher_output=logits
        )
        assert_array_equal(est.coef_, reference_kind.coef_)
        assert reference.n_iter_ > 0

    @pytest.mark.parametrize("output", [None, {"logits": 0}, "tuple"])
    def test_teacher_returning_no_single_array_is_a_type_error(self, output):
        def teacher(rows):
            if output == "tuple":
                return np.zeros((len(rows), 3)), np.zeros(len(rows))
            return output

        with pytest.raises(
            TypeError,
            match=r"The teacher function returned (NoneType|dict|tuple); a teacher must return one array",
        ):
            DistilledClassifier(teacher).fit(X, Y, X_star=X_STAR)

    def test_torch_teacher_returning_a_tuple_is_a_type_error(self):
        class Pair(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.linear = torch.nn.Linear(4, 3).double()

            def forward(self, x):
                return self.linear(x), x

        with pytest.raises(TypeError, match=r"The teacher Pair returned tuple"):
            DistilledClassifier(Pair().eval()).fit(X, Y, X_star=X_STAR)

    def test_training_mode_teacher_that_cannot_be_copied(self):
        class Locked(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.linear = torch.nn.Linear(4, 3).double()
                self.lock = threading.Lock()

            def forward(self, x):
                with self.lock:
                    return self.linear(x)

        teacher = Locked()
        with pytest.raises(
            TypeError, match=r"torch teacher Locked is in training mode.*teacher.eval\(\)"
        ):
            DistilledClassifier(teacher).fit(X, Y, X_star=X_STAR)
        assert teacher.training  # not switched
        est = DistilledClassifier(teacher.eval(), max_iter=5, tol=1e-2).fit(X, Y, X_star=X_STAR)
        assert est.n_iter_ >= 1

    def test_torch_teacher_with_float64_buffers_only(self):
        class Buffered(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.register_buffer(
                    "w", torch.as_tensor(np.random.RandomState(3).normal(size=(4, 3)))
                )

            def forward(self, x):
                return x @ self.w

        est = DistilledClassifier(Buffered(), teacher_output_kind="logits", **EXACT).fit(
            X, Y, X_star=X_STAR
        )
        reference = DistilledClassifier(teacher_output_kind="logits", **EXACT).fit(
            X, Y, teacher_output=X_STAR @ Buffered().w.numpy()
        )
        # torch's and numpy's float64 products may round differently (numpy 1.23's OpenBLAS).
        assert_allclose(est.coef_, reference.coef_, rtol=1e-10, atol=1e-12)

    def test_student_without_trainable_parameters(self):
        student = torch.nn.Linear(4, 3)
        student.requires_grad_(False)
        with pytest.raises(ValueError, match=r"student Linear has no trainable parameters"):
            DistilledClassifier(student=student).fit(X, Y)

    def test_student_returning_a_tuple(self):
        class Pair(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.linear = torch.nn.Linear(4, 3)

            def forward(self, x):
                return self.linear(x), x

        with pytest.raises(
            TypeError, match=r"The student returned tuple; a torch student must return one tensor"
        ):
            DistilledClassifier(student=Pair()).fit(X, Y)

    def test_student_returning_float64_for_float32_training(self):
        class Widening(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.linear = torch.nn.Linear(4, 3)

            def forward(self, x):
                return self.linear(x).double()

        with pytest.raises(
            ValueError,
            match=r"returned torch.float64 logits .* for torch.float32 input.*dtype parameter",
        ):
            DistilledClassifier(student=Widening()).fit(X, Y)

    @pytest.mark.parametrize(
        "device, match",
        [
            ("meta", r"device='meta' is not supported"),
            ("mps", r"device='mps' is not supported"),
            ("cuda:7", r"device='cuda:7' (was requested but CUDA is not available|names GPU 7)"),
            ("gpu", r"device='gpu' is not a torch device"),
        ],
    )
    def test_unsupported_devices(self, device, match):
        with pytest.raises(ValueError, match=match):
            DistilledClassifier(device=device).fit(X, Y)

    @pytest.mark.parametrize(
        "make",
        [
            lambda: DistilledClassifier(LogisticRegression),
            lambda: DistilledClassifier(student=torch.nn.Linear),
            lambda: DistilledRegressor(LinearRegression),
            lambda: DistilledRegressor(student=Ridge),
        ],
    )
    def test_a_class_instead_of_an_instance(self, make):
        est = make()
        y = Y if isinstance(est, DistilledClassifier) else Y_REG
        with pytest.raises(
            TypeError, match=r"(teacher|student) must be an instance, got the class \w+ itself"
        ):
            est.fit(X, y, X_star=X_STAR if est.teacher is not None else None)

    def test_early_stopping_on_too_few_rows(self):
        with pytest.raises(
            ValueError, match=r"early_stopping=True holds out validation_fraction=0.1 of 12 rows"
        ):
            DistilledClassifier(solver="adam", early_stopping=True).fit(X[:12], Y[:12])

    @pytest.mark.parametrize(
        "change, match",
        [
            (lambda est: est.fit(X[:, :3], Y), r"n_features 4 -> 3"),
            (
                lambda est: est.set_params(fit_intercept=False).fit(X, Y),
                r"fit_intercept True -> False",
            ),
            (
                lambda est: est.set_params(student=torch.nn.Linear(4, 3)).fit(X, Y),
                r"student NoneType -> Linear",
            ),
            (lambda est: est.fit(X, np.arange(N) % 2), r"classes \[0, 1, 2\] -> \[0, 1\]"),
        ],
    )
    def test_warm_start_refuses_a_different_problem(self, change, match):
        est = DistilledClassifier(warm_start=True, max_iter=20).fit(X, Y)
        with pytest.raises(
            ValueError, match=r"warm_start=True continues the previous fit.*" + match
        ):
            quiet(lambda: change(est))

    def test_warm_start_refuses_a_new_torch_student(self):
        est = quiet(
            lambda: DistilledClassifier(
                student=torch.nn.Linear(4, 3), warm_start=True, max_iter=3
            ).fit(X, Y)
        )
        with pytest.raises(ValueError, match=r"student Linear -> Sequential"):
            est.set_params(student=torch.nn.Sequential(torch.nn.Linear(4, 3))).fit(X, Y)

    @pytest.mark.parametrize("wrap", [lambda t: t, FrozenEstimator])
    def test_regressor_refuses_a_classifier_teacher(self, wrap):
        teacher = wrap(LogisticRegression().fit(X_STAR, Y))
        with pytest.raises(ValueError, match=r"teacher \w+ of DistilledRegressor is a classifier"):
            DistilledRegressor(teacher).fit(X, Y_REG, X_star=X_STAR)

    def test_teacher_answers_without_X_star(self):
        with pytest.raises(
            TypeError, match=r"X_star must be an array-like of privileged features, got None"
        ):
            teacher_answers(LinearRegression().fit(X, Y_REG), None)

    def test_teacher_answers_with_answers_of_the_wrong_row_count(self):
        with pytest.raises(
            ValueError,
            match=r"teacher's answers must have one row per privileged row, shape \(60,\)",
        ):
            teacher_answers(lambda rows: np.zeros(len(rows) - 1), X_STAR)

    @pytest.mark.parametrize(
        "teacher, shape",
        [
            (LogisticRegression().fit(X_STAR, Y), (N, 3)),
            (LinearRegression().fit(X_STAR, Y_REG), (N,)),
            (torch.nn.Linear(4, 2).double(), (N, 2)),
        ],
    )
    def test_teacher_answers_on_an_empty_mask(self, teacher, shape):
        answers = teacher_answers(teacher, X_STAR, privileged_mask=np.zeros(N, dtype=bool))
        assert answers.shape == shape and np.all(np.isnan(answers))

    def test_teacher_answers_on_an_empty_mask_for_a_callable(self):
        with pytest.raises(ValueError, match=r"privileged_mask selects no row"):
            teacher_answers(
                lambda rows: rows[:, 0], X_STAR, privileged_mask=np.zeros(N, dtype=bool)
            )

    def test_student_taking_sample_weight_through_kwargs(self):
        student = GridSearchCV(Ridge(), {"alpha": [1e-8]}, cv=3)
        weights = rng.uniform(0.5, 2.0, size=N)
        got = DistilledRegressor(student=student).fit(X, Y_REG, sample_weight=weights)
        expected = Ridge(alpha=1e-8).fit(X, Y_REG, sample_weight=weights)
        assert_allclose(got.predict(X), expected.predict(X), rtol=1e-9)

    def test_clone_of_a_failed_estimator_is_clean(self):
        est = DistilledClassifier(device="meta")
        with pytest.raises(ValueError):
            est.fit(X, Y)
        assert vars(clone(est).set_params(device="cpu").fit(X, Y))["n_features_in_"] == 4


def test_float64_fit_of_offset_features_warns_or_reaches_the_optimum():
    # Features sharing a common offset of 1e6 (timestamps, years): the loss
    # loses digits to cancellation. The fit must reach LogisticRegression's
    # objective, or say that it did not.
    from sklearn.datasets import make_classification

    X_raw, y_raw = make_classification(
        n_samples=500, n_features=8, n_informative=5, n_redundant=0, random_state=2
    )
    X_off = X_raw + 1e6

    def objective(coef, intercept):
        z = X_off @ coef.ravel() + intercept[0]
        return np.mean(np.logaddexp(0, z) - y_raw * z) + (coef**2).sum() / (2 * len(y_raw))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        got = DistilledClassifier(dtype="float64").fit(X_off, y_raw)
    reference = LogisticRegression(tol=1e-8, max_iter=10000).fit(X_off, y_raw)
    warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    gap = objective(got.coef_, got.intercept_) - objective(reference.coef_, reference.intercept_)
    assert warned or gap <= 1e-3


@pytest.mark.parametrize("factor", [1e40, 1e-30])
def test_weights_beyond_float32_are_scaled_with_alpha(factor):
    # The objective is the same when the weights and alpha scale together; float32
    # cannot hold the weights themselves, so training scales both back.
    from sklearn.datasets import make_classification

    X_w, y_w = make_classification(
        n_samples=300, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    weights = np.random.RandomState(0).uniform(0.5, 2.0, size=300)
    reference = DistilledClassifier(tol=1e-6, max_iter=1000).fit(X_w, y_w, sample_weight=weights)
    scaled = DistilledClassifier(alpha=factor, tol=1e-6, max_iter=1000).fit(
        X_w, y_w, sample_weight=weights * factor
    )
    assert_allclose(scaled.coef_, reference.coef_, atol=1e-3)


def test_a_penalty_beyond_float32_names_alpha_and_sample_weight():
    weights = np.full(N, 1e-300)  # a penalty of 1.7e298: beyond float32, within float64
    with pytest.raises(
        ValueError, match=r"alpha=1\.0 over the total sample_weight .* dtype='float64'"
    ):
        DistilledClassifier().fit(X, Y, sample_weight=weights)
    DistilledClassifier(dtype="float64").fit(X, Y, sample_weight=weights)
    # A penalty of 1.7e28 keeps the coefficients tiny; float32 trains with it.
    tiny = DistilledClassifier().fit(X, Y, sample_weight=np.full(N, 1e-30))
    assert np.all(np.abs(tiny.coef_) < 1e-20) and np.all(np.isfinite(tiny.intercept_))

"""Bad input, one table: every failure a user can meet, and what it says.

Each case is a callable that triggers the failure (it gets ``tmp_path`` for
the loaders' corrupt files), the exception type, and a regular expression the
message must match; the expression names the parameter at fault (``X_star``,
``privileged_mask``, ``teacher_output``, ``teacher``, ``temperature``, ...,
or the file for the loaders). ``docs/errors.md`` explains each message and
what to do.

A teacher that raises: its exception propagates unchanged (same object, type
and message, so the caller's ``except`` clauses keep working); on Python 3.11+
a note says which teacher failed on how many privileged rows.
"""

import gzip
import struct
import sys

import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp
import torch
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.svm import LinearSVC

from skdistill import DistilledClassifier, DistilledRegressor, teacher_answers
from skdistill.datasets import (
    load_fashion_mnist,
    load_sarcos,
    load_sentiment140,
    make_privileged_classification,
    read_idx,
)

N = 24
_rng = np.random.RandomState(0)
X = _rng.normal(size=(N, 3))
X_STAR = _rng.normal(size=(N, 2))
Y_REG = X @ [1.0, 2.0, 3.0] + X_STAR @ [1.0, -1.0]
Y_CLS = np.arange(N) % 3
MASK = np.arange(N) % 2 == 0
REG_TEACHER = LinearRegression().fit(X_STAR, Y_REG)
CLS_TEACHER = LogisticRegression().fit(X_STAR, Y_CLS)
FAST = dict(max_iter=5, tol=1e-2)  # the classifier fails before or soon after training starts


class UnweightedClassifier(KNeighborsClassifier):
    """A classifier with predict_proba whose fit takes no sample_weight."""


class TeacherFailure(Exception):
    """The user's own exception type, raised by a teacher."""


def raising_teacher(rows):
    raise TeacherFailure("teacher exploded on purpose")


def with_nan_in_mask(a):
    a = np.array(a, dtype=np.float64)
    a[np.flatnonzero(MASK)[1]] = np.nan
    return a


def with_value(a, index, value):
    a = np.array(a, dtype=np.float64)
    a[index] = value
    return a


def reg(teacher=REG_TEACHER, *, params=None, X=X, y=Y_REG, **fit_kwargs):
    fit_kwargs.setdefault("X_star", X_STAR if teacher is not None else None)
    return DistilledRegressor(teacher, **(params or {})).fit(X, y, **fit_kwargs)


def cls(teacher=CLS_TEACHER, *, params=None, X=X, y=Y_CLS, **fit_kwargs):
    fit_kwargs.setdefault("X_star", X_STAR if teacher is not None else None)
    return DistilledClassifier(teacher, **{**FAST, **(params or {})}).fit(X, y, **fit_kwargs)


def cls_answers(answers):
    """A callable teacher returning ``answers(n_rows)``."""
    return lambda rows: answers(np.shape(rows)[0])


def skip_with_cuda():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")


# ---------------------------------------------------------------- loaders' files


def idx_bytes(array, type_code=0x08):
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(">u1").tobytes()


def write(path, data):
    path.write_bytes(data)
    return path


def fashion_folder(tmp, *, n_labels=3, image_shape=(3, 28, 28), label=0):
    files = {
        "train-images-idx3-ubyte.gz": idx_bytes(np.zeros(image_shape, np.uint8)),
        "train-labels-idx1-ubyte.gz": idx_bytes(np.full(n_labels, label, np.uint8)),
        "t10k-images-idx3-ubyte.gz": idx_bytes(np.zeros((3, 28, 28), np.uint8)),
        "t10k-labels-idx1-ubyte.gz": idx_bytes(np.zeros(3, np.uint8)),
    }
    for name, data in files.items():
        write(tmp / name, gzip.compress(data))
    return tmp


def sarcos_folder(tmp, **variables):
    scipy.io.savemat(tmp / "sarcos_inv_test.mat", variables)
    return tmp


def truncated_sarcos(tmp):
    path = sarcos_folder(tmp, sarcos_inv_test=np.ones((200, 28))) / "sarcos_inv_test.mat"
    path.write_bytes(path.read_bytes()[:1000])
    return tmp


def sentiment_folder(tmp, negative, positive=b"good day\n"):
    write(tmp / "negative.txt", negative)
    write(tmp / "positive.txt", positive)
    return tmp


def case(trigger, error, match, id):
    return pytest.param(trigger, error, match, id=id)


CASES = [
    # --- DistilledRegressor: privileged data misaligned or malformed
    case(
        lambda t: reg(X_star=X_STAR[:-1]),
        ValueError,
        r"X_star has 23 rows but X has 24",
        "R-X_star-short",
    ),
    case(
        lambda t: reg(X_star=np.vstack([X_STAR, X_STAR[:1]])),
        ValueError,
        r"X_star has 25 rows",
        "R-X_star-long",
    ),
    case(lambda t: reg(X_star=X_STAR[:, 0]), ValueError, r"X_star must be 2-D", "R-X_star-1d"),
    case(
        lambda t: reg(X_star=3.0),
        TypeError,
        r"X_star must be an array-like with 24 rows",
        "R-X_star-scalar",
    ),
    case(
        lambda t: reg(X_star=np.hstack([X_STAR, X_STAR])),
        ValueError,
        r"X_star has 4 columns but the teacher LinearRegression was fitted on 2",
        "R-X_star-width",
    ),
    case(
        lambda t: reg(X_star=None),
        ValueError,
        r"X has 3 columns but the teacher .* Pass .* as X_star",
        "R-X_star-forgotten",
    ),
    case(
        lambda t: reg(privileged_mask=MASK[:-1]),
        ValueError,
        r"privileged_mask must have shape \(24,\)",
        "R-mask-short",
    ),
    case(
        lambda t: reg(privileged_mask=MASK[:, None]),
        ValueError,
        r"privileged_mask must have shape",
        "R-mask-2d",
    ),
    case(
        lambda t: reg(privileged_mask=MASK.astype(int)),
        TypeError,
        r"privileged_mask must be a boolean",
        "R-mask-int",
    ),
    case(
        lambda t: reg(None, teacher_output=Y_REG[:-1]),
        ValueError,
        r"teacher_output has 23 rows",
        "R-teacher_output-short",
    ),
    case(
        lambda t: reg(None, teacher_output=np.c_[Y_REG, Y_REG]),
        ValueError,
        r"teacher_output must hold one number per privileged row",
        "R-teacher_output-2-columns",
    ),
    case(
        lambda t: reg(None, teacher_output=np.array(["a"] * N)),
        ValueError,
        r"teacher_output must be numbers",
        "R-teacher_output-strings",
    ),
    case(
        lambda t: reg(None, teacher_output=1.0),
        TypeError,
        r"teacher_output must be an array-like",
        "R-teacher_output-scalar",
    ),
    case(
        lambda t: reg(None, X_star=X_STAR),
        ValueError,
        r"X_star was given but there is neither a `teacher`",
        "R-X_star-without-teacher",
    ),
    case(
        lambda t: reg(None, privileged_mask=MASK),
        ValueError,
        r"privileged_mask was given but there is neither",
        "R-mask-without-teacher",
    ),
    # --- DistilledRegressor: NaN / inf where not allowed
    case(
        lambda t: reg(X=with_value(X, (0, 0), np.nan)),
        ValueError,
        r"Input X contains NaN",
        "R-X-nan",
    ),
    case(
        lambda t: reg(X=with_value(X, (0, 0), np.inf)),
        ValueError,
        r"Input X contains infinity",
        "R-X-inf",
    ),
    case(
        lambda t: reg(y=with_value(Y_REG, 0, np.nan)),
        ValueError,
        r"Input y contains NaN",
        "R-y-nan",
    ),
    case(
        lambda t: reg(y=np.c_[Y_REG, Y_REG]),
        ValueError,
        r"predictions must hold one number for each of the 2 outputs of y per privileged row",
        "R-y-2d-single-output-teacher",
    ),
    case(
        lambda t: reg(y=np.c_[Y_REG, Y_REG], teacher_output=np.c_[Y_REG, Y_REG, Y_REG]),
        ValueError,
        r"teacher_output must hold one number for each of the 2 outputs",
        "R-y-2d-teacher_output-3",
    ),
    case(
        lambda t: reg(X_star=with_nan_in_mask(X_STAR), privileged_mask=MASK),
        ValueError,
        r"Input X_star \(on privileged rows\) contains NaN",
        "R-X_star-nan-in-mask",
    ),
    case(
        lambda t: reg(X_star=sp.csr_matrix(with_nan_in_mask(X_STAR)), privileged_mask=MASK),
        ValueError,
        r"Input X_star \(on privileged rows\) contains NaN",
        "R-X_star-sparse-nan-in-mask",
    ),
    case(
        lambda t: reg(None, teacher_output=with_nan_in_mask(Y_REG), privileged_mask=MASK),
        ValueError,
        r"teacher_output contain NaN or infinity on privileged rows",
        "R-teacher_output-nan-in-mask",
    ),
    # --- DistilledRegressor: a misbehaving teacher
    case(
        lambda t: reg(raising_teacher),
        TeacherFailure,
        r"^teacher exploded on purpose",
        "R-teacher-raises",
    ),
    case(
        lambda t: reg(lambda rows: np.ones((len(rows), 2))),
        ValueError,
        r"the teacher's predictions must hold one number per privileged row",
        "R-teacher-2-columns",
    ),
    case(
        lambda t: reg(lambda rows: np.ones(3)),
        ValueError,
        r"teacher's predictions must hold one number .*\(24,\)",
        "R-teacher-wrong-length",
    ),
    case(
        lambda t: reg(lambda rows: np.full(len(rows), np.nan)),
        ValueError,
        r"the teacher's predictions contain NaN",
        "R-teacher-nan",
    ),
    case(
        lambda t: reg(lambda rows: np.full(len(rows), np.inf)),
        ValueError,
        r"the teacher's predictions contain NaN or infinity",
        "R-teacher-inf",
    ),
    case(
        lambda t: reg(lambda rows: np.array(["x"] * len(rows))),
        ValueError,
        r"teacher function returned answers that are not numbers",
        "R-teacher-strings",
    ),
    case(
        lambda t: reg(LinearRegression()),
        NotFittedError,
        r"teacher LinearRegression is not fitted",
        "R-teacher-unfitted",
    ),
    case(
        lambda t: reg(42),
        ValueError,
        r"'teacher' parameter of DistilledRegressor",
        "R-teacher-not-callable",
    ),
    # --- DistilledRegressor: parameters out of range or of the wrong type
    case(
        lambda t: reg(params=dict(teacher_weight=1.5)),
        ValueError,
        r"'teacher_weight' parameter",
        "R-teacher_weight-above-1",
    ),
    case(
        lambda t: reg(params=dict(teacher_weight=-0.1)),
        ValueError,
        r"'teacher_weight' parameter",
        "R-teacher_weight-negative",
    ),
    case(
        lambda t: reg(params=dict(teacher_weight="half")),
        ValueError,
        r"'teacher_weight' parameter",
        "R-teacher_weight-str",
    ),
    case(lambda t: reg(params=dict(sigma=0.0)), ValueError, r"'sigma' parameter", "R-sigma-zero"),
    case(lambda t: reg(params=dict(sigma=np.nan)), ValueError, r"'sigma' parameter", "R-sigma-nan"),
    case(
        lambda t: reg(params=dict(sigma_teacher=-1.0)),
        ValueError,
        r"'sigma_teacher' parameter",
        "R-sigma_teacher-negative",
    ),
    case(
        lambda t: reg(params=dict(sigma_teacher=np.inf)),
        ValueError,
        r"'sigma_teacher' parameter",
        "R-sigma_teacher-inf",
    ),
    case(
        lambda t: reg(params=dict(alpha=-1.0)), ValueError, r"'alpha' parameter", "R-alpha-negative"
    ),
    case(
        lambda t: reg(params=dict(fit_intercept="yes")),
        ValueError,
        r"'fit_intercept' parameter",
        "R-fit_intercept-str",
    ),
    case(
        lambda t: reg(params=dict(student=KNeighborsRegressor())),
        TypeError,
        r"student KNeighborsRegressor does not accept sample_weight",
        "R-student-without-sample_weight",
    ),
    case(
        lambda t: reg(params=dict(student=object())),
        ValueError,
        r"'student' parameter",
        "R-student-not-estimator",
    ),
    # --- DistilledRegressor: sample_weight, empty data, predict
    case(
        lambda t: reg(sample_weight=np.ones(N - 1)),
        ValueError,
        r"sample_weight\.shape == \(23,\)",
        "R-sample_weight-short",
    ),
    case(
        lambda t: reg(sample_weight=with_value(np.ones(N), 0, -1.0)),
        ValueError,
        r"sample_weight must be non-negative; got 1 negative",
        "R-sample_weight-negative",
    ),
    case(
        lambda t: reg(sample_weight=with_value(np.ones(N), 0, np.nan)),
        ValueError,
        r"Input sample_weight contains NaN",
        "R-sample_weight-nan",
    ),
    case(
        lambda t: reg(sample_weight=np.zeros(N)),
        ValueError,
        r"(?i)sample.weights? must",
        "R-sample_weight-zeros",
    ),
    case(
        lambda t: reg(None, X=X[:0], y=Y_REG[:0]),
        ValueError,
        r"0 sample\(s\) \(shape=\(0, 3\)\)",
        "R-X-empty",
    ),
    case(
        lambda t: DistilledRegressor().predict(X),
        NotFittedError,
        r"DistilledRegressor instance is not fitted",
        "R-predict-unfitted",
    ),
    case(
        lambda t: reg(None).predict(X[:, :2]),
        ValueError,
        r"X has 2 features, but DistilledRegressor",
        "R-predict-X-width",
    ),
    # --- DistilledClassifier: privileged data misaligned or malformed
    case(
        lambda t: cls(X_star=X_STAR[:-1]),
        ValueError,
        r"X_star has 23 rows but X has 24",
        "C-X_star-short",
    ),
    case(
        lambda t: cls(X_star=np.hstack([X_STAR, X_STAR])),
        ValueError,
        r"X_star has 4 columns but the teacher LogisticRegression",
        "C-X_star-width",
    ),
    case(
        lambda t: cls(privileged_mask=MASK.astype(float)),
        TypeError,
        r"privileged_mask must be a boolean",
        "C-mask-float",
    ),
    case(
        lambda t: cls(privileged_mask=MASK[1:]),
        ValueError,
        r"privileged_mask must have shape \(24,\)",
        "C-mask-short",
    ),
    case(
        lambda t: cls(None, teacher_output=np.full((N - 2, 3), 1 / 3)),
        ValueError,
        r"teacher_output has 22 rows but X has 24",
        "C-teacher_output-short",
    ),
    case(
        lambda t: cls(None, teacher_output=np.full((N, 4), 0.25)),
        ValueError,
        r"teacher_output\) have 4 columns but y has 3 classes",
        "C-teacher_output-columns",
    ),
    case(
        lambda t: cls(None, teacher_output=with_value(np.zeros((N, 3)), (0, 1), np.inf)),
        ValueError,
        r"teacher_output contains NaN or \+infinity on privileged rows",
        "C-teacher_output-inf",
    ),
    case(
        lambda t: cls(None, teacher_output=with_value(np.zeros((N, 3)), (0, 1), np.nan)),
        ValueError,
        r"teacher_output contains NaN or \+infinity",
        "C-teacher_output-nan",
    ),
    case(
        lambda t: cls(None, teacher_output=np.zeros((N, 3, 1))),
        ValueError,
        r"teacher_output must be 1-D or 2-D",
        "C-teacher_output-3d",
    ),
    case(
        lambda t: cls(
            None, params=dict(teacher_output_kind="proba"), teacher_output=np.full((N, 3), 2.0)
        ),
        ValueError,
        r"teacher_output was declared as probabilities",
        "C-teacher_output-not-probabilities",
    ),
    case(
        lambda t: cls(None, teacher_output=np.full((N, 3), "p")),
        ValueError,
        r"teacher_output must be numbers",
        "C-teacher_output-strings",
    ),
    # --- DistilledClassifier: NaN / inf where not allowed, labels
    case(
        lambda t: cls(
            X_star=with_value(X_STAR, (int(np.flatnonzero(MASK)[0]), 1), np.inf),
            privileged_mask=MASK,
        ),
        ValueError,
        r"Input X_star \(on privileged rows\) contains infinity",
        "C-X_star-inf-in-mask",
    ),
    case(
        lambda t: cls(X=with_value(X, (3, 2), -np.inf)),
        ValueError,
        r"Input X contains infinity",
        "C-X-inf",
    ),
    case(
        lambda t: cls(None, y=with_value(Y_CLS, 0, np.nan)),
        ValueError,
        r"Input y contains NaN",
        "C-y-nan",
    ),
    case(
        lambda t: cls(None, y=np.linspace(0, 1, N)),
        ValueError,
        r"Unknown label type.*regression target",
        "C-y-continuous",
    ),
    case(
        lambda t: cls(None, y=np.ones(N)),
        ValueError,
        r"y must hold at least two classes",
        "C-y-single-class",
    ),
    case(
        lambda t: cls(None, X=X[:0], y=Y_CLS[:0]),
        ValueError,
        r"0 sample\(s\) \(shape=\(0, 3\)\)",
        "C-X-empty",
    ),
    # --- DistilledClassifier: a misbehaving teacher
    case(
        lambda t: cls(raising_teacher),
        TeacherFailure,
        r"^teacher exploded on purpose",
        "C-teacher-raises",
    ),
    case(
        lambda t: cls(cls_answers(lambda n: np.zeros((n - 1, 3)))),
        ValueError,
        r"teacher's answers must hold one row of class scores per privileged row",
        "C-teacher-wrong-rows",
    ),
    case(
        lambda t: cls(cls_answers(lambda n: np.zeros((n, 3, 1)))),
        ValueError,
        r"teacher's answers must hold one row of class scores .* got shape \(24, 3, 1\)",
        "C-teacher-3d",
    ),
    case(
        lambda t: cls(cls_answers(lambda n: with_value(np.zeros((n, 3)), (0, 0), np.nan))),
        ValueError,
        r"teacher's answers contain NaN",
        "C-teacher-nan",
    ),
    case(
        lambda t: cls(cls_answers(lambda n: with_value(np.zeros((n, 3)), (2, 1), np.inf))),
        ValueError,
        r"teacher's answers contain NaN or \+infinity",
        "C-teacher-plus-inf",
    ),
    case(
        lambda t: cls(cls_answers(lambda n: with_value(np.zeros((n, 3)), 4, -np.inf))),
        ValueError,
        r"teacher gives probability zero \(logit -inf\) to every class of y on 1 privileged row",
        "C-teacher-all-minus-inf",
    ),
    case(
        lambda t: cls(cls_answers(lambda n: np.full((n, 3), "x"))),
        ValueError,
        r"teacher function returned answers that are not numbers",
        "C-teacher-strings",
    ),
    case(
        lambda t: cls(LogisticRegression().fit(X_STAR, np.array(["a", "b", "c"])[Y_CLS])),
        ValueError,
        r"teacher's classes \['a', 'b', 'c'\] do not cover the labels \[0, 1, 2\] found in y",
        "C-teacher-classes-differ",
    ),
    case(
        lambda t: cls(cls_answers(lambda n: np.zeros((n, 2)))),
        ValueError,
        r"teacher answers \(teacher or teacher_output\) have 2 columns but y has 3",
        "C-teacher-columns",
    ),
    case(
        lambda t: cls(LogisticRegression()),
        NotFittedError,
        r"teacher LogisticRegression is not fitted",
        "C-teacher-unfitted",
    ),
    case(
        lambda t: cls(REG_TEACHER),
        ValueError,
        r"'teacher' parameter of DistilledClassifier",
        "C-teacher-regressor",
    ),
    # --- DistilledClassifier: parameters out of range or of the wrong type
    case(
        lambda t: cls(params=dict(teacher_weight=1.5)),
        ValueError,
        r"'teacher_weight' parameter",
        "C-teacher_weight-above-1",
    ),
    case(
        lambda t: cls(params=dict(temperature=0.0)),
        ValueError,
        r"'temperature' parameter",
        "C-temperature-zero",
    ),
    case(
        lambda t: cls(params=dict(temperature="hot")),
        ValueError,
        r"'temperature' parameter",
        "C-temperature-str",
    ),
    case(
        lambda t: cls(params=dict(temperature=np.nan)),
        ValueError,
        r"'temperature' parameter",
        "C-temperature-nan",
    ),
    case(lambda t: cls(params=dict(loss="kl")), ValueError, r"'loss' parameter", "C-loss-unknown"),
    case(
        lambda t: cls(params=dict(solver="sgd")),
        ValueError,
        r"'solver' parameter",
        "C-solver-unknown",
    ),
    case(
        lambda t: cls(params=dict(max_iter=0)),
        ValueError,
        r"'max_iter' parameter",
        "C-max_iter-zero",
    ),
    case(
        lambda t: cls(params=dict(max_iter=1.5)),
        ValueError,
        r"'max_iter' parameter",
        "C-max_iter-float",
    ),
    case(
        lambda t: cls(params=dict(solver="adam", batch_size=0)),
        ValueError,
        r"'batch_size' parameter",
        "C-batch_size-zero",
    ),
    case(
        lambda t: cls(params=dict(batch_size="big")),
        ValueError,
        r"'batch_size' parameter",
        "C-batch_size-str",
    ),
    case(
        lambda t: cls(params=dict(alpha=-1.0)), ValueError, r"'alpha' parameter", "C-alpha-negative"
    ),
    case(
        lambda t: cls(params=dict(learning_rate=0.0)),
        ValueError,
        r"'learning_rate' parameter",
        "C-learning_rate-zero",
    ),
    case(
        lambda t: cls(params=dict(epsilon=0.5)),
        ValueError,
        r"'epsilon' parameter",
        "C-epsilon-half",
    ),
    case(
        lambda t: cls(params=dict(validation_fraction=1.0)),
        ValueError,
        r"'validation_fraction' parameter",
        "C-validation_fraction-one",
    ),
    case(
        lambda t: cls(params=dict(n_iter_no_change=0)),
        ValueError,
        r"'n_iter_no_change' parameter",
        "C-n_iter_no_change-zero",
    ),
    case(
        lambda t: cls(params=dict(dtype="float16")),
        ValueError,
        r"'dtype' parameter",
        "C-dtype-float16",
    ),
    case(
        lambda t: cls(params=dict(device="tpu")),
        ValueError,
        r"device='tpu' is not a torch device",
        "C-device-unknown",
    ),
    case(lambda t: cls(params=dict(device=0)), ValueError, r"'device' parameter", "C-device-int"),
    case(
        lambda t: (skip_with_cuda(), cls(params=dict(device="cuda"))),
        ValueError,
        r"device='cuda' was requested but CUDA is not available",
        "C-device-cuda-missing",
    ),
    # --- DistilledClassifier: torch students, sample_weight, predict
    case(
        lambda t: cls(params=dict(student=torch.nn.Linear(3, 5))),
        ValueError,
        r"student returns 5 columns but there are 3 classes",
        "C-student-output-width",
    ),
    case(
        lambda t: cls(params=dict(student=torch.nn.Linear(7, 3))),
        ValueError,
        r"student Linear failed on a batch of shape \(2, 3\).*n_features_in_=3",
        "C-student-input-width",
    ),
    case(
        lambda t: cls(
            params=dict(
                student=torch.nn.Sequential(
                    torch.nn.Linear(3, 3), torch.nn.Threshold(1e30, float("nan"))
                )
            )
        ),
        ValueError,
        r"training loss is NaN or infinite .* student's logits",
        "C-student-nan-logits",
    ),
    case(
        lambda t: cls(params=dict(student=LinearSVC())),
        ValueError,
        r"'student' parameter",
        "C-student-without-predict-proba",
    ),
    case(
        lambda t: cls(params=dict(student=LogisticRegression(), temperature=2.0)),
        ValueError,
        r"loss='distill' compares the teacher with the student at temperature=2.0.*loss='generalized'",
        "C-estimator-student-at-temperature",
    ),
    case(
        lambda t: cls(params=dict(student=LogisticRegression(), loss="probabilistic")),
        ValueError,
        r"loss='probabilistic' needs the student's logits",
        "C-estimator-student-probabilistic",
    ),
    case(
        lambda t: cls(params=dict(student=UnweightedClassifier(), loss="generalized")),
        TypeError,
        r"student UnweightedClassifier does not accept sample_weight",
        "C-estimator-student-without-weights",
    ),
    case(
        lambda t: DistilledClassifier().export_student(),
        NotFittedError,
        r"DistilledClassifier instance is not fitted",
        "C-export-before-fit",
    ),
    case(
        lambda t: DistilledRegressor().export_student(),
        NotFittedError,
        r"DistilledRegressor instance is not fitted",
        "R-export-before-fit",
    ),
    case(
        lambda t: cls(sample_weight=-np.ones(N)),
        ValueError,
        r"sample_weight must be non-negative",
        "C-sample_weight-negative",
    ),
    case(
        lambda t: cls(sample_weight=with_value(np.ones(N), 5, np.inf)),
        ValueError,
        r"Input sample_weight contains infinity",
        "C-sample_weight-inf",
    ),
    case(
        lambda t: cls(sample_weight=np.ones((N, 2))),
        ValueError,
        r"(?i)sample.weights? must be 1D",
        "C-sample_weight-2d",
    ),
    case(
        lambda t: DistilledClassifier(warm_start=True, **FAST).fit(X, Y_CLS).fit(X, Y_CLS % 2),
        ValueError,
        r"warm_start=True continues the previous fit, which needs the same classes.*classes \[0, 1, 2\] -> \[0, 1\]",
        "C-warm_start-other-classes",
    ),
    case(
        lambda t: DistilledClassifier().predict_proba(X),
        NotFittedError,
        r"DistilledClassifier instance is not fitted",
        "C-predict-unfitted",
    ),
    case(
        lambda t: cls(None).predict(X[:, :1]),
        ValueError,
        r"X has 1 features, but DistilledClassifier",
        "C-predict-X-width",
    ),
    # --- teacher_answers (precomputing answers for teacher_output)
    case(
        lambda t: teacher_answers(LogisticRegression(), X_STAR),
        NotFittedError,
        r"teacher LogisticRegression",
        "teacher_answers-unfitted",
    ),
    case(
        lambda t: teacher_answers(CLS_TEACHER, X_STAR, MASK[:-2]),
        ValueError,
        r"privileged_mask must have shape",
        "teacher_answers-mask-short",
    ),
    # --- loaders: corrupt, truncated or missing files
    case(
        lambda t: read_idx(write(t / "short.idx", idx_bytes(np.zeros(10, np.uint8))[:-5])),
        ValueError,
        r"short\.idx: IDX payload truncated",
        "read_idx-payload-truncated",
    ),
    case(
        lambda t: read_idx(write(t / "long.idx", idx_bytes(np.zeros(2, np.uint8)) + b"\x00")),
        ValueError,
        r"long\.idx: IDX payload has trailing bytes",
        "read_idx-trailing-bytes",
    ),
    case(
        lambda t: read_idx(write(t / "zip.idx", b"PK\x03\x04" + b"\x00" * 16)),
        ValueError,
        r"zip\.idx: not an IDX file, bad magic number 0x504b0304",
        "read_idx-bad-magic",
    ),
    case(
        lambda t: read_idx(write(t / "head.idx", bytes([0, 0, 8, 3]) + struct.pack(">I", 5))),
        ValueError,
        r"head\.idx: truncated IDX header",
        "read_idx-header-truncated",
    ),
    case(
        lambda t: read_idx(
            write(t / "cut.gz", gzip.compress(idx_bytes(np.zeros(50, np.uint8)))[:-10])
        ),
        ValueError,
        r"cut\.gz: corrupt or truncated gzip data",
        "read_idx-gzip-truncated",
    ),
    case(
        lambda t: read_idx(write(t / "empty.idx", b"")),
        ValueError,
        r"empty\.idx: not an IDX file, only 0 bytes",
        "read_idx-empty-file",
    ),
    case(
        lambda t: read_idx(7),
        TypeError,
        r"path must be a str or an os\.PathLike",
        "read_idx-path-int",
    ),
    case(
        lambda t: load_fashion_mnist(t / "nowhere", download=False),
        FileNotFoundError,
        r"(?s)Could not find the Fashion-MNIST data set.*nowhere.*Pass data_home=",
        "fashion-missing",
    ),
    case(
        lambda t: load_fashion_mnist(fashion_folder(t, n_labels=2), download=False),
        ValueError,
        r"train-labels-idx1-ubyte\.gz: 2 labels for 3 images",
        "fashion-label-count",
    ),
    case(
        lambda t: load_fashion_mnist(fashion_folder(t, image_shape=(3, 27, 28)), download=False),
        ValueError,
        r"train-images-idx3-ubyte\.gz: expected uint8 images of shape \(n, 28, 28\)",
        "fashion-image-shape",
    ),
    case(
        lambda t: load_fashion_mnist(fashion_folder(t, label=12), download=False),
        ValueError,
        r"train-labels-idx1-ubyte\.gz: labels must lie in 0\.\.9, found 12",
        "fashion-label-range",
    ),
    case(
        lambda t: load_fashion_mnist(3.5, download=False),
        TypeError,
        r"data_home must be a str",
        "fashion-data_home-float",
    ),
    case(
        lambda t: load_sarcos(write(t / "sarcos_inv_test.mat", b"MATLAB 5.0 junk" * 20).parent),
        ValueError,
        r"sarcos_inv_test\.mat: not a readable MATLAB file",
        "sarcos-not-matlab",
    ),
    case(
        lambda t: load_sarcos(truncated_sarcos(t)),
        ValueError,
        r"sarcos_inv_test\.mat: not a readable MATLAB file",
        "sarcos-truncated",
    ),
    case(
        lambda t: load_sarcos(sarcos_folder(t, other=np.zeros((2, 28)))),
        ValueError,
        r"sarcos_inv_test\.mat: no variable 'sarcos_inv_test'",
        "sarcos-missing-variable",
    ),
    case(
        lambda t: load_sarcos(sarcos_folder(t, sarcos_inv_test=np.zeros((2, 27)))),
        ValueError,
        r"sarcos_inv_test\.mat: expected 'sarcos_inv_test' of shape \(n, 28\)",
        "sarcos-shape",
    ),
    case(
        lambda t: load_sarcos(sarcos_folder(t, sarcos_inv_test=np.full((2, 28), np.nan))),
        ValueError,
        r"sarcos_inv_test\.mat: 'sarcos_inv_test' holds NaN",
        "sarcos-nan",
    ),
    case(
        lambda t: load_sarcos(sarcos_folder(t, sarcos_inv_test=np.full((2, 28), "a"))),
        ValueError,
        r"sarcos_inv_test\.mat: expected real numbers",
        "sarcos-strings",
    ),
    case(
        lambda t: load_sarcos(t / "nowhere"),
        FileNotFoundError,
        r"(?s)Could not find the SARCOS data set.*nowhere.*data_home=",
        "sarcos-missing",
    ),
    case(
        lambda t: load_sentiment140(sentiment_folder(t, b"bad \xff\xfe bytes\n")),
        ValueError,
        r"negative\.txt: not valid UTF-8",
        "sentiment140-not-utf8",
    ),
    case(
        lambda t: load_sentiment140(sentiment_folder(t, b"fine\n", b"  \n\n")),
        ValueError,
        r"positive\.txt: no tweets",
        "sentiment140-blank-file",
    ),
    case(
        lambda t: load_sentiment140(t / "nowhere"),
        FileNotFoundError,
        r"(?s)Could not find the Sentiment140 data set.*data_home=",
        "sentiment140-missing",
    ),
    case(
        lambda t: load_sentiment140(data_home=["a"]),
        TypeError,
        r"data_home must be a str",
        "sentiment140-data_home-list",
    ),
    case(
        lambda t: make_privileged_classification(n_classes=1),
        ValueError,
        r"n_classes must be >= 2",
        "make_privileged-one-class",
    ),
    case(
        lambda t: make_privileged_classification(n_samples=2.5),
        TypeError,
        r"n_samples must be an int",
        "make_privileged-float-samples",
    ),
]


@pytest.mark.parametrize("trigger, error, match", CASES)
def test_bad_input(trigger, error, match, tmp_path):
    with pytest.raises(error, match=match):
        trigger(tmp_path)


def test_table_size():
    assert len(CASES) >= 40


@pytest.mark.parametrize("make", [reg, cls], ids=["regressor", "classifier"])
def test_teacher_exception_propagates_unchanged(make):
    raised = []

    def teacher(rows):
        raised.append(TeacherFailure("boom"))
        raise raised[-1]

    with pytest.raises(TeacherFailure) as excinfo:
        make(teacher, privileged_mask=MASK)
    assert excinfo.value is raised[0]
    assert str(excinfo.value) == "boom"
    if sys.version_info >= (3, 11):
        assert any(
            f"teacher function on {MASK.sum()} privileged rows" in note
            for note in excinfo.value.__notes__
        )


def test_nan_outside_the_mask_is_allowed():
    # The twin of the NaN cases above: full-length X_star and teacher_output
    # may hold NaN on rows outside privileged_mask.
    X_star = np.where(MASK[:, None], X_STAR, np.nan)
    output = np.where(MASK, REG_TEACHER.predict(X_STAR), np.nan)
    a = reg(X_star=X_star, privileged_mask=MASK)
    b = reg(None, teacher_output=output, privileged_mask=MASK)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-10)
    proba = np.where(MASK[:, None], CLS_TEACHER.predict_proba(X_STAR), np.nan)
    c = cls(None, teacher_output=proba, privileged_mask=MASK)
    assert np.all(np.isfinite(c.coef_))

"""The paper's FashionMNIST experiment: a CNN teacher, a softmax-regression student.

Teacher: the authors' small CNN (conv 3@5x5 -> conv 9@5x5 -> 120 -> 84 -> 10,
29,176 parameters). The authors trained it for 20 epochs; on two CPU cores we
train it for 5 epochs of Adam (batch 128, step 2e-3), once per invocation
(seed 0), and cache its answers. Student: softmax regression on pixels / 255
(7850 parameters), T = 2, λ = 0.25, trained with Adam (batch 256, step 1e-3,
no penalty, as the authors' plain linear layer) one epoch at a time, so that
the train and test cross-entropy are measured after every epoch. The authors
trained the student for 100 epochs; we train 20 and report the last epoch.
Runs differ by the seed of the student's shuffling; the teacher is shared.
"""

import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .._classifier import DistilledClassifier
from .._teacher import teacher_answers
from ..datasets import load_fashion_mnist
from . import _cnn, _common

DATASET = "FashionMNIST"


@dataclass(frozen=True)
class Config:
    """Settings of the FashionMNIST experiment."""

    n_train: int | None = None  # None: all 60000
    n_test: int | None = None  # None: all 10000
    teacher_epochs: int = 5
    teacher_batch_size: int = 128
    teacher_learning_rate: float = 2e-3
    student_epochs: int = 20
    student_batch_size: int = 256
    student_learning_rate: float = 1e-3
    alpha: float = 0.0
    teacher_weight: float = 0.25
    temperature: float = 2.0


#: ``--quick``: 1000 training and 300 test images, 1 teacher epoch, 2 student epochs.
QUICK = replace(Config(), n_train=1000, n_test=300, teacher_epochs=1, student_epochs=2)


def load(config, data_home=None):
    """Pixels / 255 as float32 and labels; a random subset when the config asks for one."""
    data = load_fashion_mnist(data_home)
    parts = []
    for X, y, n in ((data.X_train, data.y_train, config.n_train), (data.X_test, data.y_test, config.n_test)):
        if n is not None and n < len(y):
            rows = np.sort(np.random.RandomState(0).choice(len(y), n, replace=False))
            X, y = X[rows], y[rows]
        parts.append((X.astype(np.float32) / 255.0, y))
    return parts


def teacher_logits(config, X, y, X_test, cache_dir, log=print):
    """Train the CNN (or read its cached answers) and return its logits on both splits."""
    key = _common.cache_key(
        "fashion-cnn", config.teacher_epochs, config.teacher_batch_size, config.teacher_learning_rate, y
    )

    def compute():
        cnn = _cnn.build_cnn(seed=0)
        log(
            f"  training the CNN teacher ({_cnn.n_parameters(cnn)} parameters, "
            f"{config.teacher_epochs} epochs on {len(y)} images)"
        )
        _common.train_classifier(
            cnn,
            X,
            y,
            epochs=config.teacher_epochs,
            batch_size=config.teacher_batch_size,
            learning_rate=config.teacher_learning_rate,
            seed=0,
            log=log,
        )
        return {
            "train": teacher_answers(cnn, X),
            "test": teacher_answers(cnn, X_test),
            "n_parameters": np.array(_cnn.n_parameters(cnn)),
        }

    return _common.cached_arrays(Path(cache_dir) / f"fashion_mnist_teacher_{key}.npz", compute, log)


def make_student(config, seed, teacher_weight):
    """A softmax-regression student fitted by Adam one epoch per ``fit`` (warm start)."""
    return DistilledClassifier(
        teacher_weight=teacher_weight,
        temperature=config.temperature,
        teacher_output_kind="logits",
        alpha=config.alpha,
        solver="adam",
        max_iter=1,
        batch_size=config.student_batch_size,
        learning_rate=config.student_learning_rate,
        warm_start=True,
        # A RandomState (not an int) gives each epoch its own shuffle.
        random_state=np.random.RandomState(seed),
    )


def train_student(config, seed, teacher_weight, X, y, X_test, y_test, answers):
    """Train for ``student_epochs``; return the student and its per-epoch cross-entropies."""
    student = make_student(config, seed, teacher_weight)
    fit_params = {"teacher_output": answers} if teacher_weight > 0 else {}
    curves = {"train": [], "test": []}
    for _ in range(config.student_epochs):
        with warnings.catch_warnings():
            # One epoch per fit: Adam "not converged" after each one is expected.
            warnings.simplefilter("ignore", ConvergenceWarning)
            student.fit(X, y, **fit_params)
        curves["train"].append(_common.cross_entropy(y, log_proba(student, X)))
        curves["test"].append(_common.cross_entropy(y_test, log_proba(student, X_test)))
    return student, curves


def log_proba(student, X):
    """``student.predict_log_proba(X)`` with the product in float32, like ``X``.

    ``decision_function`` multiplies by the float64 ``coef_``, which first
    copies the 60000 x 784 float32 images to float64: a second per epoch.
    """
    scores = X @ student.coef_.T.astype(X.dtype) + student.intercept_
    return _common.log_softmax_rows(scores)


def run(runs=5, out="skdistill_results", quick=False, log=print, cache_dir=None, data_home=None):
    """Run the FashionMNIST experiment, print the table and write the figure and tables.

    Parameters
    ----------
    runs : int, default=5
        Number of student runs (seeds of Adam's shuffling); the teacher is trained once.
    out : path-like, default="skdistill_results"
        Folder for the PNG figure and the CSV/markdown tables.
    quick : bool, default=False
        Use the tiny configuration :data:`QUICK`.
    log : callable, default=print
        Where the progress lines and tables go.
    cache_dir : path-like, default=None
        Folder of the cached teacher answers; ``out/cache`` when None.
    data_home : path-like, default=None
        Passed to :func:`~skdistill.datasets.load_fashion_mnist`.

    Returns
    -------
    rows : list of Row
        The table: teacher, student without teacher, student with teacher.
    """
    config = QUICK if quick else Config()
    plt = _common.import_pyplot()
    out, cache_dir = _common.output_folders(out, cache_dir)
    (X, y), (X_test, y_test) = load(config, data_home)
    log(
        f"{DATASET}: {len(y)} train / {len(y_test)} test images. Teacher: CNN, "
        f"{config.teacher_epochs} epochs of Adam (the authors: 20). Student: softmax regression "
        f"on pixels/255, Adam batch {config.student_batch_size}, step {config.student_learning_rate:g}, "
        f"{config.student_epochs} epochs (the authors: 100), last epoch reported; with teacher "
        f"λ={config.teacher_weight:g}, T={config.temperature:g}. Runs differ by the student's "
        "shuffling seed; torch runs on one thread."
    )
    with _common.torch_threads(1):
        clock = _common.Stopwatch()
        answers = teacher_logits(config, X, y, X_test, cache_dir, log)
        log(f"  teacher: wall time {clock():.1f} s")
        teacher = _common.Row(DATASET, "teacher (CNN)", str(int(answers["n_parameters"])))
        teacher.add(_common.evaluate(_common.log_softmax_rows(answers["test"]), y_test))
        rows = [teacher]
        curves = {}
        for model, weight in (("without teacher", 0.0), ("with teacher", config.teacher_weight)):
            rows.append(_common.Row(DATASET, model, "7850", (DATASET, model)))
            curves[model] = {"train": [], "test": []}
        for r in range(runs):
            clock = _common.Stopwatch()
            for row, weight in zip(rows[1:], (0.0, config.teacher_weight)):
                student, run_curves = train_student(config, r, weight, X, y, X_test, y_test, answers["train"])
                row.size = str(_common.student_size(student))
                row.add(_common.evaluate(log_proba(student, X_test), y_test))
                for split in ("train", "test"):
                    curves[row.model][split].append(run_curves[split])
            log(
                f"  run {r + 1}/{runs} (seed {r}): two students x {config.student_epochs} epochs, "
                f"wall time {clock():.1f} s"
            )
    log("")
    log(_common.format_table(rows))
    log(_common.format_difference(rows[1], rows[2]))
    _common.write_table(rows, out, "fashion_mnist_table")
    write_curves(curves, out / "fashion_mnist_curves.csv")
    path = draw_curves(curves, out / "fashion_mnist_loss_curves.png", plt, runs)
    log(f"  wrote {path}")
    return rows


def write_curves(curves, path):
    """Mean train/test cross-entropy per epoch of each student, as CSV."""
    columns = {
        f"{split} {model}": np.mean(values[split], axis=0)
        for model, values in curves.items()
        for split in ("train", "test")
    }
    n_epochs = len(next(iter(columns.values())))
    lines = ["epoch," + ",".join(columns)]
    lines += [f"{e + 1}," + ",".join(f"{c[e]:.6f}" for c in columns.values()) for e in range(n_epochs)]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def draw_curves(curves, path, plt, runs):
    """The paper's figure: train (a) and test (b) cross-entropy per epoch, mean over runs."""
    from ..plotting import plot_loss_curve

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
    for ax, split in zip(axes, ("train", "test")):
        plot_loss_curve(
            {f"{split}, {model}": np.mean(values[split], axis=0) for model, values in curves.items()},
            ax=ax,
            xlabel="epoch",
            ylabel="cross-entropy",
            title=f"({'ab'[split == 'test']}) {split} cross-entropy (mean of {runs} runs)",
        )
    fig.suptitle("FashionMNIST: softmax-regression student with and without the CNN teacher")
    return _common.save_figure(fig, path)

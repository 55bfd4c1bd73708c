"""The paper's FashionMNIST experiment: a CNN teacher, a softmax-regression student.

Teacher: the authors' small CNN (conv 3@5x5 -> conv 9@5x5 -> 120 -> 84 -> 10,
29,176 parameters), trained with Adam once per invocation (seed 0); its
answers are cached. Student: softmax regression on pixels / 255 (7850
parameters), T = 2, λ = 0.25, trained with Adam (no penalty, as the authors'
plain linear layer) one epoch at a time, so that the train and test
cross-entropy and accuracy are measured after every epoch. The table reports
the last epoch, as the authors' notebook does. Runs differ by the seed of the
student's shuffling; the teacher is shared.

Two protocols (:data:`PROTOCOLS`) set the training budgets:

- ``"short"`` (the default): 5 teacher epochs (batch 128, step 2e-3) and 20
  student epochs (batch 256, step 1e-3), a few minutes on two CPU cores;
- ``"paper"``: the authors' code (andriygav/PrivilegeLearning,
  ``code/src/fashion_mnist.py``): 20 teacher epochs and 100 student epochs,
  all with Adam at its default step 1e-3 and batch 64.

The soft term follows the paper's equation (``loss="distill"``) in both. The
authors' code differs there: it averages the soft term over the 10 classes as
well as over the rows, and it adds the term of the paper's fourth line.
"""

import csv
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .. import DistilledClassifier, teacher_answers
from ..datasets import load_fashion_mnist
from . import _cnn, _common

DATASET = "FashionMNIST"
#: The section of docs/results.md on this experiment.
RESULTS_SECTION = "FashionMNIST"
#: Per-epoch measurements of each student, in the order of the curves' CSV.
METRICS = ("train_ce", "test_ce", "train_acc", "test_acc")
MODELS = ("without teacher", "with teacher")


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


#: ``--protocol``: name -> settings. The paper's are those of the authors' code.
PROTOCOLS = {
    "short": Config(),
    "paper": replace(
        Config(),
        teacher_epochs=20,
        teacher_batch_size=64,
        teacher_learning_rate=1e-3,
        student_epochs=100,
        student_batch_size=64,
        student_learning_rate=1e-3,
    ),
}

#: ``--quick``, per protocol: 1000 training and 300 test images, 1 teacher
#: epoch, and enough student epochs for the paper protocol's curves to have a shape.
QUICK = {
    "short": replace(
        PROTOCOLS["short"], n_train=1000, n_test=300, teacher_epochs=1, student_epochs=2
    ),
    "paper": replace(
        PROTOCOLS["paper"], n_train=1000, n_test=300, teacher_epochs=1, student_epochs=6
    ),
}

#: Prefix of the files each protocol writes, so that both can share ``--out``.
STEMS = {"short": "fashion_mnist", "paper": "fashion_mnist_paper"}


def configuration(protocol="short", quick=False):
    """The settings of ``protocol`` (a key of :data:`PROTOCOLS`), tiny when ``quick``.

    Raises
    ------
    UsageError
        If ``protocol`` is not a key of :data:`PROTOCOLS`.
    """
    if protocol not in PROTOCOLS:
        raise _common.UsageError(
            f"unknown FashionMNIST protocol {protocol!r}; use one of {list(PROTOCOLS)}"
        )
    return QUICK[protocol] if quick else PROTOCOLS[protocol]


def load(config, data_home=None):
    """Pixels / 255 as float32 and labels; a random subset when the config asks for one."""
    data = load_fashion_mnist(data_home)
    parts = []
    for X, y, n in (
        (data.X_train, data.y_train, config.n_train),
        (data.X_test, data.y_test, config.n_test),
    ):
        if n is not None and n < len(y):
            rows = np.sort(np.random.RandomState(0).choice(len(y), n, replace=False))
            X, y = X[rows], y[rows]
        parts.append((X.astype(np.float32) / 255.0, y))
    return parts


def teacher_logits(config, X, y, X_test, cache_dir, log=print):
    """Train the CNN (or read its cached answers) and return its logits on both splits."""
    key = _common.cache_key(
        "fashion-cnn",
        config.teacher_epochs,
        config.teacher_batch_size,
        config.teacher_learning_rate,
        y,
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
    """Train for ``student_epochs``, measuring both splits after every epoch.

    Returns
    -------
    student : DistilledClassifier
        The student after the last epoch.
    curves : dict of str to ndarray of shape (student_epochs,)
        One value per epoch for each of :data:`METRICS`: the cross-entropy
        and the accuracy on the training and on the test images.
    """
    student = make_student(config, seed, teacher_weight)
    fit_params = {"teacher_output": answers} if teacher_weight > 0 else {}
    curves = {metric: [] for metric in METRICS}
    for _ in range(config.student_epochs):
        with warnings.catch_warnings():
            # One epoch per fit: Adam "not converged" after each one is expected.
            warnings.simplefilter("ignore", ConvergenceWarning)
            student.fit(X, y, **fit_params)
        for split, features, labels in (("train", X, y), ("test", X_test, y_test)):
            scores = _common.evaluate(log_proba(student, features), labels)
            curves[f"{split}_ce"].append(scores["ce"])
            curves[f"{split}_acc"].append(scores["acc"])
    return student, {metric: np.asarray(values) for metric, values in curves.items()}


def log_proba(student, X):
    """``student.predict_log_proba(X)`` with the product in float32, like ``X``.

    ``decision_function`` multiplies by the float64 ``coef_``, which first
    copies the 60000 x 784 float32 images to float64 on every call.
    """
    scores = X @ student.coef_.T.astype(X.dtype) + student.intercept_
    return _common.log_softmax_rows(scores)


def _describe(config, protocol, n_train, n_test):
    return (
        f"{DATASET}, protocol '{protocol}': {n_train} train / {n_test} test images. Teacher: CNN, "
        f"{config.teacher_epochs} epochs of Adam (batch {config.teacher_batch_size}, step "
        f"{config.teacher_learning_rate:g}); student: softmax regression on pixels/255, "
        f"{config.student_epochs} epochs of Adam (batch {config.student_batch_size}, step "
        f"{config.student_learning_rate:g}); with teacher λ={config.teacher_weight:g}, "
        f"T={config.temperature:g}. Runs differ by the student's shuffling seed; torch runs on one thread."
    )


def run(
    runs=5,
    out="skdistill_results",
    quick=False,
    log=print,
    cache_dir=None,
    data_home=None,
    protocol="short",
    config=None,
):
    """Run the FashionMNIST experiment, print the table and write the figure and tables.

    Parameters
    ----------
    runs : int, default=5
        Number of student runs (seeds of Adam's shuffling); the teacher is trained once.
    out : path-like, default="skdistill_results"
        Folder for the PNG figure, the per-epoch curves and the CSV/markdown tables.
    quick : bool, default=False
        Use the tiny configuration of the protocol, ``QUICK[protocol]``.
    log : callable, default=print
        Where the progress lines and tables go.
    cache_dir : path-like, default=None
        Folder of the cached teacher answers; ``out/cache`` when None.
    data_home : path-like, default=None
        Passed to :func:`~skdistill.datasets.load_fashion_mnist`.
    protocol : {"short", "paper"}, default="short"
        The training budgets, a key of :data:`PROTOCOLS`. The files written
        start with ``STEMS[protocol]``.
    config : Config, default=None
        Settings to use instead of the protocol's (``quick`` is then
        ignored), e.g. the paper's budget at another batch size; the files
        are still named after ``protocol``.

    Returns
    -------
    rows : list of Row
        The table: teacher, student without teacher, student with teacher,
        each student scored after its last epoch.
    """
    if config is None:
        config = configuration(protocol, quick)
    plt = _common.import_pyplot()
    out, cache_dir = _common.output_folders(out, cache_dir)
    (X, y), (X_test, y_test) = load(config, data_home)
    log(_describe(config, protocol, len(y), len(y_test)))
    with _common.torch_threads(1):
        clock = _common.Stopwatch()
        answers = teacher_logits(config, X, y, X_test, cache_dir, log)
        log(f"  teacher: wall time {clock():.1f} s")
        teacher = _common.Row(DATASET, "teacher (CNN)", str(int(answers["n_parameters"])))
        teacher.add(_common.evaluate(_common.log_softmax_rows(answers["test"]), y_test))
        students = [_common.Row(DATASET, model, "7850", (DATASET, model)) for model in MODELS]
        curves = {model: [] for model in MODELS}
        for r in range(runs):
            clock = _common.Stopwatch()
            for row, weight in zip(students, (0.0, config.teacher_weight)):
                student, run_curves = train_student(
                    config, r, weight, X, y, X_test, y_test, answers["train"]
                )
                row.size = str(_common.student_size(student))
                row.add(_common.evaluate(log_proba(student, X_test), y_test))
                curves[row.model].append(run_curves)
            log(
                f"  run {r + 1}/{runs} (seed {r}): two students x {config.student_epochs} epochs, "
                f"wall time {clock():.1f} s"
            )
    rows = [teacher, *students]
    stem = STEMS[protocol]
    summary = summarise_curves(curves)
    log("")
    log(_common.format_table(rows))
    log(_common.format_difference(*students))
    log(explain(config, runs, summary))
    log("")
    log(format_curve_summary(summary, runs, f"{stem}_curves.csv"))
    _common.write_table(rows, out, f"{stem}_table")
    write_curves(curves, out / f"{stem}_curves.csv")
    path = draw_curves(curves, out / f"{stem}_loss_curves.png", plt, protocol)
    log(f"  wrote {path}")
    return rows


def mean_curves(curves):
    """Model -> metric -> the per-epoch mean over runs."""
    return {
        model: {metric: np.mean([run[metric] for run in model_runs], axis=0) for metric in METRICS}
        for model, model_runs in curves.items()
    }


def summarise_curves(curves):
    """Where each student's test cross-entropy is lowest, and where it ends.

    Parameters
    ----------
    curves : dict
        Model -> list over runs of the per-epoch ``curves`` of :func:`train_student`.

    Returns
    -------
    summary : dict
        Model -> ``{"best_epoch", "best_ce", "last_ce", "last_train_ce",
        "best_acc_epoch", "best_acc", "last_acc", "run_best_epochs",
        "epochs"}``. Epochs count from 1; ``best_epoch`` is that of the lowest
        *mean* test cross-entropy, ``run_best_epochs`` those of each run.
    """
    summary = {}
    for model, mean in mean_curves(curves).items():
        best, best_acc = int(np.argmin(mean["test_ce"])), int(np.argmax(mean["test_acc"]))
        summary[model] = {
            "best_epoch": best + 1,
            "best_ce": float(mean["test_ce"][best]),
            "last_ce": float(mean["test_ce"][-1]),
            "last_train_ce": float(mean["train_ce"][-1]),
            "best_acc_epoch": best_acc + 1,
            "best_acc": float(mean["test_acc"][best_acc]),
            "last_acc": float(mean["test_acc"][-1]),
            "run_best_epochs": [int(np.argmin(run["test_ce"])) + 1 for run in curves[model]],
            "epochs": len(mean["test_ce"]),
        }
    return summary


def format_curve_summary(summary, runs, filename):
    """Text table of :func:`summarise_curves`: the lowest test CE, and the last epoch's."""
    epochs = next(iter(summary.values()))["epochs"]
    cells = [
        [
            "Model",
            "lowest test CE (epoch; per run)",
            f"test CE at {epochs}",
            f"train CE at {epochs}",
            "highest test accuracy (epoch)",
            f"test accuracy at {epochs}",
        ]
    ]
    for model, s in summary.items():
        per_run = min(s["run_best_epochs"]), max(s["run_best_epochs"])
        runs_text = str(per_run[0]) if per_run[0] == per_run[1] else f"{per_run[0]}–{per_run[1]}"
        cells.append(
            [
                model,
                f"{s['best_ce']:.4f} ({s['best_epoch']}; {runs_text})",
                f"{s['last_ce']:.4f}",
                f"{s['last_train_ce']:.4f}",
                f"{s['best_acc']:.4f} ({s['best_acc_epoch']})",
                f"{s['last_acc']:.4f}",
            ]
        )
    widths = [max(len(line[j]) for line in cells) for j in range(len(cells[0]))]
    lines = [f"Per-epoch curves, mean of {runs} runs (every run and epoch in {filename}):"]
    lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in cells]
    return "\n".join(lines)


def explain(config, runs, summary):
    """What the table's rows and columns are and why they differ from the paper's."""
    epochs = config.student_epochs
    paper = PROTOCOLS["paper"]
    lowest = " and ".join(f"{s['best_epoch']} ({model})" for model, s in summary.items())
    budget = (
        f"Budget: teacher {config.teacher_epochs} epochs at batch {config.teacher_batch_size}, "
        f"students {epochs} at batch {config.student_batch_size}; the authors' code: "
        f"{paper.teacher_epochs} and {paper.student_epochs} at batch {paper.student_batch_size} "
        f"(--protocol paper). The mean test CE is lowest at epoch {lowest}; the table reports "
        f"epoch {epochs}."
    )
    paper_gain = _paper_gain()
    return _common.format_notes(
        rows=(
            f"teacher (CNN) = the CNN after {config.teacher_epochs} epochs, one model (no ±); "
            "without teacher = softmax regression on the labels only; with teacher = the same "
            f"student also fitted to the CNN's answers (λ={config.teacher_weight:g}, "
            f"T={config.temperature:g}, loss='distill')."
        ),
        columns=(
            f"CrossEntropy and Accuracy on the test images after the last of {epochs} student "
            f"epochs, mean ± sample std over {runs} runs that differ only in the student's shuffling "
            "(one teacher for all); StudentSize = number of parameters; Paper = Grabovoy & Strijov "
            "(2021), mean ± std over their restarts."
        ),
        differences=[
            budget,
            "Teacher effect: under loss='distill' the teacher's answers pull on the student's "
            f"logits with weight λ/T = {config.teacher_weight / config.temperature:g}, against "
            f"1-λ = {1 - config.teacher_weight:g} for the labels, so the two students can be expected "
            f"to differ little; the paper's teacher lowers the CE by {paper_gain:.3f}. The authors' "
            "code also averages the soft term over the 10 classes and adds the paper's fourth line; "
            "we follow the paper's equation.",
        ],
        section=RESULTS_SECTION,
    )


def _paper_gain():
    without, with_teacher = (_common.PAPER[DATASET, model]["ce"][0] for model in MODELS)
    return without - with_teacher


def write_curves(curves, path):
    """Every run's per-epoch measurements as CSV: one line per model, run and epoch."""
    lines = ["model,run,epoch," + ",".join(METRICS)]
    for model, model_runs in curves.items():
        for r, run in enumerate(model_runs):
            for e in range(len(run[METRICS[0]])):
                values = ",".join(f"{run[metric][e]:.6f}" for metric in METRICS)
                lines.append(f"{model},{r},{e + 1},{values}")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_curves(path):
    """Read a CSV of :func:`write_curves` back, e.g. to redraw the figure without training.

    Returns
    -------
    curves : dict
        Model -> list over runs of metric -> ndarray, as :func:`run` collects them.
    """
    with open(path, newline="", encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    curves = {}
    for line in lines:
        runs = curves.setdefault(line["model"], [])
        if int(line["run"]) == len(runs):
            runs.append({metric: [] for metric in METRICS})
        for metric in METRICS:
            runs[int(line["run"])][metric].append(float(line[metric]))
    return {
        model: [
            {metric: np.asarray(values) for metric, values in run.items()} for run in model_runs
        ]
        for model, model_runs in curves.items()
    }


def draw_curves(curves, path, plt, protocol="short"):
    """The paper's figure and its accuracy: train and test, mean over runs, per epoch.

    The lowest mean test cross-entropy of each student is marked with a dotted
    vertical line in panel (b). The y-axes fit the curves from a tenth of the
    way in, because the first epochs' large losses would flatten the part
    where the students may overfit.
    """
    from matplotlib.ticker import MaxNLocator

    from ..plotting import plot_loss_curve

    means = mean_curves(curves)
    runs = len(next(iter(curves.values())))
    first = max(1, len(next(iter(means.values()))["test_ce"]) // 10)
    fig, axes = plt.subplots(2, 2, figsize=(12, 8), layout="constrained")
    panels = (("ce", "cross-entropy"), ("acc", "accuracy"))
    for i, (metric, name) in enumerate(panels):
        for j, split in enumerate(("train", "test")):
            ax = axes[i, j]
            shown = {
                f"{split}, {model}": mean[f"{split}_{metric}"] for model, mean in means.items()
            }
            title = f"({'abcd'[2 * i + j]}) {split} {name}"
            plot_loss_curve(shown, ax=ax, xlabel="epoch", ylabel=name, title=title)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            _fit_y_axis(ax, [curve[first - 1 :] for curve in shown.values()])
    for line, mean in zip(axes[0, 1].get_lines(), means.values()):
        best = int(np.argmin(mean["test_ce"])) + 1
        axes[0, 1].axvline(best, color=line.get_color(), linestyle=":", linewidth=1)
    zoom = f"; y-axes fitted from epoch {first}" if first > 1 else ""
    fig.suptitle(
        f"FashionMNIST, protocol '{protocol}': softmax-regression student with and without the "
        f"CNN teacher, mean of {runs} runs{zoom}"
    )
    return _common.save_figure(fig, path)


def _fit_y_axis(ax, curves):
    values = np.concatenate(curves)
    low, high = float(values.min()), float(values.max())
    pad = 0.05 * (high - low) or 0.01
    ax.set_ylim(low - pad, high + pad)

"""What the experiments share: the paper's numbers, metrics, tables, timing, caches."""

import contextlib
import csv
import hashlib
import math
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.special import log_softmax

#: Table of Grabovoy & Strijov (2021), as (mean, std): (dataset, model) -> values.
PAPER = {
    ("FashionMNIST", "without teacher"): {
        "ce": (0.461, 0.005),
        "acc": (0.841, 0.002),
        "size": 7850,
    },
    ("FashionMNIST", "with teacher"): {"ce": (0.453, 0.003), "acc": (0.842, 0.002), "size": 7850},
    ("Synthetic", "without teacher"): {"ce": (0.225, 0.002), "acc": (0.831, 0.002), "size": 33},
    ("Synthetic", "with teacher"): {"ce": (0.452, 0.001), "acc": (0.828, 0.001), "size": 33},
    ("Twitter", "without teacher"): {"ce": (0.501, 0.006), "acc": (0.747, 0.005), "size": 1538},
    ("Twitter", "with teacher"): {"ce": (0.489, 0.003), "acc": (0.764, 0.004), "size": 1538},
}

COLUMNS = [
    "Dataset",
    "Model",
    "CrossEntropy",
    "Accuracy",
    "StudentSize",
    "Paper CrossEntropy",
    "Paper Accuracy",
]


class MissingDependency(Exception):
    """An optional dependency is missing; the message says which extra to install."""


class UsageError(Exception):
    """The options given cannot work (e.g. too many samples asked for)."""


def import_pyplot():
    """Return ``matplotlib.pyplot`` on the non-interactive Agg backend.

    Raises
    ------
    MissingDependency
        If matplotlib is not installed.
    """
    try:
        import matplotlib
    except ImportError as exc:
        raise MissingDependency(
            "The figures need matplotlib: pip install skdistill[examples]"
        ) from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def output_folders(out, cache_dir):
    """Create ``out`` and return it with the cache folder (``out/cache`` by default)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return out, Path(cache_dir) if cache_dir is not None else out / "cache"


def save_figure(fig, path):
    """Save ``fig`` as a PNG at ``path``, close it and return the path."""
    fig.savefig(path, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return Path(path)


def cross_entropy(y, log_proba):
    """Mean negative log-likelihood of integer labels ``y`` (0..K-1)."""
    return float(-np.mean(log_proba[np.arange(len(y)), y]))


def log_softmax_rows(logits):
    """Row-wise log-softmax of a logit matrix."""
    return log_softmax(np.asarray(logits, dtype=np.float64), axis=1)


def accuracy(y, scores):
    """Share of rows whose largest score is at the label."""
    return float(np.mean(np.argmax(scores, axis=1) == y))


def student_size(estimator):
    """Number of fitted parameters of a linear ``DistilledClassifier``."""
    return int(estimator.coef_.size + estimator.intercept_.size)


def evaluate(model_log_proba, y):
    """Cross-entropy and accuracy of log-probabilities on labels ``y``."""
    return {"ce": cross_entropy(y, model_log_proba), "acc": accuracy(y, model_log_proba)}


@dataclass
class Row:
    """One line of the table: a model's scores over the runs."""

    dataset: str
    model: str
    size: str
    paper_key: tuple | None = None
    ce: list = field(default_factory=list)
    acc: list = field(default_factory=list)

    def add(self, scores):
        self.ce.append(scores["ce"])
        self.acc.append(scores["acc"])


def mean_std(values, digits=3):
    """``"m ± s"`` of ``values`` (sample std, ddof=1); only ``"m"`` for one value."""
    values = np.asarray(values, dtype=float)
    if values.size == 1:
        return f"{values[0]:.{digits}f}"
    return f"{values.mean():.{digits}f} ± {values.std(ddof=1):.{digits}f}"


def _paper_cells(row):
    paper = PAPER.get(row.paper_key) if row.paper_key else None
    if paper is None:
        return "—", "—"
    return tuple(f"{paper[key][0]:.3f} ± {paper[key][1]:.3f}" for key in ("ce", "acc"))


def table_cells(rows):
    """The table as a list of string lists, header first."""
    cells = [COLUMNS]
    for row in rows:
        cells.append(
            [
                row.dataset,
                row.model,
                mean_std(row.ce),
                mean_std(row.acc),
                row.size,
                *_paper_cells(row),
            ]
        )
    return cells


def format_table(rows):
    """Plain-text table with the paper's numbers in the last two columns."""
    cells = table_cells(rows)
    widths = [max(len(line[j]) for line in cells) for j in range(len(COLUMNS))]
    lines = []
    for i, line in enumerate(cells):
        ours = "  ".join(c.ljust(w) for c, w in zip(line[:5], widths[:5]))
        paper = "  ".join(c.ljust(w) for c, w in zip(line[5:], widths[5:]))
        lines.append(f"{ours} | {paper}".rstrip())
        if i == 0:
            lines.append("-" * len(lines[0]))
    return "\n".join(lines)


def format_difference(without, with_teacher):
    """One line: the paired difference, with minus without teacher, over the runs."""
    ce = np.subtract(with_teacher.ce, without.ce)
    acc = np.subtract(with_teacher.acc, without.acc)
    return (
        f"Paired difference, with teacher minus without, over {len(ce)} runs: cross-entropy "
        f"{mean_std(ce, 4)}, accuracy {mean_std(acc, 4)} (lower cross-entropy is better)."
    )


#: Where the measured figures and the reasons for each difference are written up.
RESULTS_DOC = "docs/results.md"


def format_notes(rows, columns, differences, section, width=100):
    """The explanation printed under a table, wrapped to ``width`` characters.

    Parameters
    ----------
    rows, columns : str
        What each row (model) is, and what each column measures.
    differences : list of str
        Each difference from the published figures that is expected, with its reason.
    section : str
        The section of :data:`RESULTS_DOC` that has the details.
    width : int, default=100
        Line length.

    Returns
    -------
    text : str
        Lines starting ``Rows:``, ``Columns:``, ``Expected differences from
        the paper:`` (one bullet each) and ``Details:``.
    """

    def paragraph(text, first, rest):
        return textwrap.fill(text, width, initial_indent=first, subsequent_indent=rest)

    details = f'Details: {RESULTS_DOC}, section "{section}", in the skdistill repository.'
    lines = [paragraph(f"Rows: {rows}", "", "  "), paragraph(f"Columns: {columns}", "", "  ")]
    lines.append("Expected differences from the paper:")
    lines += [paragraph(text, "- ", "  ") for text in differences]
    lines.append(paragraph(details, "", "  "))
    return "\n".join(lines)


def markdown_table(cells):
    """A GitHub markdown table of string cells, header first."""
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(cells[0])]
    lines += ["| " + " | ".join(line) + " |" for line in cells[1:]]
    return "\n".join(lines) + "\n"


def _std(values):
    return float(np.std(values, ddof=1)) if len(values) > 1 else math.nan


def write_table(rows, out, stem):
    """Write the table to ``out/stem.csv`` (numbers) and ``out/stem.md``.

    The CSV holds one line per model with the mean, the sample standard
    deviation and the number of runs of each metric, and the paper's values.
    """
    out = Path(out)
    with open(out / f"{stem}.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "dataset",
                "model",
                "ce_mean",
                "ce_std",
                "acc_mean",
                "acc_std",
                "runs",
                "student_size",
                "paper_ce_mean",
                "paper_ce_std",
                "paper_acc_mean",
                "paper_acc_std",
            ]
        )
        for row in rows:
            paper = PAPER.get(row.paper_key, {}) if row.paper_key else {}
            writer.writerow(
                [
                    row.dataset,
                    row.model,
                    np.mean(row.ce),
                    _std(row.ce),
                    np.mean(row.acc),
                    _std(row.acc),
                    len(row.ce),
                    row.size,
                    *paper.get("ce", ("", "")),
                    *paper.get("acc", ("", "")),
                ]
            )
    (out / f"{stem}.md").write_text(markdown_table(table_cells(rows)), encoding="utf-8")


class Stopwatch:
    """Wall time since creation, for the per-run timing lines."""

    def __init__(self):
        self.start = time.perf_counter()

    def __call__(self):
        return time.perf_counter() - self.start


def cache_key(*parts):
    """Short stable digest of ``parts`` (strings, numbers or arrays) for a cache file name."""
    digest = hashlib.sha1()
    for part in parts:
        if isinstance(part, np.ndarray):
            digest.update(np.ascontiguousarray(part).tobytes())
        else:
            digest.update(repr(part).encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def cached_arrays(path, compute, log=print):
    """Load the arrays saved at ``path`` (.npz) or compute and save them.

    Parameters
    ----------
    path : path-like
        The cache file; its folder is created when missing.
    compute : callable
        Returns a dict of name -> ndarray when there is no cache.
    log : callable, default=print
        Says whether the cache was used.

    Returns
    -------
    arrays : dict of str to ndarray
    """
    path = Path(path)
    if path.exists():
        with np.load(path) as saved:
            log(f"  (cached: {path})")
            return {name: saved[name] for name in saved.files}
    arrays = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp.npz")
    np.savez(temporary, **arrays)
    temporary.replace(path)
    return arrays


@contextlib.contextmanager
def torch_threads(n_threads):
    """Run torch on ``n_threads`` intra-op threads inside the block, then restore.

    The mini-batch loops of the teachers and the Adam students are made of
    small operations; on a two-core machine shared with other work a second
    thread mostly waits for the first (measured: 5 to 10 times slower per
    epoch), while alone it gains little.
    """
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def train_classifier(module, X, y, *, epochs, batch_size, learning_rate, seed, log=print):
    """Train ``module`` (inputs ``X`` -> logits) with Adam on the cross-entropy.

    Parameters
    ----------
    module : torch.nn.Module
        The network; trained in place.
    X : ndarray
        Inputs, indexed by row: float32 pixels, or int64 token ids.
    y : ndarray of shape (n_samples,)
        Integer labels.
    epochs, batch_size : int
        Number of passes and rows per step.
    learning_rate : float
        Adam's step size.
    seed : int
        Seeds the shuffling, through a local ``torch.Generator``.
    log : callable, default=print
        Receives one line per epoch.

    Returns
    -------
    module : torch.nn.Module
        The trained network, in eval mode.
    """
    import torch

    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(module.parameters(), lr=learning_rate)
    X = torch.as_tensor(X)
    y = torch.as_tensor(np.asarray(y, dtype=np.int64))
    module.train()
    for epoch in range(epochs):
        clock = Stopwatch()
        total = 0.0
        order = torch.randperm(len(y), generator=generator)
        for start in range(0, len(y), batch_size):
            index = order[start : start + batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(module(X[index]), y[index])
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(index)
        log(
            f"  teacher epoch {epoch + 1}/{epochs}: loss {total / len(y):.4f}, wall time {clock():.1f} s"
        )
    return module.eval()

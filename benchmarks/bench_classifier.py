"""FashionMNIST: DistilledClassifier without a teacher against LogisticRegression.

Both fit multinomial logistic regression with the same penalty (C = 1 / alpha = 1)
on pixels / 255, starting from zero; the table gives fit time (median of
``--repeats``), the ratio to LogisticRegression measured in the same run, and
each model's test cross-entropy and accuracy.

    python benchmarks/bench_classifier.py [--repeats 3] [--max-iter 100 150] [--device cuda]
        [--adam-epochs 3]

``--adam-epochs N`` also times the paper's mini-batch protocol (Adam, batch 64)
for N epochs and prints the seconds per epoch.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss

from skdistill import DistilledClassifier
from skdistill.datasets import load_fashion_mnist


def timed_fit(make_model, X, y, repeats):
    """Median wall time of ``repeats`` fits, and the last fitted model."""
    times = []
    for _ in range(repeats):
        model = make_model()
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        times.append(time.perf_counter() - start)
    return float(np.median(times)), model


def fashion_mnist_scaled():
    data = load_fashion_mnist()
    return (
        data.X_train / 255.0,
        data.y_train,
        data.X_test / 255.0,
        data.y_test,
    )


def compare(candidates, X, y, X_test, y_test, repeats):
    """Rows of (name, seconds, ratio, test CE, test accuracy); first is the baseline."""
    rows = []
    baseline = None
    for name, make_model in candidates:
        seconds, model = timed_fit(make_model, X, y, repeats)
        baseline = seconds if baseline is None else baseline
        proba = model.predict_proba(X_test)
        rows.append(
            (
                name,
                seconds,
                seconds / baseline,
                log_loss(y_test, proba, labels=model.classes_),
                accuracy_score(y_test, model.classes_[proba.argmax(axis=1)]),
                getattr(model, "n_iter_", np.nan),
            )
        )
    return rows


def format_table(rows):
    header = f"{'model':<52}{'fit s':>8}{'ratio':>8}{'test CE':>9}{'test acc':>10}{'iters':>7}"
    lines = [header, "-" * len(header)]
    for name, seconds, ratio, ce, acc, n_iter in rows:
        n_iter = int(np.max(n_iter))
        lines.append(f"{name:<52}{seconds:>8.2f}{ratio:>8.2f}{ce:>9.4f}{acc:>10.4f}{n_iter:>7d}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-iter", type=int, nargs="+", default=[100, 150])
    parser.add_argument("--device", default="cpu", help="torch device of DistilledClassifier")
    parser.add_argument("--adam-epochs", type=int, default=0)
    args = parser.parse_args(argv)

    X, y, X_test, y_test = fashion_mnist_scaled()
    candidates = [("LogisticRegression(max_iter=100)", lambda: LogisticRegression(max_iter=100))]
    for max_iter in args.max_iter:
        candidates.append(
            (
                f"DistilledClassifier(teacher_weight=0, max_iter={max_iter})",
                lambda m=max_iter: DistilledClassifier(teacher_weight=0.0, max_iter=m, device=args.device),
            )
        )
    rows = compare(candidates, X, y, X_test, y_test, args.repeats)
    print(
        f"FashionMNIST 60000 x 784, pixels / 255, C = 1 / alpha = 1, median of {args.repeats}, "
        f"skdistill on {args.device}"
    )
    print(format_table(rows))
    baseline_ce = rows[0][3]
    for name, _, ratio, ce, _, _ in rows[1:]:
        verdict = "meets" if ratio <= 0.5 and ce <= baseline_ce else "misses"
        print(
            f"{name}: ratio {ratio:.2f} (required <= 0.5, goal <= 0.3), test CE {ce:.4f} vs "
            f"{baseline_ce:.4f} -> {verdict} the requirement"
        )
    if args.adam_epochs:
        adam = DistilledClassifier(
            teacher_weight=0.0, solver="adam", batch_size=64, max_iter=args.adam_epochs,
            n_iter_no_change=args.adam_epochs + 1, random_state=0, device=args.device,
        )
        seconds, adam = timed_fit(lambda: adam, X, y, 1)
        proba = adam.predict_proba(X_test)
        print(
            f"Adam, batch 64 (the paper's protocol): {seconds / adam.n_iter_:.3f} s per epoch over "
            f"{adam.n_iter_} epochs, test CE {log_loss(y_test, proba):.4f}"
        )


if __name__ == "__main__":
    main()

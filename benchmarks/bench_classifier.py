"""FashionMNIST: DistilledClassifier without a teacher against LogisticRegression.

Both fit multinomial logistic regression with the same penalty (C = 1 / alpha = 1)
on pixels / 255, starting from zero; the table gives fit time (median of
``--repeats``), the ratio to LogisticRegression measured in the same run, each
model's training objective (LogisticRegression's: mean log-loss + ||W||^2 / (2 C n),
in float64) and its test cross-entropy and accuracy.

    python benchmarks/bench_classifier.py [--repeats 3] [--max-iter 100 60] [--device cuda]
        [--adam-epochs 3] [--converged]

``--converged`` adds both models run to convergence (tol = 1e-4, no iteration
cap), where they reach the same optimum: one fit each, LogisticRegression takes
about three minutes.

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


def logistic_objective(model, X, y, C=1.0):
    """LogisticRegression's training objective at ``model``'s fitted coefficients."""
    proba = model.predict_proba(X)
    return log_loss(y, proba, labels=model.classes_) + np.sum(model.coef_**2) / (2.0 * C * len(y))


def compare(candidates, X, y, X_test, y_test, repeats):
    """Rows of (name, seconds, ratio, objective, test CE, test accuracy, iterations).

    The first candidate is the baseline of the ratios.
    """
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
                logistic_objective(model, X, y),
                log_loss(y_test, proba, labels=model.classes_),
                accuracy_score(y_test, model.classes_[proba.argmax(axis=1)]),
                getattr(model, "n_iter_", np.nan),
            )
        )
    return rows


def format_table(rows):
    header = f"{'model':<60}{'fit s':>8}{'ratio':>7}{'train obj':>11}{'test CE':>9}{'test acc':>10}{'iters':>7}"
    lines = [header, "-" * len(header)]
    for name, seconds, ratio, objective, ce, acc, n_iter in rows:
        n_iter = int(np.max(n_iter))
        lines.append(
            f"{name:<60}{seconds:>8.2f}{ratio:>7.2f}{objective:>11.5f}{ce:>9.4f}{acc:>10.4f}{n_iter:>7d}"
        )
    return "\n".join(lines)


def goal_verdicts(rows, goal=0.3):
    """One line per skdistill row: does it meet ``ratio <= goal`` at a test CE no worse?"""
    _, _, _, base_objective, base_ce, _, _ = rows[0]
    lines = []
    for name, _, ratio, objective, ce, _, _ in rows[1:]:
        verdict = "meets" if ratio <= goal and ce <= base_ce else "misses"
        lines.append(
            f"{name}: ratio {ratio:.2f} (goal <= {goal}), test CE {ce:.4f} vs {base_ce:.4f}, "
            f"training objective {objective:.5f} vs {base_objective:.5f} -> {verdict} the goal"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-iter", type=int, nargs="+", default=[100, 60])
    parser.add_argument("--device", default="cpu", help="torch device of DistilledClassifier")
    parser.add_argument("--adam-epochs", type=int, default=0)
    parser.add_argument(
        "--converged", action="store_true", help="also compare both run to convergence"
    )
    args = parser.parse_args(argv)

    X, y, X_test, y_test = fashion_mnist_scaled()
    candidates = [("LogisticRegression(max_iter=100)", lambda: LogisticRegression(max_iter=100))]
    for max_iter in args.max_iter:
        candidates.append(
            (
                f"DistilledClassifier(teacher_weight=0, max_iter={max_iter})",
                lambda m=max_iter: DistilledClassifier(
                    teacher_weight=0.0, max_iter=m, device=args.device
                ),
            )
        )
    rows = compare(candidates, X, y, X_test, y_test, args.repeats)
    print(
        f"FashionMNIST 60000 x 784, pixels / 255, C = 1 / alpha = 1, median of {args.repeats}, "
        f"skdistill on {args.device}"
    )
    print(format_table(rows))
    print(goal_verdicts(rows))
    if args.converged:
        converged = compare(
            [
                ("LogisticRegression(max_iter=10000)", lambda: LogisticRegression(max_iter=10000)),
                (
                    "DistilledClassifier(teacher_weight=0, max_iter=10000)",
                    lambda: DistilledClassifier(
                        teacher_weight=0.0, max_iter=10000, device=args.device
                    ),
                ),
            ],
            X,
            y,
            X_test,
            y_test,
            1,
        )
        print("\nBoth run to convergence (tol = 1e-4), one fit each")
        print(format_table(converged))
    if args.adam_epochs:
        adam = DistilledClassifier(
            teacher_weight=0.0,
            solver="adam",
            batch_size=64,
            max_iter=args.adam_epochs,
            n_iter_no_change=args.adam_epochs + 1,
            random_state=0,
            device=args.device,
        )
        seconds, adam = timed_fit(lambda: adam, X, y, 1)
        proba = adam.predict_proba(X_test)
        print(
            f"Adam, batch 64 (the paper's protocol): {seconds / adam.n_iter_:.3f} s per epoch over "
            f"{adam.n_iter_} epochs, test CE {log_loss(y_test, proba):.4f}"
        )


if __name__ == "__main__":
    main()

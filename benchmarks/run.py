"""One entry point for the performance tables of skdistill.

Each table puts a baseline and skdistill side by side, measured in the same run,
with ratios against the baseline:

1. FashionMNIST, teacher_weight 0 and 0.25 (T = 2, CNN teacher): fit time against
   LogisticRegression(max_iter=100), test cross-entropy and accuracy;
2. the regression benchmark (DistilledRegressor against Ridge), see bench_regression.py;
3. GridSearchCV over 4 teacher_weight x 3 temperature x 5 folds on FashionMNIST with
   the CNN teacher: wall time and the number of teacher rows evaluated, with the
   teacher called inside every fit, against its answers computed once, and against
   DistilledClassifierCV over the same grid and folds (goal: <= 0.3 of the first);
4. a teacher_weight path fitted cold and with warm starts;
5. scaling: L-BFGS time per iteration against rows, features and classes;
6. choosing lambda and T (bench_search.py): the CV estimators against GridSearchCV,
   a 500 x 20 fit against LogisticRegression, 20 small fits beside a busy process.

    python benchmarks/run.py                 # everything (about 20 minutes on 2 cores)
    python benchmarks/run.py --only fashion scaling --search-rows 20000
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_classifier  # noqa: E402
import bench_regression  # noqa: E402
import bench_search  # noqa: E402

from skdistill import DistilledClassifier, DistilledClassifierCV, teacher_answers  # noqa: E402
from skdistill.reproduce import build_cnn, cache_key, train_classifier  # noqa: E402

CACHE = Path.home() / ".cache" / "skdistill-benchmarks"


class CountingTeacher:
    """Wraps a torch teacher and counts the rows it is asked about."""

    def __init__(self, module):
        self.module = module
        self.rows = 0

    def __call__(self, X):
        self.rows += len(X)
        return teacher_answers(self.module, X)


def cnn_teacher(X, y, epochs=2):
    """The reproduction's CNN, trained once for ``epochs`` epochs and cached."""
    import torch

    module = build_cnn(seed=0)
    path = CACHE / f"cnn_{epochs}_{cache_key(y)}.pt"
    if path.exists():
        module.load_state_dict(torch.load(path))
        return module.eval()
    train_classifier(module, X, y, epochs=epochs, batch_size=128, learning_rate=2e-3, seed=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(module.state_dict(), path)
    return module.eval()


def fashion_table(X, y, X_test, y_test, teacher, repeats):
    start = time.perf_counter()
    answers = teacher_answers(teacher, X)
    teacher_seconds = time.perf_counter() - start
    print(
        f"\n## FashionMNIST, T = 2 (teacher answers computed once: {teacher_seconds:.2f} s, not in the fit times)"
    )
    candidates = [("LogisticRegression(max_iter=100)", lambda: LogisticRegression(max_iter=100))]
    for max_iter in (100, 60):
        for weight in (0.0, 0.25):
            candidates.append(
                (
                    f"DistilledClassifier(teacher_weight={weight}, T=2, max_iter={max_iter})",
                    lambda w=weight, m=max_iter: _WithTeacherOutput(
                        DistilledClassifier(teacher_weight=w, temperature=2.0, max_iter=m), answers
                    ),
                )
            )
    rows = bench_classifier.compare(candidates, X, y, X_test, y_test, repeats)
    print(bench_classifier.format_table(rows))
    print("(train obj: LogisticRegression's objective at each model's coefficients; with a teacher")
    print(" the student minimises another objective, so only the teacher_weight=0 rows compare)")
    print(bench_classifier.goal_verdicts(rows))


class _WithTeacherOutput:
    """Fit with fixed precomputed teacher answers; exposes what compare() reads."""

    def __init__(self, estimator, answers):
        self.estimator = estimator
        self.answers = answers

    def fit(self, X, y):
        self.estimator.fit(X, y, teacher_output=self.answers)
        self.classes_ = self.estimator.classes_
        self.coef_ = self.estimator.coef_
        self.n_iter_ = self.estimator.n_iter_
        return self

    def predict_proba(self, X):
        return self.estimator.predict_proba(X)


def search_table(X, y, module, n_rows):
    rows = (
        np.random.RandomState(0).choice(len(y), n_rows, replace=False)
        if n_rows < len(y)
        else slice(None)
    )
    X, y = X[rows], y[rows]
    grid = {"teacher_weight": [0.0, 0.25, 0.5, 0.75], "temperature": [1.0, 2.0, 4.0]}
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    print(
        f"\n## GridSearchCV, 4 teacher_weight x 3 temperature x 5 folds, {len(y)} FashionMNIST rows"
    )
    print(f"{'teacher evaluated':<34}{'wall s':>9}{'ratio':>8}{'teacher rows':>14}  best")
    results, searches = [], {}
    for label in ("inside every fit", "once, teacher_answers", "DistilledClassifierCV"):
        counting = CountingTeacher(module)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            if label == "inside every fit":
                search = GridSearchCV(
                    DistilledClassifier(counting, teacher_output_kind="logits"), grid, cv=cv
                )
                search.fit(X, y)
            elif label == "once, teacher_answers":
                answers = teacher_answers(counting, X)
                search = GridSearchCV(
                    DistilledClassifier(teacher_output_kind="logits"), grid, cv=cv
                )
                search.fit(X, y, teacher_output=answers)
            else:
                search = DistilledClassifierCV(
                    counting,
                    teacher_weights=grid["teacher_weight"],
                    temperatures=grid["temperature"],
                    teacher_output_kind="logits",
                    cv=cv,
                ).fit(X, y)
        seconds = time.perf_counter() - start
        results.append(seconds)
        searches[label] = search
        best = ", ".join(f"{k}={v}" for k, v in search.best_params_.items())
        print(f"{label:<34}{seconds:>9.1f}{seconds / results[0]:>8.2f}{counting.rows:>14d}  {best}")
    grid, ours = searches["once, teacher_answers"], searches["DistilledClassifierCV"]
    grid_scores = grid.cv_results_["mean_test_score"]
    gap = grid.best_score_ - grid_scores[ours.best_index_]
    largest = np.max(np.abs(ours.cv_results_["mean_test_score"] - grid_scores))
    same = "the same choice" if ours.best_index_ == grid.best_index_ else "another choice"
    print(
        f"DistilledClassifierCV against the teacher_answers grid search: {same}, which the grid "
        f"scores {gap:.1e} below its best (goal: within 1e-3); mean scores differ by at most "
        f"{largest:.1e} per candidate"
    )
    verdict = "meets" if counting.rows == len(y) else "misses"
    print(
        f"with teacher_answers each of the {len(y)} rows was evaluated {counting.rows / len(y):g} time(s) "
        f"(goal: once per search) -> {verdict} the goal"
    )


def path_table(X, y, module, n_rows):
    """A λ path at T = 2 fitted cold (from zero) and warm (from the previous λ)."""
    rows = (
        np.random.RandomState(1).choice(len(y), n_rows, replace=False)
        if n_rows < len(y)
        else slice(None)
    )
    X, y = X[rows], y[rows]
    answers = teacher_answers(module, X)
    weights = [0.0, 0.25, 0.5, 0.75]
    print(f"\n## A teacher_weight path {weights} at T = 2, {len(y)} rows, L-BFGS to tol=1e-4")
    print(f"{'start':<28}{'wall s':>9}{'ratio':>8}{'iterations':>12}  final training loss")
    results = []
    for warm in (False, True):
        model = DistilledClassifier(
            temperature=2.0, teacher_output_kind="logits", max_iter=1000, warm_start=warm
        )
        start, iterations = time.perf_counter(), 0
        for weight in weights:
            model.set_params(teacher_weight=weight).fit(X, y, teacher_output=answers)
            iterations += model.n_iter_
        seconds = time.perf_counter() - start
        results.append(seconds)
        label = "warm (previous λ)" if warm else "cold (zeros)"
        print(
            f"{label:<28}{seconds:>9.1f}{seconds / results[0]:>8.2f}{iterations:>12d}  {model.loss_curve_[-1]:.6f}"
        )
    verdict = "help" if results[1] < results[0] else "do not help"
    print(
        f"warm starts take {results[1] / results[0]:.2f} of the cold path's time: they {verdict} here"
    )


def scaling_table():
    from skdistill.datasets import make_privileged_classification

    print("\n## Scaling: L-BFGS seconds per iteration (30 iterations, float32 linear student)")
    print(
        f"{'rows':>8}{'features':>10}{'classes':>9}{'s / iteration':>15}{'ns / (row x feature)':>22}"
    )
    settings = [(n, 784, 10) for n in (10_000, 30_000, 60_000, 120_000, 240_000)]
    settings += [(60_000, d, 10) for d in (98, 392, 1568, 3136)]
    settings += [(60_000, 784, k) for k in (2, 5, 20, 50, 100)]
    # The first fit in a process pays for importing torch: keep it out of the table.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        DistilledClassifier(max_iter=2).fit(
            *make_privileged_classification(100, 5, 3, random_state=0)[:2]
        )
    for n_rows, n_features, n_classes in settings:
        X, y, _, _ = make_privileged_classification(n_rows, n_features, n_classes, random_state=0)
        X = X.astype(np.float32)
        model = DistilledClassifier(max_iter=30, tol=0.0)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        per_iteration = (time.perf_counter() - start) / model.n_iter_
        print(
            f"{n_rows:>8d}{n_features:>10d}{len(model.classes_):>9d}{per_iteration:>15.4f}"
            f"{1e9 * per_iteration / (n_rows * n_features):>22.3f}"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        nargs="+",
        choices=["fashion", "regression", "search", "path", "scaling", "choosing"],
        default=["fashion", "regression", "search", "path", "scaling", "choosing"],
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--search-rows", type=int, default=60000)
    parser.add_argument("--regression-rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)

    if {"fashion", "search", "path"} & set(args.only):
        X, y, X_test, y_test = bench_classifier.fashion_mnist_scaled()
        module = cnn_teacher(X.astype(np.float32), y)
        if "fashion" in args.only:
            fashion_table(X, y, X_test, y_test, module, args.repeats)
        if "search" in args.only:
            search_table(X, y, module, args.search_rows)
        if "path" in args.only:
            path_table(X, y, module, args.search_rows)
    if "regression" in args.only:
        print("\n## Regression")
        bench_regression.main(
            ["--n-samples", str(args.regression_rows), "--repeats", str(args.repeats)]
        )
    if "scaling" in args.only:
        scaling_table()
    if "choosing" in args.only:
        bench_search.main(["--repeats", str(args.repeats)])


if __name__ == "__main__":
    main()

"""
Choosing the teacher weight by evidence
=======================================

:class:`~skdistill.DistilledRegressor` needs the teacher weight λ; a grid
search over λ fits the student once per candidate and fold.
``BayesianDistilledRegressor`` instead treats the labels and the teacher's
answers as two noisy observations of the same linear student,
``y ~ N(wᵀx, σ²)`` and ``s ~ N(wᵀx, σ_s²)``, and chooses ``σ``, ``σ_s`` and the
prior precision of ``w`` by maximising the marginal likelihood (the evidence),
in one fit. The teacher's share of a privileged row's precision,
``teacher_weight_ = (1/σ_s²) / (1/σ² + 1/σ_s²)``, is the λ the data chose.

We compare it with λ chosen by 5-fold cross-validation (``GridSearchCV``
over 21 values) and with a fixed λ = 0.5, on the SARCOS robot-arm data
(``skdistill.datasets.load_sarcos``): the student predicts the torque of
joint 1 from the 21 joint positions, velocities and accelerations; the
teacher also sees the torques of joints 2 to 7. The student's 200 training
labels carry Gaussian noise of standard deviation 20 (about the spread of
the torque itself); the held-out score is R² on the clean torques of 2000
other objects. Two teachers, both linear on all 27 columns:

- a *good* teacher, fitted on 2000 other objects with clean labels;
- a *weak* teacher, fitted on only 60 objects with noisy labels.
"""

# %%
# Data and teachers
# -----------------
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, KFold

from skdistill import BayesianDistilledRegressor, DistilledRegressor
from skdistill.datasets import load_sarcos

sarcos = load_sarcos()
X, y = sarcos.X, sarcos.y
X_star = np.hstack([sarcos.X, sarcos.X_star])  # the teacher sees everything
NOISE = 20.0
N_TRAIN, N_TEST = 200, 2000
TEACHER_ROWS = {"good": (2000, 0.0), "weak": (60, NOISE)}  # rows, label noise
GRID = np.linspace(0.0, 1.0, 21)
print(f"SARCOS: {X.shape[0]} objects; torque_1 std {y.std():.1f}; label noise std {NOISE:g}")


def split(seed, teacher_kind):
    """Training and test rows, the noisy training labels and a fitted teacher."""
    rng = np.random.RandomState(seed)
    order = rng.permutation(len(y))
    train, test = order[:N_TRAIN], order[N_TRAIN : N_TRAIN + N_TEST]
    n_teacher, teacher_noise = TEACHER_ROWS[teacher_kind]
    rows = order[N_TRAIN + N_TEST : N_TRAIN + N_TEST + n_teacher]
    teacher = LinearRegression().fit(
        X_star[rows], y[rows] + teacher_noise * rng.normal(size=n_teacher)
    )
    y_noisy = y[train] + NOISE * rng.normal(size=N_TRAIN)
    return train, test, y_noisy, teacher


# %%
# Evidence, cross-validation and a fixed weight
# ---------------------------------------------
# All training rows are privileged, so ``DistilledRegressor`` at
# ``teacher_weight=teacher_weight_`` (with the matching ridge penalty) is the
# Bayesian student itself; with a partial mask the two parametrisations
# differ (see the user guide). The teacher's answers are computed once and
# passed as ``teacher_output``.
results = {kind: [] for kind in TEACHER_ROWS}
curves = {}
seconds = {"evidence": 0.0, "grid search": 0.0}
for kind in TEACHER_ROWS:
    for seed in range(5):
        train, test, y_noisy, teacher = split(seed, kind)
        answers = teacher.predict(X_star[train])

        start = time.perf_counter()
        bayes = BayesianDistilledRegressor().fit(X[train], y_noisy, teacher_output=answers)
        seconds["evidence"] += time.perf_counter() - start

        start = time.perf_counter()
        search = GridSearchCV(
            DistilledRegressor(),
            {"teacher_weight": GRID},
            cv=KFold(5, shuffle=True, random_state=seed),
        ).fit(X[train], y_noisy, teacher_output=answers)
        seconds["grid search"] += time.perf_counter() - start

        fixed = DistilledRegressor(teacher_weight=0.5).fit(
            X[train], y_noisy, teacher_output=answers
        )
        alone = DistilledRegressor().fit(X[train], y_noisy)  # no teacher

        def score(model, test=test):
            return r2_score(y[test], model.predict(X[test]))

        results[kind].append(
            [
                bayes.teacher_weight_,
                search.best_params_["teacher_weight"],
                score(bayes),
                score(search),
                score(fixed),
                score(alone),
                r2_score(y[test], teacher.predict(X_star[test])),
            ]
        )
        if seed == 0:
            held_out = [
                score(
                    DistilledRegressor(teacher_weight=w).fit(
                        X[train], y_noisy, teacher_output=answers
                    )
                )
                for w in GRID
            ]
            curves[kind] = (
                search.cv_results_["mean_test_score"],
                held_out,
                bayes.teacher_weight_,
                search.best_params_["teacher_weight"],
            )

print("mean over 5 splits; held-out R2 on clean torques")
print(
    f"{'teacher':8} {'λ evidence':>10} {'λ CV':>6} {'evidence':>9} {'CV':>6} {'λ=0.5':>6} "
    f"{'no teacher':>10} {'teacher':>8}"
)
for kind, rows in results.items():
    m = np.mean(rows, axis=0)
    print(
        f"{kind:8} {m[0]:10.2f} {m[1]:6.2f} {m[2]:9.3f} {m[3]:6.3f} {m[4]:6.3f} {m[5]:10.3f} {m[6]:8.3f}"
    )
print(
    f"fit time, 10 students: evidence {seconds['evidence']:.2f} s, "
    f"grid search (21 λ x 5 folds + refit) {seconds['grid search']:.2f} s"
)

# %%
# With the good teacher, the evidence picks nearly the same λ as the grid
# search and the same held-out score, from one fit instead of 106. With the
# weak teacher, it trusts the teacher and loses: the evidence model reads
# the teacher's deviations from the best linear student as independent
# noise, but a linear teacher fitted on 60 rows is *systematically* wrong,
# its errors being themselves partly linear in ``X``. They look like a good
# fit of the student's own model class, so ``σ_s`` comes out small. Only
# held-out labels reveal such a bias: use cross-validation when the teacher
# may be biased in the directions the student can represent.

fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
for ax, (kind, (cv_scores, held_out, lam_evidence, lam_cv)) in zip(axes, curves.items()):
    ax.plot(GRID, cv_scores, "o-", label="CV R² (noisy labels)")
    ax.plot(GRID, held_out, "s-", label="held-out R² (clean)")
    ax.axvline(lam_evidence, color="C2", label=f"evidence λ = {lam_evidence:.2f}")
    ax.axvline(lam_cv, color="C3", linestyle="--", label=f"CV λ = {lam_cv:.2f}")
    ax.axvline(0.5, color="grey", linestyle=":", label="fixed λ = 0.5")
    ax.set_title(f"{kind} teacher (split 0)")
    ax.set_xlabel("teacher_weight λ")
    ax.legend(fontsize=8, loc="lower left")
axes[0].set_ylabel("R²")
axes[0].set_ylim(-0.2, 1.0)
fig.tight_layout()
plt.show()

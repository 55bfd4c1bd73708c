"""
Regression with any student: gradient boosting on SARCOS
========================================================

For regression the distilled objective of Grabovoy and Strijov (2021) is a sum
of two squared errors per privileged object: one to the label ``y`` and one
to the teacher's answer ``s``. Two squared errors at the same prediction add
up to one weighted squared error to a blended target, plus a constant. So
*any* regressor whose ``fit`` accepts ``sample_weight`` solves the distilled
problem exactly: :class:`~skdistill.DistilledRegressor` hands it the blended
targets and the weights.

Data: SARCOS robot-arm inverse dynamics (``skdistill.datasets.load_sarcos``).
The student predicts the torque of joint 1 from the 21 joint positions,
velocities and accelerations; the torques of joints 2 to 7 are privileged,
as in Lopez-Paz et al. (2016). The teacher is a linear model on all 27
columns. We train on 300 objects and test on 2000 others.
"""

# %%
# Data and teacher
# ----------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score

from skdistill import DistilledRegressor
from skdistill.datasets import load_sarcos

sarcos = load_sarcos()
X, y = sarcos.X, sarcos.y
X_star = np.hstack([sarcos.X, sarcos.X_star])  # the teacher sees everything
order = np.random.RandomState(0).permutation(len(y))
train, test = order[:300], order[-2000:]
print(
    f"SARCOS: {X.shape[0]} objects, {X.shape[1]} features, "
    f"{sarcos.X_star.shape[1]} privileged torques; torque_1 std {y.std():.1f}"
)

# %%
# Clean labels and noisy labels
# -----------------------------
# SARCOS torques are measured precisely. To see what a teacher brings when the
# labels are noisy, we also train on a copy of the target with Gaussian noise
# of standard deviation 10 added (the test set keeps the clean target).
y_noisy = y + 10.0 * np.random.RandomState(1).normal(size=len(y))


def boosting():
    # 32 bins keep the fit quick: with sample_weight, scikit-learn computes the
    # bin edges by weighted percentiles, which is slow for the default 255 bins.
    return HistGradientBoostingRegressor(max_iter=50, max_bins=32, random_state=0)


weights = [0.0, 0.5, 0.9]
r2 = {}
for name, target in [("clean labels", y), ("noisy labels", y_noisy)]:
    teacher = LinearRegression().fit(X_star[train], target[train])
    print(f"{name}: teacher test R2 {r2_score(y[test], teacher.predict(X_star[test])):.3f}")
    r2[name] = []
    for weight in weights:
        student = DistilledRegressor(teacher, teacher_weight=weight, student=boosting())
        student.fit(X[train], target[train], X_star=X_star[train])
        r2[name].append(r2_score(y[test], student.predict(X[test])))
        print(f"  gradient-boosting student, teacher_weight={weight}: test R2 {r2[name][-1]:.3f}")

fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
for name, values in r2.items():
    ax.plot(weights, values, "o-", label=name)
ax.set_xlabel("teacher_weight λ")
ax.set_ylabel("test R² of the student")
ax.set_title("HistGradientBoosting student on SARCOS, 300 training objects")
ax.legend()
plt.show()

# %%
# With clean labels the teacher adds nothing here: its answers on the
# training objects are close to the labels anyway. With noisy labels its
# answers are cleaner targets than the labels, and leaning on them helps.
#
# The student is exact, not an approximation
# ------------------------------------------
# With ``sigma = sigma_teacher = 1`` each privileged object gets the target
# ``(1 - λ) y + λ s`` and weight 1. Fitting the boosting model by hand on those
# targets gives the very same predictions.
# ``student`` and ``teacher`` are the last ones of the loop: noisy labels,
# ``teacher_weight=0.9``.
s = teacher.predict(X_star[train])
blended = 0.1 * y_noisy[train] + 0.9 * s
by_hand = boosting().fit(X[train], blended, sample_weight=np.ones(len(train)))
gap = np.max(np.abs(by_hand.predict(X[test]) - student.predict(X[test])))
print(f"largest difference to the hand-made fit: {gap:.2e}")

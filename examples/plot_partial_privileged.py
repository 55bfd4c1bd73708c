"""
Privileged information for some objects only
============================================

Often the privileged features exist for a part of the training set only: the
expensive lab test was run on a sample of the patients, the extra sensor was
fitted to some of the machines. Grabovoy and Strijov (2021) treat this as the
general case: a set ``I`` of objects has privileged features, the rest has
labels only. Objects outside ``I`` are fitted to their labels as in plain
maximum likelihood; objects in ``I`` to a mix of label and teacher answer.

In skdistill the set ``I`` is the boolean ``privileged_mask``. ``X_star``
stays full length, aligned with ``X``; its rows outside the mask are never
read and may hold NaN.
"""

# %%
# Data
# ----
# The synthetic problem of the paper, with the true logits as privileged
# features (see the previous example), 200 training objects.
import matplotlib.pyplot as plt
import numpy as np

from skdistill import DistilledClassifier
from skdistill.datasets import make_privileged_classification

X, y, S, logits = make_privileged_classification(n_samples=1200, random_state=1)
X_train, y_train, logits_train = X[:200], y[:200], logits[:200]
X_test, y_test, S_test = X[200:], y[200:], S[200:]


def cross_entropy(S, P):
    return float(-(S * np.log(P)).sum(axis=1).mean())


calls = []


def teacher(rows):
    """The teacher knows the true logits; it records how many rows it saw."""
    calls.append(len(rows))
    return rows


# %%
# Only a quarter of the objects are privileged
# --------------------------------------------
# Suppose we measured ``X_star`` for 50 of the 200 objects. Scatter those rows
# into a full-length array of NaN and mark them in the mask.
rng = np.random.RandomState(0)
measured = rng.choice(200, size=50, replace=False)
mask = np.zeros(200, dtype=bool)
mask[measured] = True
X_star = np.full_like(logits_train, np.nan)
X_star[mask] = logits_train[mask]

student = DistilledClassifier(teacher, teacher_weight=0.75)
student.fit(X_train, y_train, X_star=X_star, privileged_mask=mask)
print(f"the teacher was called on {calls[-1]} rows")
print(f"privileged rows seen by the fit: {student.privileged_mask_.sum()}")

# %%
# A shorter ``X_star`` holding only the 50 measured rows is refused: its rows
# could not be matched to the rows of ``X``, and cross-validation could not
# slice it per fold.
try:
    student.fit(X_train, y_train, X_star=logits_train[mask], privileged_mask=mask)
except ValueError as exc:
    print("ValueError:", str(exc)[:110], "...")

# %%
# How the gain grows with the privileged share
# --------------------------------------------
# Fit the student with 0 %, 10 %, 25 %, 50 % and 100 % of the training objects
# privileged (averaged over five random choices of ``I``), and measure the
# test cross-entropy to the true probabilities ``S``.
shares = [0.0, 0.1, 0.25, 0.5, 1.0]
scores = []
for share in shares:
    values = []
    for _ in range(5 if 0 < share < 1 else 1):
        mask = np.zeros(200, dtype=bool)
        mask[rng.choice(200, size=int(share * 200), replace=False)] = True
        model = DistilledClassifier(teacher, teacher_weight=0.75)
        model.fit(X_train, y_train, X_star=logits_train, privileged_mask=mask)
        values.append(cross_entropy(S_test, model.predict_proba(X_test)))
    scores.append(np.mean(values))

print(f"{'share of I':>10} {'test CE to S':>13}")
for share, score in zip(shares, scores):
    print(f"{share:>10.0%} {score:>13.3f}")
print(f"{'best':>10} {cross_entropy(S_test, S_test):>13.3f}")

fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
ax.plot(np.array(shares) * 100, scores, "o-", label="distilled student")
ax.axhline(cross_entropy(S_test, S_test), color="0.5", linestyle=":", label="entropy of S")
ax.set_xlabel("objects with privileged features (%)")
ax.set_ylabel("test cross-entropy to the true S")
ax.set_title("200 training objects, teacher on a part of them")
ax.legend()
plt.show()

# %%
# With no privileged object the fit is plain logistic regression. The test
# cross-entropy falls steadily as more objects get privileged features: each
# one replaces a noisy label draw by (a mix with) the true probabilities.

"""
Privileged features: a teacher that knows what the student cannot see
======================================================================

In generalized distillation (Lopez-Paz, Bottou, Schölkopf and Vapnik, 2016)
the teacher is trained on *privileged* features ``X_star`` that exist only at
training time: a lab test that comes back after the decision, a sensor on the
prototype only, an expert's annotation. The student predicts from the
ordinary features ``X`` and uses the teacher's answers while it is trained.

This example runs the synthetic experiment of Grabovoy and Strijov (2021).
Features ``X ~ N(0, 1)`` and weights ``W ~ N(0, 1)`` give true class
probabilities ``S = softmax(X W)``; each label is drawn from its row of
``S``. The privileged features are the true logits ``X W``: a teacher that
sees them knows ``S`` exactly, while the labels are only noisy draws from it.
"""

# %%
# Data, teacher and student
# -------------------------
import matplotlib.pyplot as plt
import numpy as np

from skdistill import DistilledClassifier
from skdistill.datasets import make_privileged_classification
from skdistill.plotting import plot_class_probabilities


def teacher(logits):
    """The teacher: its privileged features are the true logits."""
    return logits


def cross_entropy(S, P):
    """Mean cross-entropy of predicted probabilities P against the true S."""
    return float(-(S * np.log(P)).sum(axis=1).mean())


X, y, S, logits = make_privileged_classification(n_samples=1400, random_state=0)
X_pool, y_pool, logits_pool = X[:1000], y[:1000], logits[:1000]
X_test, y_test, S_test = X[1000:], y[1000:], S[1000:]
print(f"entropy of the true S on the test set (best possible): {cross_entropy(S_test, S_test):.3f}")

# %%
# A callable teacher is fine; so is any fitted scikit-learn classifier or a
# torch module. The student gets the privileged features as ``X_star``; they
# must have as many rows as ``X``, aligned with it.
student = DistilledClassifier(teacher, teacher_weight=0.75, temperature=1.0)
student.fit(X_pool[:100], y_pool[:100], X_star=logits_pool[:100])
print(f"100 objects, distilled: accuracy {student.score(X_test, y_test):.3f}")

# %%
# How much the teacher helps, by training-set size
# -------------------------------------------------
# We compare the student without a teacher (plain multinomial logistic
# regression) with the distilled one, on how close their probabilities are to
# the true ``S``: the cross-entropy ``-sum_k S_k log p_k`` on the test set.
sizes = [25, 50, 100, 200, 400, 1000]
rng = np.random.RandomState(0)
results = {"without teacher": [], "with teacher": []}
for n in sizes:
    plain, distilled = [], []
    for _ in range(5 if n < 1000 else 1):
        rows = rng.choice(1000, size=n, replace=False)
        p0 = DistilledClassifier().fit(X_pool[rows], y_pool[rows])
        p1 = DistilledClassifier(teacher, teacher_weight=0.75).fit(
            X_pool[rows], y_pool[rows], X_star=logits_pool[rows]
        )
        plain.append(cross_entropy(S_test, p0.predict_proba(X_test)))
        distilled.append(cross_entropy(S_test, p1.predict_proba(X_test)))
    results["without teacher"].append(np.mean(plain))
    results["with teacher"].append(np.mean(distilled))

print(f"{'n train':>8} {'CE without':>11} {'CE with':>8}")
for n, a, b in zip(sizes, *results.values()):
    print(f"{n:>8} {a:>11.3f} {b:>8.3f}")

fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
for label, values in results.items():
    ax.plot(sizes, values, "o-", label=label)
ax.axhline(cross_entropy(S_test, S_test), color="0.5", linestyle=":", label="entropy of S")
ax.set_xscale("log")
ax.set_xticks(sizes, labels=[str(n) for n in sizes])
ax.minorticks_off()
ax.set_xlabel("training objects")
ax.set_ylabel("test cross-entropy to the true S")
ax.legend()
plt.show()

# %%
# The probabilities themselves
# ----------------------------
# Sixty test objects, sorted by their most likely class under ``S``. With 50
# training objects the student without a teacher is visibly further from
# ``S`` than the distilled one.
rows = np.arange(50)
p0 = DistilledClassifier().fit(X_pool[rows], y_pool[rows])
p1 = DistilledClassifier(teacher, teacher_weight=0.75).fit(
    X_pool[rows], y_pool[rows], X_star=logits_pool[rows]
)
print(
    f"50 objects: CE without {cross_entropy(S_test, p0.predict_proba(X_test)):.3f}, "
    f"with {cross_entropy(S_test, p1.predict_proba(X_test)):.3f}"
)
plot_class_probabilities(
    {
        "true S": S_test,
        "without teacher": p0.predict_proba(X_test),
        "with teacher": p1.predict_proba(X_test),
    },
    n_objects=60,
    sort_by="true S",
)
plt.show()

# %%
# The gap closes as the sample grows: with 1000 objects the labels alone
# estimate ``W`` well and the teacher adds little. The privileged information
# is worth most when labelled data is scarce.

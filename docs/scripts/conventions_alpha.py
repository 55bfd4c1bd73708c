"""Measure the four ``loss`` conventions of DistilledClassifier side by side.

Fashion-MNIST, 10,000 training images (a stratified random subset) and the
10,000 test images. The teacher is multinomial logistic regression on the
14x14 image (196 privileged features); the student is a linear softmax on the
7x7 thumbnail (49 features, means of 4x4 blocks). Every student is fitted at
teacher_weight = 1 (the soft term only) with alpha = 1, for each convention
and T in {1, 2, 5, 10, 20}; we print its test accuracy and its mean
max-probability at T = 1 (1 is certain, 1/10 is uniform).

Then three numerical checks of the identities on the conventions page, fitted
to a tight tolerance:

1. loss="hinton" with (lam, alpha) equals loss="distill" with
   (lam T^2 / c, alpha / c), c = 1 - lam + lam T^2 (lam = 0.5, T = 5);
2. at lam = 1, loss="distill" with alpha equals T times loss="generalized"
   with alpha T^2 (T = 20): the L2 penalty acts as alpha T^2;
3. at lam = 1, loss="hinton" with alpha equals T times loss="generalized"
   with the same alpha (T = 20).

The data are found by skdistill.datasets.load_fashion_mnist (Debian's package
dataset-fashion-mnist, the SKDISTILL_DATA folder, or a download). Run with
``python docs/scripts/conventions_alpha.py``; two to three minutes on two cores.
"""

import time

import numpy as np
from sklearn.model_selection import train_test_split

from skdistill import DistilledClassifier, teacher_answers
from skdistill.datasets import load_fashion_mnist

N_TRAIN = 10_000
TEMPERATURES = [1, 2, 5, 10, 20]
LOSSES = ["distill", "probabilistic", "hinton", "generalized"]
ALPHA = 1.0
TOL, CHECK_TOL = 1e-6, 1e-9

start = time.perf_counter()


def softmax(logits):
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def thumbnail(images, block):
    """Mean of block x block squares of 28x28 images, scaled to [0, 1]."""
    side = 28 // block
    blocks = images.reshape(len(images), side, block, side, block)
    return blocks.mean(axis=(2, 4)).reshape(len(images), side * side) / 255.0


data = load_fashion_mnist()
rows, _ = train_test_split(
    np.arange(len(data.y_train)), train_size=N_TRAIN, stratify=data.y_train, random_state=0
)
images_train, y_train = data.X_train[rows].astype(float), data.y_train[rows]
images_test, y_test = data.X_test.astype(float), data.y_test
X_star_train, X_star_test = thumbnail(images_train, 2), thumbnail(images_test, 2)
X_train, X_test = thumbnail(images_train, 4), thumbnail(images_test, 4)

# Multinomial logistic regression (= LogisticRegression(C=1)) as the teacher.
teacher = DistilledClassifier(dtype="float64", max_iter=500).fit(X_star_train, y_train)
answers = teacher_answers(teacher, X_star_train)  # logits v, computed once
v_test = teacher.decision_function(X_star_test)


def student(loss="distill", teacher_weight=1.0, temperature=1.0, alpha=ALPHA, tol=TOL):
    model = DistilledClassifier(
        teacher_weight=teacher_weight,
        temperature=temperature,
        loss=loss,
        alpha=alpha,
        teacher_output_kind="logits",
        dtype="float64",
        tol=tol,
        max_iter=5000,
    )
    return model.fit(X_train, y_train, teacher_output=answers)


def summary(model):
    return (
        f"{model.score(X_test, y_test):.3f} / {model.predict_proba(X_test).max(axis=1).mean():.2f}"
    )


print(f"Fashion-MNIST: {N_TRAIN} training images (stratified subset), {len(y_test)} test images")
print(
    f"teacher: softmax regression on the 14x14 image, test accuracy {teacher.score(X_star_test, y_test):.3f}"
)
print(f"student: softmax regression on the 7x7 thumbnail, alpha = {ALPHA:g}")
print(f"labels only (teacher_weight = 0): {summary(student(teacher_weight=0.0))}")
print()
print("teacher_weight = 1; each cell: test accuracy / mean max-probability at T = 1")
print("| T | " + " | ".join(f"`{loss}`" for loss in LOSSES) + " | teacher's `s` |")
print("|---:|" + "---|" * (len(LOSSES) + 1))
fits = {}
for T in TEMPERATURES:
    cells = []
    for loss in LOSSES:
        fits[loss, T] = student(loss, temperature=T)
        cells.append(summary(fits[loss, T]))
    s_max = softmax(v_test / T).max(axis=1).mean()
    print(f"| {T} | " + " | ".join(cells) + f" | {s_max:.2f} |")
print()


def max_difference(a, b, scale=1.0):
    return max(
        np.abs(a.coef_ - scale * b.coef_).max(),
        np.abs(a.intercept_ - scale * b.intercept_).max(),
    )


# In the checks the two objectives differ by a known factor, and so do their
# gradients with respect to W; the tolerances (on the largest gradient entry)
# carry the same factor, so that both fits stop equally close to the optimum.
lam, T = 0.5, 5.0
c = 1 - lam + lam * T**2
hinton = student("hinton", lam, T, ALPHA, tol=CHECK_TOL * c)  # c times distill's objective
distill = student("distill", lam * T**2 / c, T, ALPHA / c, tol=CHECK_TOL)
print(
    f"check 1, lam = {lam}, T = {T:g}: hinton(lam, alpha) vs distill(lam T^2/c, alpha/c), c = {c:g}"
)
print(
    f"  max |coef difference| = {max_difference(hinton, distill):.1e}"
    f"  (max |coef| = {np.abs(hinton.coef_).max():.2f})"
)

T = 20.0
# With u = z / T: distill(W) = generalized_{alpha T^2}(W / T), gradient 1/T times.
distill = student("distill", 1.0, T, ALPHA, tol=CHECK_TOL / T)
generalized = student("generalized", 1.0, T, ALPHA * T**2, tol=CHECK_TOL)
print(f"check 2, lam = 1, T = {T:g}: distill(alpha) vs T * generalized(alpha T^2)")
print(
    f"  max |coef difference| = {max_difference(distill, generalized, T):.1e}"
    f"  (max |coef| = {np.abs(distill.coef_).max():.2f})"
)

# hinton(W) = T^2 generalized_alpha(W / T), gradient T times.
hinton = student("hinton", 1.0, T, ALPHA, tol=CHECK_TOL * T)
generalized = student("generalized", 1.0, T, ALPHA, tol=CHECK_TOL)
print(f"check 3, lam = 1, T = {T:g}: hinton(alpha) vs T * generalized(alpha)")
print(
    f"  max |coef difference| = {max_difference(hinton, generalized, T):.1e}"
    f"  (max |coef| = {np.abs(hinton.coef_).max():.2f})"
)
same = np.array_equal(hinton.predict(X_test), generalized.predict(X_test))
print(f"  same test predictions: {same}")
print(f"\n({time.perf_counter() - start:.0f} s)")

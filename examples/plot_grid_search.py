"""
Choosing λ and T by cross-validated search
==========================================

``teacher_weight`` (λ) and ``temperature`` (T) are ordinary hyper-parameters:
:class:`~sklearn.model_selection.GridSearchCV` searches them like any other,
and :func:`skdistill.plotting.plot_search_surface` draws the result.

Data: scikit-learn's handwritten digits. The teacher sees the full 8 x 8
image (64 pixels); the student sees a 4 x 4 version, each pixel the mean of a
2 x 2 block, as a cheap low-resolution sensor would give. We keep 300 images
for training and the rest for testing.
"""

# %%
# Data and teacher
# ----------------
import matplotlib.pyplot as plt
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.svm import SVC

from skdistill import DistilledClassifier, teacher_answers
from skdistill.plotting import plot_search_surface

digits = load_digits()
X_star = digits.data / 16.0  # 64 pixels, the privileged view
X = X_star.reshape(-1, 4, 2, 4, 2).mean(axis=(2, 4)).reshape(-1, 16)  # 4 x 4
X_train, X_test, Xs_train, Xs_test, y_train, y_test = train_test_split(
    X, X_star, digits.target, train_size=300, stratify=digits.target, random_state=0
)
teacher = CalibratedClassifierCV(SVC(), ensemble=False).fit(Xs_train, y_train)
print(f"teacher (8 x 8 pixels) test accuracy: {teacher.score(Xs_test, y_test):.3f}")

# %%
# Evaluate the teacher once
# -------------------------
# A search refits the student for every candidate and fold. Passing the
# teacher itself would call it each time; :func:`~skdistill.teacher_answers`
# computes its answers (log-probabilities here) once, and ``teacher_output``
# hands them to every fit. The search slices them per fold like ``X``.
answers = teacher_answers(teacher, Xs_train)
print("teacher answers:", answers.shape)

# %%
# The search
# ----------
# ``teacher_weight=0`` is the student without a teacher, so the grid contains
# the baseline. ``alpha=0.1`` is a lighter L2 penalty than the default
# (``alpha = 1 / C`` of ``LogisticRegression``). ``n_jobs`` parallelises the
# candidates over processes, as in any scikit-learn search.
student = DistilledClassifier(alpha=0.1, teacher_output_kind="logits")
grid = {"teacher_weight": [0.0, 0.25, 0.5, 0.75, 1.0], "temperature": [1.0, 2.0, 4.0]}
search = GridSearchCV(student, grid, cv=StratifiedKFold(3, shuffle=True, random_state=0))
search.fit(X_train, y_train, teacher_output=answers)
print("best parameters:", search.best_params_)
print(f"best cross-validated accuracy: {search.best_score_:.3f}")
print(
    "cross-validated accuracy without teacher:",
    f"{search.cv_results_['mean_test_score'][0]:.3f}",
)

scores = search.cv_results_["mean_test_score"].reshape(len(grid["teacher_weight"]), -1)
for weight, row in zip(grid["teacher_weight"], scores):
    print(
        f"λ = {weight:<4}  "
        + "  ".join(f"T={t:g}: {s:.3f}" for t, s in zip(grid["temperature"], row))
    )

ax = plot_search_surface(search.cv_results_, x="teacher_weight", y="temperature")
plt.show()

# %%
# Did the teacher help on unseen data?
# ------------------------------------
plain = DistilledClassifier(alpha=0.1).fit(X_train, y_train)
print(f"test accuracy, student without teacher: {plain.score(X_test, y_test):.3f}")
print(f"test accuracy, best searched student:   {search.score(X_test, y_test):.3f}")
spread = search.cv_results_["std_test_score"].mean()
print(f"typical standard deviation of a CV score across folds: {spread:.3f}")

# %%
# Read the surface with its noise in mind. The differences between the
# moderate cells are of the order of the fold-to-fold spread, and the test
# set need not confirm the winner: on this problem the teacher's extra pixels
# do not transfer much into a linear model of 16 pixels. What the surface
# does show clearly is the corner to avoid: a large λ with a large T leaves
# the labels little weight and the teacher's pull weak (``T`` divides it, see
# the temperature example), and the student underfits.
#
# Larger searches: Dask
# ---------------------
# The same search runs on a Dask cluster through joblib (not executed here)::
#
#     import joblib
#     from dask.distributed import Client
#
#     client = Client("tcp://scheduler:8786")  # or Client() for a local cluster
#     search = GridSearchCV(student, grid, cv=5, n_jobs=-1)
#     with joblib.parallel_backend("dask"):
#         search.fit(X_train, y_train, teacher_output=answers)

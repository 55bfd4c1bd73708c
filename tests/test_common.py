"""scikit-learn's estimator checks on every skdistill estimator."""

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import Ridge
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdistill import DistilledRegressor


def sum_teacher(X):
    """A teacher for any number of features (module level, so it pickles).

    With ``X_star=None`` the teacher sees ``X`` (Hinton's distillation), so
    the checks' ``fit(X, y)`` calls exercise the distilled path. It is a poor
    teacher, so ``sigma_teacher`` gives it little weight and the checks'
    score thresholds still hold.
    """
    if not sp.issparse(X):
        X = np.asarray(X, dtype=np.float64)
    return np.asarray(X.sum(axis=1)).ravel()


_DISTILLED = dict(teacher_weight=0.3, sigma=0.5, sigma_teacher=2.0)

ESTIMATORS = [
    DistilledRegressor(),
    DistilledRegressor(sum_teacher, alpha=1.0, **_DISTILLED),
    DistilledRegressor(sum_teacher, student=Ridge(alpha=1.0), **_DISTILLED),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)

"""Distil a teacher that sees privileged features into a linear regression student.

Runs in a second on synthetic data where the teacher sees six clean features and
the student four noisy ones. Prints the distilled student beside plain least
squares on the same features.
"""

import numpy as np
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split

from skdistill import DistilledRegressor


def privileged_regression_data(random_state=0):
    rng = np.random.RandomState(random_state)
    n_samples = 400
    X_star = rng.normal(size=(n_samples, 6))
    y = X_star @ rng.normal(size=6) + 0.3 * rng.normal(size=n_samples)
    X = X_star[:, :4] + 0.8 * rng.normal(size=(n_samples, 4))
    return X, y, X_star


def main():
    X, y, X_star = privileged_regression_data()
    X_tr, X_te, y_tr, y_te, Xs_tr, _ = train_test_split(X, y, X_star, test_size=0.5, random_state=0)
    teacher = LinearRegression().fit(Xs_tr, y_tr)
    plain = LinearRegression().fit(X_tr, y_tr)
    print(f"{'model':<32}{'test MSE':>10}")
    print(f"{'least squares on X':<32}{mean_squared_error(y_te, plain.predict(X_te)):>10.4f}")
    for weight in (0.25, 0.5, 0.75):
        student = DistilledRegressor(teacher, teacher_weight=weight)
        student.fit(X_tr, y_tr, X_star=Xs_tr)
        mse = mean_squared_error(y_te, student.predict(X_te))
        print(f"{f'distilled, teacher_weight={weight}':<32}{mse:>10.4f}")


if __name__ == "__main__":
    main()

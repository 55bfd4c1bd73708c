"""skdistill._lbfgs: the two-loop recursion, the strong Wolfe line search, and the stopping rules."""

import math

import numpy as np
import pytest
import scipy.optimize
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit

from skdistill._lbfgs import (
    CONVERGED,
    LINE_SEARCH_FAILED,
    MAX_ITER,
    _line_search,
    _Memory,
    minimize_lbfgs,
)

C1, C2 = 1e-4, 0.9


def gradient_below(tol):
    return lambda x, f, g: float(np.max(np.abs(g))) <= tol


def quadratic(seed=0, n=6):
    rng = np.random.RandomState(seed)
    Q = rng.normal(size=(n, n))
    A = Q @ Q.T + 0.1 * np.eye(n)
    b = rng.normal(size=n)
    return A, b, lambda x: (0.5 * x @ A @ x - b @ x, A @ x - b)


def rosenbrock(x):
    f = 100.0 * (x[1] - x[0] ** 2) ** 2 + (1.0 - x[0]) ** 2
    g = np.array(
        [-400.0 * x[0] * (x[1] - x[0] ** 2) - 2.0 * (1.0 - x[0]), 200.0 * (x[1] - x[0] ** 2)]
    )
    return f, g


def barrier(x):
    """f(x) = -log(1 - x) + x^2, +inf for x >= 1; its minimum is at (1 - sqrt(3)) / 2."""
    with np.errstate(divide="ignore", invalid="ignore"):
        f = -np.log1p(-x[0]) + x[0] ** 2 if x[0] < 1 else math.inf
    return float(f), np.array([1.0 / (1.0 - x[0]) + 2 * x[0] if x[0] < 1 else math.nan])


def logistic(seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(200, 5)) * np.array([1.0, 10.0, 0.1, 3.0, 1.0])
    y = (X @ rng.normal(size=5) + rng.normal(size=200) > 0).astype(float)

    def evaluate(w):
        z = X @ w
        f = np.sum(np.logaddexp(0.0, z) - y * z) / 200 + 0.005 * w @ w
        return f, X.T @ (expit(z) - y) / 200 + 0.01 * w

    return evaluate


def explicit_inverse_hessian(pairs, n):
    # The BFGS update of H, pair by pair, from H0 = (s.y / y.y) I of the newest pair.
    s, y = pairs[-1]
    H = (s @ y) / (y @ y) * np.eye(n)
    for s, y in pairs:
        rho = 1.0 / (s @ y)
        V = np.eye(n) - rho * np.outer(y, s)
        H = V.T @ H @ V + rho * np.outer(s, s)
    return H


def test_two_loop_recursion_is_the_bfgs_inverse_hessian():
    rng = np.random.RandomState(0)
    n = 5
    A, _, _ = quadratic(1, n)
    memory = _Memory(3)
    pairs = []
    for _ in range(5):
        s = rng.normal(size=n)
        y = A @ s
        assert memory.update(s, y)
        pairs = (pairs + [(s, y)])[-3:]
    g = rng.normal(size=n)
    assert len(memory.pairs) == 3
    assert_allclose(memory.direction(g.copy()), -explicit_inverse_hessian(pairs, n) @ g, rtol=1e-10)


def test_memory_refuses_pairs_without_positive_curvature():
    memory = _Memory(5)
    assert not memory.update(np.array([1.0, 0.0]), np.array([-1.0, 0.0]))
    assert not memory.update(np.array([1.0, 0.0]), np.array([0.0, 1.0]))
    assert memory.pairs == []
    g = np.array([0.3, -2.0])
    assert_array_equal(memory.direction(g), -g)


@pytest.mark.parametrize("step", [1e-6, 1e-2, 1.0, 1e3, 1e8])
@pytest.mark.parametrize(
    "function",
    [
        lambda a: ((a - 0.7) ** 2, 2 * (a - 0.7)),
        lambda a: (float(np.exp(a)) - 3 * a, float(np.exp(a)) - 3),
        lambda a: (math.log1p(math.exp(-5 * a)) + 0.01 * a * a, -5 * expit(-5 * a) + 0.02 * a),
    ],
)
def test_line_search_meets_the_strong_wolfe_conditions(function, step):
    def evaluate(x):
        with np.errstate(over="ignore"):  # a too-long trial step overflows exp: +inf
            f, g = function(float(x[0]))
        return f, np.array([g])

    x = np.array([0.0])
    f0, g0 = evaluate(x)
    direction = -g0 / abs(g0)  # unit length, downhill
    found, f, g, evaluations = _line_search(evaluate, x, f0, g0, direction, step, 50, 0.0)
    slope0 = float(g0 @ direction)
    assert found is not None and found > 0
    assert f <= f0 + C1 * found * slope0
    assert abs(float(g @ direction)) <= -C2 * slope0
    assert (f, g[0]) == (evaluate(found * direction)[0], evaluate(found * direction)[1][0])
    assert evaluations <= 50


def test_line_search_backs_off_a_region_where_the_objective_is_infinite():
    # The first trial step lands where the barrier is infinite.
    result = minimize_lbfgs(
        barrier,
        np.array([-2.0]),
        max_iter=50,
        memory=5,
        stop=gradient_below(1e-10),
        first_step=1.0,
    )
    assert result.status == CONVERGED
    assert_allclose(result.x, [(1 - math.sqrt(3)) / 2], rtol=1e-8)


def test_quadratic_minimum():
    A, b, evaluate = quadratic()
    result = minimize_lbfgs(
        evaluate, np.zeros(6), max_iter=200, memory=10, stop=gradient_below(1e-12)
    )
    assert result.status == CONVERGED
    assert_allclose(result.x, np.linalg.solve(A, b), rtol=1e-9)
    assert result.message == "the gradient meets the tolerance"


def test_rosenbrock_minimum():
    result = minimize_lbfgs(
        rosenbrock, np.array([-1.2, 1.0]), max_iter=500, memory=10, stop=gradient_below(1e-10)
    )
    assert result.status == CONVERGED
    assert_allclose(result.x, [1.0, 1.0], rtol=1e-8)


def test_logistic_minimum_equals_scipys():
    evaluate = logistic()
    ours = minimize_lbfgs(
        evaluate, np.zeros(5), max_iter=500, memory=10, stop=gradient_below(1e-12)
    )
    theirs = scipy.optimize.minimize(
        evaluate, np.zeros(5), jac=True, method="L-BFGS-B", options={"gtol": 1e-12, "ftol": 0}
    )
    assert ours.status == CONVERGED
    assert_allclose(ours.x, theirs.x, rtol=1e-7)
    assert ours.fun <= theirs.fun + 1e-15


def test_start_that_meets_the_tolerance_is_returned_as_it_is():
    calls = []
    _, _, evaluate = quadratic()

    def counted(x):
        calls.append(x.copy())
        return evaluate(x)

    x0 = np.linspace(-1, 1, 6)
    result = minimize_lbfgs(counted, x0, max_iter=10, memory=5, stop=lambda x, f, g: True)
    assert (result.nit, result.nfev, result.status) == (0, 1, CONVERGED)
    assert_array_equal(result.x, x0)
    assert len(calls) == 1


def test_max_iter_and_on_iteration():
    seen = []
    result = minimize_lbfgs(
        rosenbrock,
        np.array([-1.2, 1.0]),
        max_iter=4,
        memory=10,
        stop=gradient_below(0.0),
        on_iteration=lambda x, f: seen.append((x.copy(), f)),
    )
    assert (result.nit, result.status) == (4, MAX_ITER)
    assert len(seen) == 4
    values = [f for _, f in seen]
    assert values == sorted(values, reverse=True)
    assert_array_equal(seen[-1][0], result.x)
    assert seen[-1][1] == result.fun == rosenbrock(result.x)[0]


def test_the_first_step_is_the_gradient_step_when_asked():
    # Under an identity Hessian the gradient step is the minimum: one evaluation more.
    evaluate = lambda x: (0.5 * x @ x - x.sum(), x - 1.0)  # noqa: E731
    result = minimize_lbfgs(
        evaluate, np.zeros(3), max_iter=10, memory=5, stop=gradient_below(1e-12), first_step=1.0
    )
    assert (result.nit, result.nfev) == (1, 2)
    assert_array_equal(result.x, np.ones(3))


def test_non_finite_start_is_reported():
    result = minimize_lbfgs(
        lambda x: (math.nan, x), np.ones(2), max_iter=10, memory=5, stop=gradient_below(1e-6)
    )
    assert (result.nit, result.status) == (0, LINE_SEARCH_FAILED)
    assert not math.isfinite(result.fun)


def test_an_objective_in_float32_stops_at_its_noise_floor_without_burning_evaluations():
    # A tolerance far below float32's resolution: the solver must notice that
    # neither f nor the gradient improves and stop, with a few evaluations per
    # iteration, not max_line_search.
    A, b, _ = quadratic(2, 8)
    A32, b32 = A.astype(np.float32), b.astype(np.float32)

    def evaluate(x):
        x32 = x.astype(np.float32)
        g = A32 @ x32 - b32
        return float(np.float32(0.5) * x32 @ (A32 @ x32) - b32 @ x32), g.astype(np.float64)

    result = minimize_lbfgs(
        evaluate,
        np.zeros(8),
        max_iter=1000,
        memory=10,
        stop=gradient_below(1e-30),
        f_noise=64 * float(np.finfo(np.float32).eps),
    )
    assert result.status in (CONVERGED, LINE_SEARCH_FAILED)
    assert result.nit < 200
    assert result.nfev <= 3 * result.nit + 60
    assert_allclose(result.x, np.linalg.solve(A, b), rtol=1e-3)


def test_initial_pairs_of_the_exact_hessian_give_the_newton_step():
    # n pairs (s, A s) of A-conjugate steps (A's eigenvectors) make H = A^{-1}
    # exactly (BFGS's hereditary property): the first quasi-Newton step lands on
    # the minimum of the quadratic.
    A, b, evaluate = quadratic(3, 5)
    steps = np.linalg.eigh(A)[1].T
    pairs = [(s, A @ s) for s in steps]
    result = minimize_lbfgs(
        evaluate,
        np.zeros(5),
        max_iter=10,
        memory=10,
        stop=gradient_below(1e-9),
        initial_pairs=pairs,
    )
    assert (result.nit, result.nfev) == (1, 2)
    assert_allclose(result.x, np.linalg.solve(A, b), rtol=1e-9)
    assert len(result.pairs) == 6  # the five given and the iteration's own


def test_pairs_without_positive_curvature_are_left_out_of_the_initial_ones():
    _, _, evaluate = quadratic(3, 5)
    bad = [(np.ones(5), -np.ones(5))]
    result = minimize_lbfgs(
        evaluate, np.zeros(5), max_iter=0, memory=10, stop=gradient_below(0.0), initial_pairs=bad
    )
    assert result.pairs == []


def test_curvature_memory_keeps_the_newest_pairs():
    from skdistill._lbfgs import CurvatureMemory

    memory = CurvatureMemory(size=2)
    pairs = [(np.full(2, k), np.full(2, k)) for k in range(5)]
    assert [int(s[0]) for s, _ in memory.newest(pairs)] == [3, 4]
    assert CurvatureMemory(size=0).newest(pairs) == []


def test_a_step_to_a_non_finite_gradient_counts_as_too_long():
    # f = (x - 3)^2 is finite everywhere, its gradient NaN from x = 1 on: the
    # solver must stay where the gradient is finite, and return a matching one.
    def evaluate(x):
        return float((x[0] - 3.0) ** 2), np.array([2 * (x[0] - 3.0) if x[0] < 1 else math.nan])

    result = minimize_lbfgs(
        evaluate, np.array([0.0]), max_iter=20, memory=5, stop=gradient_below(0.0)
    )
    assert np.all(np.isfinite(result.grad)) and result.x[0] < 1
    assert (result.fun, result.grad[0]) == (evaluate(result.x)[0], evaluate(result.x)[1][0])


def test_line_search_refuses_a_direction_that_does_not_descend():
    _, _, evaluate = quadratic()
    x = np.ones(6)
    f, g = evaluate(x)
    assert _line_search(evaluate, x, f, g, g, 1.0, 50, 0.0) == (None, None, None, 0)
    assert _line_search(evaluate, x, f, g, np.full(6, np.nan), 1.0, 50, 0.0)[0] is None


def test_no_parameters_and_no_stop():
    result = minimize_lbfgs(
        lambda x: (1.0, np.zeros(0)), np.zeros(0), max_iter=5, memory=5, stop=lambda *a: False
    )
    assert result.status in (CONVERGED, LINE_SEARCH_FAILED, MAX_ITER)


def test_misleading_initial_pairs_are_dropped_for_the_gradient_direction():
    # A pair from another objective makes H huge: its first step lands far where
    # the barrier is infinite, and three evaluations cannot bisect back. L-BFGS
    # then drops the pairs and takes the gradient direction, as L-BFGS-B does.
    stale = [(np.array([1e6]), np.array([1.0]))]
    result = minimize_lbfgs(
        barrier,
        np.array([-2.0]),
        max_iter=50,
        memory=5,
        stop=gradient_below(1e-10),
        initial_pairs=stale,
        max_line_search=3,
    )
    assert result.status == CONVERGED
    assert_allclose(result.x, [(1 - math.sqrt(3)) / 2], rtol=1e-8)


def test_slopes_decide_where_the_objective_is_below_its_noise():
    # A quadratic whose value carries 1e-11 of noise (cancellation in a badly
    # offset problem), its gradient exact: the solver still drives the
    # gradient down to 1e-9 instead of stopping where f stops telling.
    A, b, exact = quadratic(4, 6)
    rng = np.random.RandomState(0)

    def evaluate(x):
        f, g = exact(x)
        return f + 1e-11 * rng.uniform(-1, 1), g

    result = minimize_lbfgs(
        evaluate, np.zeros(6), max_iter=500, memory=10, stop=gradient_below(1e-9)
    )
    assert result.status == CONVERGED and result.message == "the gradient meets the tolerance"
    assert_allclose(result.x, np.linalg.solve(A, b), rtol=1e-6)

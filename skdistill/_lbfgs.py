"""Limited-memory BFGS with a strong Wolfe line search, for unconstrained smooth objectives.

The full-batch solver of every torch and linear student
(:func:`skdistill._torch_solver.fit_lbfgs`). It is the textbook method
(Nocedal & Wright, *Numerical Optimization*, 2nd ed., algorithms 7.4, 7.5,
3.5 and 3.6), written for what the students need and scipy's L-BFGS-B does
not give:

- ``first_step``: under the preconditioner of
  :mod:`skdistill._preconditioner` the Hessian is near the identity, so the
  first step is the plain gradient step, accepted at once most of the time;
  L-BFGS-B always starts with a step of length one, which costs a few
  evaluations of backtracking or extension at every fit (a cross-validated
  search makes dozens of fits, warm-started close to their minimum);
- ``stop``: the test of convergence is the caller's, on the student's own
  parameters (``max |gradient| <= tol`` in the coefficients, not in the
  preconditioned variables), at the start and after every iteration;
- the per-iteration cost is a few vector operations, not a Fortran call
  through scipy's wrapper with its bounds bookkeeping.
"""

import math
from dataclasses import dataclass, field

import numpy as np

#: Sufficient decrease and curvature constants of the strong Wolfe conditions
#: (Nocedal & Wright's values for quasi-Newton methods).
_SUFFICIENT_DECREASE = 1e-4
_CURVATURE = 0.9
#: How far one extension of the step may grow it.
_MAX_EXTENSION = 4.0

#: Default rounding error of the objective relative to it: Hager & Zhang's
#: epsilon (CG_DESCENT), far above float64's eps, as cancellation in the
#: objective's sums can be.
_F_NOISE = 1e-6

CONVERGED = 0
MAX_ITER = 1
LINE_SEARCH_FAILED = 2


@dataclass
class CurvatureMemory:
    """What one fit of a chain hands to the next: its correction pairs and their variables.

    A cross-validated search fits a chain of neighbouring objectives (the
    same rows, the next teacher weight); the curvature one fit learnt is a
    good first estimate of the next one's. The pairs are kept in the
    variables of the fit that made them (``variables``: its
    :class:`skdistill._preconditioner.Preconditioner`, or None for the
    parameters themselves) and mapped to the next fit's own.

    A fit of the chain whose warm start already meets the tolerance starts
    again from zero, as a cold fit does: on a very flat objective (a large
    temperature) ``tol`` holds far from the minimum, wherever the start, and
    the previous candidate's solution would be scored in this one's place.
    """

    pairs: list = field(default_factory=list)
    variables: object = None
    #: How many of the newest pairs go on to the next fit:
    #: older ones describe objectives further back along the chain.
    size: int = 10

    def newest(self, pairs):
        """The newest :attr:`size` of ``pairs`` (oldest first)."""
        return list(pairs[max(len(pairs) - self.size, 0) :])

    def copy(self):
        """An independent memory holding the same pairs and variables."""
        return CurvatureMemory(list(self.pairs), self.variables, self.size)

    def pairs_in(self, variables, n_parameters):
        """The pairs in ``variables``: through the student's parameters, a step
        as coefficients (``s -> s L``), a gradient difference as gradients
        (``y -> y L^{-T}``), which keeps ``s . y``; pairs of another size are left out.
        """
        pairs = [(s, y) for s, y in self.pairs if s.size == n_parameters]
        if variables is self.variables:
            return pairs
        mapped = []
        for s, y in pairs:
            if self.variables is not None:
                s, y = self.variables.parameters(s), self.variables.parameter_gradient(y)
            if variables is not None:
                s, y = variables.theta(s), variables.gradient(y)
            mapped.append((s, y))
        return mapped


@dataclass
class LBFGSResult:
    """Where :func:`minimize_lbfgs` stopped, and why.

    ``status`` is :data:`CONVERGED` (``stop`` held, or neither the
    objective nor the gradient decreases any more), :data:`MAX_ITER`, or
    :data:`LINE_SEARCH_FAILED` (no step met the Wolfe conditions along the
    last direction, nor along the gradient once the estimate was dropped:
    ``x`` is the last accepted point). ``pairs`` are the
    correction pairs ``(s, y)`` held at the end, oldest first.
    """

    x: np.ndarray
    fun: float
    grad: np.ndarray
    nit: int
    nfev: int
    status: int
    message: str
    pairs: list = field(default_factory=list)


class _Memory:
    """The last ``size`` correction pairs ``(s, y)`` and the two-loop recursion."""

    def __init__(self, size):
        self.size = size
        self.pairs = []  # (s, y, 1 / s.y), oldest first

    def update(self, s, y):
        """Keep the pair if it has positive curvature (``s.y > 0``); False if not."""
        curvature = float(s @ y)
        if not curvature > np.finfo(float).eps * float(y @ y):
            return False
        self.pairs.append((s, y, 1.0 / curvature))
        if len(self.pairs) > self.size:
            del self.pairs[0]
        return True

    def direction(self, grad):
        """``-H grad``, ``H`` the inverse-Hessian estimate with ``H0 = (s.y / y.y) I``."""
        q = -grad
        if not self.pairs:
            return q
        alphas = []
        for s, y, rho in reversed(self.pairs):
            alpha = rho * float(s @ q)
            q -= alpha * y
            alphas.append(alpha)
        s, y, rho = self.pairs[-1]
        q *= 1.0 / (rho * float(y @ y))
        for (s, y, rho), alpha in zip(self.pairs, reversed(alphas)):
            q += (alpha - rho * float(y @ q)) * s
        return q


def _interpolated(a_lo, f_lo, d_lo, a_hi, f_hi, d_hi):
    """The minimiser of the cubic through two points with slopes, kept inside the bracket.

    Falls back to bisection where the cubic has no minimiser or it lies
    within a tenth of the bracket's ends (safeguarding of Nocedal & Wright,
    section 3.5).
    """
    d1 = d_lo + d_hi - 3.0 * (f_lo - f_hi) / (a_lo - a_hi)
    radicand = d1 * d1 - d_lo * d_hi
    low, high = min(a_lo, a_hi), max(a_lo, a_hi)
    margin = 0.1 * (high - low)
    if radicand >= 0:
        d2 = math.copysign(math.sqrt(radicand), a_hi - a_lo)
        denominator = d_hi - d_lo + 2.0 * d2
        if denominator != 0:
            a = a_hi - (a_hi - a_lo) * (d_hi + d2 - d1) / denominator
            if low + margin <= a <= high - margin:
                return a
    return 0.5 * (a_lo + a_hi)


def _line_search(evaluate, x, f0, g0, direction, step, max_evaluations, f_noise):
    """A step along ``direction`` meeting the strong Wolfe conditions (N&W algorithms 3.5, 3.6).

    Returns ``(step, f, g, evaluations)``. When ``max_evaluations``
    evaluations meet the conditions nowhere, the step is the one of lowest
    objective that meets sufficient decrease, if any (L-BFGS keeps its pair
    only if its curvature is positive), else None; None at once for a
    direction that does not descend. A non-finite objective or slope counts
    as too long a step.

    Where the objective changes by less than ``f_noise`` (its rounding
    error), sufficient decrease says nothing: a step is also accepted on its
    slope alone, by the approximate Wolfe conditions of Hager & Zhang (2005);
    a step whose predicted change of ``f`` is below the noise is extended or
    shortened by its slope alone; and the search ends once the bracket no
    longer moves ``x``.
    """
    slope0 = float(g0 @ direction)
    evaluations = 0
    if not slope0 < 0:
        return None, None, None, evaluations
    # Steps closer than this give the same x once rounded.
    resolution = (
        np.finfo(float).eps
        * float(np.max(np.abs(x), initial=1.0))
        / max(float(np.max(np.abs(direction), initial=0.0)), np.finfo(float).tiny)
    )

    def trial_at(a):
        # (step, f, slope along the direction, gradient)
        nonlocal evaluations
        evaluations += 1
        f, g = evaluate(x + a * direction)
        return a, f, float(g @ direction), g

    def noisy(trial):
        # The change of f that the slope predicts for this step is below f's noise:
        # f cannot tell whether the step went down, and only the slopes decide.
        return -trial[0] * slope0 <= f_noise

    def decreases(trial):
        a, f, slope, _ = trial
        if not (math.isfinite(f) and math.isfinite(slope)):
            return False
        return f <= f0 + _SUFFICIENT_DECREASE * a * slope0 or (noisy(trial) and f <= f0 + f_noise)

    def higher(trial, other):
        return not noisy(trial) and trial[1] >= other[1]

    def acceptable(trial):
        a, f, slope, _ = trial
        if not (math.isfinite(f) and math.isfinite(slope)):
            return False
        if abs(slope) <= -_CURVATURE * slope0 and decreases(trial):
            return True  # strong Wolfe
        return f <= f0 + f_noise and (
            _CURVATURE * slope0 <= slope <= (2 * _SUFFICIENT_DECREASE - 1) * slope0
        )

    def zoom(lo, hi):
        # lo meets sufficient decrease with the lowest f so far; a minimiser
        # along the direction lies between lo and hi.
        while evaluations < max_evaluations and abs(hi[0] - lo[0]) > resolution:
            if math.isfinite(hi[1]) and math.isfinite(hi[2]):
                a = _interpolated(lo[0], lo[1], lo[2], hi[0], hi[1], hi[2])
            else:
                a = 0.5 * (lo[0] + hi[0])
            trial = trial_at(a)
            if acceptable(trial):
                return trial
            if not decreases(trial) or higher(trial, lo):
                hi = trial
            else:
                if trial[2] * (hi[0] - lo[0]) >= 0:
                    hi = lo
                lo = trial
        return lo

    previous = found = (0.0, f0, slope0, g0)
    a = step
    while evaluations < max_evaluations:
        trial = trial_at(a)
        if acceptable(trial):
            found = trial
        elif not decreases(trial) or (previous[0] > 0 and higher(trial, previous)):
            found = zoom(previous, trial)
        elif trial[2] >= 0:
            found = zoom(trial, previous)
        else:
            previous = found = trial
            a *= _MAX_EXTENSION
            continue
        break
    if found[0] == 0.0:
        return None, None, None, evaluations
    return found[0], found[1], found[3], evaluations


def _unit_length(direction):
    """The step along ``direction`` of length one."""
    return 1.0 / max(float(np.linalg.norm(direction)), np.finfo(float).tiny)


def minimize_lbfgs(
    evaluate,
    x0,
    *,
    max_iter,
    memory,
    stop,
    on_iteration=None,
    first_step=None,
    ftol=0.0,
    f_noise=_F_NOISE,
    max_line_search=50,
    initial_pairs=(),
):
    """Minimise ``evaluate(x) -> (f, gradient)`` from ``x0`` with L-BFGS.

    Parameters
    ----------
    evaluate : callable
        The objective and its gradient at a float64 vector ``x`` (a float
        and a float64 array of ``x``'s shape, the caller's to keep).
    x0 : ndarray of shape (n,)
        The start (not modified).
    max_iter : int
        Most iterations (accepted steps).
    memory : int
        Correction pairs kept.
    stop : callable
        ``stop(x, f, gradient) -> bool``: convergence, tested at the start
        and at every accepted point.
    on_iteration : callable, default=None
        ``on_iteration(x, f)`` after every accepted step, before ``stop``.
    first_step : float, default=None
        Length of the first trial step along ``-gradient``, in units of the
        gradient (1: the plain gradient step); None for ``1 / ||gradient||``,
        a step of unit length.
    ftol : float
        Stop when an iteration reduces ``f`` by no more than ``ftol`` relative
        to ``max(|f|, 1)`` and does not reduce the gradient's norm either.
        The default stops only where ``f`` no longer decreases at all: near a
        minimum L-BFGS converges superlinearly, and ``f`` settles to its last
        digit a few iterations before the gradient meets a tight tolerance.
    f_noise : float
        The objective's rounding error relative to ``max(|f|, 1)``: at least
        a small multiple of the ``eps`` of the dtype it is computed in.
    max_line_search : int
        Most evaluations of one line search.
    initial_pairs : sequence of (ndarray, ndarray)
        Correction pairs ``(s, y)`` to start the inverse-Hessian estimate
        from (a previous fit's, :class:`CurvatureMemory`), oldest first; those
        without positive curvature are left out. Then the first step is the
        quasi-Newton step, of length 1.

    Returns
    -------
    LBFGSResult
    """
    x = np.array(x0, dtype=np.float64)
    history = _Memory(memory)
    for s, y in initial_pairs:
        history.update(s, y)

    def result(nit, status, message):
        pairs = [(s, y) for s, y, _ in history.pairs]
        return LBFGSResult(x, f, g, nit, nfev, status, message, pairs)

    f, g = evaluate(x)
    nfev = 1
    if not (math.isfinite(f) and np.all(np.isfinite(g))):
        return result(0, LINE_SEARCH_FAILED, "non-finite objective at the start")
    if stop(x, f, g):
        return result(0, CONVERGED, "the start meets the tolerance")

    def search(direction):
        # The quasi-Newton step comes scaled; a first step along the gradient does not.
        if history.pairs:
            trial = 1.0
        else:
            trial = float(first_step) if first_step is not None else _unit_length(direction)
        nonlocal nfev
        step, f_new, g_new, evaluations = _line_search(
            evaluate, x, f, g, direction, trial, max_line_search, f_noise * max(abs(f), 1.0)
        )
        nfev += evaluations
        return step, f_new, g_new

    stalled = False  # an iteration improved nothing, and the estimate was dropped
    for nit in range(1, max_iter + 1):
        direction = history.direction(g)
        if not float(g @ direction) < 0:  # rounding broke the estimate: start it again
            history = _Memory(memory)
            direction = -g
        step, f_new, g_new = search(direction)
        if step is None and history.pairs:
            # The estimate (perhaps another objective's pairs) led nowhere: as
            # L-BFGS-B does, drop it and try the gradient direction once more.
            history = _Memory(memory)
            direction = -g
            step, f_new, g_new = search(direction)
        if step is None:
            return result(nit - 1, LINE_SEARCH_FAILED, "no step met the Wolfe conditions")
        s = step * direction
        history.update(s, g_new - g)
        reduction, shrinks = f - f_new, float(g_new @ g_new) < float(g @ g)
        x, f, g = x + s, f_new, g_new
        if on_iteration is not None:
            on_iteration(x, f)
        if stop(x, f, g):
            return result(nit, CONVERGED, "the gradient meets the tolerance")
        # Where f is down to its rounding error the gradient still shows
        # progress; neither improving is the noise floor, unless the estimate
        # has gone bad (rounding in a badly conditioned problem): the first
        # time, drop it and go on along the gradient.
        if reduction <= ftol * max(abs(f), abs(f + reduction), 1.0) and not shrinks:
            if not history.pairs or stalled:
                return result(nit, CONVERGED, "neither f nor the gradient decreases")
            history, stalled = _Memory(memory), True
    return result(max_iter, MAX_ITER, "max_iter reached")

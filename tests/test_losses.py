"""The torch objectives of skdistill._losses against SPEC section 2.

The reference below is written from the SPEC's four lines, independently of
skdistill's code: rows outside the privileged set I contribute
``w_i log g_{y_i}`` at T = 1, rows inside it ``(1 - lam) w_i log g_{y_i}`` at
T = 1 plus ``lam w_i sum_k s_ik log g_k`` at T = T0, and the probabilistic
loss adds ``lam w_i sum_k (log g_k + log log(1 / g_k))`` at T = T0 with
``g_k`` clamped to ``[eps, 1 - eps]``. The loss is the negated sum. SPEC section 6's other conventions change line 3
only: ``"hinton"`` multiplies it by T0**2, ``"generalized"`` evaluates the
student at T = 1 in it.
"""

import re

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from scipy.special import log_softmax

from skdistill._losses import (
    DISTILL,
    GENERALIZED,
    HINTON,
    PROBABILISTIC,
    distillation_loss,
    loss_and_logit_gradient,
    row_weights,
)

TEMPERATURES = [0.5, 1.0, 2.5, 10.0]
KINDS = [DISTILL, PROBABILISTIC, HINTON, GENERALIZED]


# --------------------------------------------------------------------------
# Independent numpy reference
# --------------------------------------------------------------------------


def spec_objective(z, y, s, mask, sample_weight, lam, T, kind, eps=1e-6):
    """Negated SPEC section 2 objective, term by term, in numpy float64."""
    z = np.asarray(z, dtype=np.float64)
    log_g1 = log_softmax(z, axis=1)  # log g(x)|_{T=1}
    log_gT = log_softmax(z / T, axis=1)  # log g(x)|_{T=T0}
    rows = np.arange(z.shape[0])
    log_g_y = log_g1[rows, y]
    out, inn = ~mask, mask
    total = np.sum(sample_weight[out] * log_g_y[out])  # line 1
    total += (1 - lam) * np.sum(sample_weight[inn] * log_g_y[inn])  # line 2
    if kind == GENERALIZED:  # SPEC section 6: the student at T = 1 in the soft term
        soft = np.sum(s[inn] * log_g1[inn], axis=1)
    elif kind == HINTON:  # the soft term times T**2
        soft = T**2 * np.sum(s[inn] * log_gT[inn], axis=1)
    else:
        soft = np.sum(s[inn] * log_gT[inn], axis=1)
    total += lam * np.sum(sample_weight[inn] * soft)  # line 3
    if kind == PROBABILISTIC:
        g = np.clip(np.exp(log_gT), eps, 1 - eps)
        fourth = np.log(g) + np.log(np.log(1.0 / g))
        total += lam * np.sum(sample_weight[inn] * np.sum(fourth[inn], axis=1))  # line 4
    return -total


def random_problem(n_samples, n_classes, seed, *, scale=2.0):
    rng = np.random.RandomState(seed)
    z = scale * rng.normal(size=(n_samples, n_classes))
    y = rng.randint(n_classes, size=n_samples)
    teacher_logits = 3.0 * rng.normal(size=(n_samples, n_classes))
    mask = rng.uniform(size=n_samples) < 0.6
    sample_weight = rng.uniform(0.2, 3.0, size=n_samples)
    return z, y, teacher_logits, mask, sample_weight


def soft_targets(teacher_logits, mask, T):
    s = np.exp(log_softmax(teacher_logits / T, axis=1))
    s[~mask] = 0.0  # rows outside I are ignored; keep them harmless
    return s


def torch_loss(z, y, s, mask, sample_weight, lam, T, kind, *, fn=distillation_loss, eps=1e-6):
    label_weight, teacher_part = row_weights(sample_weight, mask, lam)
    logits = torch.as_tensor(z, dtype=torch.float64).requires_grad_(True)
    result = fn(
        logits,
        torch.as_tensor(y, dtype=torch.int64),
        torch.as_tensor(label_weight, dtype=torch.float64),
        soft_targets=torch.as_tensor(s, dtype=torch.float64),
        teacher_part=torch.as_tensor(teacher_part, dtype=torch.float64),
        temperature=T,
        kind=kind,
        epsilon=eps,
    )
    return logits, result


# --------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n_classes", [2, 5])
@pytest.mark.parametrize("T", TEMPERATURES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lam", [0.0, 0.3, 1.0])
def test_loss_equals_spec(n_classes, T, kind, lam):
    z, y, v, mask, sw = random_problem(60, n_classes, seed=n_classes)
    s = soft_targets(v, mask, T)
    _, loss = torch_loss(z, y, s, mask, sw, lam, T, kind)
    expected = spec_objective(z, y, s, mask, sw, lam, T, kind)
    assert loss.dtype == torch.float64
    assert_allclose(loss.item(), expected, rtol=1e-12)


@pytest.mark.parametrize("n_classes", [2, 5])
def test_loss_without_teacher_is_weighted_cross_entropy(n_classes):
    z, y, _, _, sw = random_problem(40, n_classes, seed=3)
    loss = distillation_loss(
        torch.as_tensor(z), torch.as_tensor(y, dtype=torch.int64), torch.as_tensor(sw)
    )
    expected = -np.sum(sw * log_softmax(z, axis=1)[np.arange(40), y])
    assert_allclose(loss.item(), expected, rtol=1e-12)
    # The same as the SPEC objective with an empty privileged set.
    no_mask = np.zeros(40, dtype=bool)
    assert_allclose(
        loss.item(),
        spec_objective(z, y, np.zeros_like(z), no_mask, sw, 0.5, 2.0, DISTILL),
        rtol=1e-12,
    )


@pytest.mark.parametrize("kind", KINDS)
def test_rows_outside_mask_ignore_soft_targets(kind):
    z, y, v, mask, sw = random_problem(50, 4, seed=5)
    s = soft_targets(v, mask, 2.0)
    _, loss = torch_loss(z, y, s, mask, sw, 0.4, 2.0, kind)
    garbage = s.copy()
    garbage[~mask] = np.random.RandomState(0).uniform(size=(np.sum(~mask), 4))
    _, loss_garbage = torch_loss(z, y, garbage, mask, sw, 0.4, 2.0, kind)
    assert_allclose(loss.item(), loss_garbage.item(), rtol=1e-14)


def test_probabilistic_adds_the_fourth_line():
    z, y, v, mask, sw = random_problem(50, 3, seed=6)
    lam, T = 0.7, 1.5
    s = soft_targets(v, mask, T)
    _, distill = torch_loss(z, y, s, mask, sw, lam, T, DISTILL)
    _, prob = torch_loss(z, y, s, mask, sw, lam, T, PROBABILISTIC)
    log_gT = log_softmax(z / T, axis=1)
    fourth = lam * np.sum(sw[mask] * np.sum(log_gT[mask] + np.log(-log_gT[mask]), axis=1))
    assert_allclose(prob.item() - distill.item(), -fourth, rtol=1e-10)


@pytest.mark.parametrize("eps", [1e-6, 1e-2])
def test_probabilistic_clamp(eps):
    # Large logits push some g_k below eps and one towards 1: the clamp acts.
    z, y, v, mask, sw = random_problem(30, 3, seed=7, scale=15.0)
    s = soft_targets(v, mask, 1.0)
    g = np.exp(log_softmax(z, axis=1))
    assert np.any(g[mask] < eps) and np.any(g[mask] > 1 - eps)
    _, loss = torch_loss(z, y, s, mask, sw, 0.5, 1.0, PROBABILISTIC, eps=eps)
    expected = spec_objective(z, y, s, mask, sw, 0.5, 1.0, PROBABILISTIC, eps=eps)
    assert np.isfinite(expected)
    assert_allclose(loss.item(), expected, rtol=1e-12)


# --------------------------------------------------------------------------
# Gradients
# --------------------------------------------------------------------------


def central_differences(f, z, h=1e-6):
    grad = np.zeros_like(z)
    for index in np.ndindex(z.shape):
        plus, minus = z.copy(), z.copy()
        plus[index] += h
        minus[index] -= h
        grad[index] = (f(plus) - f(minus)) / (2 * h)
    return grad


@pytest.mark.parametrize("n_classes", [2, 5])
@pytest.mark.parametrize("T", [0.5, 1.0, 3.0])
@pytest.mark.parametrize("kind", KINDS)
def test_autograd_matches_finite_differences(n_classes, T, kind):
    z, y, v, mask, sw = random_problem(15, n_classes, seed=11)
    lam = 0.4
    s = soft_targets(v, mask, T)
    logits, loss = torch_loss(z, y, s, mask, sw, lam, T, kind)
    (grad,) = torch.autograd.grad(loss, logits)
    numeric = central_differences(lambda zz: spec_objective(zz, y, s, mask, sw, lam, T, kind), z)
    assert_allclose(grad.numpy(), numeric, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("n_classes", [2, 5])
@pytest.mark.parametrize("T", TEMPERATURES)
@pytest.mark.parametrize("kind", KINDS)
def test_loss_and_logit_gradient_equals_autograd(n_classes, T, kind):
    z, y, v, mask, sw = random_problem(80, n_classes, seed=13)
    lam = 0.35
    s = soft_targets(v, mask, T)
    logits, loss = torch_loss(z, y, s, mask, sw, lam, T, kind)
    (auto_grad,) = torch.autograd.grad(loss, logits)
    _, (fused_loss, fused_grad) = torch_loss(
        z, y, s, mask, sw, lam, T, kind, fn=loss_and_logit_gradient
    )
    assert_allclose(fused_loss.item(), loss.item(), rtol=1e-13)
    assert_allclose(fused_grad.detach().numpy(), auto_grad.numpy(), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("n_classes", [2, 5])
def test_loss_and_logit_gradient_without_teacher(n_classes):
    z, y, _, _, sw = random_problem(30, n_classes, seed=17)
    logits = torch.as_tensor(z).requires_grad_(True)
    y_t, sw_t = torch.as_tensor(y, dtype=torch.int64), torch.as_tensor(sw)
    loss = distillation_loss(logits, y_t, sw_t)
    (auto_grad,) = torch.autograd.grad(loss, logits)
    fused_loss, fused_grad = loss_and_logit_gradient(torch.as_tensor(z), y_t, sw_t)
    assert_allclose(fused_loss.item(), loss.item(), rtol=1e-13)
    assert_allclose(fused_grad.numpy(), auto_grad.numpy(), rtol=1e-12, atol=1e-14)
    # Closed form: w_i (softmax(z_i) - e_{y_i}).
    expected = np.exp(log_softmax(z, axis=1))
    expected[np.arange(30), y] -= 1.0
    assert_allclose(fused_grad.numpy(), sw[:, None] * expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("with_teacher", [False, True])
def test_subnormal_gradient_entries_are_flushed_to_zero(dtype, with_teacher):
    # A logit 95 (float32) or 720 (float64) below the largest gives a probability
    # below the smallest normal number; its gradient entry becomes exactly 0, and
    # everything else equals autograd.
    gap = 95.0 if dtype == torch.float32 else 720.0
    z = torch.tensor([[0.0, -gap, -1.0], [-gap, 0.0, 2.0], [0.5, 0.0, -0.5]], dtype=dtype)
    y = torch.tensor([0, 2, 1])
    weight = torch.tensor([1.0, 2.0, 0.5], dtype=dtype)
    kwargs = {}
    if with_teacher:
        kwargs = dict(
            soft_targets=torch.tensor(
                [[0.7, 0.0, 0.3], [0.0, 0.5, 0.5], [0.2, 0.3, 0.5]], dtype=dtype
            ),
            teacher_part=torch.tensor([0.5, 0.5, 0.0], dtype=dtype),
            temperature=1.0,
        )
    tiny = torch.finfo(dtype).tiny
    assert 0 < torch.softmax(z, dim=1)[0, 1] < tiny
    logits = z.clone().requires_grad_(True)
    (auto_grad,) = torch.autograd.grad(distillation_loss(logits, y, weight, **kwargs), logits)
    _, grad = loss_and_logit_gradient(z, y, weight, **kwargs)
    assert grad[0, 1] == 0.0 and grad[1, 0] == 0.0
    assert not ((grad != 0) & (grad.abs() < tiny)).any()
    assert_allclose(
        grad.numpy(), auto_grad.numpy(), rtol=1e-6 if dtype == torch.float32 else 1e-12, atol=tiny
    )


def test_clamped_gradient_matches_autograd_and_finite_differences():
    # Some probabilities are clamped: both gradients are zero through the
    # clamped entries of the fourth line, and agree with finite differences.
    z, y, v, mask, sw = random_problem(12, 3, seed=19, scale=12.0)
    s = soft_targets(v, mask, 1.0)
    eps = 1e-3
    logits, loss = torch_loss(z, y, s, mask, sw, 0.6, 1.0, PROBABILISTIC, eps=eps)
    (auto_grad,) = torch.autograd.grad(loss, logits)
    _, (_, fused_grad) = torch_loss(
        z, y, s, mask, sw, 0.6, 1.0, PROBABILISTIC, fn=loss_and_logit_gradient, eps=eps
    )
    g = np.exp(log_softmax(z, axis=1))
    assert np.any((g[mask] < eps) | (g[mask] > 1 - eps))
    numeric = central_differences(
        lambda zz: spec_objective(zz, y, s, mask, sw, 0.6, 1.0, PROBABILISTIC, eps=eps), z
    )
    assert_allclose(auto_grad.numpy(), numeric, rtol=1e-5, atol=1e-6)
    assert_allclose(fused_grad.detach().numpy(), auto_grad.numpy(), rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------
# Numerics at the edges
# --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("T", [0.1, 1.0, 4.0])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_extreme_logits_and_hard_targets_stay_finite(kind, T, dtype):
    n_classes = 3
    z = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.0, 0.0, -1e4], [1e4, 1e4, 1e4]])
    y = np.array([1, 0, 2, 2])
    s = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.5, 0.5, 0.0]])
    mask = np.array([True, True, True, False])
    sw = np.array([1.0, 2.0, 0.5, 1.0])
    label_weight, teacher_part = row_weights(sw, mask, 0.5)
    as_t = lambda a: torch.as_tensor(a, dtype=dtype)  # noqa: E731
    logits = as_t(z).requires_grad_(True)
    args = (torch.as_tensor(y, dtype=torch.int64), as_t(label_weight))
    kwargs = dict(soft_targets=as_t(s), teacher_part=as_t(teacher_part), temperature=T, kind=kind)
    loss = distillation_loss(logits, *args, **kwargs)
    (grad,) = torch.autograd.grad(loss, logits)
    fused_loss, fused_grad = loss_and_logit_gradient(as_t(z), *args, **kwargs)
    assert torch.isfinite(loss) and torch.isfinite(fused_loss)
    assert torch.isfinite(grad).all() and torch.isfinite(fused_grad).all()
    assert_allclose(fused_loss.item(), loss.item(), rtol=1e-6)
    if dtype == torch.float64:
        expected = spec_objective(z, y, s, mask, sw, 0.5, T, kind)
        assert_allclose(loss.item(), expected, rtol=1e-12)
    assert n_classes == z.shape[1]


# --------------------------------------------------------------------------
# row_weights
# --------------------------------------------------------------------------


@pytest.mark.parametrize("lam", [0.0, 0.25, 1.0])
def test_row_weights_split_the_sample_weight(lam, assert_unchanged):
    rng = np.random.RandomState(0)
    sw = rng.uniform(0.1, 5.0, size=100)
    mask = rng.uniform(size=100) < 0.5
    with assert_unchanged(sw=sw, mask=mask):  # the caller's arrays are untouched
        label_weight, teacher_part = row_weights(sw, mask, lam)
    assert_allclose(label_weight + teacher_part, sw, rtol=1e-15)
    assert_allclose(label_weight[~mask], sw[~mask])
    assert_allclose(label_weight[mask], (1 - lam) * sw[mask])
    assert_allclose(teacher_part[mask], lam * sw[mask])
    assert np.all(teacher_part[~mask] == 0.0)


@pytest.mark.parametrize(
    "kind, temperature, dtype, refused",
    [
        (DISTILL, 1e-300, np.float64, True),  # 1 / T overflows float64
        (DISTILL, 1e-30, np.float32, True),
        (DISTILL, 1e-30, np.float64, False),
        (DISTILL, 1e300, np.float32, False),  # the soft term only vanishes
        (HINTON, 1e12, np.float32, True),  # T**2 overflows float32's square root range
        (HINTON, 1e12, np.float64, False),
        (HINTON, 1e300, np.float64, True),
        (PROBABILISTIC, 1e-30, np.float32, True),
        (GENERALIZED, 1e-300, np.float32, False),  # the student meets the teacher at T = 1
    ],
)
def test_check_temperature(kind, temperature, dtype, refused):
    from skdistill._losses import check_temperature

    if refused:
        match = re.escape(f"temperature={temperature!r} is outside what")
        with pytest.raises(ValueError, match=match):
            check_temperature(kind, temperature, dtype)
    else:
        check_temperature(kind, temperature, dtype)


@pytest.mark.parametrize("temperature, loss", [(1e-300, DISTILL), (1e300, HINTON)])
def test_extreme_temperatures_give_a_clear_error_naming_temperature(temperature, loss):
    from sklearn.datasets import make_classification

    from skdistill import DistilledClassifier

    X, y = make_classification(60, 4, random_state=0)
    answers = np.column_stack([np.zeros(60), X[:, 0]])
    student = DistilledClassifier(teacher_weight=0.5, temperature=temperature, loss=loss)
    with pytest.raises(ValueError, match=r"temperature=.* is outside what .* Use a temperature"):
        student.fit(X, y, teacher_output=answers)
    assert not hasattr(student, "coef_")

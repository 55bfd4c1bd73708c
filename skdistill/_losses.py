"""The classification objectives (``docs/theory.md``, ``docs/conventions.md``), written once.

``distillation_loss`` runs on torch tensors (autograd, any torch student);
``loss_and_logit_gradient`` on tensors or numpy arrays alike
(:mod:`skdistill._array_ops`).

With per-row weights ``w_i``, privileged set ``I`` and ``lam`` the teacher
weight, the paper maximises

    sum_{i not in I} w_i log g_{y_i}(x_i)|_{T=1}
    + (1 - lam) sum_{i in I} w_i log g_{y_i}(x_i)|_{T=1}
    + lam sum_{i in I} w_i sum_k s_ik log g_k(x_i)|_{T=T0}
    [+ lam sum_{i in I} w_i sum_k (log g_k + log log(1 / g_k))|_{T=T0}]

The last line (``kind="probabilistic"``) is the term the paper derives from the
normalising constant of p(s | x, g). The other conventions change the soft
(third) line only: ``"hinton"`` multiplies it by T0**2 (Hinton et al., 2015),
``"generalized"`` evaluates the student at T = 1 in it (Lopez-Paz et al.,
2016, eq. 4). Everything here returns the *negated* sum (a loss to
minimise), not yet divided by the total weight.
"""

import math

import numpy as np

from ._array_ops import array_ops

DISTILL = "distill"
PROBABILISTIC = "probabilistic"
HINTON = "hinton"
GENERALIZED = "generalized"
LOSSES = (DISTILL, PROBABILISTIC, HINTON, GENERALIZED)


def soft_term_form(kind, temperature):
    """``(student_temperature, factor)`` of the soft term of convention ``kind``.

    The soft term is ``-factor * sum_k s_k log softmax(z / student_temperature)_k``.
    """
    if kind == GENERALIZED:
        return 1.0, 1.0
    if kind == HINTON:
        return temperature, temperature * temperature  # inf, not OverflowError, beyond float64
    return temperature, 1.0


def check_temperature(kind, temperature, dtype):
    """Refuse a ``temperature`` whose soft term the training ``dtype`` cannot represent.

    The soft term carries the factor ``a`` and its gradient ``a / t``
    (:func:`soft_term_form`); past the square root of the dtype's range, the
    loss and its gradient (those scales times logits and sums) overflow, and
    training would only produce inf or NaN.
    """
    student_temperature, factor = soft_term_form(kind, temperature)
    limit = float(np.sqrt(np.finfo(dtype).max))
    with np.errstate(over="ignore", divide="ignore"):
        scales = np.array([factor, factor / student_temperature, 1.0 / student_temperature])
    if np.all(scales <= limit):
        return
    low = 1.0 / limit
    bounds = f">= {low:.1e}" + (f" and <= {np.sqrt(limit):.1e}" if kind == HINTON else "")
    raise ValueError(
        f"temperature={temperature!r} is outside what loss={kind!r} can train with in "
        f"{np.dtype(dtype).name}: its soft term would overflow. Use a temperature {bounds}"
        f"{', or dtype=float64' if np.dtype(dtype) == np.float32 else ''}."
    )


def row_weights(sample_weight, mask, teacher_weight):
    """Split each row's weight into its label part and its teacher part.

    Returns ``(label_weight, teacher_weight_per_row)`` with
    ``label_weight = w * (1 - lam * mask)`` and ``teacher_part = w * lam * mask``,
    so that the two add up to ``w`` on every row.
    """
    teacher_part = sample_weight * (teacher_weight * mask)
    return sample_weight - teacher_part, teacher_part


def distillation_loss(
    logits,
    y,
    label_weight,
    *,
    soft_targets=None,
    teacher_part=None,
    temperature=1.0,
    kind=DISTILL,
    epsilon=1e-6,
):
    """Negated objective of ``docs/theory.md`` (Classification), summed over the rows given.

    Parameters
    ----------
    logits : Tensor of shape (n, K)
        The student's logits ``z(x)``.
    y : LongTensor of shape (n,)
        Encoded true labels.
    label_weight : Tensor of shape (n,)
        ``w_i`` outside I, ``(1 - lam) w_i`` inside I.
    soft_targets : Tensor of shape (n, K) or None
        Teacher answers ``s_i = softmax(v_i / T)``; rows outside I are ignored.
    teacher_part : Tensor of shape (n,) or None
        ``lam w_i`` inside I, zero outside.
    temperature : float
        T0, the temperature at which the student meets the teacher.
    kind : {"distill", "probabilistic", "hinton", "generalized"}
        The convention of the soft term (``docs/conventions.md``); ``"probabilistic"``
        adds the paper's fourth line.
    epsilon : float
        Clamp ``epsilon <= g_k <= 1 - epsilon`` of the paper's theorem, which
        keeps the fourth line finite.

    Returns
    -------
    loss : scalar Tensor
    """
    import torch

    log_proba = torch.log_softmax(logits, dim=1)
    nll = -log_proba.gather(1, y[:, None])[:, 0]
    loss = torch.dot(label_weight, nll)
    if soft_targets is None:
        return loss
    student_temperature, factor = soft_term_form(kind, temperature)
    log_proba_t = torch.log_softmax(logits / student_temperature, dim=1)
    per_row = -factor * (soft_targets * log_proba_t).sum(dim=1)
    if kind == PROBABILISTIC:
        log_g = log_proba_t.clamp(math.log(epsilon), math.log1p(-epsilon))
        per_row = per_row - (log_g + torch.log(-log_g)).sum(dim=1)
    return loss + torch.dot(teacher_part, per_row)


def _log_softmax_rows(logits, ops):
    # torch.log_softmax reduces each short row on its own; with few classes,
    # this form over whole columns is about 2.5 times faster on the CPU.
    shifted = logits - ops.row_max(logits)[:, None]
    return shifted - ops.log(ops.row_sum(ops.exp(shifted)))[:, None]


def loss_and_logit_gradient(
    logits,
    y,
    label_weight,
    *,
    soft_targets=None,
    teacher_part=None,
    temperature=1.0,
    kind=DISTILL,
    epsilon=1e-6,
):
    """``distillation_loss`` and its gradient with respect to the logits.

    The closed-form gradient lets the linear student run forward and backward
    over one block of rows while the block is still in cache, which autograd
    cannot do. Per row, with ``p = softmax(z)`` and ``q = softmax(z / t)``,
    ``t`` and ``a`` the student temperature and factor of the convention
    (:func:`soft_term_form`)::

        d/dz [-c log p_y]              = c (p - e_y)
        d/dz [-d a sum_k s_k log q_k]  = d a (q - s) / t
        d/dz [-d sum_k f(log q_k)]     = -d (f' - q sum_k f') / t,  f(u) = u + log(-u)

    with ``f' = 1 + 1 / u`` and zero where the clamp is active.

    The arguments are torch tensors or numpy arrays, all of one kind
    (:mod:`skdistill._array_ops`); small problems are evaluated in numpy.

    Returns
    -------
    loss : scalar (0-d tensor or numpy float)
        Same value as :func:`distillation_loss`.
    grad : array of the shape of ``logits``
        Gradient of the loss with respect to ``logits``.
    """
    ops = array_ops(logits)
    log_proba = _log_softmax_rows(logits, ops)
    loss = -(label_weight * ops.take_labels(log_proba, y)).sum()
    if soft_targets is not None:
        student_temperature, factor = soft_term_form(kind, temperature)
        if student_temperature == 1.0:
            log_q = ops.copy(log_proba)  # log_proba becomes p in place below
        else:
            log_q = _log_softmax_rows(logits / student_temperature, ops)
    # Probabilities below the dtype's smallest normal number are flushed to
    # zero in the gradient (what flush-to-zero hardware does): subnormal
    # entries slow the products with X down (docs/performance.md).
    grad = ops.subtract_one_at_labels_(ops.exp_(log_proba), y)
    grad *= label_weight[:, None]
    if soft_targets is None:
        return loss, ops.flush_subnormals_(grad)
    loss = loss - factor * (teacher_part * ops.row_sum(soft_targets * log_q)).sum()
    q = ops.exp(log_q)
    soft_grad = factor * (q - soft_targets)
    if kind == PROBABILISTIC:
        low, high = math.log(epsilon), math.log1p(-epsilon)
        log_g = ops.clip(log_q, low, high)
        loss = loss - (teacher_part * ops.row_sum(log_g + ops.log(-log_g))).sum()
        inside = (log_q > low) & (log_q < high)
        derivative = ops.where(inside, 1.0 + 1.0 / log_g, ops.zeros_like(log_g))
        soft_grad = soft_grad - (derivative - q * ops.row_sum(derivative)[:, None])
    grad += soft_grad * (teacher_part[:, None] / student_temperature)
    return loss, ops.flush_subnormals_(grad)

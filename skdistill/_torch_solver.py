"""Training loops for softmax students: full-batch L-BFGS and mini-batch Adam.

torch is imported lazily, inside the functions, so that a fitted linear
student predicts and unpickles without it.
"""

import copy
import functools
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._array_ops import TorchOps, array_ops
from ._lbfgs import CONVERGED, LINE_SEARCH_FAILED, minimize_lbfgs
from ._losses import distillation_loss, loss_and_logit_gradient
from ._torch_utils import (
    SMALL_WORK,
    as_tensor,
    evaluation_mode,
    forward_in_chunks,
    import_torch,
    is_tensor,
    parameter_count,
    single_threaded_blas,
    threads_for_work,
)

# Rows per block of the fused linear loss and gradient. Measured on 2 cores
# (FashionMNIST), cache-sized blocks gained nothing over whole batches, whose
# matrix products run faster; blocks only bound the memory of the logits.
_FUSED_BLOCK_ROWS = 65536
# L-BFGS keeps this many correction pairs, fewer when the student has so many
# parameters that the pairs would pass _LBFGS_MEMORY_BYTES. scipy's default
# of 10 is far too few for ill-conditioned problems such as raw pixels: on
# FashionMNIST, 50 pairs reach the training loss of 100 default iterations in
# 47 iterations (docs/performance.md).
_LBFGS_MAX_CORRECTIONS = 50
_LBFGS_MIN_CORRECTIONS = 10
_LBFGS_MEMORY_BYTES = 256 * 2**20
# The objective's rounding error relative to the objective, which the line
# search must not read as an increase: a loss summed over rows carries a few
# of the training dtype's eps (float32: 64 eps, 7.6e-6), and far more where
# logits cancel (features with a large common offset, 1e6: about 1e-12 in
# float64, 70 eps); at least Hager & Zhang's 1e-6 (CG_DESCENT's default).
_F_NOISE_EPS = 64
_F_NOISE_FLOOR = 1e-6


def resolve_device(device):
    """Turn ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"`` into a torch device."""
    torch = import_torch()
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, ValueError) as exc:
        raise ValueError(
            f"device={device!r} is not a torch device; use 'cpu', 'cuda', 'cuda:N' "
            f"or 'auto' ({exc})."
        ) from exc
    if resolved.type not in ("cpu", "cuda"):
        raise ValueError(
            f"device={device!r} is not supported: skdistill trains on 'cpu', 'cuda', "
            "'cuda:N' or 'auto' (the sparse and fused paths are written for those two)."
        )
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was requested but CUDA is not available in this torch "
                "build or machine; use device='cpu' or device='auto'."
            )
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} names GPU {resolved.index} but this machine has "
                f"{torch.cuda.device_count()} (cuda:0 to cuda:{torch.cuda.device_count() - 1})."
            )
    return resolved


def torch_dtype(name):
    torch = import_torch()
    return {"float32": torch.float32, "float64": torch.float64}[name]


def logit_columns(n_classes):
    """Columns of logits a student outputs for ``n_classes``: one, ``z`` of ``[0, z]``, for two."""
    return 1 if n_classes == 2 else n_classes


def with_zero_logit(outputs, n_classes, ops):
    """The ``n_classes`` logit columns of ``outputs``: ``[0, z]`` for the binary layout."""
    if outputs.shape[1] == 1 and n_classes == 2:
        return ops.prepend_zero_column(outputs)
    return outputs


@functools.cache
def _linear_logits_class():
    """The linear student's module class, made once torch is imported."""
    torch = import_torch()

    class LinearLogits(torch.nn.Module):
        # Binary problems use a single logit, [0, z], as LogisticRegression does,
        # so that alpha = 1 / C holds for two classes as well.
        is_linear_student = True

        def __init__(self, n_outputs, n_features, *, fit_intercept, dtype, device):
            super().__init__()
            self.weight = torch.nn.Parameter(
                torch.zeros(n_outputs, n_features, dtype=dtype, device=device)
            )
            self.bias = torch.nn.Parameter(
                torch.zeros(n_outputs, dtype=dtype, device=device), requires_grad=fit_intercept
            )

        def forward(self, X):
            if X.layout == torch.sparse_csr:
                return (X @ self.weight.T) + self.bias
            return torch.addmm(self.bias, X, self.weight.T)

    return LinearLogits


def make_linear_module(n_features, n_classes, *, fit_intercept, dtype, device):
    """Linear softmax student ``z = x W^T + b``; one output column when binary."""
    return _linear_logits_class()(
        logit_columns(n_classes),
        n_features,
        fit_intercept=fit_intercept,
        dtype=dtype,
        device=device,
    )


def full_logits(outputs, n_classes):
    """Map a student's outputs to ``n_classes`` logit columns."""
    if not is_tensor(outputs):
        raise TypeError(
            f"The student returned {type(outputs).__name__}; a torch student must return "
            "one tensor of logits of shape (n_samples, n_classes), or (n_samples,) or "
            "(n_samples, 1) for two classes. Wrap a module with several outputs."
        )
    if outputs.ndim == 1:
        outputs = outputs[:, None]
    if outputs.ndim != 2:
        raise ValueError(
            f"The student returned a {outputs.ndim}-D tensor of shape {tuple(outputs.shape)}; "
            "it must return logits of shape (n_samples, n_classes)."
        )
    if outputs.shape[1] not in (n_classes, logit_columns(n_classes)):
        raise ValueError(
            f"The student returns {outputs.shape[1]} columns but there are {n_classes} "
            "classes: a torch student must output one logit per class."
        )
    return with_zero_logit(outputs, n_classes, TorchOps)


@dataclass
class Batch:
    """Rows of one training problem: inputs, labels and the two weight parts."""

    X: object
    y: object
    label_weight: object
    teacher_part: object
    soft_targets: object

    def total_weight(self):
        """Sum of the label and teacher weights of the rows (a tensor)."""
        weight = self.label_weight.sum()
        return weight if self.teacher_part is None else weight + self.teacher_part.sum()


@dataclass
class TrainingData:
    """Tensors of one training problem, on the training device."""

    X: object
    y: object
    label_weight: object
    teacher_part: object
    soft_targets: object
    n_classes: int
    total_weight: float
    # Sparse X only: a COO copy made once, since torch cannot select rows of a
    # CSR tensor on every version.
    X_coo: object = None
    # Per-row total weight on the host: batch weights without a device sync.
    row_weight: np.ndarray | None = None
    # Set by check_student when the module writes to its input: it then gets
    # a fresh copy of X at each full-batch evaluation.
    writes_input: bool = False

    def batch(self, index):
        """The rows ``index`` (a tensor of row numbers) as a :class:`Batch`."""
        if self.X_coo is None:
            X = self.X.index_select(0, index)
        else:
            X = self.X_coo.index_select(0, index).to_sparse_csr()
        return self._with_rows(X, index)

    def block(self, rows):
        """The rows of the slice ``rows`` as a :class:`Batch`; sparse X stays whole."""
        return self._with_rows(self.X if self.X_coo is not None else self.X[rows], rows)

    def whole(self):
        """All rows as one :class:`Batch`."""
        return Batch(self.X, self.y, self.label_weight, self.teacher_part, self.soft_targets)

    def _with_rows(self, X, rows):
        soft = None if self.soft_targets is None else self.soft_targets[rows]
        part = None if self.teacher_part is None else self.teacher_part[rows]
        return Batch(X, self.y[rows], self.label_weight[rows], part, soft)


def build_training_data(
    X, y, label_weight, teacher_part, soft_targets, n_classes, *, dtype, device, share_memory=False
):
    """The tensors of one training problem.

    ``share_memory`` lets the tensor of ``X`` use the caller's memory; only
    for a student that never writes to its input (the linear student).
    """
    torch = import_torch()
    to = dict(dtype=dtype, device=device)
    has_teacher = soft_targets is not None
    X = as_tensor(X, dtype=dtype, device=device, share_memory=share_memory)
    row_weight = np.asarray(label_weight, dtype=np.float64) + (teacher_part if has_teacher else 0.0)
    return TrainingData(
        X=X,
        X_coo=X.to_sparse_coo() if X.layout == torch.sparse_csr else None,
        y=torch.as_tensor(y, dtype=torch.int64, device=device),
        label_weight=torch.as_tensor(label_weight, **to),
        teacher_part=torch.as_tensor(teacher_part, **to) if has_teacher else None,
        soft_targets=torch.as_tensor(soft_targets, **to) if has_teacher else None,
        n_classes=n_classes,
        total_weight=float(row_weight.sum()),
        row_weight=row_weight,
    )


def check_student(module, data):
    """Run a torch student once on two training rows before training.

    A student that does not fit the data (another input width, dtype or
    device) fails inside torch with a bare ``RuntimeError``; here it becomes a
    ``ValueError`` naming the student and the batch shape, chained to torch's
    error. A student without trainable parameters, or whose output is not one
    tensor of logits in the training dtype, is refused too.
    """
    torch = import_torch()
    name = type(module).__name__
    if not any(p.requires_grad for p in module.parameters()):
        raise ValueError(
            f"The student {name} has no trainable parameters (none with "
            "requires_grad=True): there is nothing to fit."
        )
    index = torch.arange(min(2, data.y.shape[0]), device=data.y.device)
    X = data.batch(index).X
    version = X._version
    try:
        # eval mode: no batch-norm statistics updated, and no dropout
        with (
            evaluation_mode(module),
            torch.no_grad(),
            threads_for_work(index.numel() * parameter_count(module), data.y.device),
        ):
            outputs = module(X)
    except RuntimeError as exc:
        raise ValueError(
            f"The student {name} failed on a batch of shape "
            f"{tuple(X.shape)} ({X.dtype}, {X.device}): a torch student must take "
            f"n_features_in_={X.shape[1]} input features. torch said: {exc}"
        ) from exc
    # A module that writes to its input (x.mul_, ReLU(inplace=True)) would
    # change the training data at every evaluation of the full batch.
    data.writes_input = X._version != version
    logits = full_logits(outputs, data.n_classes)
    if logits.dtype != X.dtype or logits.device != X.device:
        raise ValueError(
            f"The student {name} returned {logits.dtype} logits on {logits.device} for "
            f"{X.dtype} input on {X.device}; its output must have the training dtype "
            "(the dtype parameter) and device. Build its tensors from the input's "
            "dtype and device, or set dtype to match."
        )


def _non_finite_error(where):
    return ValueError(
        f"The training loss is NaN or infinite {where}. Scale the features (e.g. "
        "StandardScaler), lower learning_rate with solver='adam', or check that the "
        "student's logits are finite."
    )


@dataclass
class LossSettings:
    """The training objective: the data loss of ``_losses`` and the L2 penalty.

    The objective of a batch is its data loss divided by the batch's weight
    plus ``alpha / (2 penalty_norm) ||W||^2`` (weights, not biases), with
    ``penalty_norm`` the total weight of the problem; every path (autograd,
    the fused L-BFGS evaluator, the closed-form Adam step) uses these methods.
    """

    alpha: float
    temperature: float
    kind: str
    epsilon: float

    def __post_init__(self):
        # numpy scalars (from np.logspace grids) would turn float32 numpy
        # arithmetic into float64 under numpy 2's promotion rules.
        self.alpha, self.temperature, self.epsilon = (
            float(self.alpha),
            float(self.temperature),
            float(self.epsilon),
        )

    def loss_options(self):
        """Keyword arguments shared by the two loss functions of ``_losses``."""
        return {"temperature": self.temperature, "kind": self.kind, "epsilon": self.epsilon}

    def data_loss(self, logits, batch):
        """The negated, unnormalised objective of ``batch`` (a tensor with autograd)."""
        return distillation_loss(
            logits,
            batch.y,
            batch.label_weight,
            soft_targets=batch.soft_targets,
            teacher_part=batch.teacher_part,
            **self.loss_options(),
        )

    def data_loss_and_gradient(self, logits, batch):
        """:meth:`data_loss` and its closed-form gradient with respect to ``logits``."""
        return loss_and_logit_gradient(
            logits,
            batch.y,
            batch.label_weight,
            soft_targets=batch.soft_targets,
            teacher_part=batch.teacher_part,
            **self.loss_options(),
        )

    def penalty(self, weights, penalty_norm):
        """``alpha / (2 penalty_norm)`` times the summed squares of ``weights``."""
        if self.alpha == 0:
            return 0.0
        return self.alpha / (2.0 * penalty_norm) * sum((w * w).sum() for w in weights)

    def add_penalty_gradient_(self, grad, weight, penalty_norm):
        """Add the penalty's gradient ``alpha / penalty_norm * weight`` to ``grad``."""
        if self.alpha > 0:
            grad += weight * (self.alpha / penalty_norm)
        return grad


@dataclass
class History:
    """Training history under scikit-learn's names."""

    n_iter: int = 0
    loss_curve: list = field(default_factory=list)
    validation_scores: list | None = None
    best_loss: float = math.inf
    converged: bool = False
    optimizer_state: dict | None = None


def _penalised(module):
    # Weights are penalised, biases are not (as in LogisticRegression and MLPs).
    return [p for p in module.parameters() if p.requires_grad and p.ndim >= 2]


def objective(module, batch, settings, n_classes, weight_norm, penalty_norm):
    """Data loss of ``batch`` divided by ``weight_norm``, plus the penalty (autograd)."""
    logits = full_logits(module(batch.X), n_classes)
    return settings.data_loss(logits, batch) / weight_norm + settings.penalty(
        _penalised(module), penalty_norm
    )


def _autograd_evaluator(module, data, settings, params):
    """Loss and flat gradient of any torch student, through autograd."""
    torch = import_torch()

    def evaluate():
        for p in params:
            p.grad = None
        batch = data.whole()
        if data.writes_input:
            batch.X = batch.X.clone()
        loss = objective(
            module, batch, settings, data.n_classes, data.total_weight, data.total_weight
        )
        loss.backward()
        return loss.detach(), torch.cat([p.grad.reshape(-1) for p in params])

    return evaluate


def _accumulate_linear_block(weight, bias, batch, X_transposed, settings, n_classes, gradients):
    """Add one block's data-loss gradient to ``gradients`` (weight, bias); return its loss.

    The loss is the block's negated, unnormalised sum of ``docs/theory.md``; ``X_transposed``
    is the block's transpose, CSR for a sparse tensor and a C-contiguous copy for a
    numpy array (``None`` for a dense tensor). Tensors or numpy arrays alike
    (:mod:`skdistill._array_ops`).
    """
    ops = array_ops(weight)
    grad_weight, grad_bias = gradients
    outputs = ops.affine(batch.X, weight, bias, X_transposed)
    loss, grad = settings.data_loss_and_gradient(with_zero_logit(outputs, n_classes, ops), batch)
    if grad.shape[1] != outputs.shape[1]:
        grad = grad[:, 1:]  # the binary [0, z] layout: only z is a parameter
    if X_transposed is not None:
        grad_weight += (X_transposed @ grad).T
    else:
        grad_weight += grad.T @ batch.X
    grad_bias += ops.column_sum(grad)
    return loss


def _linear_objective(
    weight, bias, data, settings, *, block, X_transposed=None, weight_norm=None, penalty_norm=None
):
    """Loss and gradients ``(weight, bias)`` of the linear student, block by block of rows.

    The data loss is divided by ``weight_norm`` and the penalty is
    ``alpha / (2 penalty_norm) ||W||^2``; both norms default to the problem's
    total weight (a full batch).
    """
    ops = array_ops(weight)
    weight_norm = data.total_weight if weight_norm is None else weight_norm
    penalty_norm = data.total_weight if penalty_norm is None else penalty_norm
    gradients = (ops.zeros_like(weight), ops.zeros_like(bias))
    loss = 0.0
    n_samples = data.X.shape[0]
    for start in range(0, n_samples, block):
        rows = data.whole() if block >= n_samples else data.block(slice(start, start + block))
        loss = loss + _accumulate_linear_block(
            weight, bias, rows, X_transposed, settings, data.n_classes, gradients
        )
    grad_weight, grad_bias = gradients
    grad_weight /= weight_norm
    grad_bias /= weight_norm
    loss = loss / weight_norm + settings.penalty([weight], penalty_norm)
    settings.add_penalty_gradient_(grad_weight, weight, penalty_norm)
    return loss, grad_weight, grad_bias


def _fused_linear_evaluator(module, data, settings):
    """Loss and gradient of the linear student in one pass over the rows of X.

    Each block of rows gives its logits, their closed-form gradient, and its
    share of the weight gradient. Sparse X is taken whole, with its transpose
    kept as CSR for a fast ``X^T G``.
    """
    torch = import_torch()
    weight, bias = module.weight, module.bias
    n_samples = data.X.shape[0]
    sparse = data.X.layout == torch.sparse_csr
    block = n_samples if sparse or n_samples <= 2 * _FUSED_BLOCK_ROWS else _FUSED_BLOCK_ROWS
    X_transposed = data.X.t().to_sparse_csr() if sparse else None

    def evaluate():
        with torch.no_grad():
            loss, grad_weight, grad_bias = _linear_objective(
                weight, bias, data, settings, block=block, X_transposed=X_transposed
            )
        if not bias.requires_grad:
            return loss, grad_weight.reshape(-1)
        return loss, torch.cat([grad_weight.reshape(-1), grad_bias])

    return evaluate


def uses_numpy(module, data):
    """Whether L-BFGS evaluates the linear student in numpy: small dense problems on the CPU.

    Below ``SMALL_WORK`` torch runs on one thread anyway, and numpy's
    per-operation cost is a fraction of torch's.
    """
    torch = import_torch()
    return (
        getattr(module, "is_linear_student", False)
        and data.X.device.type == "cpu"
        and data.X.layout == torch.strided
        and data.y.shape[0] * parameter_count(module) < SMALL_WORK
    )


def _numpy_linear_evaluator(module, data, settings):
    """``evaluate(parameters) -> (loss, gradient)`` of the linear student, in numpy.

    ``parameters`` is the flat float64 vector of the module's trainable
    parameters; the arithmetic runs in the module's dtype, as on tensors.
    """
    arrays = TrainingData(
        **{name: value.numpy() if is_tensor(value) else value for name, value in vars(data).items()}
    )
    if arrays.soft_targets is not None:  # column-major, as the logits (_array_ops)
        arrays.soft_targets = np.asfortranarray(arrays.soft_targets)
    weight, bias = module.weight, module.bias
    dtype = arrays.X.dtype
    # Both products with X run faster on a C-contiguous copy of X^T (NumpyOps.affine).
    X_transposed = np.ascontiguousarray(arrays.X.T)
    shape, n_weights = tuple(weight.shape), weight.numel()
    fixed_bias = None if bias.requires_grad else bias.detach().numpy()

    def evaluate(parameters):
        parameters = parameters.astype(dtype)
        coef = parameters[:n_weights].reshape(shape)
        intercept = parameters[n_weights:] if fixed_bias is None else fixed_bias
        # Overflow gives inf or NaN as on tensors, which fit_lbfgs turns into
        # its error; numpy's warnings on the way would only add noise.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss, grad_weight, grad_bias = _linear_objective(
                coef,
                intercept,
                arrays,
                settings,
                block=arrays.X.shape[0],
                X_transposed=X_transposed,
            )
        parts = [grad_weight.reshape(-1)] + ([grad_bias] if fixed_bias is None else [])
        return float(loss), np.concatenate(parts).astype(np.float64)

    return evaluate


def _linear_batch_step(module, batch, settings, n_classes, weight_norm, penalty_norm):
    """Set ``.grad`` of the linear student for one dense mini-batch; return the loss.

    The same objective and gradient as :func:`objective` through autograd,
    in closed form: fewer, larger operations per Adam step.
    """
    torch = import_torch()
    weight, bias = module.weight, module.bias
    rows = TrainingData(
        batch.X,
        batch.y,
        batch.label_weight,
        batch.teacher_part,
        batch.soft_targets,
        n_classes=n_classes,
        total_weight=weight_norm,
    )
    with torch.no_grad():
        loss, grad_weight, grad_bias = _linear_objective(
            weight,
            bias,
            rows,
            settings,
            block=batch.X.shape[0],
            weight_norm=weight_norm,
            penalty_norm=penalty_norm,
        )
        weight.grad = grad_weight
        bias.grad = grad_bias if bias.requires_grad else None
    return loss


def lbfgs_corrections(n_params):
    """Number of L-BFGS correction pairs for ``n_params`` float64 parameters."""
    # Each pair holds two float64 vectors of n_params.
    affordable = _LBFGS_MEMORY_BYTES // (16 * max(n_params, 1))
    return int(min(_LBFGS_MAX_CORRECTIONS, max(_LBFGS_MIN_CORRECTIONS, affordable)))


def module_snapshot(module, theta=None):
    """A copy of ``module``, its trainable parameters set to the flat vector ``theta`` if given.

    What the callbacks' ``fitted_estimator`` is made from: the module being
    trained is never touched.
    """
    torch = import_torch()
    snapshot = copy.deepcopy(module)
    if theta is not None:
        params = [p for p in snapshot.parameters() if p.requires_grad]
        with torch.no_grad():
            torch.nn.utils.vector_to_parameters(
                torch.as_tensor(theta, dtype=params[0].dtype, device=params[0].device), params
            )
    return snapshot


def _parameter_evaluator(module, data, settings, params):
    """``evaluate(parameters) -> (loss, gradient)`` on flat float64 vectors of ``params``."""
    if uses_numpy(module, data):
        return _numpy_linear_evaluator(module, data, settings)
    torch = import_torch()
    device, dtype = params[0].device, params[0].dtype
    evaluate = (
        _fused_linear_evaluator(module, data, settings)
        if getattr(module, "is_linear_student", False)
        else _autograd_evaluator(module, data, settings, params)
    )

    def evaluate_parameters(parameters):
        torch.nn.utils.vector_to_parameters(
            torch.as_tensor(parameters, dtype=dtype, device=device), params
        )
        loss, grad = evaluate()
        return float(loss), grad.double().cpu().numpy()

    return evaluate_parameters


def _numpy_views(params):
    # CPU float tensors share their memory with numpy arrays: no torch call per tensor.
    torch = import_torch()
    return all(p.device.type == "cpu" and p.dtype in (torch.float32, torch.float64) for p in params)


def _flat_parameters(params):
    """The parameters as one flat float64 numpy vector (a copy)."""
    if _numpy_views(params):
        return np.concatenate([p.detach().numpy().reshape(-1) for p in params]).astype(np.float64)
    torch = import_torch()
    return torch.nn.utils.parameters_to_vector(params).detach().double().cpu().numpy()


def _set_flat_parameters(params, vector):
    """Write the flat float64 ``vector`` into the parameters, in their dtype."""
    torch = import_torch()
    if _numpy_views(params):
        start = 0
        for p in params:
            view = p.detach().numpy()  # shares the parameter's memory
            view[...] = vector[start : start + view.size].reshape(view.shape)
            start += view.size
        return
    torch.nn.utils.vector_to_parameters(
        torch.as_tensor(vector, dtype=params[0].dtype, device=params[0].device), params
    )


def fit_lbfgs(
    module,
    data,
    settings,
    *,
    max_iter,
    tol,
    verbose,
    tasks=None,
    preconditioner=None,
    curvature=None,
):
    """Full-batch L-BFGS (:func:`skdistill._lbfgs.minimize_lbfgs`) on the module's parameters.

    The fit stops at the first point (the start included) where
    ``max |gradient| <= tol`` in the student's own parameters. With a
    ``preconditioner`` (:class:`skdistill._preconditioner.Preconditioner`,
    linear student only) L-BFGS runs on its variables ``theta``, and its
    first trial step is the plain gradient step there. A ``curvature``
    (:class:`skdistill._lbfgs.CurvatureMemory`) gives the correction pairs
    to start from and gets this fit's; a warm start of such a chain that
    already meets ``tol`` is replaced by a cold one (see there).

    ``tasks`` (:class:`skdistill._callbacks.IterationTasks`, or None) gets
    one task per iteration: begun at the iteration's first evaluation of the
    objective (the first iteration's includes the evaluation at the starting
    point), ended when its step is accepted. That is ``n_iter_`` tasks,
    plus one when the last line search fails (its evaluations form a task
    that moves nothing); a fit that starts at the minimum runs one task, the
    evaluation at the start, as its ``n_iter_`` is 1.
    """
    torch = import_torch()
    params = [p for p in module.parameters() if p.requires_grad]
    device, dtype = params[0].device, params[0].dtype
    history = History()
    evaluate_parameters = _parameter_evaluator(module, data, settings, params)
    start = _flat_parameters(params)

    # L-BFGS runs on x: the parameters themselves, or theta under a preconditioner.
    def to_parameters(x):
        return x if preconditioner is None else preconditioner.parameters(x)

    def parameter_gradient(gradient):
        return gradient if preconditioner is None else preconditioner.parameter_gradient(gradient)

    initial_pairs = [] if curvature is None else curvature.pairs_in(preconditioner, start.size)

    accepted = [start]  # the parameters of the last accepted point

    def evaluate(x):
        if tasks is not None:
            tasks.begin(lambda: module_snapshot(module, accepted[0]))
        loss, grad = evaluate_parameters(to_parameters(x))
        return loss, grad if preconditioner is None else preconditioner.gradient(grad)

    def gradient_size(gradient):
        return float(np.max(np.abs(parameter_gradient(gradient)))) if gradient.size else 0.0

    def record(x, loss):
        history.loss_curve.append(float(loss))
        if verbose:
            print(f"Iteration {len(history.loss_curve)}, loss = {loss:.8f}")
        if tasks is not None:
            accepted[0] = to_parameters(x)
            tasks.end(lambda: module_snapshot(module, accepted[0]))

    def minimize(x0, initial_pairs):
        return minimize_lbfgs(
            evaluate,
            x0,
            max_iter=max_iter,
            memory=lbfgs_corrections(x0.size),
            stop=lambda x, loss, gradient: gradient_size(gradient) <= tol,
            on_iteration=record,
            first_step=None if preconditioner is None else 1.0,
            f_noise=max(_F_NOISE_EPS * torch.finfo(dtype).eps, _F_NOISE_FLOOR),
            max_line_search=50,
            initial_pairs=initial_pairs,
        )

    x0 = start if preconditioner is None else preconditioner.theta(start)
    # The solver's own vector work is tiny; numpy's BLAS threads would only spin
    # between evaluations and steal the cores from torch's threads (4x slower
    # on two cores).
    work = data.y.shape[0] * parameter_count(module)
    with single_threaded_blas(), threads_for_work(work, device):
        result = minimize(x0, initial_pairs)
        if curvature is not None and result.nit == 0 and np.any(start != 0):
            # A chain's warm start that meets tol is not trusted (CurvatureMemory):
            # from zero, as a cold fit.
            start = accepted[0] = np.zeros_like(start)
            result = minimize(start, [])
    if not (np.isfinite(result.fun) and np.all(np.isfinite(result.grad))):
        raise _non_finite_error(f"after {result.nit} L-BFGS iterations")
    if curvature is not None:
        curvature.pairs = curvature.newest(result.pairs)
        curvature.variables = preconditioner
    # At a start that meets tol, the parameters stay exactly as they were.
    final = start if result.nit == 0 else to_parameters(result.x)
    if tasks is not None:  # evaluations after the last accepted step, if any
        tasks.end(lambda: module_snapshot(module, final))
    _set_flat_parameters(params, final)
    history.n_iter = max(result.nit, 1)
    if not history.loss_curve:
        history.loss_curve.append(float(result.fun))
    # In float32 the solver can stop at the noise floor short of tol (neither
    # f nor the gradient improving, or no step found): only warn when the
    # gradient is clearly above it. In float64 that floor is far below any
    # tol, so such a stop above 10 tol is a stalled search (badly scaled or
    # conditioned problems), not a minimum.
    size = gradient_size(result.grad)
    noise_floor = (1e3 if dtype == torch.float32 else 10) * tol
    history.converged = size <= 10 * tol or (
        result.status in (CONVERGED, LINE_SEARCH_FAILED) and size <= noise_floor
    )
    if not history.converged:
        warnings.warn(
            f"L-BFGS did not converge ({history.n_iter} of max_iter={max_iter} iterations, max |gradient| = "
            f"{size:.3g}, tol = {tol}; {result.message}). Increase max_iter, "
            "scale the features, or use dtype='float64'.",
            ConvergenceWarning,
        )
    return history


def fit_adam(
    module,
    data,
    settings,
    *,
    max_iter,
    tol,
    batch_size,
    learning_rate,
    n_iter_no_change,
    generator,
    validation=None,
    verbose=0,
    optimizer_state=None,
    tasks=None,
):
    """Mini-batch Adam over shuffled epochs, with MLPClassifier's stopping rules.

    ``validation`` is ``(X_val, y_val)`` tensors for early stopping on
    accuracy; the best parameters seen are restored at the end. ``tasks``
    (:class:`skdistill._callbacks.IterationTasks`, or None) gets one task
    per epoch: ``n_iter_`` tasks.
    """
    torch = import_torch()
    params = [p for p in module.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=learning_rate)
    if optimizer_state is not None:
        # A copy: load_state_dict keeps tensors of the right dtype and device,
        # and Adam updates them in place; the previous fit's state must stay
        # as it was if this fit fails.
        optimizer.load_state_dict(copy.deepcopy(optimizer_state))
        # The saved state carries the old step size: a warm start honours the
        # learning_rate of this fit.
        for group in optimizer.param_groups:
            group["lr"] = learning_rate
    n_samples = data.y.shape[0]
    device = data.y.device
    # The linear student on dense X skips autograd (about 1.5x faster per epoch
    # on the CPU, docs/performance.md); sparse batches and other students go
    # through autograd.
    closed_form = getattr(module, "is_linear_student", False) and data.X_coo is None
    history = History(validation_scores=[] if validation is not None else None)
    best_score, best_state, no_improvement = -math.inf, None, 0
    epochs = _progress(range(max_iter), verbose)
    # Mini-batches are small however many rows there are: one thread, unless the
    # batches or the student are large.
    with threads_for_work(min(batch_size, n_samples) * parameter_count(module), device):
        for epoch in epochs:
            if tasks is not None:
                tasks.begin(lambda: module_snapshot(module))
            order_host = torch.randperm(n_samples, generator=generator)
            order, order_host = order_host.to(device), order_host.numpy()
            epoch_loss = torch.zeros((), dtype=data.label_weight.dtype, device=device)
            for start in range(0, n_samples, batch_size):
                # The batch's weight from the host copy: no device sync per batch.
                batch_weight = float(data.row_weight[order_host[start : start + batch_size]].sum())
                if not batch_weight > 0:
                    continue  # rows of weight zero carry nothing to learn from (and 0 / 0 is NaN)
                batch = data.batch(order[start : start + batch_size])
                if closed_form:
                    loss = _linear_batch_step(
                        module, batch, settings, data.n_classes, batch_weight, data.total_weight
                    )
                else:
                    optimizer.zero_grad(set_to_none=True)
                    loss = objective(
                        module, batch, settings, data.n_classes, batch_weight, data.total_weight
                    )
                    loss.backward()
                optimizer.step()
                epoch_loss += loss.detach() * batch_weight
            epoch_value = float(epoch_loss) / data.total_weight
            if not math.isfinite(epoch_value):
                raise _non_finite_error(f"at Adam epoch {epoch + 1}")
            history.loss_curve.append(epoch_value)
            history.n_iter = epoch + 1
            if validation is not None:
                score = _accuracy(module, validation, data.n_classes, fresh_input=data.writes_input)
                history.validation_scores.append(score)
                improved = score > best_score + tol
                if score > best_score:
                    best_score, best_state = score, copy.deepcopy(module.state_dict())
            else:
                improved = epoch_value < history.best_loss - tol
            history.best_loss = min(history.best_loss, epoch_value)
            no_improvement = 0 if improved else no_improvement + 1
            _report(epochs, verbose, history)
            if tasks is not None:
                tasks.end(lambda: module_snapshot(module))
            if no_improvement >= n_iter_no_change:
                history.converged = True
                break
    if best_state is not None:
        module.load_state_dict(best_state)
    if not history.converged and validation is None:
        warnings.warn(
            f"Adam reached max_iter={max_iter} epochs without the training loss "
            f"settling (tol={tol}, n_iter_no_change={n_iter_no_change}).",
            ConvergenceWarning,
        )
    history.optimizer_state = optimizer.state_dict()
    return history


def _accuracy(module, validation, n_classes, fresh_input=False):
    torch = import_torch()
    X_val, y_val = validation
    if fresh_input:
        X_val = X_val.clone()  # the module writes to its input
    # Scored in eval mode (no dropout, no batch statistics from validation rows).
    with evaluation_mode(module), torch.no_grad():
        predicted = full_logits(module(X_val), n_classes).argmax(dim=1)
    return float((predicted == y_val).double().mean())


def _progress(iterable, verbose):
    if verbose:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return iterable
        return tqdm(iterable, desc="epochs", unit="epoch")
    return iterable


def _report(epochs, verbose, history):
    if not verbose:
        return
    text = f"loss={history.loss_curve[-1]:.6f}"
    if history.validation_scores:
        text += f" val_acc={history.validation_scores[-1]:.4f}"
    if hasattr(epochs, "set_postfix_str"):
        epochs.set_postfix_str(text)
    else:
        print(f"Iteration {history.n_iter}, {text}")


def predict_logits(module, X, n_classes, *, dtype, device):
    """Logits of a torch student in chunks, as a float64 numpy array."""
    with evaluation_mode(module):
        outputs = forward_in_chunks(
            module,
            X,
            dtype=dtype,
            device=device,
            to_numpy=lambda output: full_logits(output, n_classes).double().cpu().numpy(),
        )
    return np.concatenate(outputs, axis=0)

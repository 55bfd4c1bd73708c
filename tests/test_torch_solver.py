"""Unit tests for the torch side of DistilledClassifier: tensors, devices, evaluators, L-BFGS."""

import copy
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import log_softmax
from sklearn.exceptions import ConvergenceWarning

from skdistill import _preconditioner as pre
from skdistill import _torch_solver as solver
from skdistill import _torch_utils as torch_utils
from skdistill._gram import weighted_gram
from skdistill._losses import DISTILL, GENERALIZED, HINTON, PROBABILISTIC, row_weights

# --------------------------------------------------------------------------
# as_tensor
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("source_dtype", [np.float32, np.float64, np.int64])
def test_as_tensor_dense_values_and_dtype(dtype, source_dtype):
    X = (np.arange(12).reshape(4, 3) - 5).astype(source_dtype)
    tensor = solver.as_tensor(X, dtype=dtype, device=torch.device("cpu"))
    assert tensor.dtype == dtype
    assert tensor.shape == (4, 3)
    assert_array_equal(tensor.numpy(), X.astype(np.float64))


def test_as_tensor_read_only_input_is_never_written():
    X = np.arange(12, dtype=np.float64).reshape(4, 3)
    X.setflags(write=False)
    tensor = solver.as_tensor(X, dtype=torch.float64, device="cpu")
    # torch.from_numpy of a read-only array would share non-writable memory:
    # the tensor must own a writable copy.
    tensor.add_(1.0)
    assert_array_equal(X, np.arange(12, dtype=np.float64).reshape(4, 3))
    assert not np.shares_memory(tensor.numpy(), X)


def test_as_tensor_non_contiguous_input():
    X = np.asfortranarray(np.random.RandomState(0).normal(size=(5, 4)))
    view = X[:, ::2]
    tensor = solver.as_tensor(view, dtype=torch.float64, device="cpu")
    assert tensor.is_contiguous()
    assert_array_equal(tensor.numpy(), view)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_as_tensor_sparse(fmt, dtype, assert_unchanged):
    X = sp.random(7, 5, density=0.4, format=fmt, random_state=0)
    with assert_unchanged(X=X):
        tensor = solver.as_tensor(X, dtype=dtype, device="cpu")
    assert tensor.layout == torch.sparse_csr
    assert tensor.dtype == dtype
    assert_allclose(
        tensor.to_dense().double().numpy(), X.toarray(), rtol=1e-6 if dtype == torch.float32 else 0
    )


# --------------------------------------------------------------------------
# full_logits, resolve_device
# --------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(6,), (6, 1)])
def test_full_logits_binary_one_column(shape):
    z = torch.linspace(-2, 3, 6, dtype=torch.float64).reshape(shape)
    full = solver.full_logits(z, 2)
    assert full.shape == (6, 2)
    assert_array_equal(full[:, 0].numpy(), np.zeros(6))
    assert_array_equal(full[:, 1].numpy(), z.reshape(-1).numpy())
    # softmax([0, z]) gives sigmoid(z) for the second class.
    assert_allclose(
        torch.softmax(full, dim=1)[:, 1].numpy(), 1 / (1 + np.exp(-z.reshape(-1).numpy()))
    )


@pytest.mark.parametrize("n_classes", [2, 4])
def test_full_logits_passes_full_columns(n_classes):
    z = torch.randn(5, n_classes, generator=torch.Generator().manual_seed(0))
    assert solver.full_logits(z, n_classes) is z


@pytest.mark.parametrize("n_columns, n_classes", [(3, 2), (2, 3), (1, 3), (5, 4)])
def test_full_logits_wrong_columns(n_columns, n_classes):
    with pytest.raises(ValueError, match=f"{n_columns} columns but there are {n_classes} classes"):
        solver.full_logits(torch.zeros(4, n_columns), n_classes)


def test_resolve_device():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert solver.resolve_device("auto").type == expected
    assert solver.resolve_device("cpu") == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
@pytest.mark.parametrize("device", ["cuda", "cuda:1"])
def test_resolve_device_cuda_without_cuda(device):
    with pytest.raises(ValueError, match="device="):
        solver.resolve_device(device)


def test_torch_dtype():
    assert solver.torch_dtype("float32") == torch.float32
    assert solver.torch_dtype("float64") == torch.float64


# --------------------------------------------------------------------------
# Fused linear evaluator == autograd evaluator
# --------------------------------------------------------------------------


def make_data(n_samples, n_features, n_classes, *, with_teacher, seed=0, dtype=torch.float64):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_features))
    y = rng.randint(n_classes, size=n_samples)
    sw = rng.uniform(0.5, 2.0, size=n_samples)
    if with_teacher:
        mask = rng.uniform(size=n_samples) < 0.6
        label_weight, teacher_part = row_weights(sw, mask, 0.4)
        soft = np.exp(log_softmax(rng.normal(size=(n_samples, n_classes)) / 2.0, axis=1))
        soft[~mask] = 0.0
    else:
        label_weight, teacher_part, soft = sw, None, None
    data = solver.build_training_data(
        X, y, label_weight, teacher_part, soft, n_classes, dtype=dtype, device=torch.device("cpu")
    )
    return X, data


def random_linear_module(n_features, n_classes, *, fit_intercept=True, seed=0, dtype=torch.float64):
    module = solver.make_linear_module(
        n_features, n_classes, fit_intercept=fit_intercept, dtype=dtype, device=torch.device("cpu")
    )
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        module.weight.copy_(torch.randn(module.weight.shape, generator=generator, dtype=dtype))
        if fit_intercept:
            module.bias.copy_(torch.randn(module.bias.shape, generator=generator, dtype=dtype))
    return module


@pytest.mark.parametrize("n_classes", [2, 3, 5])
@pytest.mark.parametrize("with_teacher", [False, True])
@pytest.mark.parametrize("kind", [DISTILL, PROBABILISTIC, HINTON, GENERALIZED])
@pytest.mark.parametrize("alpha", [0.0, 0.7])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("block_rows", [None, 7])
def test_fused_evaluator_equals_autograd(
    n_classes, with_teacher, kind, alpha, fit_intercept, block_rows, monkeypatch
):
    if block_rows is not None:
        # 50 rows > 2 * 7: the fused evaluator goes over several blocks (the last one short).
        monkeypatch.setattr(solver, "_FUSED_BLOCK_ROWS", block_rows)
    _, data = make_data(50, 4, n_classes, with_teacher=with_teacher, seed=n_classes)
    settings = solver.LossSettings(alpha=alpha, temperature=2.5, kind=kind, epsilon=1e-6)
    module = random_linear_module(4, n_classes, fit_intercept=fit_intercept)
    params = [p for p in module.parameters() if p.requires_grad]
    loss_auto, grad_auto = solver._autograd_evaluator(module, data, settings, params)()
    loss_fused, grad_fused = solver._fused_linear_evaluator(module, data, settings)()
    assert grad_fused.shape == grad_auto.shape == (sum(p.numel() for p in params),)
    assert_allclose(loss_fused.item(), loss_auto.item(), rtol=1e-12)
    assert_allclose(grad_fused.numpy(), grad_auto.numpy(), rtol=1e-10, atol=1e-13)


def test_fused_evaluator_blocks_change_nothing(monkeypatch):
    _, data = make_data(61, 3, 4, with_teacher=True, seed=1)
    settings = solver.LossSettings(alpha=0.3, temperature=1.7, kind=PROBABILISTIC, epsilon=1e-6)
    module = random_linear_module(3, 4)
    loss_one, grad_one = solver._fused_linear_evaluator(module, data, settings)()
    monkeypatch.setattr(solver, "_FUSED_BLOCK_ROWS", 5)
    loss_many, grad_many = solver._fused_linear_evaluator(module, data, settings)()
    assert_allclose(loss_many.item(), loss_one.item(), rtol=1e-13)
    assert_allclose(grad_many.numpy(), grad_one.numpy(), rtol=1e-12, atol=1e-14)


def flat_parameters(module):
    params = [p for p in module.parameters() if p.requires_grad]
    return torch.nn.utils.parameters_to_vector(params).detach().double().numpy()


@pytest.mark.parametrize("n_classes", [2, 3, 5])
@pytest.mark.parametrize("with_teacher", [False, True])
@pytest.mark.parametrize("kind", [DISTILL, PROBABILISTIC, HINTON, GENERALIZED])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_numpy_evaluator_equals_the_tensor_evaluator(
    n_classes, with_teacher, kind, fit_intercept, dtype
):
    # The same loss code (_losses) on numpy arrays: the same values, in the same dtype.
    _, data = make_data(50, 4, n_classes, with_teacher=with_teacher, seed=n_classes, dtype=dtype)
    settings = solver.LossSettings(alpha=0.7, temperature=2.5, kind=kind, epsilon=1e-6)
    module = random_linear_module(4, n_classes, fit_intercept=fit_intercept, dtype=dtype)
    assert solver.uses_numpy(module, data)
    loss_np, grad_np = solver._numpy_linear_evaluator(module, data, settings)(
        flat_parameters(module)
    )
    loss_t, grad_t = solver._fused_linear_evaluator(module, data, settings)()
    assert isinstance(loss_np, float) and grad_np.dtype == np.float64
    tolerance = 1e-5 if dtype == torch.float32 else 1e-12
    assert_allclose(loss_np, loss_t.item(), rtol=tolerance)
    assert_allclose(grad_np, grad_t.double().numpy(), rtol=tolerance, atol=tolerance)


def test_numpy_evaluator_only_for_small_dense_problems_on_the_cpu(monkeypatch):
    _, data = make_data(50, 4, 3, with_teacher=False)
    module = random_linear_module(4, 3)
    assert solver.uses_numpy(module, data)
    monkeypatch.setattr(solver, "SMALL_WORK", 50 * (4 * 3 + 3))
    assert not solver.uses_numpy(module, data)  # torch's own threads pay from here on
    monkeypatch.undo()
    sparse = solver.build_training_data(
        sp.random(50, 4, density=0.5, format="csr", random_state=0),
        np.arange(50) % 3,
        np.ones(50),
        None,
        None,
        3,
        dtype=torch.float64,
        device=torch.device("cpu"),
    )
    assert not solver.uses_numpy(module, sparse)
    torch_student = torch.nn.Linear(4, 3).double()
    assert not solver.uses_numpy(torch_student, data)


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("with_teacher", [False, True])
@pytest.mark.parametrize("kind", [DISTILL, PROBABILISTIC, HINTON, GENERALIZED])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_linear_batch_step_equals_autograd(n_classes, with_teacher, kind, fit_intercept):
    _, data = make_data(40, 5, n_classes, with_teacher=with_teacher, seed=3)
    settings = solver.LossSettings(alpha=0.6, temperature=1.8, kind=kind, epsilon=1e-6)
    index = torch.tensor([3, 17, 5, 30, 11, 0, 22])
    batch = data.batch(index)
    batch_weight = float(batch.total_weight())
    module = random_linear_module(5, n_classes, fit_intercept=fit_intercept, seed=4)
    params = [p for p in module.parameters() if p.requires_grad]
    loss_auto = solver.objective(
        module, batch, settings, n_classes, batch_weight, data.total_weight
    )
    loss_auto.backward()
    grads_auto = [p.grad.clone() for p in params]
    for p in params:
        p.grad = None
    loss_closed = solver._linear_batch_step(
        module, batch, settings, n_classes, batch_weight, data.total_weight
    )
    assert_allclose(loss_closed.item(), loss_auto.item(), rtol=1e-12)
    for p, expected in zip(params, grads_auto):
        assert_allclose(p.grad.numpy(), expected.numpy(), rtol=1e-10, atol=1e-13)
    if not fit_intercept:
        assert module.bias.grad is None


def test_fit_adam_closed_form_follows_the_autograd_trajectory():
    # The closed-form step is an implementation detail: the Adam path of the
    # linear student is the one autograd gives, step for step.
    _, data = make_data(90, 4, 3, with_teacher=True, seed=5)
    settings = solver.LossSettings(alpha=0.2, temperature=2.0, kind=PROBABILISTIC, epsilon=1e-6)
    fitted = []
    for closed_form in (True, False):
        module = random_linear_module(4, 3, seed=6)
        module.is_linear_student = closed_form
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            history = solver.fit_adam(
                module,
                data,
                settings,
                max_iter=4,
                tol=0.0,
                batch_size=16,
                learning_rate=0.05,
                n_iter_no_change=10,
                generator=torch.Generator().manual_seed(0),
            )
        fitted.append(
            (module.weight.detach().numpy(), module.bias.detach().numpy(), history.loss_curve)
        )
    assert_allclose(fitted[0][0], fitted[1][0], rtol=1e-10)
    assert_allclose(fitted[0][1], fitted[1][1], rtol=1e-10)
    assert_allclose(fitted[0][2], fitted[1][2], rtol=1e-12)


def test_objective_is_normalised_by_total_weight():
    # Objective = data loss / sum(w) + alpha / (2 sum(w)) ||W||^2 (bias not penalised).
    X, data = make_data(30, 3, 3, with_teacher=False, seed=2)
    module = random_linear_module(3, 3)
    settings = solver.LossSettings(alpha=0.9, temperature=1.0, kind=DISTILL, epsilon=1e-6)
    params = [p for p in module.parameters() if p.requires_grad]
    loss, _ = solver._autograd_evaluator(module, data, settings, params)()
    W, b = module.weight.detach().numpy(), module.bias.detach().numpy()
    log_p = log_softmax(X @ W.T + b, axis=1)
    sw = data.label_weight.numpy()
    y = data.y.numpy()
    expected = (-np.sum(sw * log_p[np.arange(30), y]) + 0.9 / 2 * np.sum(W**2)) / sw.sum()
    assert_allclose(loss.item(), expected, rtol=1e-12)


# --------------------------------------------------------------------------
# L-BFGS wrapper
# --------------------------------------------------------------------------


def test_fit_lbfgs_warns_when_max_iter_reached():
    _, data = make_data(80, 4, 3, with_teacher=True)
    module = random_linear_module(4, 3)
    settings = solver.LossSettings(alpha=1e-3, temperature=1.0, kind=DISTILL, epsilon=1e-6)
    with pytest.warns(
        ConvergenceWarning, match=r"L-BFGS did not converge \(1 of max_iter=1 iterations"
    ):
        history = solver.fit_lbfgs(module, data, settings, max_iter=1, tol=1e-10, verbose=0)
    assert history.n_iter == 1
    assert not history.converged
    assert len(history.loss_curve) == 1


def test_fit_lbfgs_converges_and_zeros_the_gradient():
    _, data = make_data(80, 4, 3, with_teacher=True)
    module = random_linear_module(4, 3)
    settings = solver.LossSettings(alpha=0.5, temperature=2.0, kind=DISTILL, epsilon=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        history = solver.fit_lbfgs(module, data, settings, max_iter=500, tol=1e-10, verbose=0)
    assert history.converged
    assert history.n_iter == len(history.loss_curve) >= 1
    # The loss curve goes down, and the gradient at the solution is ~0.
    assert history.loss_curve[-1] <= history.loss_curve[0]
    _, grad = solver._fused_linear_evaluator(module, data, settings)()
    assert np.max(np.abs(grad.numpy())) < 1e-6


def _preconditioned_problem(n_classes=3, seed=0):
    rng = np.random.RandomState(seed)
    # Correlated columns on scales from 0.03 to 30: badly conditioned.
    X = rng.normal(size=(300, 6)) @ rng.normal(size=(6, 6)) * np.logspace(-1.5, 1.5, 6)
    y = (X / X.std(axis=0) @ rng.normal(size=(6, n_classes))).argmax(axis=1)
    w = rng.uniform(0.5, 2.0, size=300)
    data = solver.build_training_data(
        X, y, w, None, None, n_classes, dtype=torch.float64, device=torch.device("cpu")
    )
    settings = solver.LossSettings(alpha=0.1, temperature=1.0, kind=DISTILL, epsilon=1e-6)
    module = solver.make_linear_module(
        6, n_classes, fit_intercept=True, dtype=torch.float64, device=torch.device("cpu")
    )
    n_rows = module.weight.shape[0]
    preconditioner = pre.Preconditioner.build(
        weighted_gram(X, w, True),
        scale=pre.curvature_scale(n_rows, w, None, 1.0, 1.0),
        penalty=0.1 / w.sum(),
        n_rows=n_rows,
        fit_intercept=True,
        floor=pre.curvature_floor(np.float64),
    )
    return data, settings, module, preconditioner


@pytest.mark.parametrize("n_classes", [2, 4])
def test_preconditioned_lbfgs_reaches_the_same_minimum_in_fewer_iterations(n_classes):
    data, settings, module, preconditioner = _preconditioned_problem(n_classes)
    plain = copy.deepcopy(module)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        history = solver.fit_lbfgs(
            module,
            data,
            settings,
            max_iter=5000,
            tol=1e-6,
            verbose=0,
            preconditioner=preconditioner,
        )
        reference = solver.fit_lbfgs(plain, data, settings, max_iter=5000, tol=1e-6, verbose=0)
    assert history.converged and reference.converged
    # Ill-conditioned: both stop within tol of the gradient's zero, at the same
    # loss and the same probabilities (the coefficients differ along flat directions).
    assert_allclose(history.loss_curve[-1], reference.loss_curve[-1], rtol=1e-7)
    probabilities = [
        torch.softmax(solver.full_logits(m(data.X), n_classes), dim=1).detach().numpy()
        for m in (module, plain)
    ]
    assert_allclose(*probabilities, atol=1e-4)
    assert 3 * history.n_iter < reference.n_iter


def test_preconditioned_lbfgs_stops_on_the_gradient_of_the_parameters(monkeypatch):
    # tol keeps its meaning: max |gradient| <= tol in the student's own parameters.
    data, settings, module, preconditioner = _preconditioned_problem(3, seed=1)
    sizes = []
    evaluator = solver._parameter_evaluator

    def recording(*args):
        evaluate = evaluator(*args)

        def wrapped(parameters):
            loss, grad = evaluate(parameters)
            sizes.append(np.max(np.abs(grad)))
            return loss, grad

        return wrapped

    monkeypatch.setattr(solver, "_parameter_evaluator", recording)
    tol = 1e-5
    history = solver.fit_lbfgs(
        module, data, settings, max_iter=500, tol=tol, verbose=0, preconditioner=preconditioner
    )
    assert history.converged
    assert sizes[-1] <= tol < min(sizes[:-1])  # stopped at the first iterate that meets it
    _, grad = solver._fused_linear_evaluator(module, data, settings)()
    assert np.max(np.abs(grad.numpy())) <= tol


def test_lbfgs_corrections_bounded_by_memory():
    # Small students keep the most pairs; huge ones fall back to scipy's 10.
    assert solver.lbfgs_corrections(7850) == solver._LBFGS_MAX_CORRECTIONS == 50
    assert solver.lbfgs_corrections(0) == 50
    assert solver.lbfgs_corrections(10**8) == solver._LBFGS_MIN_CORRECTIONS == 10
    n_params = solver._LBFGS_MEMORY_BYTES // (16 * 20)
    assert solver.lbfgs_corrections(n_params) == 20
    assert 16 * n_params * solver.lbfgs_corrections(n_params) <= solver._LBFGS_MEMORY_BYTES


def test_fit_lbfgs_passes_the_correction_count(monkeypatch):
    seen = {}
    minimize = solver.minimize_lbfgs

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return minimize(*args, **kwargs)

    monkeypatch.setattr(solver, "minimize_lbfgs", spy)
    _, data = make_data(40, 3, 3, with_teacher=False)
    module = random_linear_module(3, 3)
    settings = solver.LossSettings(alpha=1.0, temperature=1.0, kind=DISTILL, epsilon=1e-6)
    solver.fit_lbfgs(module, data, settings, max_iter=50, tol=1e-8, verbose=0)
    assert seen["memory"] == solver.lbfgs_corrections(3 * 3 + 3)


def test_more_corrections_help_an_ill_conditioned_problem(monkeypatch):
    # Columns on scales from 0.01 to 10, as raw pixels or counts: with 50 pairs,
    # L-BFGS gets further in 40 iterations than with scipy's default of 10.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(600, 40)) * np.logspace(-2, 1, 40)
    y = (X @ rng.normal(size=(40, 3))).argmax(axis=1)
    data = solver.build_training_data(
        X, y, np.ones(600), None, None, 3, dtype=torch.float64, device=torch.device("cpu")
    )
    settings = solver.LossSettings(alpha=1e-3, temperature=1.0, kind=DISTILL, epsilon=1e-6)
    final = {}
    for corrections in (10, 50):
        monkeypatch.setattr(solver, "_LBFGS_MAX_CORRECTIONS", corrections)
        module = random_linear_module(40, 3)
        with torch.no_grad():
            module.weight.zero_()
            module.bias.zero_()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            history = solver.fit_lbfgs(module, data, settings, max_iter=40, tol=0.0, verbose=0)
        final[corrections] = history.loss_curve[-1]
    assert final[50] < final[10]


def test_fit_lbfgs_verbose_prints(capsys):
    _, data = make_data(40, 3, 2, with_teacher=False)
    module = random_linear_module(3, 2)
    settings = solver.LossSettings(alpha=1.0, temperature=1.0, kind=DISTILL, epsilon=1e-6)
    history = solver.fit_lbfgs(module, data, settings, max_iter=50, tol=1e-8, verbose=1)
    out = capsys.readouterr().out
    assert "Iteration 1, loss =" in out
    assert out.count("Iteration") == len(history.loss_curve)


def test_predict_logits_chunks(monkeypatch):
    monkeypatch.setattr(torch_utils, "_INFERENCE_CHUNK_ROWS", 4)
    module = random_linear_module(3, 2)
    X = np.random.RandomState(0).normal(size=(11, 3))
    logits = solver.predict_logits(module, X, 2, dtype=torch.float64, device=torch.device("cpu"))
    z = X @ module.weight.detach().numpy().T + module.bias.detach().numpy()
    assert logits.dtype == np.float64
    assert_allclose(logits, np.column_stack([np.zeros(11), z[:, 0]]), rtol=1e-12)
    assert solver.predict_logits(module, X[:0], 2, dtype=torch.float64, device="cpu").shape == (
        0,
        2,
    )


def test_a_chain_start_that_meets_tol_is_replaced_by_a_cold_one():
    # Outside a chain a start that meets tol is kept as it is; in a chain
    # (a CurvatureMemory) it says nothing about this objective's minimum, and
    # the fit starts from zero as a cold fit does.
    from skdistill._lbfgs import CurvatureMemory

    _, data = make_data(40, 3, 3, with_teacher=False)
    settings = solver.LossSettings(alpha=1.0, temperature=1.0, kind=DISTILL, epsilon=1e-6)
    kept, chained, cold = (random_linear_module(3, 3) for _ in range(3))
    start = kept.weight.detach().clone()
    solver.fit_lbfgs(kept, data, settings, max_iter=50, tol=1e3, verbose=0)
    assert torch.equal(kept.weight.detach(), start)
    solver.fit_lbfgs(
        chained, data, settings, max_iter=50, tol=1e3, verbose=0, curvature=CurvatureMemory()
    )
    with torch.no_grad():
        cold.weight.zero_(), cold.bias.zero_()
    solver.fit_lbfgs(cold, data, settings, max_iter=50, tol=1e3, verbose=0)
    assert torch.equal(chained.weight.detach(), cold.weight.detach())
    assert torch.equal(chained.bias.detach(), cold.bias.detach())

"""The array operations of the objective give the same values on numpy arrays and torch tensors."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal

from skdistill._array_ops import NumpyOps, TorchOps, array_ops


def test_array_ops_dispatches_on_the_array_kind():
    assert array_ops(np.zeros((2, 2))) is NumpyOps
    assert array_ops(torch.zeros(2, 2)) is TorchOps


def _pair(array):
    return array.copy(), torch.as_tensor(array.copy())


@pytest.mark.parametrize("n_classes", [1, 2, 5, 16, 17, 40])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_reductions_agree(n_classes, dtype):
    # 16 and 17 classes: both sides of numpy's column-by-column reduction.
    rng = np.random.RandomState(n_classes)
    values = rng.normal(size=(23, n_classes)).astype(dtype)
    as_np, as_torch = _pair(values)
    assert_array_equal(NumpyOps.row_max(as_np), values.max(axis=1))
    assert_array_equal(TorchOps.row_max(as_torch).numpy(), values.max(axis=1))
    tolerance = 1e-6 if dtype == np.float32 else 1e-13
    for name, axis in (("row_sum", 1), ("column_sum", 0)):
        expected = values.astype(np.float64).sum(axis=axis)
        assert_allclose(getattr(NumpyOps, name)(as_np), expected, rtol=tolerance, atol=tolerance)
        assert_allclose(
            getattr(TorchOps, name)(as_torch).numpy(), expected, rtol=tolerance, atol=tolerance
        )


@pytest.mark.parametrize("order", ["C", "F"])
def test_label_operations_agree_and_work_in_place(order):
    # numpy's logits are column-major (flat gathers); any other layout works too.
    rng = np.random.RandomState(0)
    values = rng.normal(size=(9, 4))
    y = rng.randint(4, size=9)
    as_np, as_torch = _pair(values)
    as_np = np.asarray(as_np, order=order)
    assert_array_equal(NumpyOps.take_labels(as_np, y), values[np.arange(9), y])
    assert_array_equal(
        TorchOps.take_labels(as_torch, torch.as_tensor(y)).numpy(), values[np.arange(9), y]
    )
    expected = values.copy()
    expected[np.arange(9), y] -= 1
    assert NumpyOps.subtract_one_at_labels_(as_np, y) is as_np
    assert TorchOps.subtract_one_at_labels_(as_torch, torch.as_tensor(y)) is as_torch
    assert_array_equal(as_np, expected)
    assert_array_equal(as_torch.numpy(), expected)


@pytest.mark.parametrize("ops, convert", [(NumpyOps, np.asarray), (TorchOps, torch.as_tensor)])
def test_elementwise_operations(ops, convert):
    values = np.array([[-2.0, 0.5], [1e-3, 3.0]])
    array = convert(values.copy())
    assert_allclose(np.asarray(ops.exp(array)), np.exp(values))
    assert_allclose(np.asarray(ops.log(convert(np.abs(values)))), np.log(np.abs(values)))
    assert_array_equal(np.asarray(ops.clip(array, -1.0, 1.0)), np.clip(values, -1.0, 1.0))
    assert_array_equal(
        np.asarray(ops.where(array > 0, array, ops.zeros_like(array))), np.maximum(values, 0)
    )
    copy = ops.copy(array)
    copy *= 2
    assert_array_equal(np.asarray(array), values)
    assert ops.exp_(array) is array
    assert_allclose(np.asarray(array), np.exp(values))
    column = convert(np.array([[1.5], [-2.0]]))
    assert_array_equal(np.asarray(ops.prepend_zero_column(column)), [[0.0, 1.5], [0.0, -2.0]])


@pytest.mark.parametrize("ops, convert", [(NumpyOps, np.asarray), (TorchOps, torch.as_tensor)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_subnormals_are_flushed_in_place(ops, convert, dtype):
    tiny = np.finfo(dtype).tiny
    values = np.array([[tiny / 4, -tiny / 8, tiny, 1.0, 0.0]], dtype=dtype)
    array = convert(values.copy())
    assert ops.flush_subnormals_(array) is array
    assert_array_equal(np.asarray(array), [[0.0, 0.0, tiny, 1.0, 0.0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_affine_is_column_major_and_the_same_from_the_transposed_copy(dtype):
    rng = np.random.RandomState(3)
    X = rng.normal(size=(50, 6)).astype(dtype)
    weight, bias = rng.normal(size=(3, 6)).astype(dtype), rng.normal(size=3).astype(dtype)
    expected = X.astype(np.float64) @ weight.T.astype(np.float64) + bias
    plain = NumpyOps.affine(X, weight, bias)
    from_copy = NumpyOps.affine(X, weight, bias, np.ascontiguousarray(X.T))
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    for outputs in (plain, from_copy):
        assert outputs.flags.f_contiguous and outputs.dtype == dtype
        assert_allclose(outputs, expected, rtol=tolerance, atol=tolerance)
    torch_outputs = TorchOps.affine(
        torch.as_tensor(X), torch.as_tensor(weight), torch.as_tensor(bias)
    )
    assert_allclose(torch_outputs.numpy(), expected, rtol=tolerance, atol=tolerance)

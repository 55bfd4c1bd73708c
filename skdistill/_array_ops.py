"""The few array operations the linear student's objective needs, for torch and numpy alike.

The loss (``_losses.loss_and_logit_gradient``) and the linear student's
products (``_torch_solver``) are written once against these operations.
Small problems run them on numpy arrays, whose per-operation cost is a
fraction of torch's; everything else, accelerators included, on tensors.
Arrays are two-dimensional, one row per sample and one column per class.
numpy's arrays of logits are kept in column-major order: then every
elementwise operation with a per-row factor runs along whole columns
instead of along rows of a few classes, which numpy does several times slower.
"""

import numpy as np

# With this many classes or fewer, numpy reduces a row faster column by
# column than along its short last axis.
_COLUMNWISE_CLASSES = 16


class NumpyOps:
    """The operations on numpy arrays."""

    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    where = staticmethod(np.where)

    @staticmethod
    def _columnwise(array):
        return array.shape[1] <= _COLUMNWISE_CLASSES

    @classmethod
    def row_max(cls, array):
        """Largest entry of each row, shape (n,)."""
        if not cls._columnwise(array):
            return array.max(axis=1)
        out = array[:, 0].copy()
        for k in range(1, array.shape[1]):
            np.maximum(out, array[:, k], out=out)
        return out

    @staticmethod
    def row_sum(array):
        """Sum of each row, shape (n,)."""
        return array @ np.ones(array.shape[1], dtype=array.dtype)

    @staticmethod
    def column_sum(array):
        """Sum of each column, shape (K,)."""
        return np.ones(array.shape[0], dtype=array.dtype) @ array

    @staticmethod
    def exp_(array):
        return np.exp(array, out=array)

    @staticmethod
    def clip(array, low, high):
        return np.clip(array, low, high)

    @staticmethod
    def zeros_like(array):
        return np.zeros_like(array)

    @staticmethod
    def copy(array):
        return array.copy()

    @staticmethod
    def _flat_labels(array, y):
        # The flat positions of (i, y_i) in the column-major array: one
        # gather instead of numpy's slower pair of index arrays.
        return np.arange(array.shape[0]) + array.shape[0] * y

    @classmethod
    def take_labels(cls, array, y):
        """``array[i, y_i]`` for every row, shape (n,)."""
        if not array.flags.f_contiguous:
            return array[np.arange(array.shape[0]), y]
        return array.ravel(order="F")[cls._flat_labels(array, y)]

    @classmethod
    def subtract_one_at_labels_(cls, array, y):
        """``array[i, y_i] -= 1`` for every row, in place."""
        if not array.flags.f_contiguous:
            array[np.arange(array.shape[0]), y] -= 1
        else:
            array.ravel(order="F")[cls._flat_labels(array, y)] -= 1
        return array

    @staticmethod
    def affine(X, weight, bias, X_transposed=None):
        """``X @ weight.T + bias``, column-major.

        ``X_transposed``, a C-contiguous copy of ``X.T`` when given, makes the
        product one plain matrix product (several times faster for small ``X``).
        """
        if X_transposed is None:
            return (weight @ X.T).T + bias
        outputs = weight @ X_transposed
        outputs += bias[:, None]
        return outputs.T

    @staticmethod
    def prepend_zero_column(array):
        out = np.zeros((array.shape[0], array.shape[1] + 1), dtype=array.dtype, order="F")
        out[:, 1:] = array
        return out

    @staticmethod
    def flush_subnormals_(array):
        """Entries below the dtype's smallest normal number become zero, in place."""
        array[np.abs(array) < np.finfo(array.dtype).tiny] = 0
        return array


class TorchOps:
    """The same operations on torch tensors (torch imported on first use)."""

    @staticmethod
    def _torch():
        import torch

        return torch

    @classmethod
    def exp(cls, tensor):
        return tensor.exp()

    @classmethod
    def log(cls, tensor):
        return tensor.log()

    @classmethod
    def where(cls, condition, a, b):
        return cls._torch().where(condition, a, b)

    @staticmethod
    def row_max(tensor):
        return tensor.amax(dim=1)

    @staticmethod
    def row_sum(tensor):
        return tensor.sum(dim=1)

    @staticmethod
    def column_sum(tensor):
        return tensor.sum(dim=0)

    @staticmethod
    def exp_(tensor):
        return tensor.exp_()

    @staticmethod
    def clip(tensor, low, high):
        return tensor.clamp(low, high)

    @classmethod
    def zeros_like(cls, tensor):
        return cls._torch().zeros_like(tensor)

    @staticmethod
    def copy(tensor):
        return tensor.clone()

    @staticmethod
    def take_labels(tensor, y):
        return tensor.gather(1, y[:, None])[:, 0]

    @classmethod
    def subtract_one_at_labels_(cls, tensor, y):
        index = y[:, None]
        return tensor.scatter_add_(1, index, cls._torch().full_like(index, -1, dtype=tensor.dtype))

    @classmethod
    def affine(cls, X, weight, bias, X_transposed=None):
        """``X @ weight.T + bias``; one fused product for dense ``X`` (``X_transposed`` unused)."""
        torch = cls._torch()
        if X.layout == torch.strided:
            return torch.addmm(bias, X, weight.T)
        return X @ weight.T + bias

    @classmethod
    def prepend_zero_column(cls, tensor):
        torch = cls._torch()
        return torch.cat([torch.zeros_like(tensor), tensor], dim=1)

    @classmethod
    def flush_subnormals_(cls, tensor):
        tiny = cls._torch().finfo(tensor.dtype).tiny
        return tensor.masked_fill_(tensor.abs() < tiny, 0.0)


def array_ops(array):
    """:class:`NumpyOps` for a numpy array, :class:`TorchOps` for a tensor."""
    return NumpyOps if isinstance(array, np.ndarray) else TorchOps

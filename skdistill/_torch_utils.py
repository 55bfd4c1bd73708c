"""What every use of torch in skdistill shares: safe tensors and module modes.

Nothing here imports torch at module level: a fitted linear student predicts
and unpickles without it. This module imports nothing else of skdistill, so
both the teacher calls and the training loops can rely on it.
"""

import copy
import threading
import warnings
from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp
from threadpoolctl import ThreadpoolController


def import_torch():
    """Import torch or explain how to get it."""
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - torch is a dependency
        raise ImportError(
            "Training a DistilledClassifier needs PyTorch: `pip install torch` "
            "(a fitted linear student predicts without it)."
        ) from exc
    return torch


def is_torch_module(obj):
    """Whether ``obj`` is a ``torch.nn.Module``, without importing torch.

    Looked up by class name rather than through ``sys.modules["torch"]``: a
    thread may see a half-imported torch.
    """
    return any(
        cls.__name__ == "Module" and cls.__module__ == "torch.nn.modules.module"
        for cls in type(obj).__mro__
    )


def is_tensor(obj):
    """Whether ``obj`` is a ``torch.Tensor``, without importing torch."""
    return any(
        cls.__name__ == "Tensor" and cls.__module__ in ("torch", "torch._tensor")
        for cls in type(obj).__mro__
    )


def _owns(tensor, array):
    """Whether ``tensor`` uses memory of its own rather than ``array``'s."""
    if tensor.device.type != "cpu" or array.size == 0:
        return True
    return tensor.data_ptr() != array.__array_interface__["data"][0]


def as_tensor(X, *, dtype, device, share_memory=False):
    """Dense or sparse CSR tensor of ``X`` on ``device``.

    The tensor has memory of its own unless ``share_memory`` is True: a torch
    module may write to its input in place (``x.mul_``, ``ReLU(inplace=True)``),
    and it must not write through to the caller's array. Only code that never
    writes to the tensor (the linear student's own passes) shares memory.
    """
    torch = import_torch()
    if sp.issparse(X):
        X = sp.csr_matrix(X)
        np_dtype = np.float32 if dtype == torch.float32 else np.float64
        # One conversion each; it copies whenever memory must not be shared.
        convert = np.asarray if share_memory else np.array
        indptr, indices, data = (
            torch.from_numpy(convert(part, dtype=part_dtype))
            for part, part_dtype in (
                (X.indptr, np.int64),
                (X.indices, np.int64),
                (X.data, np_dtype),
            )
        )
        with warnings.catch_warnings():
            # torch calls its CSR support "beta"; scipy already checked the structure.
            warnings.simplefilter("ignore", UserWarning)
            return torch.sparse_csr_tensor(indptr, indices, data, size=X.shape).to(device)
    array = np.asarray(X)
    owned = False
    usable = array.flags.c_contiguous and array.flags.writeable
    if not (usable and array.dtype in (np.float32, np.float64)):
        np_dtype = np.float32 if dtype == torch.float32 else np.float64
        array = np.array(array, dtype=np_dtype, order="C")
        owned = True
    # torch converts float64 to float32 with all threads, 3x faster than numpy;
    # a conversion or a move to another device copies already.
    tensor = torch.from_numpy(array).to(device=device, dtype=dtype)
    if not (owned or share_memory or _owns(tensor, array)):
        tensor = tensor.clone()
    return tensor


def training_modes(module):
    """The ``training`` flag of every submodule, in ``module.modules()`` order."""
    return [sub.training for sub in module.modules()]


def restore_training_modes(module, modes):
    """Set each submodule's ``training`` flag back to ``modes``."""
    for sub, mode in zip(module.modules(), modes, strict=True):
        sub.training = mode


@contextmanager
def evaluation_mode(module):
    """Run ``module`` in eval mode, restoring each submodule's own mode after.

    ``module.train(was_training)`` would set every submodule to the top
    module's mode and unfreeze, say, a BatchNorm the user put in eval mode.
    """
    modes = training_modes(module)
    if not any(modes):
        yield module
        return
    module.eval()
    try:
        yield module
    finally:
        restore_training_modes(module, modes)


def inference_module(module):
    """``module`` ready for inference without changing the caller's object.

    A module whose submodules are all in eval mode is used as it is; one with
    a submodule in training mode (dropout, batch statistics) is replaced by a
    private copy in eval mode, so that the user's module, possibly shared by
    fits running in other threads, never changes mode.
    """
    if not any(training_modes(module)):
        return module
    try:
        private = copy.deepcopy(module)
    except Exception as exc:  # weight_norm hooks, locks, open files: not every module copies
        raise TypeError(
            f"The torch teacher {type(module).__name__} is in training mode, and skdistill "
            "calls a teacher in eval mode without switching the user's module, through a "
            f"copy; this module cannot be copied ({type(exc).__name__}: {exc}). Put it in "
            "eval mode first (teacher.eval()): it is then called as it is."
        ) from exc
    return private.eval()


_blas_lock = threading.Lock()
_blas_users = 0
_blas_limiter = None
_controller = None


def _blas_controller():
    # Inspecting the loaded libraries costs about a millisecond; once is enough
    # (numpy's and scipy's BLAS are loaded before any fit).
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller


@contextmanager
def single_threaded_blas():
    """Limit the BLAS libraries of numpy and scipy to one thread, process-wide.

    ``threadpool_limits`` sets a process-wide value and restores the one it
    found: two overlapping fits in threads would leave the process at one
    thread forever (the second saves the first's limit). Here the first of
    overlapping users sets the limit and the last one restores the original.
    """
    global _blas_users, _blas_limiter
    with _blas_lock:
        if _blas_users == 0:
            _blas_limiter = _blas_controller().limit(limits=1, user_api="blas")
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_limiter.restore_original_limits()
                _blas_limiter = None


#: Multiply-adds of one evaluation (rows x trainable parameters) below which
#: torch runs on one thread: on tensors this small its intra-op threads cost
#: more in synchronisation than they save, and far more when another process
#: holds a core.
SMALL_WORK = 1 << 24

_torch_threads_lock = threading.Lock()
_small_work_users = 0
_saved_torch_threads = None


@contextmanager
def threads_for_work(work, device="cpu"):
    """Run torch, and numpy's BLAS, on one CPU thread when ``work`` is small, process-wide.

    Only ever lowers torch's thread count, so a caller's limit
    (``torch.set_num_threads``, ``threadpoolctl``, joblib's inner limits)
    holds. Overlapping users in threads are counted as in
    :func:`single_threaded_blas`: the first sets one thread, the last
    restores what the first found. Accelerators are left alone.
    """
    if work >= SMALL_WORK or str(device) != "cpu":
        yield
        return
    torch = import_torch()
    with single_threaded_blas(), _one_torch_thread(torch):
        yield


@contextmanager
def _one_torch_thread(torch):
    """``torch.set_num_threads(1)`` for the overlapping users of :func:`threads_for_work`."""
    global _small_work_users, _saved_torch_threads
    with _torch_threads_lock:
        if _small_work_users == 0:
            _saved_torch_threads = torch.get_num_threads()
            if _saved_torch_threads > 1:
                torch.set_num_threads(1)
        _small_work_users += 1
    try:
        yield
    finally:
        with _torch_threads_lock:
            _small_work_users -= 1
            if _small_work_users == 0:
                if _saved_torch_threads > 1:
                    torch.set_num_threads(_saved_torch_threads)
                _saved_torch_threads = None


def parameter_count(module):
    """Number of parameters of a torch module: roughly its multiply-adds per row."""
    return sum(p.numel() for p in module.parameters())


# Rows handed to a torch module at once when predicting; bounds the memory of
# one forward pass.
_INFERENCE_CHUNK_ROWS = 65536


def forward_in_chunks(module, X, *, dtype, device, to_numpy):
    """``to_numpy(module(chunk))`` for each chunk of rows of ``X``, without gradients.

    The caller chooses the module's mode (:func:`inference_module` for a
    teacher, :func:`evaluation_mode` for a student). Each chunk is a tensor of
    its own, so a module that writes to its input leaves ``X`` unchanged.
    """
    torch = import_torch()
    outputs = []
    work = min(X.shape[0], _INFERENCE_CHUNK_ROWS) * max(parameter_count(module), 1)
    with torch.no_grad(), threads_for_work(work, device):
        # At least one chunk, possibly empty: the output keeps its width.
        for start in range(0, max(X.shape[0], 1), _INFERENCE_CHUNK_ROWS):
            chunk = as_tensor(X[start : start + _INFERENCE_CHUNK_ROWS], dtype=dtype, device=device)
            outputs.append(to_numpy(module(chunk)))
    return outputs


def module_dtype_and_device(module):
    """dtype and device of the module's first parameter (or buffer), else torch's defaults."""
    torch = import_torch()
    for tensor in (*module.parameters(), *module.buffers()):
        if tensor.is_floating_point():
            return tensor.dtype, tensor.device
    return torch.get_default_dtype(), torch.device("cpu")

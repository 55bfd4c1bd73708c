"""Every torch path on a CUDA device equals the CPU fit (skipped without CUDA).

benchmarks/gpu.sh runs these on a GPU machine.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification

from skdistill import DistilledClassifier

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


def _data():
    X_star, y = make_classification(
        n_samples=300, n_features=8, n_informative=5, n_classes=3, random_state=0
    )
    return X_star[:, :4], y, X_star


def _mlp(seed, device="cpu"):
    torch.manual_seed(seed)
    return (
        torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
        .double()
        .to(device)
    )


def _teacher(device):
    generator = torch.Generator().manual_seed(1)
    layer = torch.nn.Linear(8, 3).double()
    with torch.no_grad():
        layer.weight.copy_(torch.randn(3, 8, generator=generator, dtype=torch.float64))
    return layer.to(device)


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
@pytest.mark.parametrize("student", ["linear", "mlp"])
def test_cuda_student_and_teacher_match_cpu(solver, student):
    X, y, X_star = _data()
    fits = {}
    for device in ("cpu", "cuda"):
        model = DistilledClassifier(
            _teacher(device),
            teacher_weight=0.5,
            temperature=2.0,
            student=None if student == "linear" else _mlp(0),
            solver=solver,
            max_iter=30,
            dtype="float64",
            device=device,
            random_state=0,
        )
        fits[device] = model.fit(X, y, X_star=X_star).predict_proba(X)
    np.testing.assert_allclose(fits["cuda"], fits["cpu"], rtol=1e-6, atol=1e-8)


def test_cuda_sparse_linear_student_matches_cpu():
    X, y, _ = _data()
    X_sparse = sp.csr_matrix(np.where(np.abs(X) > 0.5, X, 0.0))
    cpu = DistilledClassifier(dtype="float64", max_iter=50).fit(X_sparse, y)
    cuda = DistilledClassifier(dtype="float64", max_iter=50, device="cuda").fit(X_sparse, y)
    np.testing.assert_allclose(cuda.coef_, cpu.coef_, rtol=1e-6, atol=1e-8)

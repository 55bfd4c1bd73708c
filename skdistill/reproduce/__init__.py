"""Reproduce the computational experiment of Grabovoy & Strijov (2021).

``python -m skdistill reproduce {synthetic,fashion-mnist,sentiment,lopez-paz,all}``
runs, for each data set, the teacher, the student without the teacher and
the student with the teacher over several seeds, prints the paper's table
beside the paper's numbers and writes figures and tables to a folder.
``lopez-paz`` runs the four synthetic experiments of Lopez-Paz et al.
(2016) instead, beside their published accuracies.
Each experiment module has a ``run(runs, out, quick, log, **options)``
function returning the table's rows.
"""

from ._cnn import build_cnn
from ._common import MissingDependency, UsageError, cache_key, train_classifier

#: Experiment name on the command line -> module name in this package.
EXPERIMENTS = {
    "synthetic": "synthetic",
    "fashion-mnist": "fashion_mnist",
    "sentiment": "sentiment",
    "lopez-paz": "lopez_paz",
}

__all__ = [
    "EXPERIMENTS",
    "MissingDependency",
    "UsageError",
    "build_cnn",
    "cache_key",
    "train_classifier",
]

"""Reproduce the computational experiment of Grabovoy & Strijov (2021).

``python -m skdistill reproduce {synthetic,fashion-mnist,sentiment,all}``
runs, for each data set, the teacher, the student without the teacher and
the student with the teacher over several seeds, prints the paper's table
beside the paper's numbers and writes figures and tables to a folder.
Each experiment module has a ``run(runs, out, quick, log, **options)``
function returning the table's rows.
"""

from ._common import MissingDependency, UsageError

#: Experiment name on the command line -> module name in this package.
EXPERIMENTS = {
    "synthetic": "synthetic",
    "fashion-mnist": "fashion_mnist",
    "sentiment": "sentiment",
}

__all__ = ["EXPERIMENTS", "MissingDependency", "UsageError"]

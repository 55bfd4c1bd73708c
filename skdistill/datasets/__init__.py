"""Data sets of the distillation experiments: a synthetic generator and loaders.

The loaders read local copies from the folder given as ``data_home``, a
loader's own environment variable, or the data home (``$SKDISTILL_DATA``,
else ``~/skdistill_data``; see :func:`get_data_home`); Fashion-MNIST is also
found where Debian's ``dataset-fashion-mnist`` installs it. No other folder
is guessed. Only :func:`load_fashion_mnist` writes: it downloads missing files
into ``fashion-mnist/`` under ``data_home`` or the data home.
"""

from ._base import get_data_home
from ._fashion_mnist import load_fashion_mnist, read_idx
from ._sarcos import load_sarcos
from ._sentiment140 import load_sentiment140, preprocess_tweet
from ._synthetic import make_privileged_classification

__all__ = [
    "get_data_home",
    "load_fashion_mnist",
    "load_sarcos",
    "load_sentiment140",
    "make_privileged_classification",
    "preprocess_tweet",
    "read_idx",
]

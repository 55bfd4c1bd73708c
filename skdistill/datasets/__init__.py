"""Data sets of the distillation experiments: a synthetic generator and loaders.

The loaders read local copies first and never write to the project's shared
data folder; only :func:`load_fashion_mnist` downloads, into
:func:`get_data_home`.
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

"""Fashion-MNIST: an IDX reader and a loader that finds or downloads the files."""

import gzip
import math
import struct
import zlib
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from . import _base

#: Where the Fashion-MNIST authors publish the files (plain HTTP only).
FASHION_MNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
#: Where Debian's package ``dataset-fashion-mnist`` installs the files.
DEBIAN_FOLDER = Path("/usr/share/datasets/fashion-mnist")
FOLDER_NAME = "fashion-mnist"

_FILES = {
    "X_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "X_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}

# Checksums of the official files as (hashlib algorithm, hex digest). The
# Fashion-MNIST authors publish MD5 digests only (in the README of
# zalandoresearch/fashion-mnist; the same values are used by other loaders),
# and we have no verified SHA-256 of the official files: Debian's copies are
# recompressed, so their digests differ and could not stand in. Downloads are
# therefore checked against the published MD5 digests, and every file is then
# parsed with `read_idx`, which validates its header and payload size.
_CHECKSUMS = {
    "train-images-idx3-ubyte.gz": ("md5", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
    "train-labels-idx1-ubyte.gz": ("md5", "25c81989df183df01b3e8a0aad5dffbe"),
    "t10k-images-idx3-ubyte.gz": ("md5", "bef4ecab320f06d8554ea6380940ec79"),
    "t10k-labels-idx1-ubyte.gz": ("md5", "bb300cfdad3c16e7a12a480ee83cd310"),
}

TARGET_NAMES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]

# IDX type codes (third byte of the magic number) and their big-endian dtypes.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

DESCR = """\
Fashion-MNIST
-------------

Zalando's article images (Xiao, Rasul, Vollgraf, 2017): 28x28 grayscale
images of 10 kinds of clothing, 60,000 for training and 10,000 for testing,
6,000 training images per class. Pixels are uint8 in 0..255, flattened
row-major to 784 features. Licence: MIT, Zalando Research.

In Grabovoy & Strijov (2021) a small CNN teacher distils into a softmax
regression student on the raw pixels (7850 parameters).
"""


def _read_bytes(path):
    with open(path, "rb") as handle:
        head = handle.read(2)
        handle.seek(0)
        if head != b"\x1f\x8b":
            return handle.read()
        try:
            with gzip.GzipFile(fileobj=handle, mode="rb") as stream:
                return stream.read()
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"{path}: corrupt or truncated gzip data ({exc}).") from exc


def read_idx(path):
    """Read an array stored in the IDX format, optionally gzip-compressed.

    The IDX format (used by MNIST and Fashion-MNIST) starts with a magic
    number: two zero bytes, a type code (``0x08`` uint8, ``0x09`` int8,
    ``0x0B`` int16, ``0x0C`` int32, ``0x0D`` float32, ``0x0E`` float64) and
    the number of dimensions. The size of each dimension follows as a
    big-endian 32-bit integer, then the values in row-major order. Labels
    files thus start with ``0x00000801`` and image files with ``0x00000803``.
    Gzip compression is detected from the content, not from the file name.

    Parameters
    ----------
    path : str or path-like
        The path of the file.

    Returns
    -------
    array : ndarray
        The stored array, with the shape given by the header and the native
        byte order.

    Raises
    ------
    ValueError
        If the file is not a valid IDX file: a wrong magic number, a header
        cut short, a payload whose length does not match the dimensions, or
        corrupt gzip data. The message names the file.
    """
    path = _base._as_path(path, "path")
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise ValueError(f"{path}: not an IDX file, only {len(raw)} bytes long.")
    magic = int.from_bytes(raw[:4], "big")
    type_code, ndim = raw[2], raw[3]
    if raw[:2] != b"\x00\x00" or type_code not in _IDX_DTYPES or ndim == 0:
        raise ValueError(
            f"{path}: not an IDX file, bad magic number 0x{magic:08x} "
            "(expected 0x0000TTDD with a known type code TT and DD >= 1 "
            "dimensions, e.g. 0x00000801 for labels, 0x00000803 for images)."
        )
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise ValueError(
            f"{path}: truncated IDX header, {ndim} dimensions need "
            f"{header_size} bytes but the file has {len(raw)}."
        )
    shape = struct.unpack(f">{ndim}I", raw[4:header_size])
    dtype = _IDX_DTYPES[type_code]
    count = math.prod(shape)
    expected = count * dtype.itemsize
    found = len(raw) - header_size
    if found != expected:
        problem = "truncated" if found < expected else "has trailing bytes"
        raise ValueError(
            f"{path}: IDX payload {problem}; the header announces shape "
            f"{shape} ({expected} bytes) but the file holds {found} bytes."
        )
    array = np.frombuffer(raw, dtype=dtype, count=count, offset=header_size)
    return array.reshape(shape).astype(dtype.newbyteorder("="))


def _read_images(path):
    images = read_idx(path)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(
            f"{path}: expected uint8 images of shape (n, 28, 28), got "
            f"{images.dtype} of shape {images.shape}."
        )
    return images.reshape(len(images), -1)


def _read_labels(path, n_images):
    labels = read_idx(path)
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise ValueError(
            f"{path}: expected uint8 labels of shape (n,), got {labels.dtype} "
            f"of shape {labels.shape}."
        )
    if len(labels) != n_images:
        raise ValueError(f"{path}: {len(labels)} labels for {n_images} images.")
    if labels.size and labels.max() >= len(TARGET_NAMES):
        raise ValueError(
            f"{path}: labels must lie in 0..{len(TARGET_NAMES) - 1}, found {labels.max()}."
        )
    return labels.astype(np.int64)


def _candidates(data_home):
    if data_home is not None:
        home = _base.get_data_home(data_home)
        return [home, home / FOLDER_NAME]
    env = _base.env_path(_base.DATA_HOME_ENV)
    return _base.unique_paths(
        [
            env,
            env / FOLDER_NAME if env is not None else None,
            DEBIAN_FOLDER,
            _base.get_data_home() / FOLDER_NAME,
        ]
    )


def _download(folder):
    for filename in _FILES.values():
        if (folder / filename).is_file():
            continue
        algorithm, checksum = _CHECKSUMS[filename]
        url = FASHION_MNIST_URL.rstrip("/") + "/" + filename
        try:
            _base.fetch_file(url, folder / filename, checksum=checksum, algorithm=algorithm)
        except OSError as exc:
            raise OSError(
                f"Could not download Fashion-MNIST file {url} to {folder}: "
                f"{exc}. Install Debian's package dataset-fashion-mnist or "
                "put the four files in data_home."
            ) from exc


def load_fashion_mnist(data_home=None, *, download=True):
    """Load the Fashion-MNIST data set (classification, 10 classes).

    =================   ==============
    Classes                         10
    Samples (train)              60000
    Samples (test)               10000
    Dimensionality                 784
    Features            uint8, 0..255
    =================   ==============

    The four original IDX files (``train-images-idx3-ubyte.gz``,
    ``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz``,
    ``t10k-labels-idx1-ubyte.gz``) are looked for in this order:

    1. if `data_home` is given, in `data_home` and its ``fashion-mnist/``
       sub-folder only; missing files are downloaded to
       ``data_home/fashion-mnist``;
    2. otherwise in the folder named by the ``SKDISTILL_DATA`` environment
       variable and its ``fashion-mnist/`` sub-folder, then in
       ``/usr/share/datasets/fashion-mnist`` (Debian's package
       ``dataset-fashion-mnist``), then in ``~/skdistill_data/fashion-mnist``,
       where missing files are downloaded (see
       :func:`~skdistill.datasets.get_data_home`).

    Downloads come from the official source and are checked against the MD5
    digests published by the data set's authors (no SHA-256 is published).

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder to read the files from and to download them to. By default
        the locations listed above are searched.

    download : bool, default=True
        If False, raise a FileNotFoundError instead of downloading missing
        files.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, with the following attributes.

        X_train : ndarray of shape (60000, 784), dtype=uint8
            The training images, flattened row-major.
        y_train : ndarray of shape (60000,), dtype=int64
            The training labels, integers in 0..9.
        X_test : ndarray of shape (10000, 784), dtype=uint8
            The test images.
        y_test : ndarray of shape (10000,), dtype=int64
            The test labels.
        target_names : list of str
            The names of the 10 classes.
        DESCR : str
            The description of the data set.

    Raises
    ------
    FileNotFoundError
        If the files are not found and `download` is False.
    OSError
        If a download fails or its checksum does not match.
    ValueError
        If a file is not a valid IDX file of the expected shape.

    Examples
    --------
    >>> from skdistill.datasets import load_fashion_mnist
    >>> data = load_fashion_mnist()  # doctest: +SKIP
    >>> data.X_train.shape  # doctest: +SKIP
    (60000, 784)
    """
    candidates = _candidates(data_home)
    filenames = list(_FILES.values())
    folder = _base.find_folder(candidates, filenames)
    if folder is None:
        target = _base.get_data_home(data_home) / FOLDER_NAME
        if not download:
            raise _base.not_found_error(
                "Fashion-MNIST",
                filenames,
                candidates,
                "Pass data_home=<folder with the files>, set the "
                f"{_base.DATA_HOME_ENV} environment variable, run "
                "`apt-get install dataset-fashion-mnist`, or use "
                f"download=True to fetch them into {target}.",
            )
        _download(target)
        folder = target

    X_train = _read_images(folder / _FILES["X_train"])
    y_train = _read_labels(folder / _FILES["y_train"], len(X_train))
    X_test = _read_images(folder / _FILES["X_test"])
    y_test = _read_labels(folder / _FILES["y_test"], len(X_test))
    return Bunch(
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y_test,
        target_names=list(TARGET_NAMES),
        DESCR=DESCR,
    )

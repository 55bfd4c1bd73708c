"""SARCOS robot-arm inverse dynamics with privileged torques."""

import numpy as np
import scipy.io
from sklearn.utils import Bunch

from . import _base

ENV_VAR = "SKDISTILL_SARCOS"
FOLDER_NAME = "sarcos"
FILENAME = "sarcos_inv_test.mat"
VARIABLE = "sarcos_inv_test"
_N_COLUMNS = 28

FEATURE_NAMES = [
    f"{kind}_{joint}" for kind in ("position", "velocity", "acceleration") for joint in range(1, 8)
]
TARGET_NAME = "torque_1"
PRIVILEGED_FEATURE_NAMES = [f"torque_{joint}" for joint in range(2, 8)]

DESCR = """\
SARCOS inverse dynamics (test split)
------------------------------------

Inverse dynamics of a 7 degrees-of-freedom SARCOS anthropomorphic robot arm
(Vijayakumar & Schaal, 2000; Rasmussen & Williams, "Gaussian Processes for
Machine Learning", 2006), test split: 4449 samples. The 21 inputs are the 7
joint positions, 7 joint velocities and 7 joint accelerations; the outputs
are the 7 joint torques.

As in Lopez-Paz, Bottou, Schoelkopf, Vapnik (2016), the target is the first
torque and the other six torques are privileged features (``X_star``),
available at training time only.
"""


def _read_matrix(path):
    try:
        contents = scipy.io.loadmat(path)
    except Exception as exc:  # scipy raises several types on bad files
        raise ValueError(f"{path}: not a readable MATLAB file ({exc}).") from exc
    if VARIABLE not in contents:
        found = sorted(k for k in contents if not k.startswith("__"))
        raise ValueError(f"{path}: no variable {VARIABLE!r} in the file (found {found}).")
    matrix = np.asarray(contents[VARIABLE])
    if matrix.ndim != 2 or matrix.shape[1] != _N_COLUMNS:
        raise ValueError(
            f"{path}: expected {VARIABLE!r} of shape (n, {_N_COLUMNS}), got {matrix.shape}."
        )
    if not np.issubdtype(matrix.dtype, np.number) or np.iscomplexobj(matrix):
        raise ValueError(
            f"{path}: expected real numbers in {VARIABLE!r}, got dtype {matrix.dtype}."
        )
    matrix = matrix.astype(np.float64, copy=False)
    if not np.all(np.isfinite(matrix)):
        raise ValueError(f"{path}: {VARIABLE!r} holds NaN or infinity; the file is corrupt.")
    return matrix


def load_sarcos(data_home=None):
    """Load the SARCOS inverse-dynamics test split (regression).

    ===================   ==============
    Samples                         4449
    Dimensionality                    21
    Privileged features                6
    Target                torque 1, real
    ===================   ==============

    The file ``sarcos_inv_test.mat`` (MATLAB variable ``sarcos_inv_test`` of
    shape (4449, 28)) is looked for in this order:

    1. if `data_home` is given, in `data_home` and its ``sarcos/`` sub-folder
       only;
    2. otherwise in the folder named by the ``SKDISTILL_SARCOS`` environment
       variable, then in ``sarcos/`` under the data folder
       (``$SKDISTILL_DATA`` or, when that is unset, ``~/skdistill_data``;
       see :func:`~skdistill.datasets.get_data_home`).

    No other folder is searched and nothing is downloaded.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding ``sarcos_inv_test.mat``. By default the locations
        listed above are searched.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, with the following attributes.

        X : ndarray of shape (n_samples, 21)
            Joint positions, velocities and accelerations (columns 0-20).
        y : ndarray of shape (n_samples,)
            The torque of the first joint (column 21).
        X_star : ndarray of shape (n_samples, 6)
            The torques of joints 2 to 7 (columns 22-27), the privileged
            features.
        feature_names : list of str
            The names of the 21 columns of `X`.
        privileged_feature_names : list of str
            The names of the 6 columns of `X_star`.
        target_name : str
            The name of `y`, ``"torque_1"``.
        DESCR : str
            The description of the data set.

    Raises
    ------
    FileNotFoundError
        If the file is not found; the message lists the folders searched.
    ValueError
        If the file is not a MATLAB file holding the expected matrix.

    References
    ----------
    D. Lopez-Paz, L. Bottou, B. Schoelkopf, V. Vapnik, "Unifying distillation
    and privileged information", ICLR 2016.

    Examples
    --------
    >>> from skdistill.datasets import load_sarcos
    >>> sarcos = load_sarcos()  # doctest: +SKIP
    >>> sarcos.X.shape, sarcos.y.shape, sarcos.X_star.shape  # doctest: +SKIP
    ((4449, 21), (4449,), (4449, 6))
    """
    candidates = _base.candidate_dirs(data_home, FOLDER_NAME, ENV_VAR)
    folder = _base.find_folder(candidates, [FILENAME])
    if folder is None:
        raise _base.not_found_error(
            "SARCOS",
            [FILENAME],
            candidates,
            "Pass data_home=<folder with the file>, set the "
            f"{ENV_VAR} environment variable to that folder, or put the "
            f"file in {FOLDER_NAME}/ under the folder named by "
            f"{_base.DATA_HOME_ENV} (default ~/skdistill_data).",
        )
    matrix = _read_matrix(folder / FILENAME)
    return Bunch(
        X=np.ascontiguousarray(matrix[:, :21]),
        y=np.ascontiguousarray(matrix[:, 21]),
        X_star=np.ascontiguousarray(matrix[:, 22:]),
        feature_names=list(FEATURE_NAMES),
        privileged_feature_names=list(PRIVILEGED_FEATURE_NAMES),
        target_name=TARGET_NAME,
        DESCR=DESCR,
    )

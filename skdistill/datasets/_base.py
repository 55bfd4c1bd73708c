"""Helpers shared by the dataset loaders: where data live and how to fetch them."""

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from urllib.request import urlopen

try:  # the progress bar is optional
    from tqdm.auto import tqdm
except ImportError:  # pragma: no cover - exercised only without tqdm
    tqdm = None

DATA_HOME_ENV = "SKDISTILL_DATA"
DEFAULT_DATA_HOME = Path("~") / "skdistill_data"

_CHUNK_SIZE = 1 << 16


def _as_path(value, name):
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(
            f"{name} must be a str or an os.PathLike object, got {type(value).__name__}."
        )
    return Path(value).expanduser()


def get_data_home(data_home=None):
    """Return the path of the skdistill data folder.

    The folder holds one sub-folder per downloaded data set. By default it is
    the folder named by the ``SKDISTILL_DATA`` environment variable or, when
    the variable is unset or empty, ``~/skdistill_data``. The folder is not
    created.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The path to the data folder. If None, the default described above is
        used. A leading ``~`` is expanded to the user's home folder.

    Returns
    -------
    data_home : pathlib.Path
        The path to the data folder.
    """
    if data_home is None:
        data_home = os.environ.get(DATA_HOME_ENV) or DEFAULT_DATA_HOME
    return _as_path(data_home, "data_home")


def env_path(name):
    """Return the path held by the environment variable `name`, or None."""
    value = os.environ.get(name)
    return Path(value).expanduser() if value else None


def candidate_dirs(data_home, folder_name, env_var):
    """Folders where a loader looks for its files, in order.

    An explicit ``data_home`` and its ``folder_name`` sub-folder only; else the
    folder named by the loader's own ``env_var``, then ``folder_name`` under
    the data home (``$SKDISTILL_DATA`` or ``~/skdistill_data``, see
    :func:`get_data_home`). Nothing else is guessed: no machine's path, no
    folder relative to the current one or to the installed package.
    """
    if data_home is not None:
        home = get_data_home(data_home)
        return [home, home / folder_name]
    return unique_paths([env_path(env_var), get_data_home() / folder_name])


def unique_paths(paths):
    """Drop None entries and duplicates (by resolved path), keeping the order."""
    seen, result = set(), []
    for path in paths:
        if path is None:
            continue
        key = os.path.normpath(os.path.abspath(path))
        if key not in seen:
            seen.add(key)
            result.append(Path(path))
    return result


def find_folder(candidates, filenames):
    """Return the first folder of `candidates` holding all `filenames`, or None."""
    for folder in candidates:
        if all((folder / filename).is_file() for filename in filenames):
            return folder
    return None


def not_found_error(dataset, filenames, searched, hint):
    """Build a FileNotFoundError that lists where `filenames` were looked for."""
    places = "\n".join(f"  - {folder}" for folder in searched) or "  (nowhere)"
    return FileNotFoundError(
        f"Could not find the {dataset} data set ({', '.join(filenames)}). "
        f"Looked in:\n{places}\n{hint}"
    )


class _NullBar:
    def update(self, n):
        pass

    def close(self):
        pass


def _progress_bar(total, desc, enabled):
    if not enabled or tqdm is None:
        return _NullBar()
    # disable=None turns the bar off when stderr is not a terminal (CI logs).
    return tqdm(
        total=total,
        desc=desc,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        disable=None,
    )


def _content_length(response):
    headers = getattr(response, "headers", None)
    value = headers.get("Content-Length") if headers is not None else None
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def fetch_file(url, path, *, checksum=None, algorithm="sha256", progress=True, timeout=60):
    """Download `url` to `path`, verifying its checksum.

    The bytes are written to a temporary file in the destination folder, which
    is renamed to `path` only once the download is complete and its checksum
    matches, so an interrupted download never leaves a partial file behind.

    Parameters
    ----------
    url : str
        The address to download (any scheme :func:`urllib.request.urlopen`
        understands, ``file://`` included).
    path : str or path-like
        Where to store the file. Missing parent folders are created.
    checksum : str, default=None
        Expected hexadecimal digest of the file. If None, it is not checked.
    algorithm : str, default="sha256"
        Name of the :mod:`hashlib` algorithm that produced `checksum`.
    progress : bool, default=True
        Whether to show a progress bar (needs ``tqdm``; shown only when
        standard error is a terminal).
    timeout : float, default=60
        Timeout in seconds of the network operations.

    Returns
    -------
    path : pathlib.Path
        The path of the downloaded file.

    Raises
    ------
    OSError
        If the download fails or the checksum does not match.
    """
    path = _as_path(path, "path")
    try:
        hasher = hashlib.new(algorithm, usedforsecurity=False)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"algorithm={algorithm!r} is not a hashlib algorithm.") from exc
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out, urlopen(url, timeout=timeout) as response:
            bar = _progress_bar(_content_length(response), path.name, progress)
            try:
                while chunk := response.read(_CHUNK_SIZE):
                    out.write(chunk)
                    hasher.update(chunk)
                    bar.update(len(chunk))
            finally:
                bar.close()
        digest = hasher.hexdigest()
        if checksum is not None and digest != checksum.lower():
            raise OSError(
                f"The file downloaded from {url} has {algorithm} checksum "
                f"{digest}, expected {checksum}; it may be corrupted. "
                "It was not kept."
            )
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    return path

"""Tests of skdistill.datasets: the synthetic generator and the loaders."""

import gzip
import hashlib
import io
import os
import struct
from pathlib import Path

import numpy as np
import pytest
import scipy.io
from scipy.special import softmax

from skdistill import datasets
from skdistill.datasets import (
    _base,
    _fashion_mnist,
    get_data_home,
    load_fashion_mnist,
    load_sarcos,
    load_sentiment140,
    make_privileged_classification,
    preprocess_tweet,
    read_idx,
)

ENV_VARS = ("SKDISTILL_DATA", "SKDISTILL_SENTIMENT140", "SKDISTILL_SARCOS")


@pytest.fixture
def clean_env(monkeypatch):
    """No data-location environment variable set."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_public_api():
    assert sorted(datasets.__all__) == [
        "get_data_home",
        "load_fashion_mnist",
        "load_sarcos",
        "load_sentiment140",
        "make_privileged_classification",
        "preprocess_tweet",
        "read_idx",
    ]
    for name in datasets.__all__:
        assert callable(getattr(datasets, name))


# --------------------------------------------------------------------------
# make_privileged_classification


def test_synthetic_shapes_and_types():
    X, y, S, logits = make_privileged_classification(random_state=0)
    assert X.shape == (1100, 10)
    assert y.shape == (1100,)
    assert S.shape == logits.shape == (1100, 3)
    assert X.dtype == S.dtype == logits.dtype == np.float64
    assert y.dtype == np.int64
    assert set(np.unique(y)) <= {0, 1, 2}


def test_synthetic_probabilities_are_softmax_of_linear_logits():
    X, _, S, logits = make_privileged_classification(500, 7, 4, random_state=1)
    assert S.shape == (500, 4)
    np.testing.assert_allclose(S.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert np.all(S > 0)
    np.testing.assert_allclose(S, softmax(logits, axis=1))
    # The logits are X @ W for some (n_features, n_classes) matrix W.
    W, *_ = np.linalg.lstsq(X, logits, rcond=None)
    assert W.shape == (7, 4)
    np.testing.assert_allclose(X @ W, logits, atol=1e-10)


def test_synthetic_reproducible():
    first = make_privileged_classification(200, random_state=42)
    second = make_privileged_classification(200, random_state=42)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    other = make_privileged_classification(200, random_state=43)
    assert not np.array_equal(first[0], other[0])
    rng_result = make_privileged_classification(200, random_state=np.random.RandomState(42))
    for a, b in zip(first, rng_result):
        np.testing.assert_array_equal(a, b)


def test_synthetic_labels_follow_probabilities():
    n = 200_000
    _, y, S, _ = make_privileged_classification(n, 10, 3, random_state=0)
    freq = np.bincount(y, minlength=3) / n
    expected = S.mean(axis=0)
    # Standard error of a frequency is at most 0.5 / sqrt(n) ~ 0.0011.
    np.testing.assert_allclose(freq, expected, atol=0.005)
    for k in range(3):
        indicator = (y == k).astype(float)
        assert abs(indicator.mean() - S[:, k].mean()) < 0.005
        # Labels depend on the probabilities: strong positive correlation.
        assert np.corrcoef(indicator, S[:, k])[0, 1] > 0.4
        # Calibration: within bins of S[:, k], frequency ~ mean probability.
        bins = np.digitize(S[:, k], [0.2, 0.4, 0.6, 0.8])
        for b in np.unique(bins):
            in_bin = bins == b
            if in_bin.sum() > 2000:
                assert abs(indicator[in_bin].mean() - S[in_bin, k].mean()) < 0.03


def test_synthetic_small_and_binary():
    X, y, S, logits = make_privileged_classification(1, 1, 2, random_state=0)
    assert X.shape == (1, 1) and S.shape == (1, 2) and y.shape == (1,)
    _, y, _, _ = make_privileged_classification(1000, 3, 2, random_state=0)
    assert set(np.unique(y)) == {0, 1}


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"n_samples": 0}, ValueError, "n_samples"),
        ({"n_samples": -5}, ValueError, "n_samples"),
        ({"n_samples": 2.5}, TypeError, "n_samples"),
        ({"n_samples": True}, TypeError, "n_samples"),
        ({"n_features": 0}, ValueError, "n_features"),
        ({"n_features": "10"}, TypeError, "n_features"),
        ({"n_classes": 1}, ValueError, "n_classes"),
        ({"n_classes": 3.0}, TypeError, "n_classes"),
    ],
)
def test_synthetic_invalid_parameters(kwargs, error, name):
    with pytest.raises(error, match=name):
        make_privileged_classification(**kwargs)


def test_synthetic_accepts_numpy_integers():
    X, *_ = make_privileged_classification(np.int64(5), np.int32(2), np.int64(2), random_state=0)
    assert X.shape == (5, 2)


# --------------------------------------------------------------------------
# _base: data home and downloads


def test_get_data_home(clean_env, tmp_path):
    assert get_data_home(tmp_path) == tmp_path
    assert get_data_home(str(tmp_path)) == tmp_path
    assert get_data_home() == Path("~/skdistill_data").expanduser()
    clean_env.setenv("SKDISTILL_DATA", str(tmp_path / "env"))
    assert get_data_home() == tmp_path / "env"
    assert not (tmp_path / "env").exists()  # not created
    with pytest.raises(TypeError, match="data_home"):
        get_data_home(3)


def test_default_search_knows_no_machine(clean_env, tmp_path):
    # Only the loader's variable and the data home are searched: no absolute
    # machine path, no ../shared/data beside the current folder or the package.
    clean_env.setenv("HOME", str(tmp_path / "home"))
    work = tmp_path / "repo"
    work.mkdir()
    _tiny_sarcos(tmp_path / "shared" / "data" / "sarcos")
    _tiny_tweets(tmp_path / "shared" / "data" / "sentiment140_100k")
    clean_env.chdir(work)
    home = tmp_path / "home" / "skdistill_data"
    assert _base.candidate_dirs(None, "sarcos", "SKDISTILL_SARCOS") == [home / "sarcos"]
    with pytest.raises(FileNotFoundError) as info:
        load_sarcos()
    assert "shared" not in str(info.value) and str(home / "sarcos") in str(info.value)
    assert "SKDISTILL_DATA" in str(info.value)
    with pytest.raises(FileNotFoundError) as info:
        load_sentiment140()
    assert "shared" not in str(info.value)
    assert str(home / "sentiment140_100k") in str(info.value)
    assert not hasattr(_base, "SHARED_DATA_DIR") and not hasattr(_base, "shared_data_dirs")
    source = Path(_base.__file__).parent
    for module in source.glob("*.py"):
        assert "/work/" not in module.read_text(encoding="utf-8"), module.name


def test_candidate_dirs_order(clean_env, tmp_path):
    clean_env.setenv("HOME", str(tmp_path / "home"))
    assert _base.candidate_dirs(tmp_path / "given", "sarcos", "SKDISTILL_SARCOS") == [
        tmp_path / "given",
        tmp_path / "given" / "sarcos",
    ]
    clean_env.setenv("SKDISTILL_SARCOS", str(tmp_path / "own"))
    clean_env.setenv("SKDISTILL_DATA", str(tmp_path / "data"))
    assert _base.candidate_dirs(None, "sarcos", "SKDISTILL_SARCOS") == [
        tmp_path / "own",
        tmp_path / "data" / "sarcos",
    ]
    # An explicit data_home wins over both variables.
    assert _base.candidate_dirs(tmp_path / "given", "sarcos", "SKDISTILL_SARCOS")[0] == (
        tmp_path / "given"
    )


def test_loaders_default_to_the_home_data_folder(clean_env, tmp_path):
    clean_env.setenv("HOME", str(tmp_path))
    matrix = _tiny_sarcos(tmp_path / "skdistill_data" / "sarcos", n=4)
    _tiny_tweets(tmp_path / "skdistill_data" / "sentiment140_100k")
    arrays = _tiny_fashion(tmp_path / "skdistill_data" / "fashion-mnist", n_train=2)
    np.testing.assert_array_equal(load_sarcos().y, matrix[:, 21])
    assert len(load_sentiment140().data) == 5
    if not _fashion_mnist.DEBIAN_FOLDER.is_dir():  # Debian's copy comes first
        data = load_fashion_mnist(download=False)
        np.testing.assert_array_equal(data.y_train, arrays["y_train"])


def test_loader_variable_comes_before_the_data_home(clean_env, tmp_path):
    _tiny_sarcos(tmp_path / "data" / "sarcos", n=3)
    own = _tiny_sarcos(tmp_path / "own", n=5)
    clean_env.setenv("SKDISTILL_DATA", str(tmp_path / "data"))
    assert load_sarcos().X.shape == (3, 21)
    clean_env.setenv("SKDISTILL_SARCOS", str(tmp_path / "own"))
    np.testing.assert_array_equal(load_sarcos().y, own[:, 21])
    # A variable naming a folder without the file falls through to the data home.
    clean_env.setenv("SKDISTILL_SARCOS", str(tmp_path / "empty"))
    assert load_sarcos().X.shape == (3, 21)


def test_fetch_file_file_url_and_checksum(tmp_path):
    source = tmp_path / "source.bin"
    payload = os.urandom(200_000)
    source.write_bytes(payload)
    digest = hashlib.sha256(payload).hexdigest()
    dest = tmp_path / "sub" / "dest.bin"
    out = _base.fetch_file(source.as_uri(), dest, checksum=digest.upper())
    assert out == dest
    assert dest.read_bytes() == payload
    assert sorted(p.name for p in dest.parent.iterdir()) == ["dest.bin"]

    bad = tmp_path / "bad" / "dest.bin"
    with pytest.raises(OSError, match="checksum"):
        _base.fetch_file(source.as_uri(), bad, checksum="0" * 64)
    assert list(bad.parent.iterdir()) == []  # no partial or bad file kept

    with pytest.raises(ValueError, match="algorithm"):
        _base.fetch_file(source.as_uri(), bad, algorithm="no-such-hash")


class _FakeResponse(io.BytesIO):
    def __init__(self, payload):
        super().__init__(payload)
        self.headers = {"Content-Length": str(len(payload))}


class _FakeBar:
    instances = []

    def __init__(self, total=None, **kwargs):
        self.total, self.kwargs, self.seen, self.closed = total, kwargs, 0, False
        _FakeBar.instances.append(self)

    def update(self, n):
        self.seen += n

    def close(self):
        self.closed = True


def test_fetch_file_progress_bar_and_interrupted_download(monkeypatch, tmp_path):
    payload = b"x" * 150_000
    monkeypatch.setattr(_base, "urlopen", lambda url, timeout: _FakeResponse(payload))
    monkeypatch.setattr(_base, "tqdm", _FakeBar)
    _FakeBar.instances.clear()
    dest = tmp_path / "f.bin"
    _base.fetch_file("http://example.invalid/f.bin", dest, checksum=None)
    assert dest.read_bytes() == payload
    (bar,) = _FakeBar.instances
    assert bar.total == len(payload) and bar.seen == len(payload) and bar.closed
    assert bar.kwargs["desc"] == "f.bin"

    _FakeBar.instances.clear()
    _base.fetch_file("http://x.invalid/g", tmp_path / "g", progress=False)
    assert _FakeBar.instances == []
    monkeypatch.setattr(_base, "tqdm", None)  # tqdm not installed
    _base.fetch_file("http://x.invalid/g2", tmp_path / "g2")
    assert (tmp_path / "g2").read_bytes() == payload

    class Broken(_FakeResponse):
        def read(self, size=-1):
            raise ConnectionResetError("connection lost")

    monkeypatch.setattr(_base, "urlopen", lambda url, timeout: Broken(payload))
    target = tmp_path / "broken" / "h.bin"
    with pytest.raises(ConnectionResetError):
        _base.fetch_file("http://x.invalid/h", target)
    assert list(target.parent.iterdir()) == []


# --------------------------------------------------------------------------
# IDX files and Fashion-MNIST

_TYPE_CODES = {np.uint8: 0x08, np.int32: 0x0C, np.float64: 0x0E}


def _idx_bytes(array):
    array = np.asarray(array)
    code = _TYPE_CODES[array.dtype.type]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def _write(path, data, compress=True):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def _tiny_fashion(folder, n_train=12, n_test=5, seed=0):
    rng = np.random.default_rng(seed)
    arrays = {
        "X_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train).astype(np.uint8),
        "X_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test).astype(np.uint8),
    }
    for key, array in arrays.items():
        _write(folder / _fashion_mnist._FILES[key], _idx_bytes(array))
    return arrays


@pytest.mark.parametrize("compress", [True, False])
@pytest.mark.parametrize(
    "array",
    [
        np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4),
        np.array([3, 1, 4, 1, 5], dtype=np.uint8),
        np.array([[-1, 70000], [2**31 - 1, 0]], dtype=np.int32),
        np.array([0.5, -2.25, 1e300]),
    ],
)
def test_read_idx_round_trip(tmp_path, array, compress):
    path = _write(tmp_path / "a.idx", _idx_bytes(array), compress)
    result = read_idx(path)
    assert result.dtype == array.dtype and result.dtype.isnative
    assert result.shape == array.shape
    np.testing.assert_array_equal(result, array)
    result[...] = 0  # a writeable copy


def test_read_idx_magic_numbers(tmp_path):
    labels = _idx_bytes(np.zeros(3, dtype=np.uint8))
    images = _idx_bytes(np.zeros((2, 2, 2), dtype=np.uint8))
    assert labels[:4] == (0x00000801).to_bytes(4, "big")
    assert images[:4] == (0x00000803).to_bytes(4, "big")
    assert read_idx(_write(tmp_path / "l.gz", labels)).shape == (3,)


def _corrupt_cases():
    valid = _idx_bytes(np.arange(60, dtype=np.uint8).reshape(3, 4, 5))
    compressed = gzip.compress(valid)
    return {
        "truncated-payload": (gzip.compress(valid[:-7]), "truncated"),
        "trailing-bytes": (gzip.compress(valid + b"\0"), "trailing"),
        "wrong-magic": (gzip.compress(b"\x00\x00\x07\x03" + valid[4:]), "magic"),
        "nonzero-magic": (gzip.compress(b"\x01\x00\x08\x03" + valid[4:]), "magic"),
        "zero-dims": (gzip.compress(b"\x00\x00\x08\x00"), "magic"),
        "truncated-header": (gzip.compress(valid[:9]), "header"),
        "tiny": (gzip.compress(b"\x00\x00"), "bytes long"),
        "gz-corrupt": (compressed[:10] + b"garbage!" * 20, "gzip"),
        "gz-truncated": (compressed[: len(compressed) // 2], "gzip"),
        "raw-truncated": (valid[:-1], "truncated"),
    }


@pytest.mark.parametrize("case", sorted(_corrupt_cases()))
def test_read_idx_rejects_bad_files(tmp_path, case):
    data, message = _corrupt_cases()[case]
    path = tmp_path / f"{case}-idx3-ubyte.gz"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_read_idx_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "absent.gz")


@pytest.mark.parametrize("subfolder", ["", "fashion-mnist"])
def test_load_fashion_mnist_tiny(clean_env, tmp_path, subfolder):
    arrays = _tiny_fashion(tmp_path / subfolder)
    data = load_fashion_mnist(tmp_path, download=False)
    assert data.X_train.shape == (12, 784) and data.X_train.dtype == np.uint8
    assert data.X_test.shape == (5, 784) and data.X_test.dtype == np.uint8
    assert data.y_train.dtype == data.y_test.dtype == np.int64
    np.testing.assert_array_equal(data.X_train, arrays["X_train"].reshape(12, -1))
    np.testing.assert_array_equal(data.X_test[2], arrays["X_test"][2].ravel())
    np.testing.assert_array_equal(data.y_train, arrays["y_train"])
    np.testing.assert_array_equal(data.y_test, arrays["y_test"])
    assert data.target_names == [
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
    assert "Fashion-MNIST" in data.DESCR


def test_load_fashion_mnist_from_environment(clean_env, tmp_path):
    arrays = _tiny_fashion(tmp_path / "env" / "fashion-mnist", n_train=3)
    clean_env.setenv("SKDISTILL_DATA", str(tmp_path / "env"))
    data = load_fashion_mnist(download=False)  # before Debian's folder
    np.testing.assert_array_equal(data.y_train, arrays["y_train"])


def test_load_fashion_mnist_checks_consistency(clean_env, tmp_path):
    _tiny_fashion(tmp_path)
    labels = tmp_path / "t10k-labels-idx1-ubyte.gz"
    _write(labels, _idx_bytes(np.zeros(4, dtype=np.uint8)))
    with pytest.raises(ValueError, match="4 labels for 5 images") as info:
        load_fashion_mnist(tmp_path, download=False)
    assert str(labels) in str(info.value)

    _write(labels, _idx_bytes(np.full(5, 10, dtype=np.uint8)))
    with pytest.raises(ValueError, match="0..9"):
        load_fashion_mnist(tmp_path, download=False)

    images = tmp_path / "train-images-idx3-ubyte.gz"
    _write(images, _idx_bytes(np.zeros((12, 28, 27), dtype=np.uint8)))
    with pytest.raises(ValueError, match=r"\(n, 28, 28\)"):
        load_fashion_mnist(tmp_path, download=False)


def test_load_fashion_mnist_not_found(clean_env, tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_fashion_mnist(tmp_path, download=False)
    message = str(info.value)
    assert str(tmp_path) in message and str(tmp_path / "fashion-mnist") in message
    assert "download=True" in message and "dataset-fashion-mnist" in message


def _serve_tiny_fashion(monkeypatch, server, checksum=None):
    arrays = _tiny_fashion(server)
    checksums = {
        name: (
            "sha256",
            checksum or hashlib.sha256((server / name).read_bytes()).hexdigest(),
        )
        for name in _fashion_mnist._FILES.values()
    }
    monkeypatch.setattr(_fashion_mnist, "FASHION_MNIST_URL", server.as_uri() + "/")
    monkeypatch.setattr(_fashion_mnist, "_CHECKSUMS", checksums)
    return arrays


def test_load_fashion_mnist_downloads(clean_env, tmp_path):
    arrays = _serve_tiny_fashion(clean_env, tmp_path / "server")
    home = tmp_path / "home"
    data = load_fashion_mnist(home, download=True)
    folder = home / "fashion-mnist"
    assert sorted(p.name for p in folder.iterdir()) == sorted(_fashion_mnist._FILES.values())
    np.testing.assert_array_equal(data.X_train, arrays["X_train"].reshape(12, -1))
    np.testing.assert_array_equal(data.y_test, arrays["y_test"])
    # A second call reads the downloaded copy, even with the source gone.
    for path in (tmp_path / "server").iterdir():
        path.unlink()
    again = load_fashion_mnist(home, download=True)
    np.testing.assert_array_equal(again.y_train, data.y_train)


def test_load_fashion_mnist_download_checksum_mismatch(clean_env, tmp_path):
    _serve_tiny_fashion(clean_env, tmp_path / "server", checksum="ab" * 32)
    home = tmp_path / "home"
    with pytest.raises(OSError, match="checksum"):
        load_fashion_mnist(home, download=True)
    assert list((home / "fashion-mnist").iterdir()) == []


def test_load_fashion_mnist_download_failure_message(clean_env, tmp_path):
    clean_env.setattr(_fashion_mnist, "FASHION_MNIST_URL", (tmp_path / "nowhere").as_uri() + "/")
    with pytest.raises(OSError, match="Could not download Fashion-MNIST"):
        load_fashion_mnist(tmp_path / "home")


def test_fashion_mnist_official_checksums_are_md5():
    assert set(_fashion_mnist._CHECKSUMS) == set(_fashion_mnist._FILES.values())
    for algorithm, digest in _fashion_mnist._CHECKSUMS.values():
        assert algorithm == "md5" and len(digest) == 32
        int(digest, 16)


@pytest.mark.skipif(
    not _fashion_mnist.DEBIAN_FOLDER.is_dir(),
    reason="Debian's dataset-fashion-mnist is not installed",
)
def test_load_fashion_mnist_real_debian_files():
    data = load_fashion_mnist(_fashion_mnist.DEBIAN_FOLDER, download=False)
    assert data.X_train.shape == (60000, 784) and data.X_train.dtype == np.uint8
    assert data.X_test.shape == (10000, 784) and data.X_test.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(data.y_train), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(data.y_test), [1000] * 10)
    assert data.X_train.max() == 255 and data.X_train.min() == 0


# --------------------------------------------------------------------------
# Sentiment140


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Hello World", "hello world"),
        ("@Bob I slept  only 4 Hours :(", "name i slept only number hours :("),
        ("@user_1 @other2: thanks!", "name name : thanks!"),
        ("mail me at joe@example.com", "mail me at joe@example.com"),
        (
            "see you at 10:30 for 3.5 km, 1,000 people",
            "see you at number for number km, number people",
        ),
        ("2day is   GR8\tright?\n", "number day is gr number right?"),
        ("  spaces\u00a0everywhere  ", "spaces everywhere"),
        ("", ""),
        ("ÉTÉ à Paris", "été à paris"),
    ],
)
def test_preprocess_tweet(text, expected):
    assert preprocess_tweet(text) == expected


def test_preprocess_tweet_rejects_non_strings():
    with pytest.raises(TypeError, match="text"):
        preprocess_tweet(b"bytes")


def _tiny_tweets(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "negative.txt").write_bytes(
        b"I hate Mondays\n\n@boss 2 meetings today \r\n   \nworst.\n"
    )
    (folder / "positive.txt").write_bytes("Love it ❤\n@Ann thx for 100 likes".encode())


def test_load_sentiment140_tiny(clean_env, tmp_path):
    _tiny_tweets(tmp_path)
    data = load_sentiment140(tmp_path)
    assert data.data == [
        "i hate mondays",
        "name number meetings today",
        "worst.",
        "love it ❤",
        "name thx for number likes",
    ]
    assert data.target.dtype == np.int64
    np.testing.assert_array_equal(data.target, [0, 0, 0, 1, 1])
    assert data.target_names == ["negative", "positive"]
    assert "Sentiment140" in data.DESCR

    raw = load_sentiment140(tmp_path, preprocess=False)
    assert raw.data[1] == "@boss 2 meetings today "  # blank lines skipped
    assert raw.data[4] == "@Ann thx for 100 likes"
    np.testing.assert_array_equal(raw.target, data.target)


def test_load_sentiment140_locations(clean_env, tmp_path):
    _tiny_tweets(tmp_path / "sub" / "sentiment140_100k")
    assert len(load_sentiment140(tmp_path / "sub").data) == 5
    folder = tmp_path / "sub" / "sentiment140_100k"
    clean_env.setenv("SKDISTILL_SENTIMENT140", str(folder))
    assert len(load_sentiment140().data) == 5
    clean_env.delenv("SKDISTILL_SENTIMENT140")
    clean_env.setenv("SKDISTILL_DATA", str(tmp_path / "sub"))
    assert len(load_sentiment140().data) == 5


def test_load_sentiment140_not_found(clean_env, tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_sentiment140(tmp_path)
    message = str(info.value)
    assert str(tmp_path) in message and "positive.txt" in message
    assert "SKDISTILL_SENTIMENT140" in message and "data_home" in message


def test_load_sentiment140_bad_encoding(clean_env, tmp_path):
    _tiny_tweets(tmp_path)
    (tmp_path / "positive.txt").write_bytes(b"caf\xe9\n")
    with pytest.raises(ValueError, match="UTF-8") as info:
        load_sentiment140(tmp_path)
    assert "positive.txt" in str(info.value)


def _real_or_skip(loader):
    try:
        return loader()
    except FileNotFoundError as exc:
        pytest.skip(f"real data not available: {exc}")


def test_load_sentiment140_real():
    # Found through the environment: tests/conftest.py points SKDISTILL_DATA
    # at the project's shared data when it is beside the repository.
    data = _real_or_skip(load_sentiment140)
    assert len(data.data) == 100_000
    np.testing.assert_array_equal(np.bincount(data.target), [50_000, 50_000])
    assert all(tweet and tweet == tweet.lower() for tweet in data.data[::997])
    assert not any("@" in t.split(" ", 1)[0] for t in data.data[::997])
    assert sum(t.startswith("name ") for t in data.data) > 10_000


# --------------------------------------------------------------------------
# SARCOS


def _tiny_sarcos(folder, n=6):
    folder.mkdir(parents=True, exist_ok=True)
    matrix = np.arange(n * 28, dtype=float).reshape(n, 28) / 7.0
    scipy.io.savemat(folder / "sarcos_inv_test.mat", {"sarcos_inv_test": matrix})
    return matrix


def test_load_sarcos_tiny(clean_env, tmp_path):
    matrix = _tiny_sarcos(tmp_path)
    data = load_sarcos(tmp_path)
    np.testing.assert_array_equal(data.X, matrix[:, :21])
    np.testing.assert_array_equal(data.y, matrix[:, 21])
    np.testing.assert_array_equal(data.X_star, matrix[:, 22:])
    assert data.X.shape == (6, 21) and data.y.shape == (6,)
    assert data.X_star.shape == (6, 6)
    assert data.feature_names[:2] == ["position_1", "position_2"]
    assert data.feature_names[7] == "velocity_1"
    assert data.feature_names[-1] == "acceleration_7"
    assert len(data.feature_names) == 21 == len(set(data.feature_names))
    assert data.privileged_feature_names == [f"torque_{j}" for j in range(2, 8)]
    assert data.target_name == "torque_1"
    assert "SARCOS" in data.DESCR


def test_load_sarcos_locations(clean_env, tmp_path):
    matrix = _tiny_sarcos(tmp_path / "root" / "sarcos", n=3)
    assert load_sarcos(tmp_path / "root").X.shape == (3, 21)
    clean_env.setenv("SKDISTILL_SARCOS", str(tmp_path / "root" / "sarcos"))
    np.testing.assert_array_equal(load_sarcos().y, matrix[:, 21])
    clean_env.delenv("SKDISTILL_SARCOS")
    clean_env.setenv("SKDISTILL_DATA", str(tmp_path / "root"))
    np.testing.assert_array_equal(load_sarcos().y, matrix[:, 21])


def test_load_sarcos_bad_files(clean_env, tmp_path):
    path = tmp_path / "sarcos_inv_test.mat"
    scipy.io.savemat(path, {"sarcos_inv_test": np.zeros((4, 27))})
    with pytest.raises(ValueError, match=r"shape \(n, 28\)"):
        load_sarcos(tmp_path)
    scipy.io.savemat(path, {"other": np.zeros((4, 28))})
    with pytest.raises(ValueError, match="no variable 'sarcos_inv_test'"):
        load_sarcos(tmp_path)
    path.write_bytes(b"not a matlab file at all")
    with pytest.raises(ValueError, match="MATLAB") as info:
        load_sarcos(tmp_path)
    assert str(path) in str(info.value)


def test_load_sarcos_not_found(clean_env, tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_sarcos(tmp_path)
    message = str(info.value)
    assert str(tmp_path / "sarcos") in message and "SKDISTILL_SARCOS" in message


def test_load_sarcos_real():
    data = _real_or_skip(load_sarcos)
    assert data.X.shape == (4449, 21)
    assert data.y.shape == (4449,)
    assert data.X_star.shape == (4449, 6)
    assert np.isfinite(data.X).all() and np.isfinite(data.X_star).all()
    assert data.y.std() > 1.0  # a real torque, not constant

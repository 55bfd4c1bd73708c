"""Tests of ``python -m skdistill reproduce``: the CLI end to end on tiny configurations."""

import csv
import math
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from skdistill.__main__ import main  # noqa: E402
from skdistill.reproduce import _common, _rnn, sentiment, synthetic  # noqa: E402


def _read_table(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["model"]: row for row in csv.DictReader(handle)}


def _check_outputs(out, stem, pngs, n_classes):
    for name in pngs:
        path = out / name
        assert path.is_file() and path.stat().st_size > 1000, name
    table = _read_table(out / f"{stem}.csv")
    assert set(table) >= {"without teacher", "with teacher"}
    for row in table.values():
        for key in ("ce_mean", "acc_mean"):
            assert math.isfinite(float(row[key])), (row["model"], key)
    assert float(table["without teacher"]["acc_mean"]) > 1.0 / n_classes
    assert (out / f"{stem}.md").read_text(encoding="utf-8").startswith("| Dataset | Model |")
    return table


def test_synthetic_quick_end_to_end(tmp_path, capsys):
    assert main(["reproduce", "synthetic", "--quick", "--runs", "2", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    # Our numbers and the paper's, side by side, and each run's wall time.
    assert "CrossEntropy" in printed and "Paper CrossEntropy" in printed
    assert "0.225 ± 0.002" in printed and "0.828 ± 0.001" in printed
    assert printed.count("wall time") >= 2 and "L-BFGS" in printed
    assert "KL(S ‖ P)" in printed
    table = _check_outputs(
        tmp_path,
        "synthetic_table",
        ["synthetic_probabilities.png", "synthetic_class_distribution.png", "synthetic_kl_grid.png"],
        n_classes=3,
    )
    assert table["with teacher"]["student_size"] == "33"
    assert table["with teacher"]["runs"] == "2"
    assert float(table["with teacher"]["paper_ce_mean"]) == 0.452


def test_fashion_mnist_quick_end_to_end(tmp_path, capsys):
    from skdistill.datasets import load_fashion_mnist

    try:
        load_fashion_mnist(download=False)
    except FileNotFoundError:
        pytest.skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
    argv = ["reproduce", "fashion-mnist", "--quick", "--runs", "2", "--out", str(tmp_path)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "0.461 ± 0.005" in printed and "teacher (CNN)" in printed
    table = _check_outputs(tmp_path, "fashion_mnist_table", ["fashion_mnist_loss_curves.png"], n_classes=10)
    assert table["without teacher"]["student_size"] == "7850"
    assert list((tmp_path / "cache").glob("fashion_mnist_teacher_*.npz")), "teacher answers are cached"
    curves = (tmp_path / "fashion_mnist_curves.csv").read_text().splitlines()
    assert curves[0].startswith("epoch,train without teacher") and len(curves) == 3  # 2 epochs
    # A second invocation reads the teacher's answers from the cache.
    assert main(argv) == 0
    assert "(cached:" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["reproduce", "mnist"], "invalid choice: 'mnist'"),
        (["reproduce", "synthetic", "--runs", "0"], "expected a positive integer"),
        (["reproduce"], "the following arguments are required: dataset"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_usage_errors_exit_non_zero_with_a_message(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_missing_sentence_transformers_is_a_clear_message(tmp_path, monkeypatch, capsys):
    # None in sys.modules makes `import sentence_transformers` raise ImportError.
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    assert main(["reproduce", "sentiment", "--quick", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "pip install skdistill[sentiment]" in err
    assert "Traceback" not in err
    assert not list(tmp_path.glob("*.csv"))


def test_missing_matplotlib_is_a_clear_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["reproduce", "synthetic", "--quick", "--out", str(tmp_path)]) == 2
    assert "pip install skdistill[examples]" in capsys.readouterr().err


def test_table_puts_the_paper_beside_ours():
    row = _common.Row("Synthetic", "with teacher", "33", ("Synthetic", "with teacher"))
    row.add({"ce": 0.5, "acc": 0.8})
    row.add({"ce": 0.7, "acc": 0.9})
    teacher = _common.Row("Synthetic", "teacher (true S)", "—")
    teacher.add({"ce": 0.25, "acc": 1.0})
    header, rule, ours, theirs = _common.format_table([row, teacher]).splitlines()
    assert header.index("|") == ours.index("|") == theirs.index("|")
    assert "0.600 ± 0.141" in ours and "0.452 ± 0.001" in ours
    assert "0.250" in theirs and "±" not in theirs.split("|")[0] and theirs.rstrip().endswith("—")


def test_cached_arrays_compute_once(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"a": np.arange(3)}

    path = tmp_path / "sub" / "x.npz"
    first = _common.cached_arrays(path, compute, log=lambda line: None)
    second = _common.cached_arrays(path, compute, log=lambda line: None)
    assert len(calls) == 1
    np.testing.assert_array_equal(first["a"], second["a"])
    assert _common.cache_key("a", np.ones(2)) != _common.cache_key("a", np.zeros(2))


def test_closeness_of_true_probabilities_is_zero():
    S = np.array([[0.2, 0.3, 0.5], [0.9, 0.05, 0.05]])
    assert synthetic.closeness(S, S) == {"kl": 0.0, "abs": 0.0}
    assert synthetic.closeness(S, S[::-1])["kl"] > 0


def test_tweet_tokens_and_teacher_shapes():
    torch = pytest.importorskip("torch")
    texts = ["name i love it !", "i hate number mondays", "love love it"]
    vocabulary = _rnn.build_vocabulary(texts, max_size=10)
    assert vocabulary["love"] == 2 and "mondays" not in vocabulary  # seen once
    ids = _rnn.encode(texts, vocabulary, max_length=4)
    assert ids.shape == (3, 4) and ids[1, 0] == vocabulary["i"] and ids[2, 3] == _rnn.PAD
    net = _rnn.build_bigru(len(vocabulary) + 2, embedding_dim=8, hidden_size=4)
    logits = _rnn.predict_logits(net, ids)
    assert logits.shape == (3, 2) and np.isfinite(logits).all()
    # The same seed gives the same network, and torch's global generator is untouched.
    state = torch.random.get_rng_state()
    again = _rnn.build_bigru(len(vocabulary) + 2, embedding_dim=8, hidden_size=4)
    assert torch.equal(torch.random.get_rng_state(), state)
    np.testing.assert_allclose(_rnn.predict_logits(again, ids), logits)


def test_sentiment_sample_must_leave_tweets_for_the_teacher():
    config = sentiment.Config(max_samples=99500)
    with pytest.raises(_common.UsageError, match="at most 99000"):
        sentiment.split_data(config, 100000)
    student, teacher = sentiment.split_data(sentiment.Config(max_samples=100), 2000)
    assert len(student) == 100 and len(teacher) == 1900 and not set(student) & set(teacher)

"""Tests of ``python -m skdistill reproduce``: the CLI end to end on tiny configurations."""

import csv
import gzip
import math
import struct
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from skdistill.__main__ import build_parser, main  # noqa: E402
from skdistill.reproduce import _common, _rnn, fashion_mnist, lopez_paz, sentiment, synthetic  # noqa: E402


def _read_table(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["model"]: row for row in csv.DictReader(handle)}


def _flat(text):
    """``text`` with every run of whitespace as one space: the notes are wrapped."""
    return " ".join(text.split())


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
    text = _flat(printed)
    for phrase in (
        "Rows: teacher (true S) = the true probabilities S = softmax(XW) scored on the test labels",
        "without teacher = linear softmax student on the labels only",
        "(λ=0.75, T=10, loss='distill')",
        "Columns: CrossEntropy and Accuracy on the 100 test objects, mean ± sample std over 2 runs, "
        "each on a new draw of X, W and y",
        "Expected differences from the paper:",
        "- CE without teacher (0.225 in the paper): the true S themselves score",
        "our ± is the spread over draws, the paper's that of restarts",
        "- CE with teacher (0.452 in the paper",
        'Details: docs/results.md, section "Synthetic data"',
    ):
        assert phrase in text, phrase
    table = _check_outputs(
        tmp_path,
        "synthetic_table",
        [
            "synthetic_probabilities.png",
            "synthetic_class_distribution.png",
            "synthetic_kl_grid.png",
        ],
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
    assert "protocol 'short': 1000 train / 300 test images" in printed
    budget = "Budget: teacher 1 epochs at batch 128, students 2 at batch 256; the authors' code: 20 and 100"
    assert budget + " at batch 64 (--protocol paper)." in _flat(printed)
    table = _check_outputs(
        tmp_path, "fashion_mnist_table", ["fashion_mnist_loss_curves.png"], n_classes=10
    )
    assert table["without teacher"]["student_size"] == "7850"
    assert list((tmp_path / "cache").glob("fashion_mnist_teacher_*.npz")), (
        "teacher answers are cached"
    )
    curves = (tmp_path / "fashion_mnist_curves.csv").read_text().splitlines()
    assert curves[0] == "model,run,epoch,train_ce,test_ce,train_acc,test_acc"
    assert len(curves) == 1 + 2 * 2 * 2  # two students, two runs, two epochs
    # A second invocation reads the teacher's answers from the cache.
    assert main(argv) == 0
    assert "(cached:" in capsys.readouterr().out


def _write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))


@pytest.fixture
def tiny_fashion_mnist(tmp_path, monkeypatch):
    """Four IDX files of --quick's size where the loader looks first, so no real data are needed.

    Class k lights up rows 2k to 2k+2 of the image on top of noise, so that a
    linear student learns something within a few epochs.
    """
    from skdistill.datasets._fashion_mnist import _FILES

    rng = np.random.default_rng(0)
    folder = tmp_path / "data"
    folder.mkdir()
    for split, n in (("train", 1000), ("test", 300)):
        y = rng.integers(0, 10, n)
        X = rng.integers(0, 120, (n, 28, 28))
        for k in range(10):
            X[y == k, 2 * k + 2 : 2 * k + 5, :] += 130
        _write_idx(folder / _FILES[f"X_{split}"], X)
        _write_idx(folder / _FILES[f"y_{split}"], y)
    monkeypatch.setenv("SKDISTILL_DATA", str(folder))
    return folder


def _mean_test_ce(path):
    with open(path, newline="", encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    means = {}
    for model in ("without teacher", "with teacher"):
        epochs = sorted({int(line["epoch"]) for line in lines if line["model"] == model})
        means[model] = [
            np.mean(
                [float(x["test_ce"]) for x in lines if x["model"] == model and int(x["epoch"]) == e]
            )
            for e in epochs
        ]
    return lines, means


def test_fashion_mnist_paper_protocol_records_every_epoch(tiny_fashion_mnist, tmp_path, capsys):
    out = tmp_path / "out"
    argv = [
        "reproduce",
        "fashion-mnist",
        "--quick",
        "--protocol",
        "paper",
        "--runs",
        "2",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    text = _flat(printed)
    config = fashion_mnist.QUICK["paper"]
    assert (config.teacher_epochs, config.student_epochs, config.student_batch_size) == (1, 6, 64)
    for phrase in (
        "protocol 'paper': 1000 train / 300 test images",
        "Rows: teacher (CNN) = the CNN after 1 epochs, one model (no ±)",
        "with teacher = the same student also fitted to the CNN's answers (λ=0.25, T=2, loss='distill')",
        "Columns: CrossEntropy and Accuracy on the test images after the last of 6 student epochs, "
        "mean ± sample std over 2 runs that differ only in the student's shuffling",
        "Expected differences from the paper:",
        "- Budget: teacher 1 epochs at batch 64, students 6 at batch 64; the authors' code: 20 and 100",
        "The authors' code also averages the soft term over the 10 classes and adds the paper's fourth line",
        "weight λ/T = 0.125, against 1-λ = 0.75 for the labels",
        "the paper's teacher lowers the CE by 0.008",
        'Details: docs/results.md, section "FashionMNIST"',
        "Per-epoch curves, mean of 2 runs (every run and epoch in fashion_mnist_paper_curves.csv)",
    ):
        assert phrase in text, phrase
    # The paper protocol writes files of its own, beside those of the short one.
    _check_outputs(
        out, "fashion_mnist_paper_table", ["fashion_mnist_paper_loss_curves.png"], n_classes=10
    )
    assert not (out / "fashion_mnist_table.csv").exists()
    lines, means = _mean_test_ce(out / "fashion_mnist_paper_curves.csv")
    assert len(lines) == 2 * 2 * 6
    assert {(x["model"], x["run"]) for x in lines} == {
        (m, r) for m in ("without teacher", "with teacher") for r in ("0", "1")
    }
    for line in lines:
        assert 0 < float(line["train_ce"]) and 0 <= float(line["test_acc"]) <= 1
    # The CSV reads back into the curves the figure is drawn from.
    curves = fashion_mnist.read_curves(out / "fashion_mnist_paper_curves.csv")
    assert [len(curves[model]) for model in means] == [2, 2]
    for model, curve in means.items():
        assert {len(run[metric]) for run in curves[model] for metric in fashion_mnist.METRICS} == {
            6
        }
        np.testing.assert_allclose(
            np.mean([run["test_ce"] for run in curves[model]], axis=0), curve
        )
    # The lowest mean test CE that is printed is the curves' own.
    for model, curve in means.items():
        best = int(np.argmin(curve)) + 1
        assert f"{model} at epoch {best}" in text or f"{best} ({model})" in text, (model, best)
        row = next(line for line in printed.splitlines() if line.strip().startswith(model + " "))
        assert f"{min(curve):.4f} ({best};" in row


def test_settings_of_ones_own_replace_the_protocols(tiny_fashion_mnist, tmp_path):
    from dataclasses import replace

    config = replace(fashion_mnist.QUICK["paper"], student_batch_size=256, student_epochs=3)
    lines = []
    fashion_mnist.run(
        runs=1, out=tmp_path / "out", log=lines.append, protocol="paper", config=config
    )
    assert "3 epochs of Adam (batch 256" in lines[0]
    curves = fashion_mnist.read_curves(tmp_path / "out" / "fashion_mnist_paper_curves.csv")
    assert [len(run["test_ce"]) for runs in curves.values() for run in runs] == [3, 3]


def test_paper_protocol_is_the_authors_code():
    # andriygav/PrivilegeLearning, code/src/fashion_mnist.py: Adam at its default step, batch 64.
    paper, short = fashion_mnist.PROTOCOLS["paper"], fashion_mnist.PROTOCOLS["short"]
    assert (paper.teacher_epochs, paper.teacher_batch_size, paper.teacher_learning_rate) == (
        20,
        64,
        1e-3,
    )
    assert (paper.student_epochs, paper.student_batch_size, paper.student_learning_rate) == (
        100,
        64,
        1e-3,
    )
    assert (paper.teacher_weight, paper.temperature, paper.n_train, paper.n_test) == (
        0.25,
        2.0,
        None,
        None,
    )
    assert (short.teacher_epochs, short.student_epochs) == (5, 20)
    assert fashion_mnist.configuration() == short
    assert build_parser().parse_args(["reproduce", "fashion-mnist"]).protocol == "short"


def test_protocol_other_than_short_needs_fashion_mnist(tmp_path, capsys):
    assert (
        main(["reproduce", "synthetic", "--protocol", "paper", "--out", str(tmp_path / "x")]) == 2
    )
    assert (
        "--protocol paper applies to fashion-mnist (or all), not synthetic"
        in capsys.readouterr().err
    )
    assert not (tmp_path / "x").exists()
    with pytest.raises(_common.UsageError, match="unknown FashionMNIST protocol"):
        fashion_mnist.configuration("long")


def test_curve_summary_finds_where_the_test_loss_turns():
    def run(turn):
        test = np.r_[np.linspace(1.0, 0.5, turn), 0.5 + 0.01 * np.arange(1, 10 - turn + 1)]
        return {
            "train_ce": np.linspace(1, 0.3, 10),
            "test_ce": test,
            "train_acc": np.zeros(10),
            "test_acc": np.linspace(0.5, 0.8, 10),
        }

    summary = fashion_mnist.summarise_curves({"a": [run(3), run(5)]})["a"]
    assert summary["run_best_epochs"] == [3, 5] and summary["epochs"] == 10
    mean = np.mean([run(3)["test_ce"], run(5)["test_ce"]], axis=0)
    assert summary["best_epoch"] == np.argmin(mean) + 1
    assert summary["last_ce"] == pytest.approx(mean[-1]) and summary["best_acc_epoch"] == 10
    text = fashion_mnist.format_curve_summary({"a": summary}, 2, "c.csv")
    assert "a" in text.splitlines()[2] and f"({summary['best_epoch']}; 3–5)" in text


def test_notes_name_rows_columns_differences_and_the_section():
    text = _common.format_notes("r " * 80, "c", ["first reason", "second " * 30], "A section")
    lines = text.splitlines()
    assert lines[0].startswith("Rows: r r") and all(len(line) <= 100 for line in lines)
    assert lines[1].startswith("  r") and "Columns: c" in lines
    assert "Expected differences from the paper:" in lines and "- first reason" in lines
    assert (
        lines[-1] == 'Details: docs/results.md, section "A section", in the skdistill repository.'
    )


def test_notes_point_at_sections_that_exist():
    from pathlib import Path

    results = Path(__file__).resolve().parents[1] / "docs" / "results.md"
    if not results.is_file():
        pytest.skip("docs/results.md is not part of this installation")
    lines = results.read_text(encoding="utf-8").splitlines()
    headings = {line[3:].strip() for line in lines if line.startswith("## ")}
    for module in (synthetic, fashion_mnist, sentiment, lopez_paz):
        assert module.RESULTS_SECTION in headings, module.__name__


def test_sentiment_notes_say_what_stands_in_for_the_paper():
    text = _flat(sentiment.explain(sentiment.QUICK, 3, 600, 3000))
    for phrase in (
        "Rows: teacher (Bi-GRU) = a bidirectional GRU on word tokens, trained on 3000 tweets",
        "(λ=0.5, T=2, loss='distill')",
        "mean ± sample std over 3 random 80% / 20% splits of 600 tweets",
        "the Sentiment140 100k tweets instead of the paper's 1.18M / 0.35M",
        "The paper does not give λ and T for this data set",
        'Details: docs/results.md, section "Twitter sentiment"',
    ):
        assert phrase in text, phrase


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


def _lopez_paz_draw(generator, n=4000, seed=0):
    rng = np.random.default_rng(seed)
    problem = lopez_paz.draw_problem(rng, lopez_paz.Config())
    return problem, generator(rng, n, problem)


def test_lopez_paz_quick_end_to_end(tmp_path, capsys):
    assert main(["reproduce", "lopez-paz", "--quick", "--runs", "2", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    # The published accuracies beside ours, each repetition's wall time, a grid per experiment and loss.
    for line in (
        "96 ± 0 / 88 ± 1 / 95 ± 1",
        "90 ± 1 / 68 ± 1 / 70 ± 1",
        "98 ± 0 / 89 ± 1 / 97 ± 1",
    ):
        assert line in printed
    assert printed.count("96 ± 2 / 55 ± 3 / 56 ± 4") == 3  # experiment 4 and its two other readings
    assert printed.count("wall time") == 3  # two repetitions and the total
    text = _flat(printed)
    for phrase in (
        "Rows: one per experiment of Lopez-Paz et al. (2016), section 4",
        "Columns: test accuracy (%) on 500 rows, mean ± sample std over 2 repetitions",
        "Distilled = the student fitted to the teacher's answers (λ=1, T=1, loss='generalized')",
        "- Fit: every model at its optimum with the penalty C=1",
        "The published ± is numpy.std (ddof=0)",
        'Details: docs/results.md, section "Lopez-Paz et al. (2016): four synthetic experiments"',
    ):
        assert phrase in text, phrase
    for loss in lopez_paz.LOSSES:
        assert printed.count(f'loss="{loss}": test accuracy (%), mean over 2 repetitions') == 4

    with open(tmp_path / "lopez_paz_table.csv", newline="", encoding="utf-8") as handle:
        table = {(row["experiment"], row["model"]): row for row in csv.DictReader(handle)}
    assert set(table) == {
        (key, model) for key in lopez_paz.GENERATORS for model in lopez_paz.MODELS
    }
    assert {row["runs"] for row in table.values()} == {"2"}
    # Parameters: a linear teacher on 1, 50 or 3 privileged features, students on the 50 regular ones.
    assert table["clean-labels", "privileged"]["size"] == "2"
    assert table["clean-features", "privileged"]["size"] == "51"
    assert table["relevant-features", "privileged"]["size"] == "4"
    assert {table[key, "regular"]["size"] for key in lopez_paz.GENERATORS} == {"51"}
    assert float(table["sample-dependent", "distilled"]["paper_acc_mean"]) == 0.56
    acc = {cell: float(row["acc_mean"]) for cell, row in table.items()}
    for key in [*lopez_paz.GRID_EXPERIMENTS, "sample-dependent-script"]:
        assert acc[key, "privileged"] > acc[key, "regular"] + 0.05, key
    for key in (
        "clean-labels",
        "relevant-features",
    ):  # the teacher helps where x* explains the label
        assert acc[key, "distilled"] > acc[key, "regular"] + 0.04, key
    assert acc["sample-dependent-text", "privileged"] < 0.7  # the text's rule is not linear in x*
    assert (
        (tmp_path / "lopez_paz_table.md").read_text(encoding="utf-8").startswith("| Experiment |")
    )

    with open(tmp_path / "lopez_paz_grid.csv", newline="", encoding="utf-8") as handle:
        grid = {
            (
                row["experiment"],
                row["loss"],
                float(row["teacher_weight"]),
                float(row["temperature"]),
            ): row
            for row in csv.DictReader(handle)
        }
    assert len(grid) == len(lopez_paz.GRID_EXPERIMENTS) * len(lopez_paz.LOSSES) * 2 * 2
    for key in lopez_paz.GRID_EXPERIMENTS:
        for loss in lopez_paz.LOSSES:
            # λ = 0 is the regular student and λ = T = 1 the table's distilled one, on the same draws.
            for temperature in (1.0, 5.0):
                regular = float(grid[key, loss, 0.0, temperature]["acc_mean"])
                assert regular == pytest.approx(acc[key, "regular"])
            assert float(grid[key, loss, 1.0, 1.0]["acc_mean"]) == pytest.approx(
                acc[key, "distilled"]
            )
    # At λ = 1 the "hinton" student is the "generalized" one with logits scaled by T: same accuracy.
    for key in lopez_paz.GRID_EXPERIMENTS:
        hinton = float(grid[key, "hinton", 1.0, 5.0]["acc_mean"])
        assert hinton == pytest.approx(
            float(grid[key, "generalized", 1.0, 5.0]["acc_mean"]), abs=0.005
        )
    assert "| λ \\ T | 1 | 5 |" in (tmp_path / "lopez_paz_grid.md").read_text(encoding="utf-8")


def test_lopez_paz_clean_labels_are_the_noisy_sign_of_the_privileged_score():
    problem, (X_star, X, y) = _lopez_paz_draw(lopez_paz.clean_labels)
    assert X_star.shape == (4000, 1) and X.shape == (4000, 50)
    np.testing.assert_allclose(X_star[:, 0], X @ problem.alpha)
    flipped = y != (X_star[:, 0] > 0)
    assert 0.01 < flipped.mean() < 0.1  # unit noise against a score of spread |alpha| ~ 7
    assert not flipped[np.abs(X_star[:, 0]) > 5].any()  # far from the boundary the label is clean


def test_lopez_paz_clean_features_add_unit_noise_for_the_student():
    problem, (X_star, X, y) = _lopez_paz_draw(lopez_paz.clean_features)
    np.testing.assert_array_equal(y, X_star @ problem.alpha > 0)
    noise = X - X_star
    assert abs(noise.std() - 1) < 0.01 and abs(noise.mean()) < 0.01
    assert abs(np.corrcoef(noise.ravel(), X_star.ravel())[0, 1]) < 0.01


def test_lopez_paz_relevant_features_label_depends_on_them_only():
    problem, (X_star, X, y) = _lopez_paz_draw(lopez_paz.relevant_features)
    J = problem.relevant
    assert len(J) == 3 and len(set(J)) == 3
    np.testing.assert_array_equal(X_star, X[:, J])
    np.testing.assert_array_equal(y, X[:, J] @ problem.alpha[J] > 0)
    # The other 47 columns can be anything: the labels of rows that agree on x_J agree.
    other = np.setdiff1d(np.arange(50), J)
    shuffled = X.copy()
    shuffled[:, other] = np.random.default_rng(1).standard_normal((len(X), len(other)))
    np.testing.assert_array_equal(y, shuffled[:, J] @ problem.alpha[J] > 0)
    # The same J serves the training and the test rows of a repetition.
    rng = np.random.default_rng(0)
    problem = lopez_paz.draw_problem(rng, lopez_paz.Config())
    for n in (200, 300):
        X_star, X, _ = lopez_paz.relevant_features(rng, n, problem)
        np.testing.assert_array_equal(X_star, X[:, problem.relevant])


def test_lopez_paz_sample_dependent_features_are_the_largest_of_each_row():
    problem, (X_star, X, y) = _lopez_paz_draw(lopez_paz.sample_dependent)
    np.testing.assert_array_equal(X_star[:, 0], X.max(axis=1))
    assert (np.diff(X_star, axis=1) <= 0).all()  # decreasing
    np.testing.assert_array_equal(X_star, np.sort(X, axis=1)[:, -1:-4:-1])
    where = np.argsort(-X, axis=1)[:, :3]
    assert len({tuple(sorted(row)) for row in where}) > 3000  # J_i differs from row to row
    score = X_star @ problem.alpha[:3]
    np.testing.assert_array_equal(y, score > np.median(score))
    assert y.sum() == 2000  # the median splits the rows in half


def test_lopez_paz_script_reading_draws_one_set_per_call():
    rng = np.random.default_rng(0)
    problem = lopez_paz.draw_problem(rng, lopez_paz.Config())
    sets = []
    for n in (200, 1000):
        X_star, X, y = lopez_paz.sample_dependent_script(rng, n, problem)
        columns = [int(np.flatnonzero((X == X_star[:, [k]]).all(axis=0))[0]) for k in range(3)]
        np.testing.assert_array_equal(X_star, X[:, columns])
        score = X_star @ problem.alpha[:3]
        np.testing.assert_array_equal(y, score > np.median(score))
        sets.append(columns)
    assert (
        sets[0] != sets[1]
    )  # the training and the test rows of a repetition use different columns


def test_lopez_paz_text_reading_draws_one_set_per_row():
    problem, (X_star, X, y) = _lopez_paz_draw(lopez_paz.sample_dependent_text, n=500)
    # Continuous values: each privileged value is found in exactly one column of its row.
    hits = X[:, None, :] == X_star[:, :, None]
    assert (hits.sum(axis=2) == 1).all()
    subsets = hits.argmax(axis=2)
    assert (np.diff(subsets, axis=1) > 0).all()  # in index order
    assert len({tuple(row) for row in subsets}) > 400
    np.testing.assert_array_equal(y, (X_star * problem.alpha[subsets]).sum(axis=1) > 0)


def test_lopez_paz_draw_standardises_with_the_training_rows():
    config = lopez_paz.QUICK
    train, test = lopez_paz.draw("clean-labels", config, repetition=3)
    for part in train[:2]:
        np.testing.assert_allclose(part.mean(axis=0), 0, atol=1e-12)
        np.testing.assert_allclose(part.std(axis=0), 1)
    assert train[1].shape == (200, 50) and test[1].shape == (500, 50)
    again = lopez_paz.draw("clean-labels", config, repetition=3)
    np.testing.assert_array_equal(again[1][1], test[1])
    other = lopez_paz.draw("clean-features", config, repetition=3)
    assert not np.array_equal(other[0][2], train[2])


def test_lopez_paz_grid_fits_each_objective_once():
    key = lopez_paz.fit_key
    assert key("distill", 0.5, 1.0) == key("hinton", 0.5, 1.0) == key("generalized", 0.5, 1.0)
    assert key("distill", 0.0, 5.0) == key("hinton", 0.0, 20.0) == key("generalized", 0.0, 1.0)
    assert len({key(loss, 0.5, 5.0) for loss in lopez_paz.LOSSES}) == 3


def test_lopez_paz_table_has_one_line_per_experiment():
    rows = []
    for title, _ in lopez_paz.PUBLISHED.values():
        for model, values in zip(lopez_paz.MODELS, ([0.9, 0.92], [0.6, 0.7], [0.7, 0.7])):
            row = _common.Row(title, model, "51")
            for value in values:
                row.add({"ce": 0.5, "acc": value})
            rows.append(row)
    header, rule, *lines = lopez_paz.format_table(rows).splitlines()
    assert len(lines) == len(lopez_paz.PUBLISHED) and set(rule) == {"-"}
    assert {line.index("|") for line in [header, *lines]} == {header.index("|")}
    assert lines[0].startswith("1. clean labels") and lines[-1].startswith("4b. sample-dependent")
    cells = lopez_paz.table_cells(rows)[1]
    assert cells[1:5] == ["91.0 ± 1.4", "65.0 ± 7.1", "70.0 ± 0.0", "+5.0 ± 7.1"]
    assert cells[5] == "96 ± 0 / 88 ± 1 / 95 ± 1"


def test_version_flag(capsys):
    import skdistill

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"skdistill {skdistill.__version__}"

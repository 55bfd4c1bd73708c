"""Tests of ``python -m skdistill reproduce``: the CLI end to end on tiny configurations."""

import csv
import math
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from skdistill.__main__ import main  # noqa: E402
from skdistill.reproduce import _common, _rnn, lopez_paz, sentiment, synthetic  # noqa: E402


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


def _lopez_paz_draw(generator, n=4000, seed=0):
    rng = np.random.default_rng(seed)
    problem = lopez_paz.draw_problem(rng, lopez_paz.Config())
    return problem, generator(rng, n, problem)


def test_lopez_paz_quick_end_to_end(tmp_path, capsys):
    assert main(["reproduce", "lopez-paz", "--quick", "--runs", "2", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    # The published accuracies beside ours, each repetition's wall time, a grid per experiment and loss.
    for line in ("96 ± 0 / 88 ± 1 / 95 ± 1", "90 ± 1 / 68 ± 1 / 70 ± 1", "98 ± 0 / 89 ± 1 / 97 ± 1"):
        assert line in printed
    assert printed.count("96 ± 2 / 55 ± 3 / 56 ± 4") == 3  # experiment 4 and its two other readings
    assert printed.count("wall time") == 3  # two repetitions and the total
    for loss in lopez_paz.LOSSES:
        assert printed.count(f'loss="{loss}": test accuracy (%), mean over 2 repetitions') == 4

    with open(tmp_path / "lopez_paz_table.csv", newline="", encoding="utf-8") as handle:
        table = {(row["experiment"], row["model"]): row for row in csv.DictReader(handle)}
    assert set(table) == {(key, model) for key in lopez_paz.GENERATORS for model in lopez_paz.MODELS}
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
    for key in ("clean-labels", "relevant-features"):  # the teacher helps where x* explains the label
        assert acc[key, "distilled"] > acc[key, "regular"] + 0.04, key
    assert acc["sample-dependent-text", "privileged"] < 0.7  # the text's rule is not linear in x*
    assert (tmp_path / "lopez_paz_table.md").read_text(encoding="utf-8").startswith("| Experiment |")

    with open(tmp_path / "lopez_paz_grid.csv", newline="", encoding="utf-8") as handle:
        grid = {
            (row["experiment"], row["loss"], float(row["teacher_weight"]), float(row["temperature"])): row
            for row in csv.DictReader(handle)
        }
    assert len(grid) == len(lopez_paz.GRID_EXPERIMENTS) * len(lopez_paz.LOSSES) * 2 * 2
    for key in lopez_paz.GRID_EXPERIMENTS:
        for loss in lopez_paz.LOSSES:
            # λ = 0 is the regular student and λ = T = 1 the table's distilled one, on the same draws.
            for temperature in (1.0, 5.0):
                regular = float(grid[key, loss, 0.0, temperature]["acc_mean"])
                assert regular == pytest.approx(acc[key, "regular"])
            assert float(grid[key, loss, 1.0, 1.0]["acc_mean"]) == pytest.approx(acc[key, "distilled"])
    # At λ = 1 the "hinton" student is the "generalized" one with logits scaled by T: same accuracy.
    for key in lopez_paz.GRID_EXPERIMENTS:
        hinton = float(grid[key, "hinton", 1.0, 5.0]["acc_mean"])
        assert hinton == pytest.approx(float(grid[key, "generalized", 1.0, 5.0]["acc_mean"]), abs=0.005)
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
    assert sets[0] != sets[1]  # the training and the test rows of a repetition use different columns


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
    for key, (title, _) in lopez_paz.PUBLISHED.items():
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

"""Tests of skdistill.plotting: render to PNG and check what was drawn."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import QuadMesh  # noqa: E402

from skdistill.plotting import (  # noqa: E402
    plot_class_distribution,
    plot_class_probabilities,
    plot_loss_curve,
    plot_search_surface,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _save(fig, tmp_path, name):
    path = tmp_path / f"{name}.png"
    fig.savefig(path)
    assert path.stat().st_size > 1000
    return path


def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class _FittedDummy:
    """Stands in for a fitted estimator with training curves."""

    def __init__(self, loss, validation=None):
        self.loss_curve_ = loss
        self.validation_scores_ = validation


# --------------------------------------------------------------------------- #
# plot_loss_curve
# --------------------------------------------------------------------------- #


def test_loss_curve_mapping_train_test_pairs(tmp_path):
    rng = np.random.default_rng(0)
    curves = {
        "train, without teacher": list(np.linspace(1.0, 0.3, 40)),
        "test, without teacher": list(np.linspace(1.0, 0.5, 40) + 0.01 * rng.random(40)),
        "train, with teacher": list(np.linspace(1.1, 0.35, 40)),
        "test, with teacher": list(np.linspace(1.1, 0.45, 40)),
        "baseline": [0.6] * 40,
    }
    ax = plot_loss_curve(curves, title="cross-entropy per epoch")
    _save(ax.figure, tmp_path, "loss_mapping")

    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == list(curves)
    for line, values in zip(lines, curves.values()):
        np.testing.assert_array_equal(line.get_ydata(), values)
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 41))
    by_label = {line.get_label(): line for line in lines}
    # Same model -> same colour; split -> line style.
    for model in ("without teacher", "with teacher"):
        train, test = by_label[f"train, {model}"], by_label[f"test, {model}"]
        assert train.get_color() == test.get_color()
        assert train.get_linestyle() == "-"
        assert test.get_linestyle() == "--"
    colors = {
        by_label[k].get_color()
        for k in ("train, without teacher", "train, with teacher", "baseline")
    }
    assert len(colors) == 3
    assert ax.get_xlabel() == "iteration"
    assert ax.get_ylabel() == "loss"
    assert ax.get_title() == "cross-entropy per epoch"
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == list(curves)
    assert len(ax.figure.axes) == 1  # no twin axis without validation scores


def test_loss_curve_estimator_with_validation(tmp_path):
    loss = [0.9, 0.7, 0.6, 0.55, 0.52]
    val = [0.6, 0.7, 0.75, 0.76, 0.76]
    ax = plot_loss_curve(_FittedDummy(loss, val), logy=True, xlabel="epoch")
    _save(ax.figure, tmp_path, "loss_estimator")

    fig = ax.figure
    assert len(fig.axes) == 2
    twin = next(a for a in fig.axes if a is not ax)
    assert twin in ax.get_shared_x_axes().get_siblings(ax)
    assert twin.get_ylabel() == "validation score"
    assert ax.get_xlabel() == "epoch"
    assert ax.get_yscale() == "log"
    (loss_line,) = ax.get_lines()
    (val_line,) = twin.get_lines()
    np.testing.assert_array_equal(loss_line.get_ydata(), loss)
    np.testing.assert_array_equal(val_line.get_ydata(), val)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["training loss", "validation score"]


def test_loss_curve_estimator_without_validation_and_mapping_of_estimators():
    ax = plot_loss_curve(_FittedDummy([3.0, 2.0, 1.0], None))
    assert len(ax.figure.axes) == 1
    assert len(ax.get_lines()) == 1

    ax = plot_loss_curve({"student": _FittedDummy([3.0, 2.0], [0.5, 0.6]), "other": [2.0, 1.0]})
    twin = next(a for a in ax.figure.axes if a is not ax)
    assert [line.get_label() for line in ax.get_lines()] == ["student", "other"]
    (val_line,) = twin.get_lines()
    assert val_line.get_label() == "student (validation score)"
    assert val_line.get_color() == ax.get_lines()[0].get_color()


def test_loss_curve_non_finite_values_leave_gaps():
    ax = plot_loss_curve({"loss": [1.0, np.inf, 0.5, np.nan]})
    y = ax.get_lines()[0].get_ydata()
    np.testing.assert_array_equal(y, [1.0, np.nan, 0.5, np.nan])


def test_loss_curve_uses_given_axes():
    fig, (left, right) = plt.subplots(1, 2)
    out = plot_loss_curve({"a": [1, 2]}, ax=right)
    assert out is right
    assert not left.get_lines()


@pytest.mark.parametrize(
    "curves, error, match",
    [
        ({}, ValueError, "curves is an empty mapping"),
        (object(), TypeError, "curves must be a fitted estimator"),
        ([1.0, 2.0], TypeError, "curves must be a fitted estimator"),
        ({"a": [np.nan, np.inf]}, ValueError, r"curves\['a'\] has no finite value"),
        ({"a": []}, ValueError, r"curves\['a'\] is empty"),
        ({"a": [[1.0, 2.0]]}, ValueError, r"curves\['a'\] must be one-dimensional"),
        ({"a": object()}, TypeError, r"curves\['a'\] must be a sequence"),
        (_FittedDummy(None), TypeError, "curves must be a fitted estimator"),
        (_FittedDummy([np.nan]), ValueError, r"curves.loss_curve_ has no finite"),
    ],
)
def test_loss_curve_bad_input(curves, error, match):
    with pytest.raises(error, match=match):
        plot_loss_curve(curves)


def test_loss_curve_logy_needs_positive_values():
    with pytest.raises(ValueError, match="curves: logy=True needs positive"):
        plot_loss_curve({"a": [1.0, 0.0]}, logy=True)


# --------------------------------------------------------------------------- #
# plot_class_probabilities
# --------------------------------------------------------------------------- #


@pytest.fixture
def probabilities():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 10))
    W = rng.normal(size=(10, 3))
    S = _softmax(X @ W)
    P0 = _softmax(X @ (W + 0.5 * rng.normal(size=W.shape)))
    P1 = _softmax(X @ (W + 0.1 * rng.normal(size=W.shape)))
    return {"true S": S, "student without teacher": P0, "student with teacher": P1}


def test_class_probabilities_heatmaps(tmp_path, probabilities):
    axes = plot_class_probabilities(probabilities, n_objects=40, class_names=["a", "b", "c"])
    fig = axes[0].figure
    _save(fig, tmp_path, "class_probabilities")

    assert isinstance(axes, np.ndarray) and axes.shape == (3,)
    assert [a.get_title() for a in axes] == list(probabilities)
    for a, P in zip(axes, probabilities.values()):
        (image,) = a.get_images()
        np.testing.assert_allclose(image.get_array(), P[:40].T)
        assert image.get_clim() == (0.0, 1.0)
        assert a.get_xlabel() == "object"
    assert axes[0].get_ylabel() == "class"
    assert [t.get_text() for t in axes[0].get_yticklabels()] == ["a", "b", "c"]
    # one shared colourbar: exactly one extra axes, labelled probability
    extra = [a for a in fig.axes if a not in list(axes)]
    assert len(extra) == 1
    assert extra[0].get_ylabel() == "probability"


def test_class_probabilities_sort_by(probabilities, tmp_path):
    axes = plot_class_probabilities(probabilities, n_objects=30, sort_by="true S")
    _save(axes[0].figure, tmp_path, "class_probabilities_sorted")
    S = probabilities["true S"][:30]
    shown = axes[0].get_images()[0].get_array().T
    classes = shown.argmax(axis=1)
    assert np.all(np.diff(classes) >= 0)  # grouped by argmax class
    for k in np.unique(classes):
        top = shown[classes == k].max(axis=1)
        assert np.all(np.diff(top) <= 0)  # decreasing confidence inside a class
    # the same permutation in every panel, and it is a permutation of the first 30
    order = [int(np.flatnonzero(np.all(np.isclose(S, row), axis=1))[0]) for row in shown]
    assert sorted(order) == list(range(30))
    P1 = probabilities["student with teacher"][:30]
    np.testing.assert_allclose(axes[2].get_images()[0].get_array().T, P1[order])
    assert "sorted by true S" in axes[0].get_xlabel()


def test_class_probabilities_given_axes_and_few_objects():
    fig, axes = plt.subplots(1, 2)
    P = np.array([[0.2, 0.8], [1.0, 0.0]])
    out = plot_class_probabilities({"x": P, "y": P[::-1]}, axes=axes, n_objects=None)
    assert list(out) == list(axes)
    np.testing.assert_array_equal(out[1].get_images()[0].get_array(), P[::-1].T)


@pytest.mark.parametrize(
    "probas, kwargs, match",
    [
        ({}, {}, "probabilities is an empty mapping"),
        (
            {"a": np.full((4, 2), 0.5), "b": np.full((5, 2), 0.5)},
            {},
            "probabilities: all arrays must share one shape",
        ),
        ({"a": np.array([[0.5, 0.6]])}, {}, r"probabilities\['a'\].*sum to 1"),
        ({"a": np.array([[1.5, -0.5]])}, {}, r"probabilities\['a'\] contains negative"),
        (
            {"a": np.array([0.5, 0.5])},
            {},
            r"probabilities\['a'\] must be a non-empty 2-D",
        ),
        (
            {"a": np.array([[np.nan, 1.0]])},
            {},
            r"probabilities\['a'\] contains non-finite",
        ),
        ({"a": np.full((3, 2), 0.5)}, {"sort_by": "b"}, "sort_by='b' is not a key"),
        ({"a": np.full((3, 2), 0.5)}, {"n_objects": 0}, "n_objects must be"),
        ({"a": np.full((3, 2), 0.5)}, {"class_names": ["x"]}, "class_names has 1"),
    ],
)
def test_class_probabilities_bad_input(probas, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_class_probabilities(probas, **kwargs)


def test_class_probabilities_not_a_mapping():
    with pytest.raises(TypeError, match="probabilities must be a mapping"):
        plot_class_probabilities(np.full((3, 2), 0.5))


# --------------------------------------------------------------------------- #
# plot_class_distribution
# --------------------------------------------------------------------------- #


def test_class_distribution_lines(tmp_path):
    weights = [0.25, 0.5, 0.75]
    temps = np.array([1.0, 2.0, 5.0, 10.0, 20.0])
    logits = np.array([2.0, 0.5, -1.0])
    # (λ, T, K): more uniform as T grows, λ mixes towards the teacher's answer
    mean = np.stack(
        [
            np.stack(
                [
                    (1 - w) * _softmax(logits[None] / t)[0]
                    + w * _softmax(logits[None] / (2 * t))[0]
                    for t in temps
                ]
            )
            for w in weights
        ]
    )
    ax = plot_class_distribution(mean, weights, temps, class_names=["neg", "neu", "pos"])
    _save(ax.figure, tmp_path, "class_distribution")

    lines = ax.get_lines()
    assert len(lines) == 3 * 3 + 1
    for k, name in enumerate(["neg", "neu", "pos"]):
        for j, w in enumerate(weights):
            line = lines[k * 3 + j]
            assert line.get_label() == f"{name}, λ={w:g}"
            np.testing.assert_array_equal(line.get_xdata(), temps)
            np.testing.assert_array_equal(line.get_ydata(), mean[j, :, k])
            assert line.get_color() == lines[k * 3].get_color()
        assert len({lines[k * 3 + j].get_linestyle() for j in range(3)}) == 3
    np.testing.assert_allclose(lines[-1].get_ydata(), [1 / 3, 1 / 3])
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "temperature T"
    assert ax.get_ylabel() == "mean predicted probability"
    legend_texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend_texts[:3] == ["neg", "neu", "pos"]
    assert "λ = 0.5" in legend_texts


def test_class_distribution_sorts_temperatures():
    mean = np.array([[[0.9, 0.1], [0.6, 0.4]]])  # T = 10, then T = 1
    ax = plot_class_distribution(mean, [0.5], [10, 1])
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [1, 10])
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), [0.6, 0.9])


@pytest.mark.parametrize(
    "mean, weights, temps, match",
    [
        (
            np.full((2, 3), 0.5),
            [0.1, 0.2],
            [1, 2, 3],
            "mean_probabilities must have shape",
        ),
        (
            np.full((2, 3, 2), 0.5),
            [0.1],
            [1, 2, 3],
            "mean_probabilities must have shape",
        ),
        (
            np.full((2, 3, 2), 0.5),
            [0.1, 0.2],
            [1, 2],
            "mean_probabilities must have shape",
        ),
        (np.full((1, 1, 2), 0.7), [0.1], [1], "mean_probabilities: the probabilities"),
        (np.full((1, 1, 2), 0.5), [], [1], "teacher_weights must be"),
        (np.full((1, 1, 2), 0.5), [0.1], [[1]], "temperatures must be"),
        (np.full((1, 1, 2), 0.5), [0.1], [0], "temperatures must be positive"),
    ],
)
def test_class_distribution_bad_input(mean, weights, temps, match):
    with pytest.raises(ValueError, match=match):
        plot_class_distribution(mean, weights, temps)


# --------------------------------------------------------------------------- #
# plot_search_surface
# --------------------------------------------------------------------------- #

C_GRID = [0.01, 0.1, 1.0, 100.0]
TOL_GRID = [1e-4, 1e-2, 1.0]


@pytest.fixture(scope="module")
def cv_results():
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV

    X, y = make_classification(
        n_samples=90,
        n_features=4,
        n_informative=3,
        n_redundant=0,
        n_classes=3,
        random_state=0,
    )
    search = GridSearchCV(
        LogisticRegression(max_iter=100),
        {"C": C_GRID, "tol": TOL_GRID, "fit_intercept": [True, False]},
        cv=2,
    )
    search.fit(X, y)
    return search.cv_results_


def _expected_grid(results, x="C", y="tol", xs=C_GRID, ys=TOL_GRID):
    grid = np.full((len(ys), len(xs)), -np.inf)
    for xv, yv, s in zip(results[f"param_{x}"], results[f"param_{y}"], results["mean_test_score"]):
        i, j = ys.index(yv), xs.index(xv)
        grid[i, j] = max(grid[i, j], s)
    return grid


def test_search_surface_from_grid_search(tmp_path, cv_results):
    assert np.ma.isMaskedArray(cv_results["param_C"])
    ax = plot_search_surface(cv_results, x="C", y="tol")
    _save(ax.figure, tmp_path, "search_surface")

    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    expected = _expected_grid(cv_results)
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(expected.shape), expected)
    assert ax.get_xlabel() == "C" and ax.get_ylabel() == "tol"
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"  # auto
    np.testing.assert_allclose(ax.get_xticks(), C_GRID)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.01", "0.1", "1", "100"]

    # best cell outlined around the (C, tol) with the best score
    (best,) = [p for p in ax.patches if p.get_gid() == "best-cell"]
    i, j = np.unravel_index(np.argmax(expected), expected.shape)
    x0, y0 = best.get_xy()
    assert x0 < C_GRID[j] < x0 + best.get_width()
    assert y0 < TOL_GRID[i] < y0 + best.get_height()
    assert f"best {expected.max():.4g}" in ax.get_title()

    # annotations: one text per cell, equal to the values
    texts = sorted((t.get_position(), t.get_text()) for t in ax.texts)
    assert len(texts) == expected.size
    assert {t for _, t in texts} == {f"{v:.3g}" for v in expected.ravel()}
    # colourbar present
    assert any(a.get_ylabel() == "mean_test_score" for a in ax.figure.axes if a is not ax)


def test_search_surface_pipeline_keys_and_linear_axes(cv_results):
    renamed = {
        (f"param_clf__{k[len('param_') :]}" if k.startswith("param_") else k): v
        for k, v in cv_results.items()
    }
    ax = plot_search_surface(renamed, x="C", y="fit_intercept", annotate=False, log_x=False)
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert np.asarray(mesh.get_array()).shape == (2, 4)
    assert ax.get_xscale() == "linear"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["True", "False"]
    assert not ax.texts
    # exact nested name works too
    ax = plot_search_surface(renamed, x="clf__C", y="clf__tol", log_y=False)
    assert ax.get_yscale() == "linear"


def test_search_surface_skips_masked_candidates():
    C = np.ma.MaskedArray([0.1, 1.0, 0.1, 1.0, None], mask=[0, 0, 0, 0, 1], dtype=object)
    T = np.ma.MaskedArray([1, 1, 2, 2, None], mask=[0, 0, 0, 0, 1], dtype=object)
    results = {
        "param_C": C,
        "param_temperature": T,
        "mean_test_score": np.array([0.5, 0.6, np.nan, 0.8, 0.99]),
    }
    ax = plot_search_surface(results, x="C", log_x=False)
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    grid = np.ma.masked_invalid(np.asarray(mesh.get_array()).reshape(2, 2))
    assert grid.mask.tolist() == [[False, False], [True, False]]
    np.testing.assert_allclose(grid.compressed(), [0.5, 0.6, 0.8])
    (best,) = [p for p in ax.patches if p.get_gid() == "best-cell"]
    x0, y0 = best.get_xy()
    assert x0 < 1.0 < x0 + best.get_width() and y0 < 2 < y0 + best.get_height()


def test_search_surface_errors(cv_results):
    with pytest.raises(ValueError, match=r"x='teacher_weight'.*param_C"):
        plot_search_surface(cv_results)
    with pytest.raises(ValueError, match="score='nope'.*mean_test_score"):
        plot_search_surface(cv_results, x="C", y="tol", score="nope")
    with pytest.raises(ValueError, match="x and y name the same"):
        plot_search_surface(cv_results, x="C", y="C")
    with pytest.raises(ValueError, match="log_y=True needs positive numeric"):
        plot_search_surface(cv_results, x="C", y="fit_intercept", log_y=True)
    ambiguous = {
        "param_a__C": cv_results["param_C"],
        "param_b__C": cv_results["param_C"],
        "param_tol": cv_results["param_tol"],
        "mean_test_score": cv_results["mean_test_score"],
    }
    with pytest.raises(ValueError, match="x='C' is ambiguous"):
        plot_search_surface(ambiguous, x="C", y="tol")
    with pytest.raises(TypeError, match="cv_results must be a dict"):
        plot_search_surface([1, 2, 3])

"""Plots of the paper's figures (Grabovoy & Strijov, 2021), in scikit-learn's style.

Every function draws on a matplotlib ``Axes`` given by the caller (``ax=`` or
``axes=``) or, when none is given, on a new figure, and returns what it drew on.
matplotlib is an optional dependency (``pip install skdistill[examples]``): it is
imported only when a function of this module is called.

Functions
---------
plot_loss_curve
    Training (and validation) curves per iteration, e.g. the train/test
    cross-entropy of a student with and without its teacher.
plot_class_probabilities
    Heatmaps of class probabilities per object, side by side, e.g. the true
    probabilities ``S`` against the students' answers.
plot_class_distribution
    How the mean class distribution recovered by the student depends on the
    teacher weight λ and the temperature T.
plot_search_surface
    A ``GridSearchCV.cv_results_`` score as a heatmap over two parameters.
"""

import numbers
import re
from collections.abc import Mapping

import numpy as np

__all__ = [
    "plot_loss_curve",
    "plot_class_probabilities",
    "plot_class_distribution",
    "plot_search_surface",
]

#: Tolerance on ``|sum_k p_k - 1|`` for a row of probabilities.
_PROBA_ATOL = 1e-6

_MATPLOTLIB_MISSING = "plotting requires matplotlib: pip install skdistill[examples]"


def _import_pyplot():
    """Import and return ``matplotlib.pyplot``, with a clear error when missing."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(_MATPLOTLIB_MISSING) from exc
    return plt


def _color_cycle(plt):
    """Colours of the current ``axes.prop_cycle`` (matplotlib's default if none)."""
    colors = plt.rcParams["axes.prop_cycle"].by_key().get("color")
    if not colors:
        colors = [f"C{i}" for i in range(10)]
    return list(colors)


def _format_value(value):
    """Short text for a parameter or score value (``0.001`` -> ``'0.001'``)."""
    if isinstance(value, (float, np.floating)):
        return f"{float(value):g}"
    return str(value)


# --------------------------------------------------------------------------- #
# plot_loss_curve
# --------------------------------------------------------------------------- #

# A label "train..." / "test..." / "validation..." followed by a separator (or
# nothing) and the name of the model it belongs to.
_SPLIT_LABEL = re.compile(
    r"^\s*(?P<split>train(?:ing)?|test(?:ing)?|val(?:id(?:ation)?)?)\b"
    r"[\s,.:;/|()\[\]_-]*(?P<model>.*?)\s*$",
    re.IGNORECASE,
)
_SPLIT_STYLE = {"train": "-", "test": "--", "val": ":"}


def _split_of_label(label):
    """Return ``(split, model)`` for a curve label, ``split`` None if unprefixed."""
    match = _SPLIT_LABEL.match(str(label))
    if match is None:
        return None, str(label)
    split = match.group("split").lower()
    split = "train" if split.startswith("train") else "test" if split.startswith("test") else "val"
    return split, match.group("model").lower()


def _as_curve(values, name):
    """Validate one curve: a non-empty 1-D float array with a finite value."""
    try:
        curve = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be a sequence of floats or a fitted estimator with a "
            f"loss_curve_ attribute; got {type(values).__name__}."
        ) from exc
    if curve.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got shape {curve.shape}.")
    if curve.size == 0:
        raise ValueError(f"{name} is empty.")
    if not np.isfinite(curve).any():
        raise ValueError(f"{name} has no finite value.")
    # matplotlib breaks a line at NaN but autoscales badly on inf.
    return np.where(np.isfinite(curve), curve, np.nan)


def _estimator_curves(estimator, name):
    """``(loss, validation or None)`` of a fitted estimator."""
    loss = getattr(estimator, "loss_curve_", None)
    if loss is None:
        raise TypeError(
            f"{name} must be a fitted estimator with a loss_curve_ attribute or a "
            f"mapping label -> sequence of floats; {type(estimator).__name__} has no "
            "loss_curve_ (is it fitted?)."
        )
    loss = _as_curve(loss, f"{name}.loss_curve_")
    validation = getattr(estimator, "validation_scores_", None)
    if validation is not None:
        validation = _as_curve(validation, f"{name}.validation_scores_")
    return loss, validation


def plot_loss_curve(
    curves,
    *,
    ax=None,
    xlabel="iteration",
    ylabel="loss",
    title=None,
    logy=False,
):
    """Plot loss curves per iteration.

    Draws the paper's figure of the train and test cross-entropy per epoch of a
    student with and without its teacher, or simply the ``loss_curve_`` of one
    fitted estimator.

    Parameters
    ----------
    curves : estimator or mapping
        One of

        - a fitted estimator with a ``loss_curve_`` attribute (one value per
          iteration). If it also has a ``validation_scores_`` attribute that is
          not None, those scores are drawn on a second y-axis on the right,
          labelled ``"validation score"``;
        - a mapping ``label -> sequence of floats``;
        - a mapping ``label -> fitted estimator``: its ``loss_curve_`` is drawn
          under ``label`` and its ``validation_scores_`` (if not None) on the
          right-hand axis as a dotted line of the same colour, labelled
          ``"<label> (validation score)"``.

        Iteration ``i`` (1-based) is drawn at ``x = i``. Non-finite values
        leave a gap in the line.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure is created when None.
    xlabel, ylabel : str, default="iteration", "loss"
        Axis labels.
    title : str, default=None
        Axes title; none when None.
    logy : bool, default=False
        Use a logarithmic y-axis for the losses (all finite values must then be
        positive).

    Returns
    -------
    ax : matplotlib Axes
        The axes with the losses. The validation axis, when drawn, is a twin
        of it sharing its x-axis (``ax.get_shared_x_axes().get_siblings(ax)``);
        the legend on ``ax`` lists the lines of both.

    Raises
    ------
    TypeError
        If ``curves`` is neither a mapping nor an object with ``loss_curve_``,
        or a value of the mapping is neither.
    ValueError
        If ``curves`` is an empty mapping, or a curve is empty, not 1-D or has no
        finite value.

    Notes
    -----
    Colour and line-style rule for a mapping: a label that starts with
    ``"train"``/``"training"``, ``"test"``/``"testing"`` or
    ``"val"``/``"valid"``/``"validation"`` (any case) followed by a separator
    such as ``","``, ``":"``, ``"-"`` or a space names a *split* and, in the
    rest of the label, a *model*. Labels naming the same model (compared
    case-insensitively) share one colour, and the split sets the line style:
    solid for train, dashed for test, dotted for validation. Every other label
    gets a colour of its own and a solid line. Colours follow matplotlib's
    ``axes.prop_cycle`` in order of first appearance.

    Examples
    --------
    >>> from skdistill.plotting import plot_loss_curve
    >>> ax = plot_loss_curve({                                   # doctest: +SKIP
    ...     "train, without teacher": [0.9, 0.6, 0.5],
    ...     "test, without teacher": [0.95, 0.7, 0.65],
    ...     "train, with teacher": [0.9, 0.65, 0.55],
    ...     "test, with teacher": [0.95, 0.7, 0.6],
    ... })
    """
    if isinstance(curves, Mapping):
        if len(curves) == 0:
            raise ValueError("curves is an empty mapping; give at least one curve.")
        entries = []
        for label, value in curves.items():
            name = f"curves[{label!r}]"
            if hasattr(value, "loss_curve_"):
                loss, validation = _estimator_curves(value, name)
            else:
                loss, validation = _as_curve(value, name), None
            entries.append((str(label), loss, validation))
        single = False
    elif hasattr(curves, "loss_curve_"):
        loss, validation = _estimator_curves(curves, "curves")
        entries = [("training loss", loss, validation)]
        single = True
    else:
        raise TypeError(
            "curves must be a fitted estimator with a loss_curve_ attribute or a "
            "mapping label -> sequence of floats (or label -> fitted estimator); "
            f"got {type(curves).__name__}. Wrap a bare sequence as "
            "{'loss': values}."
        )

    if logy:
        for label, loss, _ in entries:
            if np.nanmin(loss) <= 0:
                raise ValueError(
                    f"curves: logy=True needs positive losses; curve {label!r} has a value <= 0."
                )

    plt = _import_pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")

    colors = _color_cycle(plt)
    group_color = {}

    def color_of(group):
        if group not in group_color:
            group_color[group] = colors[len(group_color) % len(colors)]
        return group_color[group]

    twin = None
    handles = []
    for label, loss, validation in entries:
        split, model = _split_of_label(label)
        if single:
            color, style = color_of(("own", label)), "-"
        elif split is None:
            color, style = color_of(("own", label)), "-"
        else:
            color, style = color_of(("model", model)), _SPLIT_STYLE[split]
        x = np.arange(1, loss.size + 1)
        (line,) = ax.plot(x, loss, linestyle=style, color=color, label=label)
        handles.append(line)
        if validation is not None:
            if twin is None:
                twin = ax.twinx()
                twin.set_ylabel("validation score")
            val_label = "validation score" if single else f"{label} (validation score)"
            val_color = colors[1 % len(colors)] if single else color
            (vline,) = twin.plot(
                np.arange(1, validation.size + 1),
                validation,
                linestyle=":" if not single else "--",
                color=val_color,
                label=val_label,
            )
            handles.append(vline)

    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        from matplotlib.ticker import FuncFormatter, NullFormatter

        ax.set_yscale("log")
        # plain numbers (0.5, not 5 x 10^-1); label the minor ticks too when the
        # losses span less than a decade, else there would be no label at all
        plain = FuncFormatter(lambda value, _: f"{value:g}")
        ax.yaxis.set_major_formatter(plain)
        low = min(np.nanmin(loss) for _, loss, _ in entries)
        high = max(np.nanmax(loss) for _, loss, _ in entries)
        ax.yaxis.set_minor_formatter(plain if high / low < 10 else NullFormatter())
    if twin is not None:
        # keep the losses and their legend above the twin's lines
        ax.set_zorder(twin.get_zorder() + 1)
        ax.patch.set_visible(False)
    if title is not None:
        ax.set_title(title)
    ax.grid(True, alpha=0.3)
    labels = [h.get_label() for h in handles]
    if twin is not None:
        # "best" would only avoid the lines of ``ax``: put the legend below.
        ncol = 1 if max(map(len, labels)) > 30 else min(len(handles), 2)
        ax.legend(
            handles=handles,
            labels=labels,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.13),
            ncol=ncol,
            frameon=False,
        )
    elif len(handles) > 1 or not single:
        ax.legend(handles=handles, labels=labels, loc="best")
    return ax


# --------------------------------------------------------------------------- #
# probabilities
# --------------------------------------------------------------------------- #


def _check_probability_rows(array, name):
    """Raise ValueError unless ``array`` (..., n_classes) holds probability rows."""
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains non-finite values.")
    if np.any(array < 0):
        raise ValueError(f"{name} contains negative values; expected probabilities.")
    sums = array.sum(axis=-1, dtype=np.float64)
    worst = float(np.max(np.abs(sums - 1.0))) if sums.size else 0.0
    if worst > _PROBA_ATOL:
        raise ValueError(
            f"{name}: the probabilities of a row must sum to 1 (within "
            f"{_PROBA_ATOL:g}); the largest deviation is {worst:.3g}."
        )


def _check_class_names(class_names, n_classes):
    if class_names is None:
        return [str(k) for k in range(n_classes)]
    names = [str(c) for c in class_names]
    if len(names) != n_classes:
        raise ValueError(f"class_names has {len(names)} entries but there are {n_classes} classes.")
    return names


def plot_class_probabilities(
    probabilities,
    *,
    n_objects=50,
    sort_by=None,
    axes=None,
    cmap="viridis",
    class_names=None,
):
    """Plot class probabilities per object as heatmaps side by side.

    Draws the paper's figure comparing the true class probabilities ``S`` of
    the synthetic data with the probabilities predicted by the student without
    and with the teacher: one heatmap per entry, objects along x, classes
    along y, all on the same colour scale 0..1 with one shared colourbar.

    Parameters
    ----------
    probabilities : mapping of str to array-like of shape (n_samples, n_classes)
        Title -> class probabilities of the same objects (row ``i`` of every
        array is object ``i``). Entries are drawn left to right in the
        mapping's order. Every array must have the same shape, non-negative
        entries and rows summing to 1 (within 1e-6).
    n_objects : int or None, default=50
        Draw the first ``n_objects`` objects (rows); all of them when None or
        when there are fewer.
    sort_by : str, default=None
        None keeps the objects in their order. Otherwise a key of
        ``probabilities``: the drawn objects are reordered by the argmax class
        of that entry, and within a class by decreasing maximum probability, so
        that blocks of confidently classified objects appear. The same order is
        used in every panel.
    axes : array-like of matplotlib Axes, default=None
        One Axes per entry of ``probabilities``; a new figure with one row of
        panels is created when None.
    cmap : str or Colormap, default="viridis"
        Colour map of the heatmaps.
    class_names : sequence of str, default=None
        Tick labels of the classes; ``0 .. n_classes - 1`` when None.

    Returns
    -------
    axes : ndarray of matplotlib Axes of shape (len(probabilities),)
        The panels, in the mapping's order.

    Raises
    ------
    ValueError
        If ``probabilities`` is empty, its arrays are not 2-D, differ in shape
        or are not probabilities; if ``sort_by`` is not one of its keys; if
        ``n_objects`` is not a positive integer; if ``axes`` or
        ``class_names`` have the wrong length.
    TypeError
        If ``probabilities`` is not a mapping.

    Examples
    --------
    >>> from skdistill.plotting import plot_class_probabilities
    >>> axes = plot_class_probabilities(                         # doctest: +SKIP
    ...     {"true S": S, "student without teacher": P0,
    ...      "student with teacher": P1},
    ...     sort_by="true S")
    """
    if not isinstance(probabilities, Mapping):
        raise TypeError(
            "probabilities must be a mapping title -> array of shape "
            f"(n_samples, n_classes); got {type(probabilities).__name__}."
        )
    if len(probabilities) == 0:
        raise ValueError("probabilities is an empty mapping; give at least one entry.")
    arrays = {}
    shape = None
    for title, value in probabilities.items():
        name = f"probabilities[{title!r}]"
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} is not a numeric array.") from exc
        if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
            raise ValueError(
                f"{name} must be a non-empty 2-D array (n_samples, n_classes); got "
                f"shape {array.shape}."
            )
        if shape is None:
            shape = array.shape
        elif array.shape != shape:
            raise ValueError(
                f"probabilities: all arrays must share one shape; {name} has shape "
                f"{array.shape}, the first entry {shape}."
            )
        _check_probability_rows(array, name)
        arrays[title] = array

    if n_objects is None:
        n_draw = shape[0]
    elif (
        isinstance(n_objects, numbers.Integral)
        and not isinstance(n_objects, bool)
        and n_objects >= 1
    ):
        n_draw = min(int(n_objects), shape[0])
    else:
        raise ValueError(f"n_objects must be a positive integer or None; got {n_objects!r}.")

    order = np.arange(n_draw)
    if sort_by is not None:
        if sort_by not in arrays:
            raise ValueError(
                f"sort_by={sort_by!r} is not a key of probabilities; choose one of {list(arrays)}."
            )
        key = arrays[sort_by][:n_draw]
        # lexsort: last key is primary -> class first, then decreasing confidence.
        order = np.lexsort((-key.max(axis=1), key.argmax(axis=1)))

    names = _check_class_names(class_names, shape[1])
    plt = _import_pyplot()
    n_panels = len(arrays)
    if axes is None:
        width = min(2.2 + 0.03 * n_draw, 4.5) * n_panels + 1.0
        height = max(2.4, 0.35 * shape[1] + 1.6)
        fig, axes = plt.subplots(
            1,
            n_panels,
            figsize=(width, height),
            squeeze=False,
            sharey=True,
            layout="constrained",
        )
        axes = axes.ravel()
    else:
        axes = np.asarray(axes, dtype=object).ravel()
        if axes.size != n_panels:
            raise ValueError(f"axes has {axes.size} Axes but probabilities has {n_panels} entries.")
        fig = axes[0].figure

    image = None
    for i, (panel, (title, array)) in enumerate(zip(axes, arrays.items())):
        image = panel.imshow(
            array[:n_draw][order].T,
            aspect="auto",
            interpolation="nearest",
            cmap=cmap,
            vmin=0.0,
            vmax=1.0,
        )
        panel.set_title(str(title))
        panel.set_xlabel("object" if sort_by is None else f"object (sorted by {sort_by})")
        panel.set_yticks(np.arange(shape[1]), labels=names)
        if i == 0:
            panel.set_ylabel("class")
    fig.colorbar(image, ax=list(axes), label="probability")
    return axes


def plot_class_distribution(
    mean_probabilities,
    teacher_weights,
    temperatures,
    *,
    ax=None,
    class_names=None,
):
    """Plot the mean class distribution of the student against λ and T.

    Draws the paper's finding that the class distribution the student recovers
    depends on the teacher weight λ and the temperature T, and becomes more
    uniform as T grows.

    What is drawn: one line per (class, λ) giving the student's mean predicted
    probability of that class against the temperature T, on a logarithmic
    x-axis. The colour names the class, the line style and marker name λ; a
    grey dotted horizontal line marks the uniform distribution ``1/n_classes``,
    which the lines approach as T grows. The legend lists the classes
    (colours) and the values of λ (styles) separately.

    Parameters
    ----------
    mean_probabilities : array-like of shape (n_weights, n_temperatures, n_classes)
        ``mean_probabilities[i, j]`` is the mean over objects of the student's
        predicted class probabilities when trained with
        ``teacher_weight=teacher_weights[i]`` and
        ``temperature=temperatures[j]``; each such row must be a probability
        vector (non-negative, summing to 1 within 1e-6).
    teacher_weights : array-like of shape (n_weights,)
        The values of λ.
    temperatures : array-like of shape (n_temperatures,)
        The values of T, positive. They are drawn in increasing order.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure is created when None.
    class_names : sequence of str, default=None
        Names of the classes; ``"class 0"``, ``"class 1"``, ... when None.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on. Its first ``n_classes * n_weights`` lines are the
        curves, class-major (class 0 for every λ, then class 1, ...), labelled
        ``"<class>, λ=<value>"``; the last line is the uniform level.

    Raises
    ------
    ValueError
        If ``mean_probabilities`` is not 3-D, its first two dimensions do not
        match ``teacher_weights`` and ``temperatures``, or its rows are not
        probabilities; if ``teacher_weights`` or ``temperatures`` are not
        non-empty 1-D finite arrays, or a temperature is not positive; if
        ``class_names`` has the wrong length.

    Examples
    --------
    >>> from skdistill.plotting import plot_class_distribution
    >>> ax = plot_class_distribution(P, [0.25, 0.75], [1, 2, 5, 10])  # doctest: +SKIP
    """
    weights = np.asarray(teacher_weights, dtype=float)
    if weights.ndim != 1 or weights.size == 0 or not np.all(np.isfinite(weights)):
        raise ValueError(
            "teacher_weights must be a non-empty 1-D array of finite numbers; got "
            f"{teacher_weights!r}."
        )
    temps = np.asarray(temperatures, dtype=float)
    if temps.ndim != 1 or temps.size == 0 or not np.all(np.isfinite(temps)):
        raise ValueError(
            f"temperatures must be a non-empty 1-D array of finite numbers; got {temperatures!r}."
        )
    if np.any(temps <= 0):
        raise ValueError(f"temperatures must be positive; got {temperatures!r}.")
    try:
        mean = np.asarray(mean_probabilities, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError("mean_probabilities is not a numeric array.") from exc
    expected = (weights.size, temps.size)
    if mean.ndim != 3 or mean.shape[:2] != expected or mean.shape[2] == 0:
        raise ValueError(
            "mean_probabilities must have shape (len(teacher_weights), "
            f"len(temperatures), n_classes) = ({expected[0]}, {expected[1]}, "
            f"n_classes); got {mean.shape}."
        )
    _check_probability_rows(mean, "mean_probabilities")
    n_classes = mean.shape[2]
    if class_names is None:
        names = [f"class {k}" for k in range(n_classes)]
    else:
        names = _check_class_names(class_names, n_classes)

    plt = _import_pyplot()
    from matplotlib.lines import Line2D

    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 4.5), layout="constrained")
    colors = _color_cycle(plt)
    styles = ["-", "--", "-.", ":"]
    markers = ["o", "s", "^", "D", "v", "P", "X", "*"]
    order = np.argsort(temps, kind="stable")
    t_sorted = temps[order]

    def style_of(j):
        return styles[j % len(styles)], markers[j % len(markers)]

    for k in range(n_classes):
        for j, lam in enumerate(weights):
            linestyle, marker = style_of(j)
            ax.plot(
                t_sorted,
                mean[j, order, k],
                color=colors[k % len(colors)],
                linestyle=linestyle,
                marker=marker,
                markersize=4,
                label=f"{names[k]}, λ={lam:g}",
            )
    ax.axhline(
        1.0 / n_classes,
        color="0.5",
        linestyle=":",
        linewidth=1,
        label=f"uniform (1/{n_classes})",
    )
    ax.set_xscale("log")
    if np.unique(t_sorted).size <= 12:
        ax.set_xticks(np.unique(t_sorted), labels=[f"{t:g}" for t in np.unique(t_sorted)])
        ax.minorticks_off()
    ax.set_xlabel("temperature T")
    ax.set_ylabel("mean predicted probability")
    ax.set_title("Class distribution recovered by the student")
    ax.grid(True, alpha=0.3)

    handles = [
        Line2D([], [], color=colors[k % len(colors)], linewidth=2, label=names[k])
        for k in range(n_classes)
    ]
    for j, lam in enumerate(weights):
        linestyle, marker = style_of(j)
        handles.append(
            Line2D(
                [],
                [],
                color="0.3",
                linestyle=linestyle,
                marker=marker,
                markersize=4,
                label=f"λ = {lam:g}",
            )
        )
    handles.append(Line2D([], [], color="0.5", linestyle=":", label=f"uniform (1/{n_classes})"))
    ax.legend(handles=handles, loc="best", fontsize="small", ncol=2 if len(handles) > 8 else 1)
    return ax


# --------------------------------------------------------------------------- #
# plot_search_surface
# --------------------------------------------------------------------------- #


def _param_key(cv_results, name, arg):
    """Key of ``cv_results`` for parameter ``name``: exact or unique ``__name``."""
    available = sorted(k for k in cv_results.keys() if str(k).startswith("param_"))
    exact = f"param_{name}"
    if exact in cv_results.keys():
        return exact
    matches = [k for k in available if str(k).endswith(f"__{name}")]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise ValueError(
            f"{arg}={name!r} is ambiguous in cv_results: it matches {matches}; pass "
            "the full name, e.g. "
            f"{arg}={matches[0][len('param_') :]!r}."
        )
    raise ValueError(
        f"{arg}={name!r}: cv_results has no key {exact!r} nor one ending with "
        f"'__{name}'. Available parameter keys: {available}."
    )


def _is_number(value):
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, (bool, np.bool_))
        and np.isfinite(value)
    )


def _column_values(column):
    """Python values of a ``param_*`` column and a mask of missing entries."""
    mask = np.ma.getmaskarray(column) if np.ma.isMaskedArray(column) else None
    data = np.ma.getdata(column) if np.ma.isMaskedArray(column) else column
    values = list(np.asarray(data, dtype=object).ravel())
    missing = np.zeros(len(values), dtype=bool) if mask is None else np.asarray(mask).ravel()
    values = [v.item() if isinstance(v, np.generic) else v for v in values]
    # A DataFrame of cv_results_ holds NaN where the masked array was masked.
    missing = missing | np.array([isinstance(v, float) and np.isnan(v) for v in values], dtype=bool)
    return values, missing


def _levels(values):
    """Distinct values (sorted when all numeric) and whether they are numeric."""
    numeric = all(_is_number(v) for v in values)
    if numeric:
        levels = sorted(set(float(v) for v in values))
        return levels, True
    levels, seen = [], set()
    for v in values:
        key = repr(v)
        if key not in seen:
            seen.add(key)
            levels.append(v)
    return levels, False


def _level_index(levels, numeric):
    if numeric:
        return {v: i for i, v in enumerate(levels)}, float
    return {repr(v): i for i, v in enumerate(levels)}, repr


def _auto_log(levels):
    """True when positive values are closer to evenly spaced in log than linear."""
    values = np.asarray(levels, dtype=float)
    if values.size < 2 or np.any(values <= 0):
        return False
    if values.size == 2:
        return values[1] / values[0] >= 10

    def spread(d):
        return np.std(d) / np.mean(d)

    return spread(np.diff(np.log(values))) < spread(np.diff(values))


def _edges(levels, numeric, log):
    """Cell edges and tick positions of one heatmap axis."""
    if not numeric:
        positions = np.arange(len(levels), dtype=float)
        return np.arange(len(levels) + 1) - 0.5, positions
    positions = np.asarray(levels, dtype=float)
    t = np.log10(positions) if log else positions
    if t.size == 1:
        half = 0.5 if (log or t[0] == 0) else 0.5 * abs(t[0])
        edges = np.array([t[0] - half, t[0] + half])
    else:
        mid = (t[:-1] + t[1:]) / 2
        edges = np.concatenate([[t[0] - (t[1] - t[0]) / 2], mid, [t[-1] + (t[-1] - t[-2]) / 2]])
    return (10.0**edges if log else edges), positions


def plot_search_surface(
    cv_results,
    *,
    x="teacher_weight",
    y="temperature",
    score="mean_test_score",
    ax=None,
    cmap="viridis",
    annotate=True,
    log_y=None,
    log_x=None,
):
    """Plot a cross-validated score over two parameters as a heatmap.

    Pivots the ``cv_results_`` of a :class:`~sklearn.model_selection.GridSearchCV`
    (e.g. over λ = ``teacher_weight`` and T = ``temperature``) to a grid and
    draws it with a colourbar, the best cell outlined in red and, optionally,
    each cell's value written in it.

    Parameters
    ----------
    cv_results : dict or DataFrame
        ``GridSearchCV.cv_results_`` (or ``pandas.DataFrame`` of it). Parameter
        columns ``param_<name>`` may be masked object arrays; candidates whose
        ``x`` or ``y`` value is masked (absent from their sub-grid) are skipped.
    x, y : str, default="teacher_weight", "temperature"
        Parameters along the horizontal and vertical axes. The key looked up is
        ``"param_" + name`` or, failing that, the unique key ending with
        ``"__" + name`` (a parameter of a :class:`~sklearn.pipeline.Pipeline`
        step, e.g. ``param_student__teacher_weight``).
    score : str, default="mean_test_score"
        Column to draw; higher must be better (as for scikit-learn's scores).
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure is created when None.
    cmap : str or Colormap, default="viridis"
        Colour map.
    annotate : bool, default=True
        Write the value (3 significant digits) in each cell.
    log_y, log_x : bool or None, default=None
        Logarithmic y (x) axis. None chooses a log axis when the values are
        positive numbers closer to evenly spaced on a log scale than on a
        linear one (e.g. ``[0.01, 0.1, 1]`` or ``[1, 2, 5, 10, 20]``; two
        values when they differ by a factor of 10 or more). ``True`` needs
        positive numbers.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on; the heatmap is its ``QuadMesh`` (``ax.collections``)
        whose array has shape ``(n_y_values, n_x_values)``.

    Raises
    ------
    ValueError
        If ``x``, ``y`` or ``score`` is not found (the message lists the
        available ``param_*`` keys), ``x == y``, no candidate has both
        parameters set, every score is NaN, or a log axis is requested for
        values that are not positive numbers.

    Notes
    -----
    Each cell shows the best (largest) score over all candidates with that
    ``(x, y)`` pair: when other parameters vary too, they are maximised over,
    so the picture is the best that can be reached at each ``(x, y)``. NaN
    scores (failed fits) are ignored; a cell with none left is blank.

    Numeric parameter values are placed at their positions on a linear or log
    axis (each cell spans half-way to its neighbours); other values (strings,
    None, booleans, mixtures) are placed one per cell in order of first
    appearance.

    Examples
    --------
    >>> from skdistill.plotting import plot_search_surface
    >>> search = GridSearchCV(model, {"teacher_weight": [0, 0.25, 0.5, 0.75, 1],
    ...                               "temperature": [1, 2, 5, 10]})  # doctest: +SKIP
    >>> ax = plot_search_surface(search.fit(X, y).cv_results_)      # doctest: +SKIP
    """
    if not hasattr(cv_results, "keys") or not hasattr(cv_results, "__getitem__"):
        raise TypeError(
            "cv_results must be a dict such as GridSearchCV.cv_results_ or a "
            f"DataFrame of it; got {type(cv_results).__name__}."
        )
    x_key = _param_key(cv_results, x, "x")
    y_key = _param_key(cv_results, y, "y")
    if x_key == y_key:
        raise ValueError(f"x and y name the same parameter {x_key!r}.")
    if score not in cv_results.keys():
        scores_available = sorted(
            k for k in cv_results.keys() if "score" in str(k) and not str(k).startswith("split")
        )
        raise ValueError(
            f"score={score!r} is not a key of cv_results; available score keys: {scores_available}."
        )
    try:
        scores = np.asarray(cv_results[score], dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cv_results[{score!r}] is not numeric.") from exc
    x_values, x_missing = _column_values(cv_results[x_key])
    y_values, y_missing = _column_values(cv_results[y_key])
    if not (len(x_values) == len(y_values) == scores.size):
        raise ValueError(f"cv_results columns {x_key!r}, {y_key!r} and {score!r} differ in length.")
    keep = ~(x_missing | y_missing)
    if not keep.any():
        raise ValueError(f"no candidate in cv_results sets both {x_key!r} and {y_key!r}.")
    x_values = [v for v, k in zip(x_values, keep) if k]
    y_values = [v for v, k in zip(y_values, keep) if k]
    scores = scores[keep]

    x_levels, x_numeric = _levels(x_values)
    y_levels, y_numeric = _levels(y_values)
    grid = np.full((len(y_levels), len(x_levels)), np.nan)
    x_index, x_norm = _level_index(x_levels, x_numeric)
    y_index, y_norm = _level_index(y_levels, y_numeric)
    for xv, yv, s in zip(x_values, y_values, scores):
        if np.isnan(s):
            continue
        i, j = y_index[y_norm(yv)], x_index[x_norm(xv)]
        if np.isnan(grid[i, j]) or s > grid[i, j]:
            grid[i, j] = s
    if np.all(np.isnan(grid)):
        raise ValueError(f"cv_results[{score!r}] has no finite score to draw.")

    def resolve_log(flag, levels, numeric, arg, name):
        if flag is None:
            return numeric and _auto_log(levels)
        if flag and not (numeric and np.all(np.asarray(levels, dtype=float) > 0)):
            raise ValueError(f"{arg}=True needs positive numeric values of {name!r}; got {levels}.")
        return bool(flag)

    x_log = resolve_log(log_x, x_levels, x_numeric, "log_x", x)
    y_log = resolve_log(log_y, y_levels, y_numeric, "log_y", y)
    x_edges, x_pos = _edges(x_levels, x_numeric, x_log)
    y_edges, y_pos = _edges(y_levels, y_numeric, y_log)

    plt = _import_pyplot()
    from matplotlib.colors import Normalize
    from matplotlib.patches import Rectangle

    if ax is None:
        width = min(max(4.8, 1.0 * len(x_levels) + 2.8), 12.0)
        height = min(max(3.8, 0.6 * len(y_levels) + 2.2), 10.0)
        _, ax = plt.subplots(figsize=(width, height), layout="constrained")
    masked = np.ma.masked_invalid(grid)
    norm = Normalize(vmin=float(masked.min()), vmax=float(masked.max()))
    mesh = ax.pcolormesh(x_edges, y_edges, masked, cmap=cmap, norm=norm, shading="flat")
    if x_log:
        ax.set_xscale("log")
    if y_log:
        ax.set_yscale("log")
    ax.set_xlim(x_edges[0], x_edges[-1])
    ax.set_ylim(y_edges[0], y_edges[-1])
    ax.set_xticks(x_pos, labels=[_format_value(v) for v in x_levels])
    ax.set_yticks(y_pos, labels=[_format_value(v) for v in y_levels])
    ax.minorticks_off()
    ax.set_xlabel(x)
    ax.set_ylabel(y)

    if annotate:
        colormap = mesh.get_cmap()
        for i in range(grid.shape[0]):
            for j in range(grid.shape[1]):
                if np.isnan(grid[i, j]):
                    continue
                r, g, b, _ = colormap(norm(grid[i, j]))
                luminance = 0.299 * r + 0.587 * g + 0.114 * b
                ax.text(
                    x_pos[j],
                    y_pos[i],
                    f"{grid[i, j]:.3g}",
                    ha="center",
                    va="center",
                    fontsize="small",
                    color="black" if luminance > 0.5 else "white",
                )

    best_i, best_j = np.unravel_index(np.nanargmax(grid), grid.shape)
    ax.add_patch(
        Rectangle(
            (x_edges[best_j], y_edges[best_i]),
            x_edges[best_j + 1] - x_edges[best_j],
            y_edges[best_i + 1] - y_edges[best_i],
            fill=False,
            edgecolor="red",
            linewidth=2.5,
            gid="best-cell",
            label="best",
        )
    )
    best_x = _format_value(x_levels[best_j])
    best_y = _format_value(y_levels[best_i])
    ax.set_title(
        f"{score}\nbest {grid[best_i, best_j]:.4g} at {x}={best_x}, {y}={best_y}",
        fontsize="medium",
    )
    ax.figure.colorbar(mesh, ax=ax, label=score)
    return ax

"""scikit-learn's callbacks (``sklearn.callback``, scikit-learn >= 1.9), and stand-ins before it.

Every estimator of skdistill supports ``set_callbacks`` where scikit-learn
ships ``sklearn.callback``: ``ProgressBar`` and ``ScoringMonitor`` follow
its fits as a tree of tasks, and a callback set on ``GridSearchCV`` or a
``Pipeline`` reaches the fits inside (its auto-propagation). With an older
scikit-learn the mixin below only gives the estimators a callback context
whose every hook does nothing, so that the fits run the same code.

The tasks the estimators report (the callbacks never change a result):

- ``DistilledClassifier``: the fit, with one subtask per L-BFGS iteration
  (``"lbfgs-iter"``) or Adam epoch (``"adam-epoch"``); with a
  scikit-learn student the fit is a leaf;
- ``DistilledRegressor``: the fit, a leaf (one closed-form solve, or the
  student's fit);
- ``BayesianDistilledRegressor``: the fit, with one subtask per fixed-point
  iteration (``"evidence-iter"``);
- ``DistilledClassifierCV`` and ``DistilledRegressorCV``: the fit, with
  one ``"fold"`` subtask per fold, holding one ``"candidate"`` subtask per
  candidate (its ``task_id`` is the candidate's index in ``cv_results_``),
  then ``"refit-with-best-params"``. Where a candidate (or the refit) is a
  fit of the underlying estimator, that fit's own task tree hangs there,
  as under ``GridSearchCV``.
"""

from contextlib import contextmanager, nullcontext

try:
    from sklearn.callback import CallbackSupportMixin, with_callbacks
except ImportError:  # scikit-learn < 1.9: no callbacks to call
    HAS_CALLBACKS = False

    class _NoCallbackContext:
        """What a fit talks to when scikit-learn has no callbacks: every hook does nothing."""

        max_subtasks = 0

        def subcontext(self, task_name="", task_id=None, max_subtasks=0, sequential_subtasks=True):
            return self

        def call_on_fit_task_begin(self, **kwargs):
            return self

        def call_on_fit_task_end(self, **kwargs):
            return False

        @contextmanager
        def propagate_callback_context(self, sub_estimator):
            yield

    _NO_CALLBACK_CONTEXT = _NoCallbackContext()

    class CallbackSupportMixin:
        """Stand-in for ``sklearn.callback.CallbackSupportMixin``: no ``set_callbacks``."""

        def _init_callback_context(
            self, task_name="fit", task_id=0, max_subtasks=0, sequential_subtasks=True
        ):
            return _NO_CALLBACK_CONTEXT

    def with_callbacks(method):
        """Stand-in for ``sklearn.callback.with_callbacks``: the method itself."""
        return method

else:
    HAS_CALLBACKS = True


def has_callbacks(estimator):
    """Whether any callback is set on ``estimator`` (its own, or propagated to it)."""
    return bool(getattr(estimator, "_skl_callbacks", None))


def lazy(compute):
    """``compute()``, made on the first call and kept: data that callbacks get only if they ask.

    scikit-learn's contexts call what a hook's argument is when the hook
    takes that argument, so costly arguments (a copy of the fold's rows) are
    made only for callbacks that read them, once.
    """
    made = []

    def value():
        if not made:
            made.append(compute())
        return made[0]

    return value


@contextmanager
def subtask(
    context,
    estimator,
    task_name,
    *,
    task_id=None,
    sub_estimator=None,
    X=None,
    y=None,
    metadata=None,
):
    """Run the body as a leaf subtask of ``context``, begun and ended around it.

    ``sub_estimator``, when given, is fitted in the body: as scikit-learn's
    meta-estimators do, the auto-propagated callbacks are handed to it and
    its own fit's task tree replaces the leaf. The end hook is not called
    when the body raises (as in scikit-learn); the fit's teardown still is.
    """
    kwargs = {} if task_id is None else {"task_id": task_id}
    ctx = context.subcontext(task_name=task_name, **kwargs)
    propagation = (
        nullcontext() if sub_estimator is None else ctx.propagate_callback_context(sub_estimator)
    )
    with propagation:
        ctx.call_on_fit_task_begin(estimator=estimator, X=X, y=y, metadata=metadata)
        yield ctx
    ctx.call_on_fit_task_end(estimator=estimator, X=X, y=y, metadata=metadata)


class IterationTasks:
    """One subtask of a fit's ``context`` per solver iteration, begun and ended by the solver.

    The solver calls :meth:`begin` where an iteration's work starts (a
    no-op while one is open) and :meth:`end` where it is done (a no-op
    while none is). ``snapshot`` arguments are callables returning the
    model as it stands there (a copy); ``fitted_state`` turns such a model
    into the attributes of a fitted estimator. Both run only when a callback
    asks for ``fitted_estimator``. At most ``max_tasks`` tasks are opened,
    the context's ``max_subtasks``.

    The return value of the end hooks (a callback's request to stop) is
    not acted upon, as in scikit-learn's own solvers: callbacks only watch.
    """

    def __init__(
        self,
        context,
        estimator,
        task_name,
        *,
        max_tasks,
        X=None,
        y=None,
        metadata=None,
        fitted_state=None,
    ):
        self._context = context
        self._estimator = estimator
        self._task_name = task_name
        self._max_tasks = max_tasks
        self._data = {"X": X, "y": y, "metadata": metadata}
        self._fitted_state = fitted_state
        self._open = None
        #: Tasks begun so far.
        self.count = 0

    def _attributes(self, snapshot):
        if snapshot is None or self._fitted_state is None:
            return None
        return lambda: self._fitted_state(snapshot())

    def begin(self, snapshot=None):
        if self._open is not None or self.count >= self._max_tasks:
            return
        self.count += 1
        self._open = self._context.subcontext(task_name=self._task_name)
        self._open.call_on_fit_task_begin(
            estimator=self._estimator,
            reconstruction_attributes=self._attributes(snapshot),
            **self._data,
        )

    def end(self, snapshot=None):
        if self._open is None:
            return False
        ctx, self._open = self._open, None
        return ctx.call_on_fit_task_end(
            estimator=self._estimator,
            reconstruction_attributes=self._attributes(snapshot),
            **self._data,
        )

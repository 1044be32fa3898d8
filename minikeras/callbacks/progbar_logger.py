"""The progress display: a tqdm bar per epoch, or Keras's summary line per epoch."""
import sys
import time

import numpy as np

from .callback import Callback

BAR = "\u2501" * 20  # the finished bar of Keras's final line (Keras colours it; we print it plain)


def format_logs(logs, verbose=1):
    """``loss: 0.2602 - accuracy: 0.9240``: the numeric entries of ``logs``, as Keras's Progbar
    writes them (4 decimals, or 4 significant digits in exponent form for values of at most
    1e-3: in absolute value with ``verbose=1``, signed with ``verbose=2``, as Keras does).
    A vector-valued metric (``F1Score()``, ``Precision(thresholds=[...])``) shows its mean, as
    Keras's Progbar does."""
    parts = []
    for key, value in logs.items():
        value = _as_number(value)
        if value is None:
            continue
        small = (abs(value) if verbose == 1 else value) <= 1e-3
        parts.append(f"{key}: {value:.4e}" if small else f"{key}: {value:.4f}")
    return " - ".join(parts)


def summary_line(steps, seconds, logs, verbose, stream=None):
    """Keras's last line for an epoch or an evaluation:
    ``1875/1875 - 3s - 2ms/step - loss: ...`` (``verbose=2``) or
    ``1875/1875 ━━━━ 3s 2ms/step - loss: ...`` (``verbose=1``; ``====`` where ``stream``
    cannot encode the bar character)."""
    count = f"{steps}/{steps}" if steps else "?"
    per_step = _format_step_time(seconds / steps if steps else 0)
    metrics = format_logs(logs, verbose)
    if verbose == 1:
        line = f"{count} {_bar(stream or sys.stdout)} {seconds:.0f}s {per_step}"
    else:
        line = f"{count} - {seconds:.0f}s - {per_step}"
    return f"{line} - {metrics}" if metrics else line


def _bar(stream):
    try:
        BAR.encode(getattr(stream, "encoding", None) or "utf-8")
        return BAR
    except (UnicodeEncodeError, LookupError):
        return "=" * len(BAR)


def _format_step_time(seconds):
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


def _as_number(value):
    """``value`` as a float (the mean of an array of numbers), or None when it is not numeric."""
    try:
        return float(value)
    except (TypeError, ValueError):
        pass
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return float(np.mean(array)) if array.size else None


class ProgbarLogger(Callback):
    """Shows training progress as Keras does.

    Each epoch starts with Keras's ``Epoch 3/10`` line (when there is more than one epoch)
    and ends with Keras's summary line: steps, seconds, time per step, loss, metrics and
    validation metrics. ``verbose=1`` on a terminal: in between, a tqdm bar counting steps
    with the running loss and metrics, redrawn a few times a second (never every step), which
    gives way to the summary line. ``verbose=2``, or ``verbose=1`` when the output is not a
    terminal (where Keras would print a line every 0.05 s): the two lines alone, so a log
    file of a 100-epoch run has 200 lines.

    ``ProgbarLogger()`` without ``verbose``, as Keras's takes none, follows the ``verbose`` of
    the ``fit``/``evaluate`` call it is given to (so ``verbose=0`` keeps it silent).
    """

    _reads_logs_lazily = True  # reads batch logs seldom: they stay lazy (CallbackList)

    def __init__(self, verbose=None, stream=None, refresh_seconds=0.25):
        super().__init__()
        self._given_verbose = verbose
        self.verbose = 1 if verbose is None else verbose
        self.stream = stream
        self.refresh_seconds = refresh_seconds
        self._bar = None
        self._epoch_start = 0.0
        self._next_refresh = 0.0
        self._shown = 0

    def set_params(self, params):
        super().set_params(params)
        if self._given_verbose is None and "verbose" in (params or {}):
            self.verbose = params["verbose"]

    def _out(self):
        return self.stream or sys.stdout

    def _use_bar(self):
        if self.verbose != 1:
            return False
        isatty = getattr(self._out(), "isatty", None)
        return bool(isatty and isatty())

    def on_epoch_begin(self, epoch, logs=None):
        epochs = self.params.get("epochs")
        if self.verbose and epochs and epochs > 1:
            print(f"Epoch {epoch + 1}/{epochs}", file=self._out(), flush=True)
        self._epoch_start = time.perf_counter()
        self._bar = None
        if self._use_bar():
            from tqdm import tqdm
            # leave=False: at the epoch's end the bar gives way to the full summary line, which a
            # terminal wraps instead of cutting the validation metrics off at its width.
            self._bar = tqdm(total=self.params.get("steps"), unit="step",
                             file=self._out(), dynamic_ncols=True, leave=False,
                             mininterval=self.refresh_seconds)
            self._shown = 0
            self._next_refresh = self._epoch_start + self.refresh_seconds

    def on_train_batch_end(self, batch, logs=None):
        if self._bar is None:
            return
        now = time.perf_counter()
        if now < self._next_refresh:
            return
        self._next_refresh = now + self.refresh_seconds
        self._bar.set_postfix_str(format_logs(logs or {}, 1), refresh=False)
        self._bar.update(batch + 1 - self._shown)
        self._shown = batch + 1

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self._epoch_start
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if self.verbose:
            verbose = 1 if self._use_bar() else 2
            print(summary_line(self.params.get("steps"), seconds, logs or {}, verbose, self._out()),
                  file=self._out(), flush=True)

    def on_train_end(self, logs=None):
        if self._bar is not None:
            self._bar.close()
            self._bar = None

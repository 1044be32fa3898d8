"""The progress display: a tqdm bar per epoch, or one line per epoch."""
import sys
import time

from .callback import Callback


def format_logs(logs):
    """``loss: 0.2602 - accuracy: 0.9240``: the numeric entries of ``logs``, Keras-style."""
    return " - ".join(f"{key}: {value:.4f}" for key, value in logs.items() if _is_number(value))


def _is_number(value):
    try:
        float(value)
        return True
    except (TypeError, ValueError):
        return False


class ProgbarLogger(Callback):
    """Shows training progress as Keras does.

    ``verbose=1``: a tqdm bar per epoch counting steps, with the running loss and metrics,
    redrawn a few times a second (never every step); at the epoch's end it gives way to the
    epoch's summary line (time, loss, metrics, validation metrics). ``verbose=2``, or
    ``verbose=1`` when the output is not a terminal: the summary line alone, so a log file
    of a 100-epoch run has 100 lines.
    """

    def __init__(self, verbose=1, stream=None, refresh_seconds=0.25):
        super().__init__()
        self.verbose = verbose
        self.stream = stream
        self.refresh_seconds = refresh_seconds
        self._bar = None
        self._epoch_start = 0.0
        self._next_refresh = 0.0
        self._shown = 0

    def _out(self):
        return self.stream or sys.stdout

    def _use_bar(self):
        if self.verbose != 1:
            return False
        isatty = getattr(self._out(), "isatty", None)
        return bool(isatty and isatty())

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()
        self._epoch_label = f"Epoch {epoch + 1}/{self.params.get('epochs')}"
        self._bar = None
        if self._use_bar():
            from tqdm import tqdm
            # leave=False: at the epoch's end the bar gives way to the full summary line, which a
            # terminal wraps instead of cutting the validation metrics off at its width.
            self._bar = tqdm(total=self.params.get("steps"), desc=self._epoch_label, unit="step",
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
        self._bar.set_postfix_str(format_logs(logs or {}), refresh=False)
        self._bar.update(batch + 1 - self._shown)
        self._shown = batch + 1

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self._epoch_start
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if self.verbose:
            steps = self.params.get("steps")
            per_step = f" - {1000 * seconds / steps:.0f}ms/step" if steps else ""
            print(f"{self._epoch_label} - {seconds:.1f}s{per_step} - {format_logs(logs or {})}",
                  file=self._out(), flush=True)

    def on_train_end(self, logs=None):
        if self._bar is not None:
            self._bar.close()
            self._bar = None

"""keras.utils.Progbar: a text progress bar for loops the user writes."""
import sys
import time

import numpy as np


class Progbar:
    """Keras's ``Progbar(target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
    unit_name="step")``.

    ``update(current, values=[(name, value), ...])`` moves the bar to ``current``; each value is
    shown as its mean over the steps so far, weighted by the steps each update covered, except
    the names in ``stateful_metrics``, shown as given. ``add(n, values)`` advances by ``n``.
    ``verbose=1`` redraws one line (at most every ``interval`` seconds), ``verbose=2`` prints
    one line at the end, ``verbose=0`` nothing. ``target=None`` is an unknown length.
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None, unit_name="step"):
        self.target, self.width, self.verbose, self.interval = target, width, verbose, interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics or ())
        self._values, self._order = {}, []
        self._seen_so_far, self._start, self._last_update = 0, time.time(), 0.0
        self._stream = sys.stdout

    def update(self, current, values=None, finalize=None):
        """Move to step ``current`` with ``values`` (a list of ``(name, value)`` pairs)."""
        finalize = (self.target is not None and current >= self.target) if finalize is None else finalize
        for name, value in values or ():
            if name not in self._values:
                self._order.append(name)
            if name in self.stateful_metrics:
                self._values[name] = [value, 1]
            else:
                steps = max(current - self._seen_so_far, 1)
                total, count = self._values.get(name, [0.0, 0])
                self._values[name] = [total + np.mean(value) * steps, count + steps]
        self._seen_so_far = current
        now = time.time()
        if self.verbose == 1 and (finalize or now - self._last_update >= self.interval):
            self._stream.write("\r" + self._line(current, now, finalize) + ("\n" if finalize else ""))
            self._stream.flush()
            self._last_update = now
        elif self.verbose == 2 and finalize:
            self._stream.write(self._line(current, now, True, bar=False) + "\n")
            self._stream.flush()

    def add(self, n, values=None):
        """Advance by ``n`` steps."""
        self.update(self._seen_so_far + n, values)

    def _mean(self, name):
        total, count = self._values[name]
        return total / max(count, 1) if name not in self.stateful_metrics else total

    def _line(self, current, now, finalize, bar=True):
        elapsed = now - self._start
        if self.target is not None:
            count = f"{current}/{self.target}"
            if bar:
                done = int(self.width * min(current / self.target, 1)) if self.target else self.width
                count += " [" + "=" * done + ("." * (self.width - done)) + "]"
        else:
            count = f"{current}/Unknown"
        per_unit = elapsed / current if current else 0
        timing = f"{elapsed:.0f}s {per_unit * 1e3:.0f}ms/{self.unit_name}" if finalize or self.target is None \
            else f"ETA: {per_unit * (self.target - current):.0f}s"
        parts = [count, timing] + [f"{name}: {float(np.mean(self._mean(name))):.4f}" for name in self._order]
        return " - ".join(parts)

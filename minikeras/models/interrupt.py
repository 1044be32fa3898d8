"""Ctrl-C that waits for the weights: SIGINT is held while an update is being written.

An optimizer update writes many arrays one after another. A KeyboardInterrupt raised
between two of those writes would leave some weights (or Adam moments) from step t and
others from step t-1, a model that matches no point of the training. While ``fit`` runs,
``InterruptGuard`` replaces the SIGINT handler: outside an update it behaves exactly like
the previous handler (normally: raise KeyboardInterrupt at once); inside ``with guard:``
it only records the signal and delivers it when the block ends, so Ctrl-C lands between
two whole steps.
"""
import signal
import threading


class InterruptGuard:
    """Install with ``install()`` (main thread only; elsewhere it does nothing), wrap each
    update in ``with guard:``, and ``uninstall()`` at the end (restores the old handler)."""

    def __init__(self):
        self._previous = None
        self._installed = False
        self._depth = 0
        self._holding = False
        self._pending = None

    def install(self):
        self._depth += 1  # fit calling train_on_batch through a callback installs twice
        if self._installed or threading.current_thread() is not threading.main_thread():
            return
        previous = signal.getsignal(signal.SIGINT)
        if not callable(previous):  # SIG_IGN, SIG_DFL or a handler set outside Python: leave it alone
            return
        self._previous = previous
        signal.signal(signal.SIGINT, self._handle)
        self._installed = True

    def uninstall(self):
        self._depth = max(self._depth - 1, 0)
        if not self._installed or self._depth:
            return
        signal.signal(signal.SIGINT, self._previous)
        self._installed = False
        self._pending = None

    def _handle(self, signum, frame):
        if self._holding:
            self._pending = (signum, frame)
        else:
            self._previous(signum, frame)

    def __enter__(self):
        self._holding = True
        return self

    def __exit__(self, *exc_info):
        self._holding = False
        if self._pending is not None:
            signum, frame = self._pending
            self._pending = None
            self._previous(signum, frame)
        return False

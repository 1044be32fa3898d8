"""LearningRateScheduler: set the learning rate at the start of every epoch."""
import numpy as np

from .callback import Callback


def set_learning_rate(optimizer, value):
    """Set a float learning rate; an optimizer driven by a schedule refuses, as in Keras."""
    if getattr(optimizer, "learning_rate_schedule", None) is not None:
        raise TypeError("This optimizer was created with a LearningRateSchedule as its learning_rate, so its "
                        "learning rate cannot be set by a callback: use a float learning_rate instead")
    optimizer.learning_rate = float(value)


class LearningRateScheduler(Callback):
    """Set the optimizer's learning rate to ``schedule(epoch, lr)`` before each epoch (Keras: ``LearningRateScheduler``).

    ``epoch`` counts from 0 and ``lr`` is the current rate; a one-argument
    ``schedule(epoch)`` is accepted too (Keras's older API). The result must be a float.
    At each epoch end the rate in use is added to the logs as ``learning_rate``.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler schedule must be a function schedule(epoch, lr) or "
                            f"schedule(epoch) returning the rate, got {schedule!r}")
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            learning_rate = self.schedule(epoch, float(optimizer.learning_rate))
        except TypeError:
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.floating)):
            raise ValueError(f"The output of the `schedule` function should be a float, got {learning_rate!r}")
        set_learning_rate(optimizer, learning_rate)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {learning_rate}.",
                  flush=True)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)

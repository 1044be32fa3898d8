"""When to save during training: every epoch, or every ``save_freq`` batches (Keras's rule)."""


class SaveSchedule:
    """Counts batches across epochs for callbacks with Keras's ``save_freq`` argument.

    ``save_freq="epoch"`` saves at epoch ends only; an integer ``n`` saves after every
    ``n`` batches, counting on across epoch boundaries as Keras does.
    """

    def __init__(self, save_freq, owner):
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int)
                                     or save_freq <= 0):
            raise ValueError(f"{owner} save_freq must be 'epoch' or a positive integer number of batches, "
                             f"got {save_freq!r}")
        self.save_freq = save_freq
        self.last_batch = None
        self._since_last_save = 0

    @property
    def per_epoch(self):
        return self.save_freq == "epoch"

    def batch_due(self, batch):
        """Record that batch ``batch`` (0-based within its epoch) ended; True when a save is due."""
        if self.per_epoch:
            return False
        if self.last_batch is None or batch <= self.last_batch:
            added = batch + 1  # a new epoch started counting from 0
        else:
            added = batch - self.last_batch
        self._since_last_save += added
        self.last_batch = batch
        if self._since_last_save >= self.save_freq:
            self._since_last_save = 0
            return True
        return False

"""TerminateOnNaN: stop training when the loss becomes NaN or infinite."""
import numpy as np

from .callback import Callback


class TerminateOnNaN(Callback):
    """Stop ``fit`` at the first batch whose running loss is NaN or Inf (Keras: ``TerminateOnNaN``).

    By default it prints a message and sets ``model.stop_training`` (so ``on_train_end``
    still runs everywhere); ``raise_error=True`` raises ``RuntimeError`` at once instead.
    """

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or np.isfinite(loss):
            return
        if self.raise_error:
            raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                               "Terminating training immediately.")
        print(f"Batch {batch}: Invalid loss, terminating training", flush=True)
        self.model.stop_training = True

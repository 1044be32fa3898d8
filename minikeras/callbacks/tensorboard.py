"""TensorBoard: present under its Keras name only to explain that minikeras has no writer."""
from .callback import Callback


class TensorBoard(Callback):
    """Not supported: constructing it raises NotImplementedError (Keras: ``keras.callbacks.TensorBoard``).

    Keras's TensorBoard writes TensorFlow event files through TensorFlow's summary API;
    minikeras depends only on NumPy, h5py and tqdm and has no event-file writer. The error
    points to ``CSVLogger`` (per-epoch logs to a CSV file) and to the ``History`` object
    that ``fit`` returns.
    """

    def __init__(self, log_dir="logs", *args, **kwargs):
        raise NotImplementedError(
            f"keras.callbacks.TensorBoard (log_dir={log_dir!r}) is not supported: minikeras has no "
            "TensorBoard event-file writer. Log each epoch's metrics to a CSV file with "
            "keras.callbacks.CSVLogger('training.csv'), or use the History returned by fit "
            "(history.history is a dict of per-epoch lists, ready for plotting).")

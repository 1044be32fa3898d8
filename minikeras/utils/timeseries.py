"""keras.utils.timeseries_dataset_from_array, as a PyDataset of batches of windows."""
import numpy as np

from .py_dataset import PyDataset


class TimeseriesDataset(PyDataset):
    """Batches of sliding windows over ``data`` (and the target at each window's start), by index."""

    def __init__(self, data, targets, starts, sequence_length, sampling_rate, batch_size):
        super().__init__(workers=0)
        self.data, self.targets, self.starts = data, targets, starts
        self.offsets = np.arange(sequence_length) * sampling_rate
        self.batch_size = len(starts) if batch_size is None else batch_size

    def __len__(self):
        return -(-len(self.starts) // self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"batch index {index} out of range for {len(self)} batches")
        starts = self.starts[index * self.batch_size:(index + 1) * self.batch_size]
        windows = self.data[starts[:, None] + self.offsets]
        return windows if self.targets is None else (windows, self.targets[starts])

    def __iter__(self):
        return (self[i] for i in range(len(self)))


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1, batch_size=128,
                                  shuffle=False, seed=None, start_index=None, end_index=None, format="tf"):
    """Windows of ``sequence_length`` steps (``sampling_rate`` apart) starting every
    ``sequence_stride`` steps of ``data[start_index:end_index]``, each paired with
    ``targets[start_index + start]`` (Keras: ``keras.utils.timeseries_dataset_from_array``,
    with its argument checks and counts). Keras returns a tf.data (or grain) dataset; minikeras
    returns a ``PyDataset`` whose item ``i`` is batch ``i`` (``fit``, ``evaluate`` and
    ``predict`` take it; iterating it yields the batches). With ``shuffle`` the windows'
    starts are permuted by ``np.random.RandomState(seed)`` (Keras's grain path; its values
    differ from tf.data's). ``format`` is accepted for Keras compatibility.
    """
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    data = np.asarray(data)
    n = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: start_index={start_index}")
        if start_index >= n:
            raise ValueError("`start_index` must be lower than the length of the data. Received: "
                             f"start_index={start_index}, for data of length {n}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError("`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        if end_index >= n:
            raise ValueError("`end_index` must be lower than the length of the data. Received: "
                             f"end_index={end_index}, for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value <= 0:
            raise ValueError(f"`{name}` must be higher than 0. Received: {name}={value}")
        if value >= n:
            raise ValueError(f"`{name}` must be lower than the length of the data. Received: {name}={value}, "
                             f"for data of length {n}")
    start_index = start_index or 0
    end_index = n if end_index is None else end_index
    count = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        count = min(count, len(targets) - start_index)
    starts = np.arange(0, max(count, 0), sequence_stride)
    if shuffle:
        np.random.RandomState(np.random.randint(1e6) if seed is None else seed).shuffle(starts)
    return TimeseriesDataset(data[start_index:end_index], None if targets is None else targets[start_index:],
                             starts, sequence_length, sampling_rate, batch_size)

"""``keras.datasets.imdb``: Keras's cached ``imdb.npz`` and ``imdb_word_index.json`` (no download)."""
import json

import numpy as np

from .keras_cache import ORIGIN, cached, index_words, limit_words, load_npz, object_array, remove_long_seq


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3, **kwargs):
    """Movie reviews as word-index lists and 0/1 labels, prepared as Keras does: each split
    shuffled by ``np.random.RandomState(seed)``, ``start_char`` prepended, ids shifted by
    ``index_from``, reviews of ``maxlen`` words or more dropped, words outside
    ``[skip_top, num_words)`` replaced by ``oov_char``. Read from ``~/.keras/datasets/imdb.npz``."""
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
    f = load_npz(cached(path, ORIGIN + "imdb.npz"))
    x_train, labels_train, x_test, labels_test = f["x_train"], f["y_train"], f["x_test"], f["y_test"]
    rng = np.random.RandomState(seed)
    indices = np.arange(len(x_train))
    rng.shuffle(indices)
    x_train, labels_train = x_train[indices], labels_train[indices]
    indices = np.arange(len(x_test))
    rng.shuffle(indices)
    x_test, labels_test = x_test[indices], labels_test[indices]
    x_train = index_words(x_train, start_char, oov_char, index_from)
    x_test = index_words(x_test, start_char, oov_char, index_from)
    if maxlen:
        x_train, labels_train = remove_long_seq(maxlen, x_train, labels_train)
        x_test, labels_test = remove_long_seq(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was kept. "
                             "Increase maxlen.")
    xs = limit_words(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    cut = len(x_train)
    return (object_array(xs[:cut]), labels[:cut]), (object_array(xs[cut:]), labels[cut:])


def get_word_index(path="imdb_word_index.json"):
    """``{word: index}`` from ``~/.keras/datasets/imdb_word_index.json``."""
    with open(cached(path, ORIGIN + "imdb_word_index.json")) as handle:
        return json.load(handle)

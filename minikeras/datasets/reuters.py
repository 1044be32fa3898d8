"""``keras.datasets.reuters``: Keras's cached ``reuters.npz`` (no download)."""
import json

import numpy as np

from .keras_cache import ORIGIN, cached, index_words, limit_words, load_npz, object_array, remove_long_seq

_LABELS = ("cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee",
           "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx",
           "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock",
           "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
           "dlr", "gas", "silver", "wpi", "hog", "lead")


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113,
              start_char=1, oov_char=2, index_from=3):
    """Newswires as word-index lists and topic labels (46 topics), prepared as Keras does (see
    ``imdb.load_data``), the first ``int(n * (1 - test_split))`` for training. Read from
    ``~/.keras/datasets/reuters.npz``."""
    f = load_npz(cached(path, ORIGIN + "reuters.npz"))
    xs, labels = f["x"], f["y"]
    indices = np.arange(len(xs))
    np.random.RandomState(seed).shuffle(indices)
    xs, labels = xs[indices], labels[indices]
    xs = index_words(xs, start_char, oov_char, index_from)
    if maxlen:
        xs, labels = remove_long_seq(maxlen, xs, labels)
    xs = limit_words(xs, num_words, skip_top, oov_char)
    cut = int(len(xs) * (1 - test_split))
    return ((object_array(xs[:cut]), np.array(labels[:cut])), (object_array(xs[cut:]), np.array(labels[cut:])))


def get_word_index(path="reuters_word_index.json"):
    """``{word: index}`` from ``~/.keras/datasets/reuters_word_index.json``."""
    with open(cached(path, ORIGIN + "reuters_word_index.json")) as handle:
        return json.load(handle)


def get_label_names():
    """The 46 topic names, in label order (Keras's ``get_label_names``)."""
    return _LABELS

"""keras.utils.pad_sequences, split_dataset, pack/unpack_x_y_sample_weight, Progbar and get_file
(issue 19). Expected values were printed by Keras 3.15.1 (jax) for the same calls; Keras's
split_dataset needs TensorFlow there, so its split is checked against Keras's rules (the first
left_size rows, the last right_size, Python's random permutation for shuffle)."""
import io
import os
import random
import tarfile

import numpy as np
import pytest

import minikeras as keras

SEQUENCES = [[1, 2, 3], [4, 5], [], [6, 7, 8, 9, 10]]


def test_pad_sequences_as_keras():
    np.testing.assert_array_equal(keras.utils.pad_sequences(SEQUENCES),
                                  [[0, 0, 1, 2, 3], [0, 0, 0, 4, 5], [0, 0, 0, 0, 0], [6, 7, 8, 9, 10]])
    np.testing.assert_array_equal(keras.utils.pad_sequences(SEQUENCES, maxlen=3, padding="post", truncating="post",
                                                            value=-1), [[1, 2, 3], [4, 5, -1], [-1, -1, -1], [6, 7, 8]])
    np.testing.assert_array_equal(keras.utils.pad_sequences(SEQUENCES, maxlen=2), [[2, 3], [4, 5], [0, 0], [9, 10]])
    padded = keras.utils.pad_sequences([[0.5, 1.5], [2.5]], dtype="float32")
    assert padded.dtype == np.float32 and padded.tolist() == [[0.5, 1.5], [0.0, 2.5]]
    assert keras.utils.pad_sequences([np.ones((2, 3)), np.ones((1, 3))], maxlen=3).shape == (2, 3, 3)
    assert keras.utils.pad_sequences(SEQUENCES).dtype == np.int32
    with pytest.raises(ValueError, match='Padding type "mid" not understood'):
        keras.utils.pad_sequences(SEQUENCES, padding="mid")
    with pytest.raises(ValueError, match="is not compatible with `value`'s type"):
        keras.utils.pad_sequences(SEQUENCES, value="x")
    with pytest.raises(ValueError, match="must be a list of iterables"):
        keras.utils.pad_sequences([1, 2])


def test_pack_and_unpack_as_keras():
    assert keras.utils.pack_x_y_sample_weight(1, 2) == (1, 2)
    assert keras.utils.pack_x_y_sample_weight([1, 2]) == ([1, 2],)
    assert keras.utils.pack_x_y_sample_weight(1, 2, 3) == (1, 2, 3)
    assert keras.utils.unpack_x_y_sample_weight((1, 2)) == (1, 2, None)
    assert keras.utils.unpack_x_y_sample_weight([1]) == (1, None, None)
    x = np.ones(2)
    assert keras.utils.unpack_x_y_sample_weight(x)[0] is x
    with pytest.raises(ValueError, match="Data is expected to be in format"):
        keras.utils.unpack_x_y_sample_weight((1, 2, 3, 4))


def test_split_dataset_of_arrays():
    x, y = np.arange(20).reshape(10, 2), np.arange(10)
    left, right = keras.utils.split_dataset(x, left_size=0.7)
    np.testing.assert_array_equal(left, x[:7])
    np.testing.assert_array_equal(right, x[7:])
    (lx, ly), (rx, ry) = keras.utils.split_dataset((x, y), right_size=3)
    np.testing.assert_array_equal(ly, y[:7])
    np.testing.assert_array_equal(ry, y[7:])
    (lx, ly), (rx, ry) = keras.utils.split_dataset((x, y), left_size=4, right_size=4, shuffle=True, seed=5)
    order = list(range(10))
    random.Random(5).shuffle(order)  # Keras: random.seed(seed); random.shuffle(samples)
    np.testing.assert_array_equal(ly, order[:4])
    np.testing.assert_array_equal(ry, order[-4:])
    np.testing.assert_array_equal(lx, x[order[:4]])
    with pytest.raises(ValueError, match="`left_size` should be either a positive integer smaller than 10"):
        keras.utils.split_dataset(x, left_size=1.5)
    with pytest.raises(ValueError, match="At least one of the `left_size` or `right_size` must be specified"):
        keras.utils.split_dataset(x)
    with pytest.raises(ValueError, match="should be smaller than the 10"):
        keras.utils.split_dataset(x, left_size=6, right_size=6)


def test_progbar_shows_means_and_stateful_values():
    bar = keras.utils.Progbar(4, verbose=1, stateful_metrics=["lr"], interval=0)
    bar._stream = out = io.StringIO()
    for step, loss in enumerate((4.0, 2.0, 3.0, 1.0), start=1):
        bar.update(step, values=[("loss", loss), ("lr", 0.1 * step)])
    last = out.getvalue().split("\r")[-1]
    assert last.startswith("4/4 [====================]") and "loss: 2.5000" in last and "lr: 0.4000" in last
    quiet = keras.utils.Progbar(None, verbose=2)
    quiet._stream = out = io.StringIO()
    quiet.add(3, values=[("acc", 0.5)])
    quiet.update(5, values=[("acc", 1.0)], finalize=True)
    assert out.getvalue().startswith("5/Unknown") and "acc: 0.7000" in out.getvalue()


def test_get_file_reads_keras_cache_and_local_files_and_names_the_cache_when_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    cached = tmp_path / "home" / "datasets" / "data.txt"
    cached.parent.mkdir(parents=True)
    cached.write_text("cached")
    assert keras.utils.get_file("data.txt", "https://example.invalid/data.txt") == str(cached)
    with pytest.raises(OSError, match=r"fetch https://example.invalid/other.txt yourself and save it as .*"
                                      r"home/datasets/other.txt"):
        keras.utils.get_file("other.txt", "https://example.invalid/other.txt")
    source = tmp_path / "archive.tar.gz"
    with tarfile.open(source, "w:gz") as archive:
        member = tmp_path / "inside.txt"
        member.write_text("hello")
        archive.add(member, arcname="inside.txt")
    # Keras 3.15's layout: fname "bundle" -> archive bundle_archive, folder bundle;
    # fname "bundle.tar.gz" -> folder bundle_extracted
    folder = keras.utils.get_file("bundle", origin=f"file://{source}", extract=True, cache_subdir="things")
    assert folder.endswith("things/bundle") and open(os.path.join(folder, "inside.txt")).read() == "hello"
    assert os.path.exists(folder + "_archive")
    folder = keras.utils.get_file("bundle.tar.gz", origin=str(source), extract=True, cache_subdir="things")
    assert folder.endswith("things/bundle_extracted") and os.path.exists(os.path.join(folder, "inside.txt"))
    import hashlib
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert keras.utils.get_file("copy.tar.gz", str(source), file_hash=digest).endswith("datasets/copy.tar.gz")
    with pytest.raises(ValueError, match="does not match the expected hash"):
        keras.utils.get_file("copy.tar.gz", str(source), file_hash="0" * 64)


def test_timeseries_dataset_from_array_as_keras_documents_it():
    # Keras's docstring examples (Keras returns tf.data; here a PyDataset of the same batches)
    data = np.arange(100)
    dataset = keras.utils.timeseries_dataset_from_array(data[:-10], data[10:], sequence_length=10)
    inputs, targets = next(iter(dataset))
    np.testing.assert_array_equal(inputs[0], data[:10])
    assert targets[0] == data[10] and len(dataset) == 1 and len(inputs) == 81
    X = np.arange(100)
    dataset = keras.utils.timeseries_dataset_from_array(X, None, sequence_length=5, sampling_rate=2, batch_size=None)
    np.testing.assert_array_equal(dataset[0][0], [0, 2, 4, 6, 8]) and None
    windows = keras.utils.timeseries_dataset_from_array(X, None, sequence_length=5, sequence_stride=10,
                                                        sampling_rate=2, batch_size=4, start_index=3, end_index=90)
    assert len(windows) == 2 and windows[0].shape == (4, 5)
    np.testing.assert_array_equal(windows[1][-1], [73, 75, 77, 79, 81])
    shuffled = keras.utils.timeseries_dataset_from_array(X, X, sequence_length=3, shuffle=True, seed=2, batch_size=200)
    x, y = shuffled[0]
    np.testing.assert_array_equal(x[:, 0], y) and None
    assert sorted(y.tolist()) == list(range(98))
    with pytest.raises(ValueError, match="`sampling_rate` must be higher than 0"):
        keras.utils.timeseries_dataset_from_array(X, None, sequence_length=3, sampling_rate=0)
    with pytest.raises(ValueError, match="`end_index` must be lower than the length of the data"):
        keras.utils.timeseries_dataset_from_array(X, None, sequence_length=3, end_index=100)
    model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(keras.utils.timeseries_dataset_from_array(data[:-10].astype("float32") / 100,
                                                        data[10:].astype("float32") / 100, sequence_length=10,
                                                        batch_size=16), epochs=1, verbose=0)


def test_config_reads_writes_and_freezes_as_keras():
    # Keras 3.15.1 gave the same values and messages for this script
    config = keras.utils.Config(learning_rate=0.1, momentum=0.9)
    config.units = 8
    config["depth"] = 2
    assert (config.learning_rate, config["units"], config.depth, len(config)) == (0.1, 8, 2, 4)
    assert list(config) == ["depth", "learning_rate", "momentum", "units"] and "units" in config
    assert config.to_json() == '{"learning_rate": 0.1, "momentum": 0.9, "units": 8, "depth": 2}'
    with pytest.raises(AttributeError, match="Unknown attribute: 'learning_rat'. Did you mean 'learning_rate'?"):
        config.learning_rat
    config.freeze()
    for change in (lambda: setattr(config, "units", 3), lambda: config.__setitem__("x", 1), lambda: config.pop("units")):
        with pytest.raises(ValueError, match="Cannot mutate attribute\\(s\\) because the config is frozen."):
            change()
    assert config.frozen
    config.unfreeze()
    config.units = 3
    assert config.pop("depth") == 2 and config.as_dict() == {"learning_rate": 0.1, "momentum": 0.9, "units": 3}

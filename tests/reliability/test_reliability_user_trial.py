"""Mistakes from the fifth new-user trial (scripts compared with Keras 3.15.1 on JAX): each
refused call names the argument, the expected and the actual value, and leaves weights and
optimizer state bit-identical; each input Keras accepts is accepted with Keras's meaning."""
import numpy as np
import pytest

import minikeras as keras
from reliability_helpers import data, small_classifier, snapshot

X, Y = data()


def _bn_classifier():
    """small_classifier with BatchNormalization: a training forward pass moves its moving
    statistics, so a call that fails after the forward pass shows in the snapshot."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.BatchNormalization(), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0)
    return model


def _refused(model, call, *patterns):
    before = snapshot(model)
    with pytest.raises(ValueError) as info:
        call(model)
    for pattern in patterns:
        assert pattern in str(info.value), (pattern, str(info.value))
    assert snapshot(model) == before
    return info.value


@pytest.mark.parametrize("call", [
    lambda m: m.fit(X, Y, sample_weight=np.ones((20, 3)), verbose=0),
    lambda m: m.train_on_batch(X, Y, sample_weight=np.ones((20, 3))),
    lambda m: m.evaluate(X, Y, sample_weight=np.ones((20, 3)), verbose=0),
    lambda m: m.fit(((X, Y, np.ones((20, 3))) for _ in range(3)), shuffle=False, verbose=0),
], ids=["fit", "train_on_batch", "evaluate", "generator"])
def test_sample_weight_of_the_wrong_shape_is_refused_before_the_first_step(call):
    # Keras fails inside the first step ("Incompatible shapes for broadcasting"); minikeras
    # failed there too, after the batch had moved the weights.
    _refused(_bn_classifier(), call, "sample_weight of shape (20, 3)", "per-sample loss values of shape (20,)")


def test_validation_sample_weight_of_the_wrong_shape_is_refused_before_training():
    error = _refused(_bn_classifier(), lambda m: m.fit(X, Y, validation_data=(X, Y, np.ones((20, 2))), verbose=0),
                     "sample_weight of shape (20, 2)")
    assert str(error).startswith("validation_data ")


def test_sample_weight_of_one_column_still_trains():
    model = small_classifier()
    flat = model.fit(X, Y, sample_weight=np.linspace(0, 1, 20), epochs=1, shuffle=False, verbose=0)
    model = small_classifier()
    column = model.fit(X, Y, sample_weight=np.linspace(0, 1, 20)[:, None], epochs=1, shuffle=False, verbose=0)
    assert column.history["loss"] == flat.history["loss"]


def _line_model():
    # TensorFlow's "hello world": Dense(units=1, input_shape=[1]) fitted on 1-D arrays.
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.layers.Dense(units=1, input_shape=[1])])
    model.compile(optimizer="sgd", loss="mean_squared_error")
    return model


XS = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
YS = 2 * XS - 1


def test_one_dimensional_x_for_an_input_of_one_feature_is_that_column():
    # Keras 3 (functional _adjust_input_rank) accepts x of shape (n,) for Input((1,)) and
    # trains exactly as on x.reshape(-1, 1); minikeras refused it.
    flat, column = _line_model(), _line_model()
    h_flat = flat.fit(XS, YS, epochs=5, batch_size=2, shuffle=False, validation_data=(XS, YS), verbose=0)
    h_col = column.fit(XS[:, None], YS, epochs=5, batch_size=2, shuffle=False,
                       validation_data=(XS[:, None], YS), verbose=0)
    assert h_flat.history == h_col.history
    np.testing.assert_array_equal(flat.predict(np.array([10.0]), verbose=0), column.predict(np.array([[10.0]]), verbose=0))
    assert flat.evaluate(XS, YS, verbose=0) == column.evaluate(XS[:, None], YS, verbose=0)
    assert flat.predict_on_batch(XS).shape == flat(XS).shape == (6, 1)
    assert flat.train_on_batch(XS, YS) == column.train_on_batch(XS[:, None], YS)
    assert flat.test_on_batch(XS, YS) == column.test_on_batch(XS[:, None], YS)
    assert flat.fit(((XS, YS) for _ in range(2)), shuffle=False, verbose=0).history["loss"] == \
        column.fit(((XS[:, None], YS) for _ in range(2)), shuffle=False, verbose=0).history["loss"]
    assert "val_loss" in flat.fit(XS, YS, validation_split=0.5, verbose=0).history


def test_trailing_axis_of_one_is_dropped_and_other_ranks_still_refused():
    model = small_classifier()
    np.testing.assert_array_equal(model.predict(X[..., None], verbose=0), model.predict(X, verbose=0))
    _refused(model, lambda m: m.fit(np.repeat(X[..., None], 2, axis=-1), Y, verbose=0), "(20, 4, 2)", "rank 3")
    _refused(model, lambda m: m.fit(X[:, 0], Y, verbose=0), "(20,)", "rank >= 2")


def test_logs_handed_out_as_dicts_have_sorted_keys_as_in_keras(capsys):
    # Keras 3.15.1 (pythonify_logs sorts): evaluate(return_dict=True) and *_on_batch(return_dict=True)
    # give ['accuracy', 'loss', 'sparse_categorical_crossentropy'] for metrics compiled as
    # ["sparse_categorical_crossentropy", "accuracy"], and print "accuracy: ... - loss: ... - sparse_...";
    # the list form stays in metrics_names order.
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["sparse_categorical_crossentropy", "accuracy"])
    seen = []
    record = keras.callbacks.LambdaCallback(on_test_end=lambda logs: seen.append(list(logs)))
    model.fit(X, Y, validation_data=(X, Y), callbacks=[record], verbose=0)
    keys = ["accuracy", "loss", "sparse_categorical_crossentropy"]
    assert list(model.evaluate(X, Y, return_dict=True, callbacks=[record], verbose=0)) == keys
    assert seen == [keys, keys]
    assert list(model.test_on_batch(X, Y, return_dict=True)) == keys
    assert list(model.train_on_batch(X, Y, return_dict=True)) == keys
    loss, crossentropy, accuracy = model.evaluate(X, Y, verbose=0)
    assert loss == pytest.approx(crossentropy) and 0 <= accuracy <= 1
    capsys.readouterr()
    model.evaluate(X, Y, verbose=2)
    line = capsys.readouterr().out
    assert line.index("accuracy:") < line.index("loss:") < line.index("sparse_categorical_crossentropy:")


class _Batches(keras.utils.PyDataset):
    def __init__(self, batches):
        super().__init__()
        self.batches = batches

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, index):
        return self.batches[index]


def test_a_later_generator_batch_with_labels_out_of_range_is_a_clear_error():
    # Keras trains on such a batch silently; minikeras raised a bare IndexError from the loss.
    bad = np.where(np.arange(20) == 3, 5, Y)
    for data in ((b for b in [(X, Y), (X, Y), (X, bad)]), _Batches([(X, Y), (X, bad)])):
        with pytest.raises(ValueError, match=r"^x gave a batch whose targets the loss cannot take: "
                                             r".*\[0, 2\].*got label 5"):
            small_classifier().fit(data, shuffle=False, verbose=0)
    with pytest.raises(ValueError, match=r"^validation_data x gave a batch whose targets .*label 5"):
        small_classifier().fit(X, Y, validation_data=(b for b in [(X, Y), (X, bad)]), verbose=0)


def test_a_dict_of_inputs_is_refused_naming_its_keys():
    # It was "x must hold numbers ..., got dtype object (strings cannot be fed to a model)".
    _refused(small_classifier(), lambda m: m.fit({"features": X}, Y, verbose=0), "x is a dict with keys ['features']")
    _refused(small_classifier(), lambda m: m.fit(X, Y, validation_data=(X, {"a": Y}), verbose=0),
             "validation_data y is a dict")
    with pytest.raises(ValueError, match="x is a dict"):
        small_classifier().predict({"features": X}, verbose=0)


@pytest.mark.parametrize("dtype", ["float64", "float16", np.float64, "int32",
                                   {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float64"}}])
def test_a_layer_dtype_other_than_float32_is_refused(dtype):
    # Keras 3 computes Dense(3, dtype="float64") in float64; minikeras ignored the argument.
    with pytest.raises(ValueError, match=r"Dense dtype must be 'float32'.*got dtype="):
        keras.layers.Dense(3, dtype=dtype)


def test_layer_dtype_reads_float32_as_in_keras():
    # Keras 3.15.1: Dense(3).dtype == "float32", also under "mixed_float16" (its variable dtype).
    for dtype in (None, "float32", np.float32, "mixed_float16",
                  {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}}):
        assert keras.layers.Dense(3, dtype=dtype).dtype == "float32"
    assert small_classifier(train=False).dtype == "float32"


def test_a_name_with_a_slash_is_refused_as_in_keras():
    # Keras 3: "Argument `name` must be a string and cannot contain character `/`"; minikeras
    # accepted it, and the slash then split the weight paths saved in .weights.h5 files.
    for make in (lambda: keras.layers.Dense(3, name="a/b"), lambda: keras.Sequential(name="a/b")):
        with pytest.raises(ValueError, match=r"without '/'.*got 'a/b'"):
            make()


def test_learning_rate_assign_as_scripts_write_it_for_keras():
    # Keras 3.15.1: optimizer.learning_rate is a variable; .assign(0.5) sets it and .numpy() reads
    # it. minikeras returned a plain float, so .assign raised AttributeError.
    model = small_classifier()
    model.optimizer.learning_rate.assign(0.5)
    assert model.optimizer.learning_rate == 0.5 and model.optimizer.learning_rate.numpy() == np.float32(0.5)
    assert model.optimizer.get_config()["learning_rate"] == 0.5
    before = model.get_weights()
    model.train_on_batch(X, Y)
    reference = small_classifier()
    reference.optimizer.learning_rate = 0.5
    reference.train_on_batch(X, Y)
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, want)
    assert not np.array_equal(before[0], model.get_weights()[0])
    with pytest.raises(ValueError, match="learning_rate must be a non-negative float"):
        model.optimizer.learning_rate.assign(-1.0)
    assert model.optimizer.learning_rate == 0.5


def test_a_later_generator_batch_of_another_width_names_the_generator_argument():
    # Keras: "Input 0 ... of layer 'dense' is incompatible with the layer"; minikeras named the
    # layer too, not the data. Now the argument and both shapes are named, as for the first batch.
    batches = (b for b in [(X, Y), (X[:, :3], Y)])
    with pytest.raises(ValueError, match=r"^x has shape \(20, 3\), but model .* expects input of shape \(None, 4\)"):
        small_classifier().fit(batches, shuffle=False, verbose=0)
    with pytest.raises(ValueError, match=r"^validation_data x has shape \(20, 3\)"):
        small_classifier().fit(X, Y, validation_data=(b for b in [(X, Y), (X[:, :3], Y)]), verbose=0)


def test_keras_utils_reexports_the_saving_registry_as_keras_3_does(tmp_path):
    # Keras 3.15.1: keras.utils.register_keras_serializable is keras.saving.register_keras_serializable
    # (and so for the other six names); custom-layer tutorials decorate with the utils spelling.
    for name in ("register_keras_serializable", "CustomObjectScope", "custom_object_scope", "get_custom_objects",
                 "get_registered_name", "get_registered_object", "serialize_keras_object", "deserialize_keras_object"):
        assert getattr(keras.utils, name) is getattr(keras.saving, name)
    assert keras.backend.image_data_format() == "channels_last"

    @keras.utils.register_keras_serializable(package="trial5")
    class Doubling(keras.layers.Layer):
        def call(self, x):
            return 2 * x

        def backward(self, grad):
            return 2 * grad

    model = keras.Sequential([keras.Input((4,)), Doubling(), keras.layers.Dense(2)])
    model.save(tmp_path / "m.keras")
    np.testing.assert_array_equal(keras.saving.load_model(tmp_path / "m.keras").predict(X, verbose=0),
                                  model.predict(X, verbose=0))


def test_softmax_over_one_unit_warns_as_keras_does():
    # The beginner's Dense(1, activation="softmax") + binary_crossentropy always outputs 1 and
    # never learns. Keras 3.15.1 warns "You are using a softmax over axis -1 of a tensor of shape
    # (40, 1). This axis has size 1. ... Did you mean to use a sigmoid instead?"; minikeras was silent.
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="softmax")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    with pytest.warns(UserWarning, match=r"softmax over axis -1 of a tensor of shape \(20, 1\)\. This axis has "
                                         r"size 1\..*Did you mean to use a sigmoid instead\?"):
        model.fit(X, (Y > 0).astype(np.float32), batch_size=20, verbose=0)
    with pytest.warns(UserWarning, match=r"shape \(2, 1\)"):
        keras.activations.softmax(np.ones((2, 1), np.float32))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        small_classifier().predict(X, verbose=0)
        keras.activations.softmax(np.ones((1, 2), np.float32))


def test_categorical_crossentropy_over_one_class_warns_as_keras_does():
    # Dense(1, activation="sigmoid") with categorical_crossentropy: the loss is always 0. Keras 3.15.1
    # warns (SyntaxWarning) "In loss categorical_crossentropy, expected y_pred.shape to be
    # (batch_size, num_classes) with num_classes > 1. Received: y_pred.shape=(20, 1). Consider
    # using 'binary_crossentropy' if you only have 2 classes."; minikeras was silent.
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    with pytest.warns(SyntaxWarning, match=r"expected y_pred.shape to be \(batch_size, num_classes\) with "
                                           r"num_classes > 1\. Received: y_pred.shape=\(20, 1\)\. Consider using "
                                           r"'binary_crossentropy'"):
        history = model.fit(X, (Y > 0).astype(np.float32)[:, None], batch_size=20, verbose=0)
    assert history.history["loss"][0] < 1e-6  # -log of the clipped 1 - 1e-7, times the labels


def test_normalization_adapt_refuses_empty_and_non_finite_data_and_keeps_its_statistics():
    # An empty array raised ZeroDivisionError; NaN data gave NaN statistics silently (Keras too).
    layer = keras.layers.Normalization()
    layer.adapt(X)
    mean, variance = layer.adapt_mean.value.copy(), layer.adapt_variance.value.copy()
    with pytest.raises(ValueError, match=r"Normalization.adapt got no data \(an empty array"):
        layer.adapt(X[:0])
    with pytest.raises(ValueError, match=r"NaN or inf .*shape \(20, 4\)"):
        layer.adapt(np.where(X > 1, np.nan, X))
    np.testing.assert_array_equal(layer.adapt_mean.value, mean)
    np.testing.assert_array_equal(layer.adapt_variance.value, variance)
    layer.adapt([X[:0], X])  # an empty batch among others adds nothing
    np.testing.assert_array_equal(layer.adapt_mean.value, mean)


@pytest.mark.parametrize("make, pattern", [
    (lambda: keras.layers.Dropout(0.5, seed="a"), r"Dropout seed must be a non-negative integer or None, got 'a'"),
    (lambda: keras.layers.GaussianNoise(0.1, seed=1.5), r"GaussianNoise seed must be .*got 1\.5"),
    (lambda: keras.layers.GaussianDropout(0.1, seed=-1), r"GaussianDropout seed must be .*got -1"),
    (lambda: keras.layers.Dropout(0.5, noise_shape="x"), r"Dropout noise_shape must be a tuple or list .*got 'x'"),
    (lambda: keras.layers.Dense(3, trainable="no"), r"Dense trainable must be True or False, got 'no'"),
])
def test_layer_arguments_keras_refuses_are_refused_naming_them(make, pattern):
    # Keras 3.15.1 raises ValueError for each ("Argument `seed` must be an integer", "Invalid value
    # received for argument `noise_shape`", "Expected `trainable` to be a boolean"); minikeras raised
    # NumPy's TypeError for the seed, and accepted the other two (trainable="no" meant trainable).
    with pytest.raises(ValueError, match=pattern):
        make()


def test_an_optimizer_name_that_is_not_a_string_is_refused_as_in_keras():
    # Keras 3.15.1: "Argument `name` must be a string and cannot contain character `/`".
    # minikeras kept name=5, which the .keras writer then stored as the optimizer's name.
    for name in (5, "a/b"):
        with pytest.raises(ValueError, match=r"Adam name must be a string without '/', got"):
            keras.optimizers.Adam(name=name)
    assert keras.optimizers.Adam(name="my_adam").name == "my_adam"


@pytest.mark.parametrize("make, pattern", [
    (lambda: keras.callbacks.EarlyStopping(patience="2"), r"EarlyStopping patience must be a number, got '2'"),
    (lambda: keras.callbacks.EarlyStopping(baseline="1"), r"EarlyStopping baseline must be a number or None, got '1'"),
    (lambda: keras.callbacks.EarlyStopping(min_delta="0.1"), r"EarlyStopping min_delta must be a number, got '0.1'"),
    (lambda: keras.callbacks.EarlyStopping(monitor=None), r"EarlyStopping monitor must be the name of a logged value"),
    (lambda: keras.callbacks.ReduceLROnPlateau(patience="1"), r"ReduceLROnPlateau patience must be a number, got '1'"),
    (lambda: keras.callbacks.ReduceLROnPlateau(factor="0.5"), r"ReduceLROnPlateau factor must be a number, got '0.5'"),
])
def test_callback_arguments_of_the_wrong_type_are_refused_at_construction(make, pattern):
    # Keras 3.15.1 takes patience="2" and fails (or not) in a comparison at some epoch's end;
    # minikeras failed there too, after an epoch of training had changed the weights.
    with pytest.raises(ValueError, match=pattern):
        make()


def test_early_stopping_with_numeric_arguments_still_stops():
    model = small_classifier()
    stop = keras.callbacks.EarlyStopping(monitor="loss", patience=np.int64(0), min_delta=np.float32(10.0), baseline=None)
    assert len(model.fit(X, Y, epochs=5, callbacks=[stop], verbose=0).history["loss"]) == 2


def test_learning_rate_scheduler_refuses_a_schedule_that_is_not_callable():
    # Keras 3.15.1 and minikeras raised "'float' object is not callable" at the first epoch's start.
    for schedule in (0.1, None):
        with pytest.raises(TypeError, match=r"LearningRateScheduler schedule must be a function"):
            keras.callbacks.LearningRateScheduler(schedule)

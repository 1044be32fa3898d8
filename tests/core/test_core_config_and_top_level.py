"""keras.config, keras.version() and the top-level base classes (issue 19's "Top level")."""
import os

import numpy as np
import pytest

import minikeras as keras



def test_config_getters_and_setters_that_minikeras_honours():
    assert keras.config.floatx() == "float32" and keras.config.epsilon() == 1e-7
    assert keras.config.image_data_format() == "channels_last" and keras.config.backend() == "numpy"
    assert keras.config.dtype_policy() == "float32"
    keras.config.set_floatx("float32")
    keras.config.set_epsilon(1e-7)
    keras.config.set_image_data_format("channels_last")
    keras.config.set_dtype_policy("float32")


@pytest.mark.parametrize("call, match", [
    (lambda: keras.config.set_floatx("float64"), "float32 only"),
    (lambda: keras.config.set_epsilon(1e-5), "epsilon 1e-7"),
    (lambda: keras.config.set_image_data_format("channels_first"), "channels_last"),
    (lambda: keras.config.set_dtype_policy("mixed_float16"), "float32 only"),
    (lambda: keras.config.set_backend("jax"), "one backend"),
    (lambda: keras.config.disable_interactive_logging(), "not supported by minikeras"),
    (lambda: keras.config.enable_flash_attention(), "not supported by minikeras")])
def test_what_minikeras_cannot_honour_is_a_clear_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_every_keras_config_name_exists():
    names = ["backend", "disable_flash_attention", "disable_interactive_logging", "disable_traceback_filtering",
             "dtype_policy", "enable_flash_attention", "enable_interactive_logging", "enable_traceback_filtering",
             "enable_unsafe_deserialization", "epsilon", "floatx", "image_data_format",
             "is_flash_attention_enabled", "is_interactive_logging_enabled", "is_nnx_enabled",
             "is_traceback_filtering_enabled", "max_epochs", "max_steps_per_epoch", "set_backend",
             "set_dtype_policy", "set_epsilon", "set_floatx", "set_image_data_format", "set_max_epochs",
             "set_max_steps_per_epoch"]  # dir(keras.config) of Keras 3.15.1
    assert all(callable(getattr(keras.config, name)) for name in names)


def test_enable_unsafe_deserialization_is_safe_mode_false_for_every_load(monkeypatch):
    monkeypatch.setattr(keras.config, "_unsafe_deserialization", False)
    lambda_file = os.path.join(os.path.dirname(__file__), os.pardir, "fixtures", "keras_files", "lambda.keras")
    if not os.path.exists(lambda_file):
        pytest.skip("no lambda.keras fixture")
    with pytest.raises(ValueError, match="serialized Python lambda"):
        keras.models.load_model(lambda_file)
    keras.config.enable_unsafe_deserialization()
    model = keras.models.load_model(lambda_file)  # as with safe_mode=False
    assert any(type(layer).__name__ == "Lambda" for layer in model.layers)


def test_top_level_names():
    assert keras.version() == keras.__version__
    assert keras.Loss is keras.losses.Loss and keras.Metric is keras.metrics.Metric
    assert keras.Optimizer is keras.optimizers.Optimizer and keras.Initializer is keras.initializers.Initializer
    assert keras.Regularizer is keras.regularizers.Regularizer
    variable = keras.Variable([1.0, 2.0], "v")
    assert variable.numpy().tolist() == [1.0, 2.0] and variable.dtype == "float32"
    assert isinstance(keras.losses.MeanSquaredError(), keras.Loss)


def test_backend_dtype_helpers_and_uids_as_keras():
    # Keras 3.15.1 (its NumPy/TensorFlow backends for int; jax gives int32)
    backend = keras.backend
    assert backend.standardize_dtype(float) == "float32" and backend.standardize_dtype(None) == "float32"
    assert backend.standardize_dtype(int) == "int64" and backend.standardize_dtype(bool) == "bool"
    assert backend.standardize_dtype(np.dtype("int16")) == "int16" and backend.standardize_dtype("bfloat16") == "bfloat16"
    assert backend.is_float_dtype("bfloat16") and backend.is_float_dtype(np.float16) and not backend.is_float_dtype("int8")
    assert backend.is_int_dtype("uint8") and not backend.is_int_dtype(float)
    with pytest.raises(ValueError, match="Invalid dtype: float"):
        backend.standardize_dtype("float")
    first = backend.get_uid("test_uid_prefix")
    assert backend.get_uid("test_uid_prefix") == first + 1 and backend.get_uid("other_test_prefix") == 1
    assert keras.utils.is_keras_tensor(keras.Input((2,))) and not backend.is_keras_tensor(np.ones(2))
    assert keras.utils.standardize_dtype is backend.standardize_dtype
    backend.set_epsilon(1e-7)
    with pytest.raises(ValueError, match="epsilon 1e-7"):
        backend.set_epsilon(1e-3)
    with pytest.raises(ValueError, match="channels_last"):
        backend.set_image_data_format("channels_first")

"""``optimizer.iterations`` and ``optimizer.learning_rate`` have the methods callbacks call on
Keras's variables (trial 2026-12-01 #8: ``iterations.numpy()`` raised AttributeError)."""
import numpy as np

import minikeras as keras


def test_iterations_numpy_value_and_assign_in_a_callback():
    steps = []

    class StepLR(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            steps.append(int(self.model.optimizer.iterations.numpy()))

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.01), "mse")
    model.fit(np.ones((8, 3)), np.ones(8), batch_size=4, epochs=2, verbose=0, callbacks=[StepLR()])
    assert steps == [1, 2, 3, 4]
    iterations = model.optimizer.iterations
    assert iterations == 4 and iterations.numpy().dtype == np.int64 and iterations.value == 4
    assert iterations.dtype == "int64" and iterations.shape == ()
    iterations.assign(10)
    assert model.optimizer.iterations == 10
    model.optimizer.iterations.assign_add(1)
    assert model.optimizer.iterations == 11


def test_learning_rate_value_dtype_and_shape():
    optimizer = keras.optimizers.Adam(0.01)
    rate = optimizer.learning_rate
    assert rate.value == np.float32(0.01) and rate.value.dtype == np.float32
    assert rate.dtype == "float32" and rate.shape == () and rate.numpy().dtype == np.float32


def test_a_schedule_reads_an_assigned_iteration_count():
    schedule = keras.optimizers.schedules.ExponentialDecay(1.0, decay_steps=1, decay_rate=0.5)
    optimizer = keras.optimizers.SGD(schedule)
    optimizer.iterations.assign(3)
    assert optimizer.learning_rate == 0.125

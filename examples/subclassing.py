"""Subclassed models and custom keras.ops layers: keras.io's variational autoencoder on MNIST.

The guide's VAE (keras.io/examples/generative/vae), with Dense layers in place of its
convolutions: an encoder (784 -> 256 -> z_mean, z_log_var), a Sampling layer written with
keras.ops and keras.random (the reparameterization trick: no backward is written anywhere),
and a decoder (2 -> 256 -> 784 sigmoid). Trained two ways:

1. ``VAE``: a keras.Model subclass whose ``call`` adds the KL term with ``self.add_loss``;
   compiled with the reconstruction loss and trained with ``fit(x, x)``, saved as .keras and
   reloaded (the class is registered with ``@keras.saving.register_keras_serializable``).
2. ``VAETrainer``: the guide's own custom ``train_step``, with ``keras.GradientTape`` in
   place of ``tf.GradientTape`` and its three loss trackers.

Both print their loss per epoch: it falls from about 200 to about 150 (the guide's conv VAE
reaches about 150 after 10 epochs and 140 after 30).

    python examples/subclassing.py [--out DIR] [--quick]
"""
import time

import numpy as np

import minikeras as keras
from minikeras import layers, ops
from _common import parse_args, report


@keras.saving.register_keras_serializable(package="examples")
class Sampling(layers.Layer):
    """z = z_mean + exp(z_log_var / 2) * epsilon, epsilon ~ N(0, 1)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch, dim = ops.shape(z_mean)[0], ops.shape(z_mean)[1]
        epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


def make_encoder(latent_dim):
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Flatten()(inputs)
    x = layers.Dense(256, activation="relu")(x)
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    z = Sampling()([z_mean, z_log_var])
    return keras.Model(inputs, [z_mean, z_log_var, z], name="encoder")


def make_decoder(latent_dim):
    latent_inputs = keras.Input(shape=(latent_dim,))
    x = layers.Dense(256, activation="relu")(latent_inputs)
    x = layers.Dense(28 * 28, activation="sigmoid")(x)
    return keras.Model(latent_inputs, layers.Reshape((28, 28, 1))(x), name="decoder")


def kl_divergence(z_mean, z_log_var):
    return ops.mean(ops.sum(-0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var)), axis=1))


@keras.saving.register_keras_serializable(package="examples")
def reconstruction_loss(data, reconstruction):
    return ops.mean(ops.sum(keras.losses.binary_crossentropy(data, reconstruction), axis=(1, 2)))


@keras.saving.register_keras_serializable(package="examples")
class VAE(keras.Model):
    """The VAE as one subclassed model: the KL term joins the loss through add_loss."""

    def __init__(self, latent_dim=2, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = latent_dim
        self.encoder = make_encoder(latent_dim)
        self.decoder = make_decoder(latent_dim)

    def call(self, inputs):
        z_mean, z_log_var, z = self.encoder(inputs)
        self.add_loss(kl_divergence(z_mean, z_log_var))
        return self.decoder(z)

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim}


class VAETrainer(keras.Model):
    """The guide's VAE class: its train_step, tf.GradientTape replaced by keras.GradientTape."""

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    def train_step(self, data):
        with keras.GradientTape() as tape:
            z_mean, z_log_var, z = self.encoder(data)
            reconstruction = self.decoder(z)
            rec_loss = reconstruction_loss(data, reconstruction)
            kl_loss = kl_divergence(z_mean, z_log_var)
            total_loss = rec_loss + kl_loss
        grads = tape.gradient(total_loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.total_loss_tracker.update_state(total_loss)
        self.reconstruction_loss_tracker.update_state(rec_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return {"loss": self.total_loss_tracker.result(),
                "reconstruction_loss": self.reconstruction_loss_tracker.result(),
                "kl_loss": self.kl_loss_tracker.result()}


def main():
    args = parse_args(__doc__)
    keras.utils.set_random_seed(1337)
    start = time.perf_counter()
    (x_train, _), (x_test, _) = keras.datasets.mnist.load_data()
    mnist_digits = np.expand_dims(np.concatenate([x_train, x_test], axis=0), -1).astype("float32") / 255
    epochs = 5
    if args.quick:
        mnist_digits, epochs = mnist_digits[:1000], 2

    vae = VAE(latent_dim=2)
    vae.compile(optimizer=keras.optimizers.Adam(), loss=reconstruction_loss)
    history = vae.fit(mnist_digits, mnist_digits, epochs=epochs, batch_size=128, verbose=2)
    losses = history.history["loss"]
    report("add_loss_first_epoch_loss", float(losses[0]))
    report("add_loss_last_epoch_loss", float(losses[-1]))
    path = args.out / "vae.keras"
    vae.save(path)
    reloaded = keras.models.load_model(path)
    sample = mnist_digits[:64]
    z_mean = vae.encoder.predict(sample, verbose=0)[0]
    same = np.array_equal(z_mean, reloaded.encoder.predict(sample, verbose=0)[0]) and np.array_equal(
        vae.decoder.predict(z_mean, verbose=0), reloaded.decoder.predict(z_mean, verbose=0))
    print(f"saved to {path}, reloaded as {type(reloaded).__name__}: encoder and decoder outputs "
          f"{'identical' if same else 'DIFFERENT'}")
    report("reloaded_identical", same)

    keras.utils.set_random_seed(1337)
    trainer = VAETrainer(make_encoder(2), make_decoder(2))
    trainer.compile(optimizer=keras.optimizers.Adam())
    history = trainer.fit(mnist_digits, epochs=epochs, batch_size=128, verbose=2)
    report("train_step_first_epoch_loss", float(history.history["loss"][0]))
    report("train_step_last_epoch_loss", float(history.history["loss"][-1]))
    print(f"run time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()

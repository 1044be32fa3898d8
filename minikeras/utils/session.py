"""clear_session: forget the global state a Keras script expects to reset between models."""
import gc

from .naming import reset_names


def clear_session(free_memory=True):
    """Restart automatic names and optionally collect garbage (Keras: ``keras.utils.clear_session``,
    also ``keras.backend.clear_session``).

    The only global state minikeras keeps that Keras's clear_session resets is the counter
    behind automatic names, so the next ``Dense`` is named ``dense`` again (and the next
    model ``sequential``). ``free_memory=True`` (Keras's default) runs ``gc.collect()``.
    The random generator is left alone, as Keras leaves Python's ``random`` (from which its
    unseeded initializers draw): ``set_random_seed`` then ``clear_session`` still gives
    reproducible weights.
    """
    reset_names()
    if free_memory:
        gc.collect()

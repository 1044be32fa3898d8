"""The error for a keyword argument a constructor does not take."""
import difflib
import inspect


class UnrecognizedArgumentError(TypeError, ValueError):
    """An unknown keyword argument to a layer, optimizer or loss constructor.

    Python raises ``TypeError`` for an unknown keyword; Keras raises ``ValueError`` from
    ``Layer`` and ``Optimizer`` constructors ("Unrecognized keyword arguments passed to
    Dense"). This is both, so ``except TypeError`` and ``except ValueError`` both catch it.
    """


# Keras 2 argument names people still type.
_RENAMED = {"lr": "learning_rate", "input_dim": "input_shape", "init": "kernel_initializer"}


def unexpected_keyword(cls, key):
    """The error for ``cls(..., key=...)``, suggesting the closest argument ``cls`` takes."""
    accepted = []
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is not None:
            accepted += [name for name, p in inspect.signature(init).parameters.items()
                         if name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
    close = [_RENAMED[key]] if key in _RENAMED else difflib.get_close_matches(key, accepted, n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return UnrecognizedArgumentError(f"{cls.__name__}.__init__() got an unexpected keyword argument "
                                     f"{key!r}.{hint}")

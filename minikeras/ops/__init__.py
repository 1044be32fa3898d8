"""``keras.ops``: array functions that run as NumPy and record their gradients on a tape.

On plain arrays each op is its NumPy forward; while a gradient is being taken (a training
step, a ``keras.GradientTape``) it also records one tape entry; on the symbolic tensors of
a functional model under construction it adds a graph node.

``keras.ops`` is flat, as Keras's; ``keras.ops.numpy``, ``keras.ops.nn`` and
``keras.ops.linalg`` are the namespaces Keras also has (``ops.math`` holds what Keras keeps
in its source's ``ops/math.py``, ``ops.control`` the rest of its ``ops/core.py``).
"""
from . import control, linalg, math, nn, numpy
from .control import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .math import *  # noqa: F401,F403
from .nn import *  # noqa: F401,F403
from .numpy import *  # noqa: F401,F403  (the array functions, Keras's keras.ops.numpy)

__all__ = sorted(set(numpy.__all__) | set(nn.__all__) | set(math.__all__) | set(linalg.__all__)
                 | set(control.__all__))


def _install():
    import sys

    from .. import tape
    tape.install_ops(sys.modules[__name__])


_install()

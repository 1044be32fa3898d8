"""``keras.ops``: array functions that run as NumPy and record their gradients on a tape.

On plain arrays each op is its NumPy forward; while a gradient is being taken (a training
step, a ``keras.GradientTape``) it also records one tape entry; on the symbolic tensors of
a functional model under construction it adds a graph node.
"""
from .nn import (elu, gelu, leaky_relu, log_sigmoid, log_softmax, logsumexp, one_hot, relu, relu6,
                 sigmoid, silu, softmax, softplus, swish)
from .numpy import *  # noqa: F401,F403  (the array functions, Keras's keras.ops.numpy)
from .numpy import abs, all, any, max, min, round, sum  # names that shadow builtins
from . import nn, numpy

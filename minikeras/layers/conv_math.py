"""The arithmetic the convolution and pooling layers share, in NHWC.

Every spatial layer works on 4-D ``(batch, rows, cols, channels)`` arrays: a 1-D layer views
its ``(batch, steps, channels)`` input as one row (``(batch, 1, steps, channels)``), and
``data_format="channels_first"`` is transposed at the layer's edges. Here:

- argument checks (``normalize_tuple``, ``normalize_padding``, ``normalize_data_format``);
- Keras's output lengths and paddings (``"same"`` pads ``max((ceil(n/s) - 1)·s + (k-1)·d + 1 - n, 0)``,
  the smaller half first; ``"causal"`` pads ``(k-1)·d`` on the left);
- ``patches``: the strided view ``(N, OH, OW, kh, kw, C)`` of a padded input, which im2col copies
  once into a column matrix ordered (kh, kw, C), so ``kernel.reshape(kh·kw·C, filters)`` needs
  no transpose;
- ``offset_view``: the input positions one kernel offset touches, so gradients are added by
  one strided ``+=`` per kernel offset (col2im without ``np.add.at``);
- ``Buffers``: the working arrays a layer reuses from one step to the next.
"""
import math
import sys
import threading

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..utils import checks


def normalize_tuple(value, rank, what, minimum=1):
    """``value`` (an int or a sequence of ``rank`` ints) as a tuple of ``rank`` ints >= ``minimum``."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        value = (value,) * rank
    if not isinstance(value, (list, tuple)) or len(value) != rank:
        raise ValueError(f"{what} must be an integer or a tuple of {rank} integers, got {value!r}")
    return tuple(checks.integer(v, what, minimum=minimum) for v in value)


def normalize_padding(padding, what, allowed=("valid", "same")):
    """``padding`` lower-cased; one of ``allowed`` (else a ValueError naming the choices)."""
    name = padding.lower() if isinstance(padding, str) else padding
    if name not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(repr(a) for a in allowed)}, got {padding!r}")
    return name


def normalize_data_format(data_format, what):
    """``None`` (Keras's image_data_format, ``"channels_last"`` here) or one of the two formats."""
    if data_format is None:
        return "channels_last"
    name = data_format.lower() if isinstance(data_format, str) else data_format
    if name not in ("channels_last", "channels_first"):
        raise ValueError(f"{what} must be 'channels_last' or 'channels_first', got {data_format!r}")
    return name


def effective_size(kernel, dilation):
    """The span of a dilated kernel: ``(k - 1)·d + 1``."""
    return (kernel - 1) * dilation + 1


def pads_for(length, kernel, stride, dilation, padding):
    """``(before, after)`` padding of one spatial axis (Keras's rule for each padding mode)."""
    span = effective_size(kernel, dilation)
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return span - 1, 0
    total = max((math.ceil(length / stride) - 1) * stride + span - length, 0)
    return total // 2, total - total // 2


def output_length(length, kernel, stride, dilation, padding):
    """Keras's output length of one axis, or None when ``length`` is unknown."""
    if length is None:
        return None
    if padding == "valid":
        return max((length - effective_size(kernel, dilation)) // stride + 1, 0)
    return math.ceil(length / stride)


def transpose_output_length(length, kernel, stride, dilation, padding, output_padding):
    """Keras's output length of a transposed convolution (``deconv_output_length``)."""
    if length is None:
        return None
    span = effective_size(kernel, dilation)
    if output_padding is None:
        return length * stride + max(span - stride, 0) if padding == "valid" else length * stride
    pad = span // 2 if padding == "same" else 0
    return (length - 1) * stride + span - 2 * pad + output_padding


def transpose_crop(kernel, stride, dilation, padding, output_padding):
    """Where a transposed convolution's output starts in its full scatter
    (``(n - 1)·s + span`` long): JAX's left padding rule, ``span - 1 - left_pad``."""
    span = effective_size(kernel, dilation)
    if padding == "valid":
        return 0
    if output_padding is None:
        pad_len = stride + span - 2
    else:
        pad_len = span + span % 2 - 2 + output_padding
    return span - 1 - min(pad_len // 2 + pad_len % 2, span - 1)


def patches(xp, kernel, strides, dilation, out_shape):
    """The read-only view ``(N, OH, OW, kh, kw, C)`` of padded ``xp`` (N, Hp, Wp, C): element
    ``[n, i, j, a, b, c] = xp[n, i·sh + a·dh, j·sw + b·dw, c]``."""
    sn, sh, sw, sc = xp.strides
    n, c = xp.shape[0], xp.shape[3]
    return as_strided(xp, (n, out_shape[0], out_shape[1], kernel[0], kernel[1], c),
                      (sn, sh * strides[0], sw * strides[1], sh * dilation[0], sw * dilation[1], sc),
                      writeable=False)


def offset_view(xp, a, b, strides, dilation, out_shape):
    """The positions of ``xp`` that kernel offset ``(a, b)`` reads for each output position:
    ``xp[:, a·dh :: sh, b·dw :: sw]`` cut to ``out_shape`` (a writable view)."""
    top, left = a * dilation[0], b * dilation[1]
    return xp[:, top:top + (out_shape[0] - 1) * strides[0] + 1:strides[0],
              left:left + (out_shape[1] - 1) * strides[1] + 1:strides[1]]


# OpenBLAS runs a product on one thread when M·N·K is at most 65,536 · GEMM_MULTITHREAD_THRESHOLD (4).
_ONE_THREAD_WORK = 65536 * 4


def gram_into(a, b, out):
    """``out[...] = a.T @ b`` for tall ``a`` (M, K) and ``b`` (M, N) with a small ``out``.

    A weight gradient such as the first convolution's, (10 × 86,528) · (86,528 × 32), is a product
    OpenBLAS splits between its threads along M; on a busy machine the threads then wait on each
    other (measured under load: median 7–14 ms, worst 1.6 s). Summing it over row blocks small
    enough for one thread takes 1.2–1.9 ms whatever the load (the same as the whole product on
    an idle machine). Products whose blocks would be short (wide ``out``) run whole.
    """
    rows = _ONE_THREAD_WORK // max(a.shape[1] * b.shape[1], 1)
    if rows < 512 or a.shape[0] <= rows:
        np.matmul(a.T, b, out=out)
        return out
    part = np.empty_like(out)
    np.matmul(a[:rows].T, b[:rows], out=out)
    for start in range(rows, a.shape[0], rows):
        np.matmul(a[start:start + rows].T, b[start:start + rows], out=part)
        out += part
    return out


class Buffers:
    """Working arrays a layer reuses across steps, by role.

    ``take`` hands out an array of the role that nothing references any more (not the cache of
    a call whose backward is still to come, not a persistent tape, not a caller holding a
    view), or a new one. So a layer called twice before its backward (a shared layer) gets two
    arrays, and nothing is ever handed out twice at once; once a training step is over its
    arrays are free again. Whether an array is referenced is read from its reference count,
    against a sentinel array held the same way (so the test does not depend on how the
    interpreter counts). ``zeros=True`` (``fill=``) arrays are zero (the fill) when new; callers
    keep the parts they never write as they were. At most ``KEEP`` arrays are kept per role.
    """

    KEEP = 4

    def __init__(self):
        self._arrays = {}
        self._lock = threading.Lock()

    def take(self, role, shape, dtype, zeros=False, fill=None):
        """A free array of ``role`` with this shape and dtype, or a new one (zero when ``zeros``,
        else ``fill`` when given, else uninitialized)."""
        shape, dtype = tuple(shape), np.dtype(dtype)
        with self._lock:
            arrays = self._arrays.setdefault(role, [np.empty(0, np.uint8)])  # [0]: the sentinel
            baseline, chosen, stale = None, None, []
            for index, array in enumerate(arrays):
                count = sys.getrefcount(array)
                if index == 0:
                    baseline = count
                elif count == baseline:
                    if chosen is None and array.shape == shape and array.dtype == dtype:
                        chosen = array
                    else:
                        stale.append(index)
            if chosen is not None:
                return chosen
            for index in reversed(stale):  # free arrays of other shapes (a last, smaller batch)
                del arrays[index]
            if zeros:
                array = np.zeros(shape, dtype)
            else:
                array = np.empty(shape, dtype) if fill is None else np.full(shape, fill, dtype)
            if len(arrays) <= self.KEEP:
                arrays.append(array)
            return array

    def held(self, role):
        """The arrays kept for ``role`` (for tests)."""
        return list(self._arrays.get(role, [None])[1:])

    def __deepcopy__(self, memo):
        return Buffers()

    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        self.__init__()

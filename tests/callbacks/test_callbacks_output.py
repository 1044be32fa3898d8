"""What fit prints (verbose 0/1/2/"auto") and the training-curve PNG."""
import contextlib
import io
import re
import struct
import sys

import numpy as np
import pytest

import minikeras as keras
from minikeras.callbacks import progbar_logger


def test_verbose_0_prints_nothing(spiral, classifier, capsys):
    x, y = spiral
    classifier().fit(x, y, epochs=3, validation_split=0.1, verbose=0)
    assert capsys.readouterr().out == ""


# Keras 3's lines: "Epoch 3/100", then "4/4 - 0s - 2ms/step - accuracy: 0.5000 - loss: ..."
EPOCH_LINE = re.compile(r"^Epoch (\d+)/(\d+)$")
SUMMARY_LINE = re.compile(r"^(\d+)/(\d+) - \d+s - \d+(s|ms|us)/step( - [a-z_]+: -?\d\.\d{4}(e[-+]\d\d)?|"
                          r" - [a-z_]+: \d+\.\d{4})+$")


@pytest.mark.parametrize("verbose", [2, 1, "auto"])
def test_two_lines_per_epoch_when_not_a_terminal(spiral, classifier, capsys, verbose):
    """verbose=2 always, and verbose=1/"auto" when stdout is not a terminal (a log file, CI):
    Keras's epoch line and summary line, so 100 epochs give 200 lines."""
    x, y = spiral
    classifier().fit(x[:64], y[:64], epochs=100, batch_size=16, validation_data=(x[:16], y[:16]), verbose=verbose)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 200
    assert lines[0] == "Epoch 1/100" and lines[-2] == "Epoch 100/100"
    for header, summary in zip(lines[0::2], lines[1::2]):
        assert EPOCH_LINE.match(header), header
        assert SUMMARY_LINE.match(summary), summary
        assert summary.startswith("4/4 - ")
        assert " - loss: " in summary and " - val_loss: " in summary and "accuracy: " in summary


def test_one_epoch_prints_no_epoch_line_and_evaluate_prints_the_summary(spiral, classifier, capsys):
    x, y = spiral
    model = classifier()
    model.fit(x[:64], y[:64], epochs=1, batch_size=16, verbose=2)
    model.evaluate(x[:64], y[:64], batch_size=32, verbose=2)
    model.evaluate(x[:64], y[:64], batch_size=32, verbose=1)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3, lines
    assert SUMMARY_LINE.match(lines[0]) and lines[0].startswith("4/4 - ")
    assert SUMMARY_LINE.match(lines[1]) and lines[1].startswith("2/2 - ")
    assert lines[2].startswith("2/2 \u2501\u2501") and " - loss: " in lines[2]


def test_small_values_are_written_as_keras_writes_them():
    line = progbar_logger.summary_line(10, 2.5, {"loss": 0.5, "lr": 1e-4, "neg": -0.5}, verbose=2)
    assert line == "10/10 - 2s - 250ms/step - loss: 0.5000 - lr: 1.0000e-04 - neg: -5.0000e-01"
    line = progbar_logger.summary_line(10, 0.004, {"loss": 0.5, "neg": -0.5}, verbose=1)
    assert line == "10/10 " + "\u2501" * 20 + " 0s 400us/step - loss: 0.5000 - neg: -0.5000"


def test_the_lines_match_real_keras(tmp_path):
    """The same fit and evaluate in Keras 3 (JAX backend) print lines of the same form."""
    import os
    import subprocess
    import textwrap
    python = os.environ.get("MINIKERAS_KERAS_PYTHON") or sys.executable
    script = textwrap.dedent("""
        import numpy as np, keras
        keras.utils.set_random_seed(0)
        x = np.random.default_rng(0).standard_normal((64, 4)).astype("float32"); y = x[:, :2] * 2
        m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]); m.compile("adam", "mse", metrics=["mae"])
        m.fit(x, y, epochs=2, batch_size=16, verbose=2, validation_split=0.25)
        m.evaluate(x, y, batch_size=32, verbose=2)
    """)
    try:
        result = subprocess.run([python, "-c", script], capture_output=True, text=True, timeout=300,
                                env={**os.environ, "KERAS_BACKEND": "jax"})
    except (OSError, subprocess.TimeoutExpired):
        pytest.skip("no Keras interpreter")
    if result.returncode != 0:
        pytest.skip(f"Keras with jax is not available: {result.stderr.strip().splitlines()[-1:]}")
    keras_lines = result.stdout.splitlines()

    x = np.random.default_rng(0).standard_normal((64, 4)).astype("float32")
    y = x[:, :2] * 2
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile("adam", "mse", metrics=["mae"])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        model.fit(x, y, epochs=2, batch_size=16, verbose=2, validation_split=0.25)
        model.evaluate(x, y, batch_size=32, verbose=2)
    ours = out.getvalue().splitlines()

    def shape(line):  # numbers and time units replaced, the words and separators kept
        line = re.sub(r"\d+(s|ms|us)/step", "T/step", line)
        return re.sub(r"-?\d+(\.\d+)?(e[-+]\d+)?", "N", line)
    assert [shape(line) for line in ours] == [shape(line) for line in keras_lines], (ours, keras_lines)


def test_bad_verbose_is_refused(spiral, classifier):
    x, y = spiral
    with pytest.raises(ValueError, match="verbose"):
        classifier().fit(x, y, verbose=3)


class _Terminal(io.StringIO):
    def isatty(self):
        return True


class _FakeBar:
    instances = []

    def __init__(self, total=None, **kwargs):
        self.total, self.n, self.updates = total, 0, 0
        _FakeBar.instances.append(self)

    def update(self, n):
        self.n += n
        self.updates += 1

    def set_postfix_str(self, text, refresh=True):
        self.postfix = text

    def close(self):
        self.closed = True


def test_progress_bar_redraws_a_few_times_a_second_not_every_step(spiral, classifier, monkeypatch):
    """One fake second passes every 100 steps; at 4 redraws a second 2000 steps redraw about 80 times."""
    import tqdm
    clock = iter(np.arange(0, 1000, 0.01))
    monkeypatch.setattr(progbar_logger.time, "perf_counter", lambda: float(next(clock)))
    monkeypatch.setattr(tqdm, "tqdm", _FakeBar)
    _FakeBar.instances = []
    x, y = spiral
    x, y = np.repeat(x, 7, axis=0)[:2000], np.repeat(y, 7)[:2000]
    bar = keras.callbacks.ProgbarLogger(1, stream=_Terminal(), refresh_seconds=0.25)
    classifier().fit(x, y, epochs=1, batch_size=1, verbose=1, callbacks=[bar])
    (fake,) = _FakeBar.instances
    assert fake.total == 2000 and fake.n == 2000  # complete at the end
    assert 40 <= fake.updates <= 120, fake.updates
    assert "loss:" in fake.postfix and fake.closed


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24]), len(data)


def test_plot_history_writes_a_real_png(spiral, classifier, tmp_path):
    pytest.importorskip("matplotlib")
    x, y = spiral
    history = classifier().fit(x, y, epochs=8, validation_split=0.2, verbose=0,
                               callbacks=[keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=1)])
    path = tmp_path / "curves" / "history.png"
    assert keras.utils.plot_history(history, path) == path
    (width, height), size = _png_size(path)
    assert 800 <= width <= 3000 and 250 <= height <= 2000, (width, height)  # 3 panels side by side
    assert size > 10_000
    # a bare dict works too, and more panels make a taller picture
    more = dict(history.history, extra=list(range(8)), other=list(range(8)))
    keras.utils.plot_history(more, tmp_path / "more.png")
    (_, taller), _ = _png_size(tmp_path / "more.png")
    assert taller > height


def test_plot_history_refuses_empty_history(tmp_path):
    with pytest.raises(ValueError, match="plot_history"):
        keras.utils.plot_history(keras.callbacks.History(), tmp_path / "x.png")


def test_plot_history_without_matplotlib_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install minikeras\[plot\]"):
        keras.utils.plot_history({"loss": [1.0, 0.5]}, tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()

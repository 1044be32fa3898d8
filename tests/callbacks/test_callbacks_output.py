"""What fit prints (verbose 0/1/2/"auto") and the training-curve PNG."""
import io
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


@pytest.mark.parametrize("verbose", [2, 1, "auto"])
def test_one_line_per_epoch_when_not_a_terminal(spiral, classifier, capsys, verbose):
    """verbose=2 always, and verbose=1/"auto" when stdout is not a terminal (a log file, CI): 100 epochs, 100 lines."""
    x, y = spiral
    classifier().fit(x[:64], y[:64], epochs=100, batch_size=16, validation_data=(x[:16], y[:16]), verbose=verbose)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 100
    assert lines[0].startswith("Epoch 1/100") and lines[-1].startswith("Epoch 100/100")
    assert all(" - loss: " in line and " - val_loss: " in line and "accuracy: " in line for line in lines)


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

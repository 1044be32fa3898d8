"""summary() takes Keras's show_trainable, expand_nested and positions, and refuses unknown
keywords with a TypeError as Keras does (trial 2026-12-01 #14: they were silently ignored)."""
import pytest

import minikeras as keras


def _model():
    inner = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)], name="inner")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, name="first"), inner], name="outer")
    model.layers[0].trainable = False
    return model


def _lines(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return lines


def test_show_trainable_and_expand_nested():
    lines = _lines(_model(), show_trainable=True, expand_nested=True)
    # Keras 3.15.1 shows the rows first (Dense) N, inner (Sequential) Y, └ dense (Dense) Y
    assert lines[2].rstrip().endswith("Trainable")
    rows = lines[4:7]
    assert rows[0].startswith("first (Dense)") and rows[0].split()[-1] == "N"
    assert rows[1].startswith("inner (Sequential)") and rows[1].split()[-1] == "Y"
    assert rows[2].startswith("   └ dense") and rows[2].split()[-2:] == ["15", "Y"]
    assert len(_lines(_model())) == len(lines) - 1  # not expanded: one row fewer


def test_positions_set_the_column_ends():
    lines = _lines(_model(), line_length=60, positions=[0.5, 0.8, 1.0])
    assert lines[2].index("Output Shape") == 30 and len(lines[2]) == 60
    assert _lines(_model(), line_length=60, positions=[30, 48, 60])[2] == lines[2]


def test_unknown_keyword_and_bad_positions():
    with pytest.raises(TypeError, match="bogus"):
        _model().summary(bogus=1)
    with pytest.raises(ValueError, match="positions"):
        _model().summary(positions=[0.8, 0.5, 1.0])

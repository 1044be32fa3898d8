"""The functional API's structure, errors and guarantees, as a Keras user meets them."""
import re
from pathlib import Path

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.tape import Tape

RNG = np.random.default_rng(0)
SUMMARIES = (Path(__file__).parents[1] / "fixtures" / "keras_graph_summaries.txt").read_text()


def two_in_two_out():
    a, b = keras.Input((8,), name="a"), keras.Input((5,), name="b")
    da, db = layers.Dense(8, name="dense_a")(a), layers.Dense(8, name="dense_b")(b)
    concat = layers.Concatenate(name="concat")([da, db])
    return keras.Model([a, b], [layers.Dense(3, activation="softmax", name="cls")(concat),
                                layers.Dense(1, name="reg")(concat)], name="two_in_two_out")


def test_structure_attributes_are_keras_s():
    model = two_in_two_out()
    assert [t.name for t in model.inputs] == ["a", "b"] and len(model.outputs) == 2
    assert model.input_shape == [(None, 8), (None, 5)] and model.output_shape == [(None, 3), (None, 1)]
    assert model.output_names == ["cls", "reg"]
    assert [layer.name for layer in model.layers] == ["a", "b", "dense_a", "dense_b", "concat", "cls", "reg"]
    assert model.get_layer("concat").output.shape == (None, 16)
    assert model.get_layer("dense_a").input is model.inputs[0]
    x = keras.Input((4,))
    assert x.shape == (None, 4) and x.dtype == "float32"


def test_feature_extraction_from_an_inner_layer_output():
    model = two_in_two_out()
    features = keras.Model(model.inputs, model.get_layer("concat").output)
    xa, xb = RNG.normal(size=(3, 8)).astype("float32"), RNG.normal(size=(3, 5)).astype("float32")
    expected = np.concatenate([xa @ model.get_layer("dense_a").kernel.value + model.get_layer("dense_a").bias.value,
                               xb @ model.get_layer("dense_b").kernel.value + model.get_layer("dense_b").bias.value], 1)
    np.testing.assert_allclose(features.predict([xa, xb], verbose=0), expected, rtol=1e-5, atol=1e-6)


def _connected(text, model_name):
    """{layer name: [inbound entries]} from a Keras summary table."""
    block = text.split(f'Model: "{model_name}"')[1].split("Total params")[0]
    rows, current = {}, None
    for line in block.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line)[1:-1]]
        if len(cells) != 4:
            continue
        if cells[0] and "(" in cells[0] and cells[0] != "Layer (type)":
            current = cells[0].split(" ")[0]
            rows[current] = []
        if current and cells[3] and cells[3] != "-" and cells[0] != "Layer (type)":
            rows[current] += [c for c in cells[3].split(",") if c]
    return rows


def test_summary_connected_to_column_lists_what_keras_lists():
    a, b = keras.Input((8,), name="left"), keras.Input((8,), name="right")
    shared = layers.Dense(6, name="shared")
    model = keras.Model([a, b], layers.Dense(3, name="out")(layers.Add(name="add")([shared(a), shared(b)])),
                        name="shared_model")
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    keras_rows = _connected(SUMMARIES, "shared_model")
    for layer, sources in keras_rows.items():
        for source in sources:
            assert source in text.split(layer, 1)[1], f"{layer} should be connected to {source}"
    assert "Connected to" in text


def test_bad_graphs_are_named():
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    out = layers.Dense(2)(layers.add([a, b]))
    with pytest.raises(ValueError, match="Graph disconnected.*b"):
        keras.Model(a, out)
    x = keras.Input((4,))
    with pytest.raises(ValueError, match='"twin" is used 2 times'):
        keras.Model(x, layers.Dense(2, name="twin")(layers.Dense(4, name="twin")(x)))
    with pytest.raises(ValueError, match="Add"):
        layers.Add()([keras.Input((4,)), keras.Input((5,))])
    model = keras.Model([a, b], out)
    with pytest.raises(ValueError, match="2 input"):
        model.predict(np.ones((2, 4)), verbose=0)
    with pytest.raises(ValueError, match=r"missing \['b'\]"):
        model.predict({"a": np.ones((2, 4))}, verbose=0)
    with pytest.raises(ValueError, match="expected.*4|4.*got.*5|shape"):
        model.predict([np.ones((2, 4)), np.ones((2, 5))], verbose=0)
    two = two_in_two_out()
    with pytest.raises(ValueError, match="Expected keys"):
        two.compile(loss={"cls": "mse", "nope": "mse"})


def test_predict_and_evaluate_record_nothing_and_layers_keep_no_state(monkeypatch):
    model = two_in_two_out()
    model.compile(optimizer="adam", loss=["sparse_categorical_crossentropy", "mse"])
    x = [RNG.normal(size=(16, 8)), RNG.normal(size=(16, 5))]
    y = [RNG.integers(0, 3, 16), RNG.normal(size=(16, 1))]
    model.fit(x, y, epochs=1, verbose=0)
    assert all(getattr(layer, "_cache", None) is None for layer in model.layers)
    recorded = []
    monkeypatch.setattr(Tape, "record", lambda self, *entry: recorded.append(entry))
    model.predict(x, verbose=0)
    model.evaluate(x, y, verbose=0)
    assert recorded == []


def test_a_functional_model_of_sequential_layers_trains_as_the_sequential_one():
    def build(kind):
        keras.utils.set_random_seed(7)
        stack = [layers.Dense(16, activation="relu"), layers.Dropout(0.2), layers.Dense(3, activation="softmax")]
        if kind == "sequential":
            return keras.Sequential([keras.Input((6,))] + stack)
        x = inputs = keras.Input((6,))
        for layer in stack:
            x = layer(x)
        return keras.Model(inputs, x)
    x, y = RNG.normal(size=(64, 6)).astype("float32"), RNG.integers(0, 3, 64)
    results = []
    for kind in ("sequential", "functional"):
        model = build(kind)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        keras.utils.set_random_seed(8)
        history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
        results.append((history.history, model.get_weights()))
    assert results[0][0] == results[1][0]
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_array_equal(a, b)


def test_generators_and_py_datasets_may_give_dicts_and_lists_for_several_inputs_and_outputs():
    model = two_in_two_out()
    model.compile(optimizer="adam", loss={"cls": "sparse_categorical_crossentropy", "reg": "mse"})
    rng = np.random.default_rng(3)
    xa, xb = rng.normal(size=(32, 8)).astype("float32"), rng.normal(size=(32, 5)).astype("float32")
    yc, yr = rng.integers(0, 3, 32), rng.normal(size=(32, 1)).astype("float32")

    def batches():
        for i in range(0, 32, 8):
            yield {"a": xa[i:i + 8], "b": xb[i:i + 8]}, {"cls": yc[i:i + 8], "reg": yr[i:i + 8]}

    class Lists(keras.utils.PyDataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            s = slice(8 * i, 8 * i + 8)
            return [xa[s], xb[s]], [yc[s], yr[s]]

    expected = model.evaluate([xa, xb], [yc, yr], batch_size=8, verbose=0, return_dict=True)
    from_generator = model.evaluate(batches(), verbose=0, return_dict=True)
    from_dataset = model.evaluate(Lists(), verbose=0, return_dict=True)
    for key in expected:
        np.testing.assert_allclose(from_generator[key], expected[key], rtol=1e-5)
        np.testing.assert_allclose(from_dataset[key], expected[key], rtol=1e-5)
    assert set(model.fit(batches(), epochs=1, verbose=0, shuffle=False).history) == {"loss", "cls_loss", "reg_loss"}
    assert [p.shape for p in model.predict(Lists(), verbose=0)] == [(32, 3), (32, 1)]

"""RemoteMonitor (issue 19) posts each epoch's logs to an HTTP server the test starts on 127.0.0.1,
in the two forms Keras 3.15.1 sends: a form field holding JSON, or a JSON body."""
import http.server
import json
import threading
import urllib.parse

import numpy as np
import pytest

import minikeras as keras


@pytest.fixture
def server():
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode("utf8")
            received.append((self.path, self.headers["Content-Type"], body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", received
    httpd.shutdown()
    httpd.server_close()


def _fit(callback):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae"])
    model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=2, verbose=0, callbacks=[callback])


def test_posts_a_form_field_with_the_logs(server):
    root, received = server
    _fit(keras.callbacks.RemoteMonitor(root=root, path="/publish/", field="payload"))
    assert [path for path, _, _ in received] == ["/publish/", "/publish/"]
    sent = json.loads(urllib.parse.parse_qs(received[1][2])["payload"][0])
    assert sent["epoch"] == 1 and set(sent) == {"epoch", "loss", "mae"} and isinstance(sent["loss"], float)


def test_posts_json_with_headers(server):
    root, received = server
    _fit(keras.callbacks.RemoteMonitor(root=root, send_as_json=True, headers={"X-Run": "7"}))
    path, content_type, body = received[0]
    assert path == "/publish/epoch/end/" and content_type == "application/json"
    assert json.loads(body)["epoch"] == 0


def test_an_unreachable_server_warns_and_training_goes_on():
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor root server at http://127.0.0.1:9"):
        _fit(keras.callbacks.RemoteMonitor(root="http://127.0.0.1:9"))

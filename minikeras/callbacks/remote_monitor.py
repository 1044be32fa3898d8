"""RemoteMonitor: post each epoch's logs to a server over HTTP."""
import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np

from .callback import Callback


class RemoteMonitor(Callback):
    """Keras ``RemoteMonitor(root="http://localhost:9000", path="/publish/epoch/end/", field="data",
    headers=None, send_as_json=False)``.

    At each epoch end, ``{"epoch": epoch, **logs}`` is POSTed to ``root + path``: as a JSON
    body with ``send_as_json``, else as the form field ``field`` holding that JSON (what Keras
    sends through ``requests``; minikeras uses the standard library). A server that cannot be
    reached gives a warning, as in Keras, and training goes on.
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data", headers=None,
                 send_as_json=False):
        super().__init__()
        self.root, self.path, self.field = root, path, field
        self.headers, self.send_as_json = headers, send_as_json

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        for key, value in (logs or {}).items():
            if isinstance(value, np.ndarray) and value.size != 1:
                send[key] = value.tolist()
            else:
                send[key] = value.item() if isinstance(value, (np.ndarray, np.generic)) else value
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode("utf8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("utf8")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
        except (urllib.error.URLError, OSError, ValueError):
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}", stacklevel=2)

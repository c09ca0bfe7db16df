"""A tiny loopback HTTP server that records the API key of every request it receives.

It plays "another host" in the tests of where the stored Arrow key may go: whatever it is asked,
it answers 401 with Arrow's error body (as Arrow does for a key it does not know) and keeps the
method, path and `apiKey` header of each request. Use the `key_recorder` fixture.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UNAUTHORIZED_BODY = json.dumps({"status": 401, "error": "Unauthorized", "messages": ["Invalid API key"]}).encode()


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    api_key: str | None


class KeyRecorder:
    """Listens on 127.0.0.1 on a free port while used as a context manager."""

    def __init__(self) -> None:
        self.requests: list[ReceivedRequest] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/index.php/api/"
        self._thread = threading.Thread(target=self._server.serve_forever, name="key-recorder", daemon=True)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                recorder.requests.append(ReceivedRequest(self.command, self.path, self.headers.get("apiKey")))
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                self.send_response(401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(UNAUTHORIZED_BODY)))
                self.end_headers()
                self.wfile.write(UNAUTHORIZED_BODY)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer

            def log_message(self, *args) -> None:  # keep the test output clean
                pass

        return Handler

    @property
    def keys_received(self) -> set[str | None]:
        return {request.api_key for request in self.requests}

    def __enter__(self) -> KeyRecorder:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

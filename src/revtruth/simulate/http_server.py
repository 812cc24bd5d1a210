"""One base for every simulated system's HTTP API on 127.0.0.1.

A simulated system is a subclass of `SimulatedServer` that says what it is called and whether
it speaks TLS, and answers one request at a time in `respond`. Binding, the serving thread,
TLS with a throwaway CA, start/stop, use as a context manager, the address, request counting
and quiet logging all live here, once:

    class HubSpotServer(SimulatedServer):
        name = "hubspot"
        server_header = "hubspot-sim"

        def respond(self, request: Request) -> Response:
            if request.path == "/crm/v3/objects/companies":
                return Response(200, {"results": [], "paging": None})
            return Response(404, {"status": "error", "message": "Not found"})

A response body is anything `json.dumps` takes. `respond` runs on the server's handler
threads, so state it changes needs a lock (`self._lock` is there for that).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import ssl
import tempfile
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Request:
    method: str  # GET, POST, …
    target: str  # as sent: the path and the query string
    path: str
    query: str  # the raw query string, without "?"
    headers: Message  # case-insensitive look-ups: headers.get("Authorization")
    body: bytes


@dataclass(frozen=True)
class Response:
    status: int
    body: Any  # serialised with json.dumps
    headers: Mapping[str, str] = field(default_factory=dict)  # sent after the content headers
    content_type: str = "application/json"


class SimulatedServer:
    """A simulated system's API on 127.0.0.1:`port` (0: any free port), in its own thread.

    Subclasses set `name` (thread and temporary-folder names), `server_header` (the `Server`
    header), `tls` (serve https with a certificate from a CA made at start-up; clients trust
    it through `ca_bundle_path`), and implement `respond`. `error_response` turns an
    exception in `respond` into a response; by default the connection is dropped instead."""

    name: ClassVar[str] = "simulated"
    server_header: ClassVar[str] = "simulated"
    tls: ClassVar[bool] = False
    # An idle keep-alive connection is closed after this long, so none pins a thread forever.
    idle_timeout: ClassVar[float] = 30.0

    def __init__(self, *, port: int = 0) -> None:
        self._requested_port = port
        self._lock = threading.Lock()  # counting, connections, and subclasses' own state
        self._request_count = 0
        self._by_path: Counter[str] = Counter()
        self._connections: set[socket.socket] = set()
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._tmpdir: str | None = None
        # A fault: every n-th response (0: none) is cut off halfway through its body and the
        # connection closed, as a proxy or a dropped link leaves it (the client reads an
        # IncompleteRead).
        self.truncate_every = 0

    # ------------------------------------------------------------ what subclasses provide

    def respond(self, request: Request) -> Response:
        raise NotImplementedError

    def error_response(self, exc: Exception) -> Response:
        raise exc

    def on_start(self) -> None:
        """Called by `start` before the socket opens (e.g. to render the served data)."""

    # ------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        if self._httpd is not None:
            raise RuntimeError(f"{type(self).__name__} already started")
        self.on_start()
        httpd = _HttpServer((HOST, self._requested_port), _Handler)
        httpd.app = self
        if self.tls:
            httpd.socket = self._tls_context().wrap_socket(
                # Handshake lazily in the handler thread, so a client that never finishes
                # one (or rejects the certificate) cannot stall the accept loop.
                httpd.socket,
                server_side=True,
                do_handshake_on_connect=False,
            )
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self.name}-sim",
            daemon=True,
        )
        self._thread.start()
        return self

    def _tls_context(self) -> ssl.SSLContext:
        import trustme  # only TLS servers need it

        ca = trustme.CA()
        self._tmpdir = tempfile.mkdtemp(prefix=f"revtruth-{self.name}-")
        ca.cert_pem.write_to_path(str(Path(self._tmpdir) / "ca.pem"))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(HOST, "localhost").configure_cert(context)
        return context

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        with self._lock:
            open_connections = list(self._connections)
        for conn in open_connections:
            # Keep-alive connections outlive the listening socket; cut them so a stopped
            # server really stops answering.
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------ address and counts

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError(f"{type(self).__name__} is not running")
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{HOST}:{self.port}"

    @property
    def ca_bundle_path(self) -> str:
        """The PEM file of the CA that signed this server's certificate (TLS servers)."""
        if self._tmpdir is None:
            raise RuntimeError(f"{type(self).__name__} is not serving TLS")
        return str(Path(self._tmpdir) / "ca.pem")

    @property
    def request_count(self) -> int:
        with self._lock:
            return self._request_count

    @property
    def requests_by_path(self) -> Counter[str]:
        """Requests so far per URL path (query strings left out); a copy."""
        with self._lock:
            return Counter(self._by_path)

    def _count(self, path: str) -> None:
        with self._lock:
            self._request_count += 1
            self._by_path[path] += 1

    def _track(self, conn: socket.socket, *, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    app: SimulatedServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client hanging up mid-response is not worth a traceback on stderr


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so paging clients reuse one connection
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stall
    sys_version = ""
    server: _HttpServer

    def setup(self) -> None:
        self.timeout = self.server.app.idle_timeout
        self.server_version = self.server.app.server_header
        super().setup()
        self.server.app._track(self.request, open_=True)

    def finish(self) -> None:
        self.server.app._track(self.request, open_=False)
        with contextlib.suppress(OSError):  # the client (or stop()) already closed it
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests and demos page through thousands of requests

    def _serve(self) -> None:
        app = self.server.app
        url = urlsplit(self.path)
        app._count(url.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(self.command, self.path, url.path, url.query, self.headers, body)
        try:
            response = app.respond(request)
        except Exception as exc:  # noqa: BLE001 - the subclass decides what a bug looks like
            response = app.error_response(exc)
        data = json.dumps(response.body).encode()
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        every = app.truncate_every
        if every and app.request_count % every == 0:
            self.wfile.write(data[: len(data) // 2])
            self.close_connection = True
            return
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve

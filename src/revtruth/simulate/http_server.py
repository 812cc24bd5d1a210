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
import time
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
class Faults:
    """What a simulated server does wrong, each a share of requests from 0 to 1: answer 429
    (rate limited, with Retry-After), answer 500, close the connection without an answer
    (reset), cut the body off halfway (truncate), or answer `slow_seconds` late (slow).
    Drawn from a generator seeded with `seed`, so a run can be repeated."""

    rate_limited: float = 0.0
    server_error: float = 0.0
    reset: float = 0.0
    truncate: float = 0.0
    slow: float = 0.0
    slow_seconds: float = 1.0
    seed: int = 0

    _NAMES: ClassVar[dict[str, str]] = {
        "429": "rate_limited",
        "500": "server_error",
        "reset": "reset",
        "truncate": "truncate",
        "slow": "slow",
    }

    @classmethod
    def parse(cls, text: str) -> Faults:
        """ "429=0.05,500=0.02,reset=0.01,truncate=0.01,slow=0.02" (any of them)."""
        shares: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, _, value = part.partition("=")
            if name.strip() not in cls._NAMES:
                raise ValueError(
                    f"unknown fault {name.strip()!r}: choose from {', '.join(cls._NAMES)}"
                )
            try:
                share = float(value)
            except ValueError:
                raise ValueError(f"fault {name.strip()}: {value!r} is not a number") from None
            if not 0 <= share <= 1:
                raise ValueError(f"fault {name.strip()}: {share} is not between 0 and 1")
            shares[cls._NAMES[name.strip()]] = share
        faults = cls(**shares)
        if faults.total > 1:
            raise ValueError(f"the faults add up to {faults.total:g}, more than every request")
        return faults

    @property
    def total(self) -> float:
        return self.rate_limited + self.server_error + self.reset + self.truncate + self.slow

    def pick(self, draw: float) -> str | None:
        """The fault for a uniform draw in [0, 1), or None."""
        for kind in ("rate_limited", "server_error", "reset", "truncate", "slow"):
            share = getattr(self, kind)
            if draw < share:
                return kind
            draw -= share
        return None


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
        # Faults drawn at random (`Faults`), e.g. from `revtruth simulate serve --faults`.
        self.faults = Faults()
        self._fault_draws: Any = None

    # ------------------------------------------------------------ what subclasses provide

    def respond(self, request: Request) -> Response:
        raise NotImplementedError

    def error_response(self, exc: Exception) -> Response:
        raise exc

    def fault_response(self, status: int) -> Response:
        """The answer for an injected 429 or 500, in the system's own error format."""
        return Response(status, {"error": "injected fault"}, {"Retry-After": "1"})

    def draw_fault(self) -> str | None:
        import random

        if not self.faults.total:
            return None
        with self._lock:
            if self._fault_draws is None:
                self._fault_draws = random.Random(self.faults.seed)
            return self.faults.pick(self._fault_draws.random())

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
        fault = app.draw_fault()
        if fault == "reset":
            self.close_connection = True  # hang up without a word
            return
        if fault == "slow":
            time.sleep(app.faults.slow_seconds)
        if fault in ("rate_limited", "server_error"):
            response = app.fault_response(429 if fault == "rate_limited" else 500)
        else:
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
        if fault == "truncate" or (every and app.request_count % every == 0):
            self.wfile.write(data[: len(data) // 2])
            self.close_connection = True
            return
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve

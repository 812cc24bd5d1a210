"""The base every simulated HTTP API builds on, through the smallest possible system."""

from __future__ import annotations

import os

import pytest
import requests

from revtruth.simulate.http_server import Request, Response, SimulatedServer


class EchoServer(SimulatedServer):
    """Answers every request with what it received."""

    name = "echo"
    server_header = "echo-sim"

    def respond(self, request: Request) -> Response:
        if request.path == "/boom":
            raise RuntimeError("a bug in the simulator")
        body = {"method": request.method, "path": request.path, "query": request.query}
        body["body"] = request.body.decode()
        return Response(200, body, {"X-Echo": "1"})


class TlsEchoServer(EchoServer):
    name = "tls-echo"
    tls = True


class FailingLoudly(EchoServer):
    def error_response(self, exc: Exception) -> Response:
        return Response(500, {"error": str(exc)})


def plain_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy or CA bundle from the environment
    return session


def test_serves_on_localhost_and_counts_requests_by_path() -> None:
    with EchoServer() as server:
        assert server.base_url == f"http://127.0.0.1:{server.port}"
        session = plain_session()
        reply = session.post(f"{server.base_url}/a?x=1", data="hello")
        assert reply.status_code == 200 and reply.headers["X-Echo"] == "1"
        assert reply.headers["Content-Type"] == "application/json"
        assert reply.json() == {"method": "POST", "path": "/a", "query": "x=1", "body": "hello"}
        session.get(f"{server.base_url}/a")
        session.get(f"{server.base_url}/b")
        assert server.request_count == 3
        assert server.requests_by_path == {"/a": 2, "/b": 1}


def test_a_stopped_server_has_no_address_and_answers_nothing() -> None:
    server = EchoServer().start()
    base_url, session = server.base_url, plain_session()
    assert session.get(f"{base_url}/").status_code == 200  # a keep-alive connection is open
    server.stop()
    with pytest.raises(RuntimeError):
        _ = server.base_url
    with pytest.raises(requests.ConnectionError):
        session.get(f"{base_url}/", timeout=5)


def test_starting_twice_is_refused() -> None:
    with EchoServer() as server, pytest.raises(RuntimeError):
        server.start()


def test_an_exception_drops_the_connection_unless_the_system_answers_it() -> None:
    with EchoServer() as server, pytest.raises(requests.ConnectionError):
        plain_session().get(f"{server.base_url}/boom", timeout=5)
    with FailingLoudly() as server:
        reply = plain_session().get(f"{server.base_url}/boom", timeout=5)
        assert (reply.status_code, reply.json()) == (500, {"error": "a bug in the simulator"})


def test_tls_with_a_throwaway_ca() -> None:
    with TlsEchoServer() as server:
        assert server.base_url.startswith("https://127.0.0.1:")
        bundle = server.ca_bundle_path
        session = plain_session()
        with pytest.raises(requests.exceptions.SSLError):
            session.get(f"{server.base_url}/", timeout=5)
        assert session.get(f"{server.base_url}/", verify=bundle, timeout=5).status_code == 200
    assert not os.path.exists(bundle)  # stop() removes the CA


def test_a_plain_server_has_no_ca_bundle() -> None:
    with EchoServer() as server, pytest.raises(RuntimeError):
        _ = server.ca_bundle_path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("429=0.5,500=0.6", "add up to 1.1"),
        ("404=0.1", "unknown fault '404'"),
        ("slow=fast", "'fast' is not a number"),
        ("reset=2", "not between 0 and 1"),
    ],
)
def test_faults_that_cannot_be_are_refused_with_the_reason(text, message):
    from revtruth.simulate.http_server import Faults

    with pytest.raises(ValueError, match=message):
        Faults.parse(text)


def test_faults_are_drawn_in_their_shares():
    import random

    from revtruth.simulate.http_server import Faults

    faults = Faults.parse("429=0.1,500=0.1,reset=0.1,truncate=0.1,slow=0.1")
    draws = random.Random(7)
    picked = [faults.pick(draws.random()) for _ in range(10_000)]
    for kind in ("rate_limited", "server_error", "reset", "truncate", "slow"):
        assert 900 < picked.count(kind) < 1100, kind
    assert 4_800 < picked.count(None) < 5_200

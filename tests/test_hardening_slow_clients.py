"""Slow clients against a real server: 64 connections dripping headers, half-sent bodies and unfinished chunked
bodies hold no handler thread; a normal client's point lookups still answer quickly, and the limits still hold."""
import pytest
import requests

from tests.hardening_support import raw_request, serving
from tests.endpoint_support import build_kg_dir
from tests.slow_clients import SlowClients, summary, timed_lookups

SLOW_CONNECTIONS = 64
LOOKUPS = 100
P99_TARGET_SECONDS = 1.0


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Serve the fixture KG with the default two workers of four threads."""
    with serving(build_kg_dir(tmp_path_factory.mktemp("slow") / "kg")) as running:
        yield running


def test_slow_clients_do_not_starve_a_normal_client(server):
    with SlowClients(server.base, SLOW_CONNECTIONS) as slow:
        latencies, failures = timed_lookups(server.base, LOOKUPS, timeout=5.0)
        healthy = requests.get(server.base + "healthz", timeout=5).status_code
        still_open = len(slow.sockets)
    figures = summary(latencies)
    print(f"{SLOW_CONNECTIONS} slow connections ({still_open} still open at the end): "
          f"p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms over {LOOKUPS} point lookups")
    assert failures == []
    assert figures["p99_ms"] < P99_TARGET_SECONDS * 1000
    assert healthy == 200


CHUNKED = b"POST /sparql HTTP/1.1\r\nContent-Type: application/sparql-query\r\nTransfer-Encoding: chunked\r\n"


@pytest.mark.parametrize("head, body, status", [
    (CHUNKED, b"zz\r\nASK {}\r\n0\r\n\r\n", 400),  # a chunk size that is not hexadecimal
    (CHUNKED, b"ffffffffffffffffffff\r\nASK {}\r\n0\r\n\r\n", 413),  # a chunk over MAX_REQUEST_BYTES
    (b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nX-Filler: " + b"y" * 20_000 + b"\r\n", b"", 431),
    (b"GET /sparql?query=" + b"A" * 9000 + b" HTTP/1.1\r\n", b"", 414),
], ids=["bad-chunk-size", "huge-chunk", "huge-header", "long-request-line"])
def test_malformed_framing_is_refused_in_plain_text(server, head, body, status):
    answer_status, answer = raw_request(server.base, head + b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n" + body)
    assert answer_status == status, answer[:300]
    headers, _, text = answer.partition(b"\r\n\r\n")
    assert b"content-type: text/plain" in headers.lower() and b"<html" not in text.lower()

#!/usr/bin/env python3
"""Wait until a freshly started Kafka broker can serve clients.

Used by ops/kafka/kafka.sh. Standard library only, so it runs before any
project dependency is installed, and it polls in-process because starting a
JVM-based Kafka tool per attempt would cost about a second each.

Two ways to decide "ready":

metadata  Send a Kafka Metadata request over plain TCP and wait for an answer
          that lists at least one broker. The broker only opens its client
          listener once startup is complete, and only lists itself once it
          has registered with the controller, so such an answer means
          producers and consumers will work.
log       For listeners this script cannot speak to (SSL, SASL): wait until
          the port accepts TCP connections and the server log says
          "Kafka Server started".

Exit status 0 when ready; 1 on timeout or if the broker process died.
"""

import argparse
import socket
import struct
import sys
import time

METADATA_API_KEY = 3
# Metadata v1: every Kafka 4.x broker accepts it (4.3 serves v0-v13) and, unlike
# v9+, it uses the plain (non-"flexible") wire format, which keeps parsing short.
METADATA_VERSION = 1
CORRELATION_ID = 0x517E
CLIENT_ID = b"sitrep-wait-ready"
STARTED_LINE = "Kafka Server started"


def _kafka_string(data: bytes) -> bytes:
    return struct.pack(">h", len(data)) + data


def _metadata_request() -> bytes:
    header = struct.pack(">hhi", METADATA_API_KEY, METADATA_VERSION, CORRELATION_ID)
    header += _kafka_string(CLIENT_ID)
    # An empty topic list asks for brokers only; -1 would mean "all topics".
    body = struct.pack(">i", 0)
    payload = header + body
    return struct.pack(">i", len(payload)) + payload


def _recv_exactly(sock: socket.socket, n: int) -> bytes:
    chunks = []
    while n:
        chunk = sock.recv(n)
        if not chunk:
            raise ConnectionError("connection closed mid-response")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _parse_brokers(response: bytes) -> list:
    """Return [(node_id, host, port), ...] from a Metadata v1 response body."""
    (correlation_id,) = struct.unpack_from(">i", response, 0)
    if correlation_id != CORRELATION_ID:
        raise ValueError(f"unexpected correlation id {correlation_id}")
    offset = 4
    (count,) = struct.unpack_from(">i", response, offset)
    offset += 4
    brokers = []
    for _ in range(max(count, 0)):
        node_id, host_len = struct.unpack_from(">ih", response, offset)
        offset += 6
        host = response[offset : offset + host_len].decode()
        offset += host_len
        port, rack_len = struct.unpack_from(">ih", response, offset)
        offset += 6 + max(rack_len, 0)
        brokers.append((node_id, host, port))
    return brokers


def metadata_brokers(host: str, port: int, timeout: float) -> list:
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(_metadata_request())
        (size,) = struct.unpack(">i", _recv_exactly(sock, 4))
        if not 0 < size < 1 << 20:
            raise ValueError(f"implausible response size {size}")
        return _parse_brokers(_recv_exactly(sock, size))


def port_open(host: str, port: int, timeout: float) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def log_says_started(path: str) -> bool:
    try:
        with open(path, errors="replace") as log:
            return any(STARTED_LINE in line for line in log)
    except FileNotFoundError:
        return False


def process_alive(pid: int) -> bool:
    # A dead child not yet reaped by its parent still "exists" for kill(0),
    # so look at its state too.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=("metadata", "log"), default="metadata")
    parser.add_argument("--log", help="server log to search in --mode log")
    parser.add_argument("--pid", type=int, help="give up early if this process dies")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--interval", type=float, default=0.2)
    args = parser.parse_args()
    if args.mode == "log" and not args.log:
        parser.error("--mode log needs --log")

    deadline = time.monotonic() + args.timeout
    last_error = "no attempt yet"
    # Something answered, but not in plain Kafka protocol (TLS, SASL, ...).
    answered_oddly = False
    while True:
        if args.pid is not None and not process_alive(args.pid):
            print(f"wait_ready: broker process {args.pid} exited", file=sys.stderr)
            return 1
        try:
            if args.mode == "metadata":
                brokers = metadata_brokers(args.host, args.port, timeout=2.0)
                if brokers:
                    listed = ", ".join(f"{n}@{h}:{p}" for n, h, p in brokers)
                    print(f"wait_ready: metadata lists broker(s) {listed}")
                    return 0
                last_error = "metadata lists no broker yet"
            else:
                if port_open(args.host, args.port, timeout=2.0) and log_says_started(args.log):
                    print(f"wait_ready: port {args.port} open and log says '{STARTED_LINE}'")
                    return 0
                last_error = f"port closed or no '{STARTED_LINE}' in {args.log} yet"
        except (OSError, ValueError, struct.error) as exc:
            last_error = f"{type(exc).__name__}: {exc}"
            answered_oddly = not isinstance(exc, (ConnectionRefusedError, socket.timeout))
        if time.monotonic() >= deadline:
            print(
                f"wait_ready: broker on {args.host}:{args.port} not ready after "
                f"{args.timeout:g}s (last: {last_error})",
                file=sys.stderr,
            )
            if args.mode == "metadata" and answered_oddly:
                print(
                    "wait_ready: if that listener is not PLAINTEXT, use --mode log "
                    "(SITREP_KAFKA_READY=log)",
                    file=sys.stderr,
                )
            return 1
        time.sleep(args.interval)


if __name__ == "__main__":
    sys.exit(main())

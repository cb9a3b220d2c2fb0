"""Does a MongoDB-wire or AMQP server answer on host:port?

    python3 devstack/probe.py mongo 127.0.0.1 27017   # exit 0 when {ping: 1} answers ok: 1
    python3 devstack/probe.py amqp  127.0.0.1 5672    # exit 0 when the AMQP 0-9-1 handshake starts

Used by the devstack scripts before and after starting a server, so "something is
already running there" and "the server we started is ready" are real protocol
answers, not just an open port. Standard library only: the scripts run before the
virtualenv exists, and a hand-made OP_MSG ping is faster than importing pymongo on
every poll (and does not leave FerretDB a failing endSessions to log on close).
"""
from __future__ import annotations

import socket
import struct
import sys

TIMEOUT = 2.0


def _bson_ping() -> bytes:
    # {"ping": 1, "$db": "admin"} encoded by hand: int32 + string element.
    body = b"\x10ping\x00" + struct.pack("<i", 1)
    body += b"\x02$db\x00" + struct.pack("<i", 6) + b"admin\x00"
    return struct.pack("<i", len(body) + 5) + body + b"\x00"


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks = b""
    while len(chunks) < n:
        chunk = sock.recv(n - len(chunks))
        if not chunk:
            raise ConnectionError("connection closed")
        chunks += chunk
    return chunks


def mongo_ping(host: str, port: int) -> bool:
    # OP_MSG (opCode 2013): header, flagBits, one kind-0 section holding the command.
    payload = struct.pack("<I", 0) + b"\x00" + _bson_ping()
    header = struct.pack("<iiii", 16 + len(payload), 1, 0, 2013)
    with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
        sock.sendall(header + payload)
        length, _req, _resp, opcode = struct.unpack("<iiii", _recv_exact(sock, 16))
        reply = _recv_exact(sock, length - 16)
    if opcode != 2013:
        return False
    # Reply document holds ok: 1.0 (double) or ok: 1 (int32).
    return (b"\x01ok\x00" + struct.pack("<d", 1.0)) in reply or (
        b"\x10ok\x00" + struct.pack("<i", 1)
    ) in reply


def amqp_handshake(host: str, port: int) -> bool:
    # The broker answers the 0-9-1 protocol header with a method frame
    # (type 1) on channel 0: connection.start (class 10, method 10).
    with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
        sock.sendall(b"AMQP\x00\x00\x09\x01")
        frame = _recv_exact(sock, 11)
    frame_type, channel = struct.unpack(">BH", frame[:3])
    class_id, method_id = struct.unpack(">HH", frame[7:11])
    return frame_type == 1 and channel == 0 and (class_id, method_id) == (10, 10)


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[1] not in ("mongo", "amqp"):
        print(__doc__, file=sys.stderr)
        return 2
    kind, host, port = argv[1], argv[2], int(argv[3])
    try:
        ok = mongo_ping(host, port) if kind == "mongo" else amqp_handshake(host, port)
    except Exception:  # refused, timed out, closed, garbage: all mean "not ready"
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

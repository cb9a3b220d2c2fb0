"""Confirming many messages at once (chassis.events.wire.Confirms) and publishing behind
the writer (chassis.events.lane.Lane), without a broker: the broker's answers are scripted."""
from __future__ import annotations

import socket
import threading
import time
from collections import defaultdict

import pytest

from chassis.events import lane as lanes, wire


class _Channel:
    def __init__(self):
        self.events = defaultdict(set)
        self.confirming = False

    def confirm_select(self):
        self.confirming = True


class _Conn:
    """Answers with the scripted (kind, tag, multiple) frames, one per drain; then silence."""

    def __init__(self, answers):
        self.chan = _Channel()
        self.answers = list(answers)

    def channel(self):
        return self.chan

    def drain_events(self, timeout=None):
        if not self.answers:
            raise socket.timeout("silent")
        kind, tag, multiple = self.answers.pop(0)
        for callback in self.chan.events[f"basic_{kind}"]:
            callback(tag, multiple)


@pytest.fixture
def sent(monkeypatch):
    out = []
    monkeypatch.setattr(wire, "Producer", lambda channel: channel)
    monkeypatch.setattr(wire.topology, "declare_exchange", lambda channel, settings: None)
    monkeypatch.setattr(wire, "publish", lambda producer, settings, envelope, **kw: out.append(envelope["id"]))
    return out


def _envelopes(*ids):
    return [{"id": i} for i in ids]


def test_one_wait_settles_every_message_acks_for_many_at_once_included(sent):
    conn = _Conn([("ack", 2, True), ("ack", 3, False), ("ack", 4, True)])
    confirms = wire.Confirms(conn, settings=None)
    acked: set[str] = set()
    assert confirms.publish(_envelopes("a", "b", "c", "d"), acked, idle=0.1) is True
    assert conn.chan.confirming and sent == ["a", "b", "c", "d"] and acked == {"a", "b", "c", "d"}


def test_a_nacked_message_is_answered_but_not_acked(sent):
    conn = _Conn([("ack", 1, False), ("nack", 2, False), ("ack", 3, False)])
    acked: set[str] = set()
    assert wire.Confirms(conn, settings=None).publish(_envelopes("a", "b", "c"), acked, idle=0.1) is True
    assert acked == {"a", "c"}


def test_a_silent_broker_ends_the_wait_with_what_was_acked_so_far(sent):
    conn = _Conn([("ack", 1, False)])
    acked: set[str] = set()
    t0 = time.monotonic()
    assert wire.Confirms(conn, settings=None).publish(_envelopes("a", "b"), acked, idle=0.05) is False
    assert acked == {"a"} and time.monotonic() - t0 < 1


def test_delivery_tags_go_on_across_publishes_on_one_channel(sent):
    conn = _Conn([("ack", 2, True)])
    confirms = wire.Confirms(conn, settings=None)
    assert confirms.publish(_envelopes("a", "b"), set(), idle=0.05)
    conn.answers = [("ack", 3, False), ("nack", 4, False)]   # the broker numbers per channel
    acked: set[str] = set()
    assert confirms.publish(_envelopes("c", "d"), acked, idle=0.05) and acked == {"c"}


def test_a_late_answer_for_a_message_given_up_on_is_ignored(sent):
    conn = _Conn([])
    confirms = wire.Confirms(conn, settings=None)
    assert confirms.publish(_envelopes("a"), set(), idle=0.01) is False
    conn.answers = [("ack", 1, False), ("ack", 2, False)]
    acked: set[str] = set()
    assert confirms.publish(_envelopes("b"), acked, idle=0.05) and acked == {"b"}


def test_the_lane_runs_work_in_order_and_a_writer_waits_when_it_is_ahead():
    lane = lanes.Lane(depth=1)
    gate = threading.Event()
    ran: list[int] = []
    lane.put(lambda: (gate.wait(5), ran.append(1)))
    lane.put(lambda: ran.append(2))           # queued behind the first
    blocked = threading.Thread(target=lane.put, args=(lambda: ran.append(3),))
    blocked.start()
    blocked.join(0.2)
    assert blocked.is_alive()                 # depth 1: the third waits for room
    gate.set()
    blocked.join(5)
    assert lane.flush(5) and ran == [1, 2, 3]
    lane.close()


def test_work_that_fails_does_not_stop_the_lane(caplog):
    lane = lanes.Lane()
    ran: list[str] = []
    lane.put(lambda: 1 / 0)
    lane.put(lambda: ran.append("next"))
    assert lane.flush(5) and ran == ["next"]
    assert "relay will publish" in caplog.text
    lane.close()

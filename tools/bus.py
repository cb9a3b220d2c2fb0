"""Operator tooling for the event bus, on pika (an AMQP client independent of kombu).

    python -m tools.bus tail [ROUTING_KEY] [--count N]      watch events as they pass
    python -m tools.bus dead SERVICE                        list a service's dead letters
    python -m tools.bus replay SERVICE [--id EVENT_ID]      send dead letters back to the service

Payloads are printed as envelopes' metadata only (type, id, subject, source, error):
event data never contains sensitive values, but an operator console is no place for data.
"""
from __future__ import annotations

import argparse
import json
import sys

import pika

from chassis.config import env_required


def params(amqp_url: str | None = None) -> pika.URLParameters:
    url = amqp_url or env_required("CRM_AMQP_URL")
    # kombu spells the default vhost "//"; pika wants it percent-encoded.
    return pika.URLParameters(url[:-2] + "/%2F" if url.endswith("//") else url)


def _summary(body: bytes, headers: dict | None) -> dict:
    try:
        env_ = json.loads(body)
        out = {k: env_.get(k) for k in ("type", "version", "id", "subject", "source", "occurred_at")}
    except ValueError:
        out = {"malformed": body[:80].decode(errors="replace")}
    if headers:
        out.update({k: v for k, v in headers.items() if k in ("x-crm-attempts", "x-crm-error")})
    return out


def tail(routing_key: str = "#", count: int = 0, exchange: str | None = None, amqp_url: str | None = None,
         out=sys.stdout, inactivity: float | None = None) -> int:
    exchange = exchange or env_required("CRM_EXCHANGE")
    conn = pika.BlockingConnection(params(amqp_url))
    ch = conn.channel()
    q = ch.queue_declare("", exclusive=True).method.queue
    ch.queue_bind(q, exchange, routing_key=routing_key)
    seen = 0
    try:
        for method, props, body in ch.consume(q, auto_ack=True, inactivity_timeout=inactivity):
            if method is None:
                break
            print(json.dumps({"routing_key": method.routing_key, **_summary(body, props.headers)},
                             ensure_ascii=False), file=out, flush=True)
            seen += 1
            if count and seen >= count:
                break
    finally:
        conn.close()
    return seen


def dead_queue(service: str, exchange: str | None = None) -> str:
    return f"{exchange or env_required('CRM_EXCHANGE')}.{service}.dead"


def list_dead(service: str, exchange: str | None = None, amqp_url: str | None = None) -> list[dict]:
    """Peek at the dead letters without consuming them (they are requeued)."""
    conn = pika.BlockingConnection(params(amqp_url))
    ch = conn.channel()
    out = []
    try:
        while True:
            method, props, body = ch.basic_get(dead_queue(service, exchange), auto_ack=False)
            if method is None:
                break
            out.append(_summary(body, props.headers))
    finally:
        conn.close()  # unacked messages return to the queue in their order
    return out


def replay(service: str, event_id: str | None = None, exchange: str | None = None,
           amqp_url: str | None = None) -> int:
    """Move dead letters back to the service's queue (attempts reset); confirmed before removal."""
    exchange = exchange or env_required("CRM_EXCHANGE")
    conn = pika.BlockingConnection(params(amqp_url))
    ch = conn.channel()
    ch.confirm_delivery()
    moved, keep = 0, []
    try:
        while True:
            method, props, body = ch.basic_get(dead_queue(service, exchange), auto_ack=False)
            if method is None:
                break
            summary = _summary(body, props.headers)
            if event_id and summary.get("id") != event_id:
                keep.append(method.delivery_tag)
                continue
            headers = {k: v for k, v in (props.headers or {}).items() if not k.startswith("x-crm-")}
            ch.basic_publish("", f"{exchange}.{service}", body, pika.BasicProperties(
                content_type=props.content_type, delivery_mode=2, message_id=props.message_id, headers=headers))
            ch.basic_ack(method.delivery_tag)  # only after the broker confirmed the copy
            moved += 1
        for tag in keep:
            ch.basic_nack(tag, requeue=True)
    finally:
        conn.close()
    return moved


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.bus", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("tail")
    t.add_argument("routing_key", nargs="?", default="#")
    t.add_argument("--count", type=int, default=0)
    d = sub.add_parser("dead")
    d.add_argument("service")
    r = sub.add_parser("replay")
    r.add_argument("service")
    r.add_argument("--id")
    a = p.parse_args(argv)
    if a.cmd == "tail":
        tail(a.routing_key, a.count)
    elif a.cmd == "dead":
        for entry in list_dead(a.service):
            print(json.dumps(entry, ensure_ascii=False))
    else:
        print(f"replayed {replay(a.service, a.id)} message(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

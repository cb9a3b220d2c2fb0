"""Customer worker: the outbox relay, the consumer (staff directory, core banking) and the jobs
(re-tiering, expiring opportunities)."""
from chassis.config import load_settings, or_exit
from chassis.worker import run_worker

from . import jobs
from .bootstrap import ports
from .handlers import HANDLERS


def main(stop=None, **overrides):
    ports.bootstrap()
    periodic = {"retier": (5.0, jobs.retier), "expire_opportunities": (60.0, jobs.expire_opportunities)}
    run_worker(load_settings("customer", **overrides), HANDLERS, periodic=periodic, stop=stop)


if __name__ == "__main__":
    or_exit(main)

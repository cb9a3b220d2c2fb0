"""Customer worker: the outbox relay, the staff directory consumer and the re-tiering job."""
from chassis.config import load_settings, or_exit
from chassis.worker import run_worker

from . import jobs
from .bootstrap import ports
from .handlers import HANDLERS


def main(stop=None, **overrides):
    ports.bootstrap()
    run_worker(load_settings("customer", **overrides), HANDLERS, periodic={"retier": (5.0, jobs.retier)}, stop=stop)


if __name__ == "__main__":
    or_exit(main)

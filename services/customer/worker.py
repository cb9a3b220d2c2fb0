"""Customer worker: the outbox relay and the re-tiering job (it consumes no events)."""
from chassis.config import load_settings, or_exit
from chassis.worker import run_worker

from . import jobs


def main(stop=None, **overrides):
    run_worker(load_settings("customer", **overrides), periodic={"retier": (5.0, jobs.retier)}, stop=stop)


if __name__ == "__main__":
    or_exit(main)

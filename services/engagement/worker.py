"""Engagement worker: outbox relay + consumer of customer events."""
from chassis.config import load_settings
from chassis.worker import run_worker

from .handlers import HANDLERS


def main(stop=None, **overrides):
    run_worker(load_settings("engagement", **overrides), HANDLERS, stop=stop)


if __name__ == "__main__":
    main()

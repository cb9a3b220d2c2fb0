"""Feedback worker: outbox relay, event consumer, SLA watch and confirmation timeout."""
from chassis.config import load_settings, or_exit
from chassis.worker import run_worker

from . import jobs
from .bootstrap import ports
from .handlers import HANDLERS

SLA_INTERVAL = 30.0      # seconds between SLA scans; deadlines are hours, so this is plenty
CONFIRM_INTERVAL = 300.0


def main(stop=None, sla_interval: float = SLA_INTERVAL, confirm_interval: float = CONFIRM_INTERVAL,
         **overrides):
    ports.bootstrap()
    run_worker(load_settings("feedback", **overrides), HANDLERS,
               periodic={"sla-watch": (sla_interval, jobs.sla_watch),
                         "confirmation-timeout": (confirm_interval, jobs.confirmation_timeout)},
               stop=stop)


if __name__ == "__main__":
    or_exit(main)

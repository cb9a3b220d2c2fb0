"""Customer worker: the outbox relay, the consumer (staff directory, core banking) and the jobs
(re-tiering, expiring opportunities, birthdays entering an age band, and the import jobs: one
import may run for minutes)."""
from chassis.config import load_settings, or_exit
from chassis.worker import run_worker

from . import importrun, jobs
from .bootstrap import ports
from .handlers import HANDLERS

IMPORT_POLL = 1.0   # seconds between looks for a waiting import job


def main(stop=None, **overrides):
    ports.bootstrap()
    settings = load_settings("customer", **overrides)
    lease = float(settings.require("CRM_IMPORT_LEASE_SECONDS"))
    run_worker(settings, HANDLERS, stop=stop, periodic={
        "retier": (5.0, jobs.retier),
        "expire_opportunities": (60.0, jobs.expire_opportunities),
        "life_events": (float(settings.require("CRM_LIFE_EVENT_INTERVAL")), jobs.life_events),
        "imports": (IMPORT_POLL, lambda: importrun.work(lease))})


if __name__ == "__main__":
    or_exit(main)

"""Engagement worker: outbox relay, consumer of customer/feedback/core-banking events, claim sweeper,
plan closing, outreach rounds, and the "no contact in N days" churn signal."""
from chassis.config import load_settings, or_exit
from chassis.worker import run_worker

from . import jobs, plans, retention
from .bootstrap import ports
from .handlers import HANDLERS
from .outreach import dispatch, keys

SWEEP_INTERVAL_S = 60.0
PLAN_CLOSE_INTERVAL_S = 300.0
BACKFILL_CHECK_S = 3600.0   # periods end at midnight; closing within minutes is soon enough


def main(stop=None, **overrides):
    ports.bootstrap()
    settings = load_settings("engagement", **overrides)
    keys.configure(settings.internal_secret)
    run_worker(settings, HANDLERS,
               periodic={"sweep-claims": (SWEEP_INTERVAL_S, jobs.sweep_claims),
                         # once per database, then a no-op: what reads rely on, for older data
                         "backfill": (BACKFILL_CHECK_S, jobs.backfill),
                         "close-plans": (PLAN_CLOSE_INTERVAL_S, plans.close_due),
                         "outreach": (float(settings.require("CRM_OUTREACH_INTERVAL")), dispatch.tick),
                         "contact-lapses": (float(settings.require("CRM_CONTACT_LAPSE_INTERVAL")),
                                            retention.scan_lapses)},
               stop=stop)


if __name__ == "__main__":
    or_exit(main)

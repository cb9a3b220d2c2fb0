"""Gateway worker: the outbox relay that publishes staff users' changes (it consumes nothing)."""
from chassis.config import load_settings
from chassis.worker import run_worker


def main(stop=None, **overrides):
    run_worker(load_settings("gateway", **overrides), stop=stop)


if __name__ == "__main__":
    main()

"""Customer worker: the outbox relay (this service consumes no events yet)."""
from chassis.config import load_settings
from chassis.worker import run_worker


def main(stop=None, **overrides):
    run_worker(load_settings("customer", **overrides), stop=stop)


if __name__ == "__main__":
    main()

"""Outreach (触达): messages that actually reach the customer, within consent and contact rules.

``rules`` is pure (consent decision, quiet hours, caps, SMS segments, WeChat fields,
rendering); ``channels`` holds the sending adapters (ports); ``messages`` plans and
records, ``dispatch`` sends (the worker), ``campaigns`` batches with a dry run,
``consent`` records PIPL consent, ``links`` answers the customer's self-service link.
"""

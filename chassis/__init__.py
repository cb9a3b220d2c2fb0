"""The microservice chassis shared by every service of the suite.

One importable package so services stay small and uniform: configuration,
the Flask app factory, problem+json errors, identity from the gateway, JSON
logging with redaction, the versioned aggregate store (change records that are
also the outbox), the event bus (envelope, publish on commit, the relay as its
safety net, consumer) and audit.
"""

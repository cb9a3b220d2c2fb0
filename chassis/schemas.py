"""Schemas every service's API shares, so lists page the same way everywhere."""
from marshmallow import Schema, fields, validate

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class PageQuery(Schema):
    """``limit`` and an opaque ``cursor`` (from the previous page's ``next_cursor``).
    List queries with filters subclass it."""
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT))
    cursor = fields.String()

"""Schemas and fields every service's API shares, so lists page the same way everywhere and
bodies take JSON types as documented."""
from typing import Any

from marshmallow import Schema, fields, validate

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class PageQuery(Schema):
    """``limit`` and an opaque ``cursor`` (from the previous page's ``next_cursor``).
    List queries with filters subclass it."""
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT))
    cursor = fields.String()


class StrictInteger(fields.Integer):
    """A JSON integer only, for bodies: marshmallow's Integer also takes "5", 5.0 and true, and
    truncates 2.5e-42 to 0 (an amount sent as a float is refused, never rounded)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        result: int = super()._deserialize(value, attr, data, **kwargs)
        return result


class StrictFloat(fields.Float):
    """A JSON number only, for bodies: marshmallow's Float also takes "0.8" and true (NaN and
    the infinities stay refused, as Float refuses them)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        result: float = super()._deserialize(value, attr, data, **kwargs)
        return result


class StrictBoolean(fields.Boolean):
    """A JSON boolean only, for bodies: marshmallow's Boolean also takes 1, "yes", "on"..."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value

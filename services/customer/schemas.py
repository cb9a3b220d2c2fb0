"""marshmallow schemas: validation in, serialisation out."""
from marshmallow import Schema, fields, validate

MOBILE = validate.Regexp(r"^1[3-9]\d{9}$", error="Not a mainland mobile number.")


class CustomerIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["individual", "corporate"]))
    name = fields.String(required=True, validate=validate.Length(1, 200))
    mobile = fields.String(validate=MOBILE)
    id_number = fields.String(validate=validate.Regexp(r"^\d{17}[\dX]$"))
    birth_date = fields.Date()
    manager_id = fields.String()
    branch = fields.String()


class CustomerOut(Schema):
    id = fields.String()
    version = fields.Integer()
    kind = fields.String()
    name = fields.String()
    mobile = fields.String(allow_none=True)
    id_number = fields.String(allow_none=True)
    birth_date = fields.Date(allow_none=True)
    manager_id = fields.String(allow_none=True)
    branch = fields.String(allow_none=True)
    tier = fields.String(allow_none=True)
    classes = fields.List(fields.String())
    tags = fields.List(fields.String())
    status = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()

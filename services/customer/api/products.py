"""/api/v1/products: the product catalogue (admins edit it; every edit is a version)."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from chassis import identity
from chassis.http import etag, if_match_version
from chassis.openapi import CREATED, ETAG, IF_MATCH, problems
from contracts import core_banking as core

from .. import products, risk

blp = Blueprint("products", __name__, url_prefix="/api/v1/products", description="Product catalogue (产品目录)")

CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$", error="Letters, digits, . _ - (at most 40).")


class ProductIn(Schema):
    class Meta:
        unknown = RAISE

    code = fields.String(required=True, validate=CODE, metadata={"example": "WM-R2-180"})
    name = fields.String(required=True, validate=validate.Length(1, 200), metadata={"example": "稳健理财180天"})
    product_type = fields.String(required=True, validate=validate.OneOf(core.PRODUCT_TYPES))
    risk_level = fields.String(allow_none=True, validate=validate.OneOf(risk.PRODUCT_LEVELS), metadata={
        "description": "R1–R5; required for wealth products and funds, none for deposits and loans"})
    term_months = fields.Integer(strict=True, allow_none=True, validate=validate.Range(1, 600),
                                 metadata={"description": "required for time deposits"})
    currency = fields.String(validate=validate.OneOf(("CNY", "USD", "EUR", "HKD")), load_default="CNY")


class ProductPatch(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(validate=validate.Length(1, 200))
    risk_level = fields.String(allow_none=True, validate=validate.OneOf(risk.PRODUCT_LEVELS))
    term_months = fields.Integer(strict=True, allow_none=True, validate=validate.Range(1, 600))
    currency = fields.String(validate=validate.OneOf(("CNY", "USD", "EUR", "HKD")))
    status = fields.String(validate=validate.OneOf(("active", "retired")),
                           metadata={"description": "retired products can no longer be proposed"})
    reason = fields.String(validate=validate.Length(1, 500), metadata={"description": "kept in the history"})

    @validates_schema
    def _something(self, data, **kwargs):
        if not set(data) - {"reason"}:
            raise ValidationError("Send at least one field to change.")


class ProductOut(Schema):
    code = fields.String()
    name = fields.String()
    product_type = fields.String(validate=validate.OneOf(core.PRODUCT_TYPES))
    risk_level = fields.String(allow_none=True)
    term_months = fields.Integer(allow_none=True)
    currency = fields.String()
    status = fields.String()
    version = fields.Integer()
    updated_at = fields.DateTime(allow_none=True)


class ProductQuery(Schema):
    product_type = fields.String(validate=validate.OneOf(core.PRODUCT_TYPES))
    status = fields.String(validate=validate.OneOf(("active", "retired")))


@blp.route("")
class Products(MethodView):
    @blp.arguments(ProductQuery, location="query", unknown=RAISE)
    @blp.response(200, ProductOut(many=True))
    def get(self, q):
        """The catalogue

        Every product (deposits, time deposits with their term, wealth products and funds with
        their risk level R1–R5, insurance, loans), by code; filter by `product_type`, `status`.
        """
        identity.current()
        query = {k: v for k, v in q.items()}
        rows = products.products.collection.find(query).sort([("_id", 1)]).limit(1000)
        return [products.as_dict(products.Product._from_son(r)) for r in rows]

    @blp.arguments(ProductIn, example={"code": "WM-R2-180", "name": "稳健理财180天", "product_type": "wealth",
                                       "risk_level": "R2"})
    @blp.response(201, ProductOut, headers=CREATED)
    @problems(blp, 403, 409)
    def post(self, data):
        """Add a product

        Admins only (403). A time deposit needs `term_months`, a wealth product or fund a
        `risk_level`, a deposit or loan none (422). 409: the code exists.
        """
        p = products.create(data, identity.current())
        return products.as_dict(p), 201, {"ETag": etag(p.version), "Location": f"/api/v1/products/{p.id}"}


@blp.route("/<code>")
class ProductItem(MethodView):
    @blp.response(200, ProductOut, headers=ETAG)
    def get(self, code):
        """A product

        Its type, risk level, term and status; the ETag is the version to send back as
        If-Match. 404: no such product.
        """
        identity.current()
        p = products.products.require(code, "product")
        return products.as_dict(p), 200, {"ETag": etag(p.version)}

    @blp.arguments(ProductPatch)
    @blp.response(200, ProductOut, headers=ETAG)
    @blp.doc(parameters=[IF_MATCH])
    @problems(blp, 403, 412, 428)
    def patch(self, patch, code):
        """Change a product (a new version; retire it to stop proposals)

        Admins only (403). `If-Match` the version read: 428 without it, 412 stale.
        """
        who = identity.current()
        who.ensure_role(identity.ADMIN)
        p = products.update(code, if_match_version(), patch, who)
        return products.as_dict(p), 200, {"ETag": etag(p.version)}

"""The product catalogue (产品目录): admins keep it, every edit a version with who and why."""
from __future__ import annotations

from chassis import identity
from chassis.errors import conflict, invalid
from chassis.exceptions import AlreadyExists
from chassis.identity import Identity

from . import suitability
from .bootstrap import ports
from .financial_models import Product

products = ports.products
EDITABLE = ("name", "risk_level", "term_months", "currency", "status")


def as_dict(p: Product) -> dict:
    return {"code": p.id, "name": p.name, "product_type": p.product_type, "risk_level": p.risk_level,
            "term_months": p.term_months, "currency": p.currency, "status": p.status, "version": p.version,
            "updated_at": p.updated_at}


def create(data: dict, who: Identity) -> Product:
    who.ensure_role(identity.ADMIN)
    errors = suitability.catalogue_problems(data)
    if errors:
        raise invalid(errors)
    doc = Product(id=data["code"], name=data["name"], product_type=data["product_type"],
                  risk_level=data.get("risk_level"), term_months=data.get("term_months"),
                  currency=data.get("currency") or "CNY", status="active")
    try:
        return products.create(doc, who, reason="product added")
    except AlreadyExists:
        raise conflict(f"Product {data['code']} already exists.", slug="duplicate-product") from None


def update(code: str, expected_version: int, patch: dict, who: Identity) -> Product:
    who.ensure_role(identity.ADMIN)
    current = products.require(code, "product")
    merged = {**as_dict(current), **patch}
    errors = suitability.catalogue_problems(merged)
    if errors:
        raise invalid({k: v for k, v in errors.items()})

    def change(doc):
        for k in EDITABLE:
            if k in patch:
                setattr(doc, k, patch[k])
    return products.update(code, expected_version, change, who, reason=patch.get("reason") or "product edited",
                           current=current)

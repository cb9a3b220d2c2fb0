"""HTTP entry points: thin translators between requests and the store."""
import uuid

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import identity
from chassis.http import etag
from chassis.masking import mask_id_number, mask_mobile
from chassis.store import AggregateStore
from contracts import customer as events

from .models import Customer
from .schemas import CustomerIn, CustomerOut

blp = Blueprint("customers", __name__, url_prefix="/api/v1/customers", description="Customer archive")
store = AggregateStore(Customer, "customer")


def snapshot(c: Customer) -> dict:
    return {"customer_id": c.id, "kind": c.kind, "name": c.name, "tier": c.tier,
            "classes": list(c.classes), "tags": list(c.tags), "birth_date": c.birth_date,
            "manager_id": c.manager_id, "branch": c.branch, "status": c.status}


def view(c: Customer) -> dict:
    d = c.to_mongo().to_dict()
    d["id"] = d.pop("_id")
    d["mobile"] = mask_mobile(c.mobile)
    d["id_number"] = mask_id_number(c.id_number)
    return d


@blp.route("")
class Customers(MethodView):
    @blp.arguments(CustomerIn)
    @blp.response(201, CustomerOut)
    def post(self, data):
        who = identity.current()
        cid = str(uuid.uuid4())
        doc = Customer(id=cid, mobile_key=data.get("mobile") or f"none:{cid}",
                       id_key=data.get("id_number") or f"none:{cid}", **data)
        doc.manager_id = doc.manager_id or (who.user_id if who.role == identity.MANAGER else None)
        store.create(doc, who, [events.REGISTERED.new(cid, snapshot(doc))])
        return view(doc), 201, {"ETag": etag(doc.version), "Location": f"/api/v1/customers/{cid}"}


@blp.route("/<customer_id>")
class CustomerItem(MethodView):
    @blp.response(200, CustomerOut)
    def get(self, customer_id):
        who = identity.current()
        c = store.require(customer_id, "customer")
        who.ensure_can_see(c.manager_id, c.branch)
        return view(c), 200, {"ETag": etag(c.version)}

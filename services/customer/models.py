"""Customer documents (mongoengine). Written only through the versioned store."""
from mongoengine import DateField, ListField, StringField

from chassis.models import Aggregate


class Customer(Aggregate):
    kind = StringField(required=True, choices=("individual", "corporate"))
    name = StringField(required=True, max_length=200)
    mobile = StringField()
    id_number = StringField()
    birth_date = DateField()
    manager_id = StringField()
    branch = StringField()
    tier = StringField()
    classes = ListField(StringField())
    tags = ListField(StringField())
    status = StringField(default="active", choices=("active", "archived"))
    # Natural keys as always-present unique values: unique indexes are the one
    # write FerretDB makes atomic, so they (not a prior read) stop duplicates.
    mobile_key = StringField(required=True)
    id_key = StringField(required=True)

    meta = {
        "db_alias": "customer",
        "collection": "customers",
        "indexes": [
            {"fields": ["mobile_key"], "unique": True, "name": "uniq_mobile"},
            {"fields": ["id_key"], "unique": True, "name": "uniq_id_document"},
            {"fields": ["manager_id", "name"], "name": "by_manager"},
        ],
    }

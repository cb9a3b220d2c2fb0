"""Next best action's documents: the branch weights (an aggregate, versioned, edited by admins)
and the local copies the score reads — complaints (open or not) and churn signals, fed by the
feedback and customer services' events."""
from mongoengine import DateTimeField, DictField, Document, IntField, StringField

from chassis.models import Aggregate

ALIAS = "engagement"


class NbaWeights(Aggregate):
    """id = "branch:<code>" ("branch:" for bank-wide): the whole set of weights (nba_rules)."""
    branch = StringField()
    weights = DictField(required=True)

    meta = {"db_alias": ALIAS, "collection": "nba_weights"}


class ComplaintCopy(Document):
    """A complaint as its events tell it, version-guarded (chassis.copies): open or not."""
    id = StringField(primary_key=True)          # complaint id
    version = IntField(required=True)
    customer_id = StringField()
    status = StringField()
    severity = StringField()
    cycle = IntField()
    updated_at = DateTimeField()

    meta = {"db_alias": ALIAS, "collection": "complaint_copies",
            "indexes": [{"fields": ["customer_id"], "name": "by_customer"}]}


class ChurnSignal(Document):
    """id = "<customer>:<signal_key>": a unique insert, so a redelivered signal is kept once."""
    id = StringField(primary_key=True)
    customer_id = StringField(required=True)
    signal = StringField(required=True)
    raised_on = DateTimeField(required=True)    # the day, at midnight

    meta = {"db_alias": ALIAS, "collection": "churn_signals",
            "indexes": [{"fields": ["customer_id", "raised_on"], "name": "by_customer"}]}

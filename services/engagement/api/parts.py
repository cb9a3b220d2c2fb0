"""What the gateway composes: customer summary, a manager's worklist, team stats; reminders."""

from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import clock, identity
from chassis.openapi import problems

from .. import activities, book, care, nba, plan_reads, reminders, scope
from ..models import Activity, GiftIssue, Greeting, Interaction, Reminder, Visit
from ..schemas import (
    CustomerSummary,
    ManagerDateQuery,
    ReminderDoneIn,
    ReminderOut,
    Reminders,
    StatsOut,
    StatsQuery,
    WorklistOut,
)

blp = Blueprint("engagement-views", __name__, url_prefix="/api/v1/engagement",
                description="Composed views: customer summary, worklist, team stats, account reminders")

UPCOMING_CARE_DAYS = 30


# Rows are handed to the response schemas as read; the schemas write dates and times.
def _interaction(r):
    return {"id": r["_id"], "channel": r["channel"], "purpose": r["purpose"], "outcome": r.get("outcome"),
            "occurred_at": r["occurred_at"], "manager_id": r.get("manager_id"),
            "follow_up_date": r.get("follow_up_date")}


def _visit(r):
    return {"id": r["_id"], "status": r["status"], "kind": r.get("kind"), "scheduled_at": r["scheduled_at"],
            "objective": (r.get("plan") or {}).get("objective"), "visited_at": r.get("visited_at"),
            "rating": (r.get("evaluation") or {}).get("rating"), "customer_id": r["customer_id"]}


def _reminder(r):
    return {"id": r["_id"], "kind": r["kind"], "customer_id": r["customer_id"], "account_ref": r.get("account_ref"),
            "details": r.get("details") or {}, "occurred_at": r.get("occurred_at"), "status": r.get("status")}


@blp.route("/customers/<customer_id>/summary")
class Summary(MethodView):
    @blp.response(200, CustomerSummary)
    @problems(blp, 503)
    def get(self, customer_id):
        """A customer's engagement summary

        What the customer 360 shows from this service: the latest interactions and visits,
        greetings due in the next 30 days and open account reminders. 404 when the customer
        is not in the caller's book; 503 when the customer is new here and the customer
        service (it is read from) does not answer.
        """
        snap = scope.customer(customer_id)
        inter = Interaction._get_collection().find({"customer_id": customer_id}).sort(
            [("occurred_at", -1), ("_id", -1)]).limit(5)
        visits = Visit._get_collection().find({"customer_id": customer_id}).sort(
            [("scheduled_at", -1), ("_id", -1)]).limit(5)
        reminders = Reminder._get_collection().find({"customer_id": customer_id, "status": "open"}).sort(
            [("occurred_at", -1)]).limit(5)
        return {"customer_id": customer_id, "recent_interactions": [_interaction(r) for r in inter],
                "recent_visits": [_visit(r) for r in visits],
                "upcoming_care": care.due([snap], clock.today(), UPCOMING_CARE_DAYS),
                "account_reminders": [_reminder(r) for r in reminders]}


@blp.route("/worklist")
class Worklist(MethodView):
    @blp.arguments(ManagerDateQuery, location="query")
    @blp.response(200, WorklistOut)
    @problems(blp, 404)
    def get(self, q):
        """A manager's engagement work for a day

        For `date` (default today, the bank's day) and a manager's book (managers: their
        own; others name `manager_id`, 422 without it): greetings due, customers due and
        overdue for contact, visits planned that day, open account reminders and
        interactions to follow up that day; plan tasks due within two weeks or late, plan
        deviations (late tasks, goals projected to miss) and, on a supervisor's worklist, the
        team's deviations past the plan's threshold and the complaints escalated to them;
        and `next_best_actions`, the customers of the book with a reason to be worked on,
        ranked by value × (1 + risk) × (1 + staleness) + plan tasks under the branch's
        weights (`/nba/weights`), each with its score parts and reasons.
        404 when the manager is not in the caller's scope.
        """
        manager_id = scope.manager_scope(q.get("manager_id"))
        day = q.get("date") or clock.today()
        customers = book.customers_of([manager_id])
        ids = [c["id"] for c in customers]
        # the latest contacts, read once for the cadence and the ranking (as of now: a
        # worklist of a past day reads them from the work, as the ranking always did)
        last = book.last_contacts(ids, until=clock.day_bounds(day)[1])
        due, overdue = book.contact_status(manager_id, day, customers, last)
        start, end = clock.day_bounds(day)
        # Visits follow the customer's current book, whoever planned them.
        visits = Visit._get_collection().find({"customer_id": {"$in": ids},
                                               "status": {"$in": ["planned", "in_progress"]},
                                               "scheduled_at": {"$gte": start, "$lt": end}}).sort([("scheduled_at", 1)])
        reminders = Reminder._get_collection().find({"customer_id": {"$in": ids}, "status": "open"}).sort(
            [("occurred_at", -1)]).limit(500)
        names = {c["id"]: c.get("name") for c in customers}
        follow_ups = Interaction._get_collection().find({"follow_up_day": day.isoformat(), "customer_id": {"$in": ids}})
        plan_part = plan_reads.worklist(manager_id, day, identity.current())
        return {"manager_id": manager_id, "date": day,
                "greetings_due": care.due(customers, day),
                "contacts_due": due,
                "contacts_overdue": overdue,
                "visits_planned": [{**_visit(r), "name": names.get(r["customer_id"])} for r in visits],
                "account_reminders": [{**_reminder(r), "name": names.get(r["customer_id"])} for r in reminders],
                "follow_ups_due": [{**_interaction(r), "customer_id": r["customer_id"]} for r in follow_ups],
                # maintenance plans: tasks, deviations, and a supervisor's escalations
                **plan_part,
                # the book ranked: value × risk × staleness, plus the plan tasks above
                "next_best_actions": nba.next_best_actions(manager_id, day, plan_part["plan_tasks"], customers,
                                                           last)}


@blp.route("/stats")
class Stats(MethodView):
    @blp.arguments(StatsQuery, location="query")
    @blp.response(200, StatsOut)
    @problems(blp, 404)
    def get(self, q):
        """Team engagement figures over a period

        For the listed managers (`manager_ids`, comma-separated) from `from` to `to`
        (inclusive days): per manager the customers in the book, how many were contacted,
        interactions, completed visits, greetings and gifts; contact coverage overall and
        per manager; the activities of the caller's branch starting in the period with
        their figures; and the maintenance plans with tasks for these managers in the period
        (task progress, latest evaluation). 404 when a manager is not in the caller's scope.
        """
        who = identity.current()
        managers = scope.managers_scope(q["manager_ids"])
        start, end = clock.day_bounds(q["from_"])[0], clock.day_bounds(q["to"])[1]
        customers = book.customers_of(managers)
        owner = {c["id"]: c.get("manager_id") for c in customers}
        ids = list(owner)
        per = {m: {"customers": 0, "contacted": 0, "interactions": 0, "visits_completed": 0, "greetings_sent": 0,
                   "gifts_issued": 0} for m in managers}
        for m in owner.values():
            per[m]["customers"] += 1
        contacted = set()
        rng = {"$gte": start, "$lt": end}
        for r in Interaction._get_collection().find({"customer_id": {"$in": ids}, "occurred_at": rng},
                                                    {"customer_id": 1}):
            contacted.add(r["customer_id"])
            per[owner[r["customer_id"]]]["interactions"] += 1
        for r in Visit._get_collection().find({"customer_id": {"$in": ids}, "visited_at": rng},
                                              {"customer_id": 1, "status": 1}):
            contacted.add(r["customer_id"])
            if r["status"] == "completed":
                per[owner[r["customer_id"]]]["visits_completed"] += 1
        for r in Greeting._get_collection().find({"customer_id": {"$in": ids}, "sent_at": rng}, {"customer_id": 1}):
            per[owner[r["customer_id"]]]["greetings_sent"] += 1
        for r in GiftIssue._get_collection().find({"customer_id": {"$in": ids}, "issued_at": rng}, {"customer_id": 1}):
            per[owner[r["customer_id"]]]["gifts_issued"] += 1
        for cid in contacted:
            per[owner[cid]]["contacted"] += 1
        coverage = {m: (round(p["contacted"] / p["customers"], 4) if p["customers"] else None) for m, p in per.items()}
        aq = {"starts_at": rng}
        if who.branch:
            aq["branch"] = who.branch
        acts = []
        for a in Activity._get_collection().find(aq).sort([("starts_at", 1)]).limit(200):
            f = activities.figures(a["_id"])
            acts.append({"id": a["_id"], "name": a["name"], "type": a["type"], "starts_at": a["starts_at"],
                         "status": a.get("status"), **f})
        return {"manager_ids": managers, "from_": q["from_"], "to": q["to"],
                "plans": plan_reads.dashboard(managers, q["from_"], q["to"], who),
                "contact_coverage": {"overall": round(len(contacted) / len(ids), 4) if ids else None,
                                     "per_manager": coverage},
                "activities": acts, "per_manager": per}


@blp.route("/reminders")
class RemindersList(MethodView):
    @blp.arguments(ManagerDateQuery, location="query")
    @blp.response(200, Reminders)
    @problems(blp, 404)
    def get(self, q):
        """Open account reminders of a manager's book

        Balance changes, maturing deposits and dormant accounts reported by core banking
        for the customers of a manager's book (managers: their own; others name
        `manager_id`, 422 without it), newest first, at most 500. `date` is not used. 404
        when the manager is not in the caller's scope.
        """
        manager_id = scope.manager_scope(q.get("manager_id"))
        ids = [c["id"] for c in book.customers_of([manager_id])]
        rows = Reminder._get_collection().find({"customer_id": {"$in": ids}, "status": "open"}).sort(
            [("occurred_at", -1)]).limit(500)
        return {"manager_id": manager_id, "items": [_reminder(r) for r in rows]}


@blp.route("/reminders/<reminder_id>")
class ReminderItem(MethodView):
    @blp.arguments(ReminderDoneIn)
    @blp.response(200, ReminderOut)
    def patch(self, data, reminder_id):
        """Close an account reminder

        `{"status": "done"}` once the manager has acted on it; doing it again changes
        nothing. 404 when there is no such reminder or its customer is not in the caller's
        book.
        """
        return _reminder(reminders.set_status(reminder_id, data["status"]))

"""Care (客户关怀): greetings due, mark sent (once per occasion), the holiday calendar."""
from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import clock, identity
from chassis.models import as_dict
from chassis.openapi import problems

from .. import book, care, holidays, scope
from ..models import Greeting
from ..schemas import GreetingIn, GreetingOut, GreetingsDue, HolidayCalendar, HolidayQuery, ManagerDateQuery

blp = Blueprint("care", __name__, url_prefix="/api/v1/engagement",
                description="Birthday, holiday and anniversary greetings")


@blp.route("/greetings/due")
class DueGreetings(MethodView):
    @blp.arguments(ManagerDateQuery, location="query")
    @blp.response(200, GreetingsDue)
    @problems(blp, 404)
    def get(self, q):
        """Greetings due on a day

        Birthdays, wedding and other anniversaries and holidays falling on `date` (default
        today, the bank's day) for the customers of a manager's book (managers: their own;
        others name `manager_id`, 422 without it) that have not been greeted yet. Send one
        with `POST /greetings`. 404 when the manager is not in the caller's scope.
        """
        manager_id = scope.manager_scope(q.get("manager_id"))
        day = q.get("date") or clock.today()
        return {"manager_id": manager_id, "date": day,
                "items": care.due(book.customers_of([manager_id]), day)}


@blp.route("/greetings")
class Greetings(MethodView):
    @blp.arguments(GreetingIn)
    @blp.response(201, GreetingOut)
    @problems(blp, 404, 409, 503)
    def post(self, data):
        """Mark a greeting as sent

        Records that the customer was greeted for an occasion of a year (the `occasion`
        and `year` of an item of `/greetings/due`; 422 when the customer has no such
        occasion that year), over a channel. Once per occasion: a second one is 409
        `already-greeted`. 404 when the customer is not in the caller's book; 503 when the
        customer is new here and the customer service (it is read from) does not answer.
        """
        g = care.send(scope.customer(data["customer_id"]), data, identity.current())
        return as_dict(g), 201


@blp.route("/customers/<customer_id>/greetings")
class CustomerGreetings(MethodView):
    @blp.response(200, GreetingOut(many=True))
    @problems(blp, 503)
    def get(self, customer_id):
        """Greetings a customer was sent

        Newest first (at most 200). 404 when the customer is not in the caller's book;
        503 when the customer is new here and the customer service, which it is read from, does not answer.
        """
        scope.customer(customer_id)
        return [as_dict(r) for r in Greeting._get_collection().find({"customer_id": customer_id}).sort(
            [("sent_at", -1)]).limit(200)]


@blp.route("/holidays")
class Holidays(MethodView):
    @blp.arguments(HolidayQuery, location="query")
    @blp.response(200, HolidayCalendar)
    def get(self, q):
        """The holiday calendar of a year

        The holidays customers are greeted on, with their Gregorian date in `year`
        (1901–2099); lunar ones (Spring Festival, Mid-Autumn...) are converted from the
        Chinese lunisolar calendar.
        """
        identity.current()
        return {"year": q["year"], "source": "lunardate (Chinese lunisolar table 1900–2099) + fixed Gregorian dates",
                "holidays": [{"key": h.key, "name": h.name, "name_en": h.name_en, "date": h.date,
                              "lunar": h.lunar} for h in holidays.calendar(q["year"])]}

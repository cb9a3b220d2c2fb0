"""Plan tasks and tasks handed down by a supervisor (执行 / 上级交办)."""
from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import identity
from chassis.http import etag, if_match_version, page
from chassis.models import as_dict
from chassis.openapi import CREATED, ETAG, IF_MATCH, problems

from .. import plan_tasks, scope
from ..plan_models import PlanTask
from ..plan_schemas import TaskDoneIn, TaskIn, TaskOut, TaskPage, TaskQuery

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/engagement/tasks",
                description="Tasks from approved plans and handed down by supervisors")


@blp.route("")
class Tasks(MethodView):
    @blp.arguments(TaskIn)
    @blp.response(201, TaskOut, headers=CREATED)
    @problems(blp, 403, 404)
    def post(self, data):
        """Hand a team member a task (上级交办)

        Supervisors and admins (403 for others): what (`title`), for whom (`owner_id`, an
        active manager of the caller's team or branch, 422 otherwise), about which customer
        (optional; 404 when the caller does not see it) and by when (`due_on`, not in the
        past). It is on the owner's worklist until done; with a `kind` of work (contact,
        visit, ...) recording that work for the customer completes it, as plan tasks are.
        """
        who = identity.current()
        who.ensure_role(identity.SUPERVISOR, identity.ADMIN)
        customer = scope.customer(data["customer_id"]) if data.get("customer_id") else None
        t = plan_tasks.hand_down(data, who, customer)
        return as_dict(t), 201, {"ETag": etag(t.version), "Location": f"/api/v1/engagement/tasks/{t.id}"}

    @blp.arguments(TaskQuery, location="query")
    @blp.response(200, TaskPage)
    @problems(blp, 400)
    def get(self, q):
        """List tasks

        The tasks of the owners the caller sees — a manager their own, a supervisor the
        team's, an admin the branch's — by due day; filter by owner (`manager_id`),
        `status`, `plan_id` and `customer_id`. Cursor-paginated (400 for a bad cursor).
        """
        query = identity.current().scope_filter()
        filters = {k: q[k] for k in ("status", "plan_id", "customer_id") if q.get(k)}
        if q.get("manager_id"):
            query = {"$and": [query, {"manager_id": q["manager_id"]}]}
        rows, nxt = page(PlanTask._get_collection(), {**query, **filters}, [("due_on", 1), ("_id", 1)], q["limit"],
                         q.get("cursor"))
        return {"items": [as_dict(r) for r in rows], "next_cursor": nxt}


@blp.route("/<task_id>")
class TaskItem(MethodView):
    @blp.response(200, TaskOut, headers=ETAG)
    def get(self, task_id):
        """One task

        With its `ETag`. 404 when there is no such task or the caller does not see its owner.
        """
        t = plan_tasks.visible(task_id, identity.current())
        return as_dict(t), 200, {"ETag": etag(t.version)}


@blp.route("/<task_id>/complete", methods=["POST"])
@blp.arguments(TaskDoneIn, required=False)
@blp.response(200, TaskOut, headers=ETAG)
@blp.doc(parameters=[IF_MATCH])
@problems(blp, 400, 409, 412, 428)
def complete(data, task_id):
    """Complete a task by hand

    For work no event records (a handed-down errand), with an optional note: `open` →
    `done`. Work recorded through interactions, visits, greetings, surveys and activities
    completes matching tasks by itself. 409 `illegal-transition` when the task is not open.
    Needs `If-Match` with the task's ETag (428 without it, 400 when it is not an ETag, 412
    when the task changed since). 404 when the caller does not see the task.
    """
    t = plan_tasks.complete_by_hand(task_id, if_match_version(), data.get("note"), identity.current())
    return as_dict(t), 200, {"ETag": etag(t.version)}

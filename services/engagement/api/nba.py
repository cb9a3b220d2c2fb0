"""Next best action's configuration: the branch's weights (admins edit, everyone reads). The
ranked list itself is in the worklist (`GET /api/v1/engagement/worklist`, `next_best_actions`)."""
from flask.views import MethodView
from flask_smorest import Blueprint

from chassis import identity
from chassis.http import etag, if_match_version
from chassis.openapi import problems

from .. import nba, nba_rules
from ..nba_schemas import NbaWeightsIn, NbaWeightsOut

blp = Blueprint("next-best-action", __name__, url_prefix="/api/v1/engagement/nba",
                description="Next best action (下一步最佳行动): the branch's weights for ranking the worklist")


def _view(branch: str) -> tuple[dict, dict]:
    doc = nba.weights_doc(branch)
    body = {"branch": branch, "source": "custom" if doc else "default", "version": doc.version if doc else None,
            "weights": nba_rules.merge(nba_rules.DEFAULT_WEIGHTS, doc.weights if doc else {})}
    return body, ({"ETag": etag(doc.version)} if doc else {})


@blp.route("/weights")
class Weights(MethodView):
    @blp.response(200, NbaWeightsOut)
    def get(self):
        """The next-best-action weights of the caller's branch

        How the worklist's `next_best_actions` are scored: value (tier, AUM band) × (1 + risk)
        × (1 + staleness) + plan tasks. The built-in defaults (`source: default`) until an
        admin of the branch sets them (`custom`, with the `version` to send as `If-Match`).
        """
        body, headers = _view(identity.current().branch or "")
        return body, 200, headers

    @blp.arguments(NbaWeightsIn)
    @blp.response(200, NbaWeightsOut)
    @problems(blp, 400, 403, 409, 412, 428)
    def put(self, data):
        """Set the next-best-action weights of the caller's branch (admins)

        Any part of the weights, with a `reason`; what is left out keeps its value. The first
        change creates the branch's set; later ones need `If-Match` with its `version` (428
        without it, 400 when it is not an ETag, 412 when stale). Every change is a new version with who and
        why (`reason`). 422 for a value out of range (nothing changes); 409 when two admins
        create the set at once; 403 for other roles.
        """
        who = identity.current()
        reason = data.pop("reason")
        nba.set_weights(data, if_match_version(required=False), reason, who)
        body, headers = _view(who.branch or "")
        return body, 200, headers

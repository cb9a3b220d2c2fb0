"""The customer's survey link (no login: the link is the credential)."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from chassis.openapi import problems

from .. import selfservice

blp = Blueprint("selfservice", __name__, url_prefix="/api/v1/feedback",
                description="Surveys answered by the customer through a self-service link")


class Question(Schema):
    key = fields.String()
    type = fields.String()
    text = fields.String()
    required = fields.Boolean(allow_none=True)
    options = fields.List(fields.String(), allow_none=True)


class SurveyView(Schema):
    kind = fields.String()
    title = fields.String()
    questions = fields.List(fields.Nested(Question))


class SurveyAnswer(Schema):
    answers = fields.Dict(keys=fields.String(validate=validate.Length(1, 40)), values=fields.Raw(), required=True,
                          validate=validate.Length(max=50), metadata={"example": {"satisfaction": 5, "recommend": 9}})


class SurveyDone(Schema):
    kind = fields.String()
    done = fields.Boolean()
    status = fields.String()
    response_id = fields.String()


@blp.route("/links/<token>")
class SurveyLink(MethodView):
    @blp.response(200, SurveyView)
    @problems(blp, 410)
    def get(self, token):
        """The survey a link invites to

        Its title and questions only; nothing of the customer. 404: forged; 410: expired or
        already answered.
        """
        return selfservice.view(token)

    @blp.arguments(SurveyAnswer)
    @blp.response(200, SurveyDone)
    @problems(blp, 410)
    def post(self, data, token):
        """Answer the survey, once

        Recorded as a manager-recorded answer is (feedback.survey.responded). 422: an answer
        missing or out of range (the link stays usable); 404: forged; 410: expired or used.
        """
        return selfservice.answer(token, data["answers"])

"""The Masthead API, version 1: one NinjaAPI, with a router from each app's api.py."""

from ninja import NinjaAPI
from ninja.errors import ValidationError

from masthead.newsroom.api import router as newsroom_router

from .docs import SelfHostedSwagger
from .problems import PROBLEM_CONTENT_TYPE, install_problem_handlers


class MastheadAPI(NinjaAPI):
    def validation_error_from_error_contexts(self, error_contexts) -> ValidationError:
        """Locate each error by the parameter name a client sent (["query", "limit"]), not by
        the handler argument that groups parameters, for every error, union members included."""
        errors = []
        for context in error_contexts:
            model = context.model
            flat_names = getattr(model, "__ninja_flatten_map_reverse__", {})
            # A JSON body is read into one handler argument, whose name clients never send.
            body_arg = getattr(model, "__read_from_single_attr__", None)
            details = context.pydantic_validation_error.errors(
                include_url=False, include_context=False, include_input=False
            )
            for error in details:
                loc = tuple(error["loc"])
                if body_arg and loc[:1] == (body_arg,):
                    loc = loc[1:]
                for n in range(len(loc), 0, -1):
                    if loc[:n] in flat_names:
                        loc = flat_names[loc[:n]] + loc[n:]
                        break
                errors.append(
                    {
                        "loc": [model.__ninja_param_source__, *loc],
                        "msg": error["msg"],
                        "type": error["type"],
                    }
                )
        return ValidationError(errors)

    def get_openapi_schema(self, **kwargs):
        # ninja documents every response as application/json; errors are problem+json.
        schema = super().get_openapi_schema(**kwargs)
        for path_item in schema["paths"].values():
            for operation in path_item.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
        return schema


api = MastheadAPI(
    title="Masthead API",
    version="1",
    description="Read the publication: articles, sections, authors and tags; "
    "read an article's comments, post, edit and vote on them, and subscribe to new ones. "
    "Errors are RFC 9457 problem details.",
    urls_namespace="api-v1",
    docs=SelfHostedSwagger(),
)
install_problem_handlers(api)
api.add_router("/", newsroom_router)
api.add_router("/", "masthead.metrics.api.router")
api.add_router("/", "masthead.discussion.api.router")
api.add_router("/", "masthead.newsletters.api.router")

"""moto_server with IAM checked per resource, the way AWS checks it.

moto enforces identity policies once INITIAL_NO_AUTH_ACTION_COUNT requests have passed, but
for most services it asks about resource "*": a statement naming a table ARN then never
matches, so a least-privilege role is refused everything. This server runs moto's own
evaluator (moto.iam.access_control) on the resources AWS's authorization names for each
call: the table or index of a DynamoDB request (every table of a batch), the stream of a
DynamoDB Streams request, the secret of a Secrets Manager request, the queue of an SQS
request (moto's own). It also answers, on paths moto does not use:

- POST /_iam/authorize: check a signed request that reached another local server (the IVS
  Chat fake, the local Lambda Invoke API, the local @connections endpoint) for an action on
  resources, with moto's signature check and evaluator;
- GET /_iam/decisions: every decision so far (principal, action, resource, allowed), so the
  test can name the function behind an AccessDenied and list grants nothing used;
- POST /_iam/reset-decisions: forget them.

Run: python3 iam_emulator.py <port>. Prints "ready <port>" once listening.
"""

import base64
import json
import sys
import threading

from moto.core.responses import BaseResponse
from moto.iam import access_control
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request, Response

DECISIONS = []
DECISIONS_LOCK = threading.Lock()


def record(principal, action, resource, allowed):
    with DECISIONS_LOCK:
        DECISIONS.append(
            {"principal": principal, "action": action, "resource": resource, "allowed": allowed}
        )


# ---- which resources a request concerns ----------------------------------------------


def json_body(response):
    try:
        return json.loads(response.raw_body or b"{}")
    except (ValueError, TypeError):
        return {}


def table_arn(response, name_or_arn):
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    return f"arn:aws:dynamodb:{response.region}:{response.current_account}:table/{name_or_arn}"


def dynamodb_resources(response, action):
    body = json_body(response)
    if action in ("BatchGetItem", "BatchWriteItem"):
        return [table_arn(response, name) for name in sorted(body.get("RequestItems", {}))]
    if action in ("TransactWriteItems", "TransactGetItems"):
        names = set()
        for item in body.get("TransactItems", []):
            for operation in item.values():
                if isinstance(operation, dict) and "TableName" in operation:
                    names.add(operation["TableName"])
        return [table_arn(response, name) for name in sorted(names)]
    name = body.get("TableName") or body.get("ResourceArn")
    if not name:
        return ["*"]
    arn = table_arn(response, name)
    if action in ("Query", "Scan") and body.get("IndexName"):
        return [f"{arn}/index/{body['IndexName']}"]
    return [arn]


def streams_resources(response, action):
    body = json_body(response)
    if "StreamArn" in body:
        return [body["StreamArn"]]
    if "ShardIterator" in body:
        # moto's iterator is "<stream ARN>|1|<id>": GetRecords authorizes on the stream.
        return [body["ShardIterator"].split("|")[0]]
    return ["*"]


def secrets_resources(response, action):
    body = json_body(response)
    secret_id = body.get("SecretId")
    if not secret_id:
        return ["*"]
    if secret_id.startswith("arn:"):
        return [secret_id]
    from moto.secretsmanager.models import secretsmanager_backends

    backend = secretsmanager_backends[response.current_account][response.region]
    try:
        return [backend.describe_secret(secret_id).arn]
    except Exception:  # an unknown secret: AWS authorizes on the name pattern; moto answers 404
        return [
            f"arn:aws:secretsmanager:{response.region}:{response.current_account}:secret:{secret_id}"
        ]


def logs_resources(response, action):
    body = json_body(response)
    group = body.get("logGroupName")
    if not group:
        return ["*"]
    arn = f"arn:aws:logs:{response.region}:{response.current_account}:log-group:{group}"
    stream = body.get("logStreamName")
    return [f"{arn}:log-stream:{stream}" if stream else f"{arn}:*"]


RESOLVERS = {
    "logs": logs_resources,
    "dynamodb": dynamodb_resources,
    "dynamodbstreams": streams_resources,
    "secretsmanager": secrets_resources,
}

original_authorize = BaseResponse._authenticate_and_authorize_normal_action


def authorize_each_resource(self, resource="*"):
    resolver = RESOLVERS.get(getattr(self, "service_name", ""))
    resources = resolver(self, self._get_action()) if resolver else [resource]
    for each in resources:
        original_authorize(self, each)


BaseResponse._authenticate_and_authorize_normal_action = authorize_each_resource

original_check = access_control.IAMRequestBase.check_action_permitted


# SQS authorizes its batch calls as the single action (IAM has no sqs:*Batch actions);
# moto checks the API name, which no real policy could grant.
SQS_BATCH_ACTIONS = {
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
}


def recorded_check(self, resource):
    principal = getattr(getattr(self, "_access_key", None), "arn", "?")
    self._action = SQS_BATCH_ACTIONS.get(self._action, self._action)
    try:
        original_check(self, resource)
    except Exception:
        record(principal, self._action, resource, False)
        raise
    record(principal, self._action, resource, True)


access_control.IAMRequestBase.check_action_permitted = recorded_check


# ---- authorization for the other local servers -----------------------------------------


def authorize_foreign(request_json):
    """Check a request another server received: signature, then each resource."""
    # Node lowercases header names; moto looks some up as werkzeug spells them (X-Amz-Date).
    headers = Headers(
        [("-".join(p.capitalize() for p in k.split("-")), v) for k, v in request_json["headers"].items()]
    )
    body = base64.b64decode(request_json.get("body", ""))
    from moto.core import DEFAULT_ACCOUNT_ID

    try:
        iam_request = access_control.IAMRequest(
            account_id=DEFAULT_ACCOUNT_ID,
            method=request_json["method"],
            path=request_json["path"],
            data={},
            body=body,
            headers=headers,
            action=request_json["action"],
        )
        iam_request.check_signature()
        for resource in request_json["resources"]:
            iam_request.check_action_permitted(resource)
    except Exception as error:  # moto raises its HTTP errors for refusals
        code = getattr(error, "code", 403)
        description = getattr(error, "description", str(error))
        return {"allowed": False, "status": code, "message": str(description)}
    return {"allowed": True}


def app_with_iam_routes(moto_app):
    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/_iam/"):
            return moto_app(environ, start_response)
        request = Request(environ)
        if path == "/_iam/authorize" and request.method == "POST":
            payload = json.dumps(authorize_foreign(json.loads(request.get_data())))
        elif path == "/_iam/decisions":
            with DECISIONS_LOCK:
                payload = json.dumps(DECISIONS)
        elif path == "/_iam/reset-decisions" and request.method == "POST":
            with DECISIONS_LOCK:
                DECISIONS.clear()
            payload = "{}"
        else:
            return Response("not found", status=404)(environ, start_response)
        return Response(payload, content_type="application/json")(environ, start_response)

    return app


class QuietHandler(WSGIRequestHandler):
    """One line per request would bury the test's own output."""

    def log_request(self, *args, **kwargs):
        pass


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    moto_app = DomainDispatcherApplication(create_backend_app)
    server = make_server(
        "127.0.0.1", port, app_with_iam_routes(moto_app), threaded=True, request_handler=QuietHandler
    )
    print(f"ready {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

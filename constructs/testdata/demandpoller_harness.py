# Runs the demand poller (argv[1]: its code with FLEET prepended, as the
# construct inlines it) twice against moto (Secrets Manager, STS,
# CloudWatch) and a stand-in of the Azure DevOps REST API written from its
# documented responses (Pools - Get Agent Pools by name, Job Requests - List
# with completedRequestCount=0). Prints one JSON object: what each run
# published per spoke, the API calls per organization, the problems, the
# metrics read back from the spoke's CloudWatch, and whether the log held the
# token.
import base64
import contextlib
import io
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ["AWS_DEFAULT_REGION"] = "eu-west-1"

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

import pollerload  # noqa: E402

PAT = "pat-SECRET-0123456789"
AUTH = "Basic " + base64.b64encode((":" + PAT).encode()).decode()
calls = {}

BUSY_JOBS = {"count": 8, "value": [
    {"requestId": 1, "queueTime": "2026-11-23T09:00:00Z"},  # waiting
    {"requestId": 2, "queueTime": "2026-11-23T09:00:01Z"},
    {"requestId": 3, "queueTime": "2026-11-23T09:00:02Z"},
    {"requestId": 4, "assignTime": "2026-11-23T08:59:00Z", "reservedAgent": {"id": 11, "name": "hubspoke-dev-ip-10-0-0-1"}},
    {"requestId": 5, "assignTime": "2026-11-23T08:59:00Z", "reservedAgent": {"id": 12, "name": "hubspoke-dev-ip-10-0-0-2"}},
    {"requestId": 6, "assignTime": "2026-11-23T08:59:00Z", "reservedAgent": {"id": 13, "name": "hubspoke-dev-eu-ip-10-1-0-3"}},
    {"requestId": 7, "assignTime": "2026-11-23T08:59:00Z", "reservedAgent": {"id": 14, "name": "laptop-of-someone"}},
    {"requestId": 8, "assignTime": "2026-11-23T08:50:00Z", "finishTime": "2026-11-23T08:58:00Z", "result": "succeeded",
     "reservedAgent": {"id": 11, "name": "hubspoke-dev-ip-10-0-0-1"}},
]}


class AzureDevOps(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, code, body, headers=None):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        org, _, rest = self.path.lstrip("/").partition("/")
        calls[org] = calls.get(org, 0) + 1
        if self.headers.get("Authorization") != AUTH or org == "denied":
            return self.send(401, "")
        if org == "signin":
            return self.send(203, "<html>Sign in to your account</html>", {"Content-Type": "text/html"})
        if org == "busyapi":
            return self.send(429, "", {"Retry-After": "120"})
        if rest.startswith("_apis/distributedtask/pools?"):
            if org == "nopool":
                return self.send(200, {"count": 0, "value": []})
            return self.send(200, {"count": 1, "value": [{"id": 7, "name": "hubspoke"}]})
        if rest.startswith("_apis/distributedtask/pools/7/jobrequests?completedRequestCount=0"):
            return self.send(200, BUSY_JOBS if org == "busy" else {"count": 0, "value": []})
        return self.send(404, {"message": "not found: " + rest})


def spoke(name, account="222222222222"):
    return {"name": name, "region": "eu-west-1", "roleArn": "arn:aws:iam::%s:role/hubspoke-%s-demand" % (account, name),
            "agentPrefix": "hubspoke-" + name}


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), AzureDevOps)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d/" % server.server_port
    out = {"runs": []}
    with mock_aws():
        arn = boto3.client("secretsmanager").create_secret(Name="hubspoke/agent-token", SecretString=PAT + "\n")["ARN"]
        fleet = {"secretArn": arn, "namespace": "hubspoke/Demand", "pools": [
            {"url": base + "busy", "pool": "hubspoke", "spokes": [spoke("dev"), spoke("dev-eu"), spoke("test", "333333333333")]},
            {"url": base + "empty", "pool": "hubspoke", "spokes": [spoke("quiet"), spoke("notyet", "444444444444")]},
            {"url": base + "denied", "pool": "hubspoke", "spokes": [spoke("locked")]},
            {"url": base + "signin", "pool": "hubspoke", "spokes": [spoke("signin")]},
            {"url": base + "busyapi", "pool": "hubspoke", "spokes": [spoke("throttled")]},
            {"url": base + "nopool", "pool": "missing pool", "spokes": [spoke("nopool")]},
        ]}
        poller = pollerload.load(sys.argv[1], fleet)
        published = []
        real = poller.publish

        def record(item):
            published.append({"spoke": item[0]["name"], "wanted": item[1], "known": item[2]})
            return real(item)

        poller.publish = record

        # The spoke "notyet" is in the fleet file but not deployed: its
        # publisher role cannot be assumed (STS answers AccessDenied).
        real_client = poller._client

        class NotYetSTS:
            def __init__(self, sts):
                self.sts = sts

            def assume_role(self, **kw):
                if "hubspoke-notyet-demand" in kw["RoleArn"]:
                    raise poller.ClientError({"Error": {"Code": "AccessDenied", "Message": "not authorized"}}, "AssumeRole")
                return self.sts.assume_role(**kw)

        def client(service, **kw):
            c = real_client(service, **kw)
            return NotYetSTS(c) if service == "sts" else c

        poller._client = client
        log = io.StringIO()
        for _ in range(2):
            published.clear()
            calls.clear()
            with contextlib.redirect_stdout(log):
                result = poller.handler({}, None)
            out["runs"].append({"published": sorted(published, key=lambda p: p["spoke"]), "calls": dict(calls),
                                "problems": result["problems"], "apiCalls": result["apiCalls"], "notDeployedYet": result["notDeployedYet"]})
        # The token secret cannot be read: every spoke uncounted (floors),
        # the run itself succeeds.
        boto3.client("secretsmanager").delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
        poller._token["value"] = None
        published.clear()
        with contextlib.redirect_stdout(log):
            result = poller.handler({}, None)
        out["noSecret"] = {"published": sorted(published, key=lambda p: p["spoke"]), "problems": result["problems"]}
        # What the spoke's CloudWatch holds (read with the spoke role's
        # credentials: moto keeps each account's metrics apart).
        import datetime
        now = datetime.datetime.now(datetime.timezone.utc)
        cw = poller.cloudwatch(spoke("dev"), poller.time.time())
        read = {}
        for name in ("AgentsWanted", "DemandKnown"):
            stats = cw.get_metric_statistics(Namespace="hubspoke/Demand", MetricName=name,
                                             Dimensions=[{"Name": "Spoke", "Value": "dev"}],
                                             StartTime=now - datetime.timedelta(minutes=10), EndTime=now + datetime.timedelta(minutes=1),
                                             Period=60, Statistics=["Maximum", "SampleCount"])
            read[name] = {"max": max((d["Maximum"] for d in stats["Datapoints"]), default=None),
                          "samples": sum(d["SampleCount"] for d in stats["Datapoints"])}
        out["devMetrics"] = read
    out["logHasToken"] = PAT in log.getvalue()
    out["log"] = log.getvalue()
    server.shutdown()
    print(json.dumps(out))


main()

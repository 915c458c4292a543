# Runs the pool keeper and demand poller (argv[1]: its code with FLEET to
# fill in, as the construct inlines it) through one scenario (argv[2], JSON)
# against moto (Secrets Manager, STS, CloudWatch) and the stand-in Azure
# DevOps organization server (internal/azdostandin) at $STANDIN_URL, which
# the Go test serves. The scenario:
#   {"fleet": {...FLEET without secretArn; pool urls relative to the server},
#    "token": the secret's value (default PAT),
#    "steps": [{"run": epoch seconds} | {"control": path, "body": {...}}
#              | {"history": [{"spoke", "metric", "at": epoch seconds, "value"}]} (dimension Spoke)
#              | {"failGetMetricData": true|false}
#              | {"tasks": {cluster: {"RUNNING": [task ids], "STOPPED": [...]}}}
#              | {"denyListTasks": [clusters]}],
#    "readBack": [spoke names whose CloudWatch to read at the end]}
# A run sets the stand-in's clock and the poller's (a fake clock) to its
# time. Prints one JSON object: per run what was published per spoke, the
# problems, the fleet metrics, the ghosts removed, the placeholders and the
# Azure DevOps calls [method, org, path]; the metrics read back; whether the
# log held the token.
import contextlib
import datetime
import io
import json
import os
import sys
import urllib.request

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ["AWS_DEFAULT_REGION"] = "eu-west-1"

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

import pollerload  # noqa: E402

PAT = "pat-SECRET-0123456789"
BASE = os.environ["STANDIN_URL"].rstrip("/")


def control(path, body=None):
    req = urllib.request.Request(BASE + "/_standin/" + path, data=json.dumps(body or {}).encode() if body is not None else None,
                                 method="POST" if body is not None else "GET", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.load(resp)
    except urllib.error.HTTPError as e:
        return {"status": e.code, "message": json.load(e).get("message")}


def main():
    scenario = json.load(open(sys.argv[2]))
    fleet = scenario["fleet"]
    for p in fleet["pools"]:
        p["url"] = BASE + "/" + p["url"]
    out = {"runs": [], "controls": []}
    log = io.StringIO()
    with mock_aws():
        sm = boto3.client("secretsmanager")
        arn = sm.create_secret(Name="hubspoke/agent-token", SecretString=scenario.get("token", PAT) + "\n")["ARN"]
        fleet["secretArn"] = arn
        poller = pollerload.load(sys.argv[1], fleet)
        if scenario.get("noTzDatabase"):  # a runtime without one
            def no_zone(key):
                raise Exception("No time zone found with key %s" % key)
            poller.ZoneInfo = no_zone
        published = []
        real = poller.publish

        def record(item):
            published.append({"spoke": item[0]["name"], "wanted": item[1], "known": item[2]})
            return real(item)

        poller.publish = record
        # A spoke named "notyet" is in the fleet file but not deployed: its
        # publisher role cannot be assumed (STS answers AccessDenied).
        real_client = poller._client

        class NotYetSTS:
            def __init__(self, sts):
                self.sts = sts

            def assume_role(self, **kw):
                if "hubspoke-notyet-demand" in kw["RoleArn"]:
                    raise poller.ClientError({"Error": {"Code": "AccessDenied", "Message": "not authorized"}}, "AssumeRole")
                return self.sts.assume_role(**kw)

        # The hub's own CloudWatch (no region, no credentials given): what
        # is put there is recorded, then sent to moto.
        hub = []

        reads = []  # GetMetricData calls on the hub: their query counts
        fail = {"get": False}

        class RecordingCloudWatch:
            def __init__(self, cw):
                self.cw = cw

            def put_metric_data(self, **kw):
                hub.append(kw["MetricData"])
                return self.cw.put_metric_data(**kw)

            def get_metric_data(self, **kw):
                # Paging as the API reference has it: an answer holds at
                # most MaxDatapoints points (fleet "metricPage" here: moto
                # 5.2.1 does not page); the rest follow with NextToken.
                # Each page is counted as a call.
                reads.append(len(kw["MetricDataQueries"]))
                if fail["get"]:
                    raise poller.ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "GetMetricData")
                size = scenario.get("metricPage")
                token = kw.pop("NextToken", None)
                answer = self.cw.get_metric_data(**kw)
                if not size:
                    return answer
                points = [(r["Id"], t, v) for r in answer["MetricDataResults"] for t, v in zip(r["Timestamps"], r["Values"])]
                start = int(token or 0)
                page = {}
                for i, t, v in points[start:start + size]:
                    e = page.setdefault(i, {"Id": i, "Timestamps": [], "Values": [], "StatusCode": "PartialData"})
                    e["Timestamps"].append(t)
                    e["Values"].append(v)
                out = {"MetricDataResults": list(page.values())}
                if start + size < len(points):
                    out["NextToken"] = str(start + size)
                return out

        # The spokes' ECS (ListTasks), a stand-in of the API reference:
        # at most maxResults (100 at most) ARNs a page, then a nextToken;
        # an unknown cluster is ClusterNotFoundException; a role without
        # ecs:ListTasks gets AccessDeniedException.
        ecs_state = {"tasks": {}, "deny": set()}

        class FakeECS:
            def __init__(self, region):
                self.region = region

            def list_tasks(self, cluster, serviceName, desiredStatus, maxResults=100, nextToken=None):
                if cluster in ecs_state["deny"]:
                    raise poller.ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not authorized to perform: ecs:ListTasks"}}, "ListTasks")
                if cluster not in ecs_state["tasks"]:
                    raise poller.ClientError({"Error": {"Code": "ClusterNotFoundException", "Message": "Cluster not found."}}, "ListTasks")
                assert serviceName == fleet["service"] and 1 <= maxResults <= 100, (serviceName, maxResults)
                ids = ecs_state["tasks"][cluster].get(desiredStatus) or []
                start = int(nextToken or 0)
                page = {"taskArns": ["arn:aws:ecs:%s:222222222222:task/%s/%s" % (self.region, cluster, i) for i in ids[start:start + maxResults]]}
                if start + maxResults < len(ids):
                    page["nextToken"] = str(start + maxResults)
                return page

        def client(service, **kw):
            if service == "ecs":
                return FakeECS(kw.get("region_name"))
            c = real_client(service, **kw)
            if service == "cloudwatch" and not kw:
                return RecordingCloudWatch(c)
            return NotYetSTS(c) if service == "sts" else c

        poller._client = client
        for step in scenario["steps"]:
            if "control" in step:
                out["controls"].append(control(step["control"], step.get("body")))
                continue
            if "history" in step:  # the hub's figures of past weeks
                cw = boto3.client("cloudwatch")
                for h in step["history"]:
                    cw.put_metric_data(Namespace=fleet["namespace"], MetricData=[{
                        "MetricName": h["metric"], "Value": h["value"], "Unit": "Count",
                        "Timestamp": datetime.datetime.fromtimestamp(h["at"], datetime.timezone.utc),
                        "Dimensions": [{"Name": "Spoke", "Value": h["spoke"]}]}])
                continue
            if "tasks" in step:
                ecs_state["tasks"].update(step["tasks"])
                continue
            if "denyListTasks" in step:
                ecs_state["deny"] = set(step["denyListTasks"])
                continue
            if "failGetMetricData" in step:
                fail["get"] = step["failGetMetricData"]
                continue
            if step.get("deleteSecret"):
                sm.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
                poller._token["value"] = None
                continue
            at = step["run"]
            control("clock", {"now": at})
            poller.clock = lambda: at
            before = len(control("calls"))
            reads.clear()
            published.clear()
            hub.clear()
            with contextlib.redirect_stdout(log):
                result = poller.handler({}, None)
            calls = control("calls")[before:]
            out["runs"].append({"at": at, "published": sorted(published, key=lambda p: p["spoke"]),
                                "problems": result["problems"], "fleet": result["fleet"], "ghostsRemoved": result["ghostsRemoved"],
                                "placeholders": result["placeholders"], "notDeployedYet": result["notDeployedYet"],
                                "hubRequests": [[d for d in req] for req in hub], "historyReads": list(reads),
                                "calls": [[c["Method"], c["Org"], c["Path"], c["Status"]] for c in calls]})
        read = {}
        now = datetime.datetime.now(datetime.timezone.utc)
        for name in scenario.get("readBack", []):
            spoke = next(s for p in fleet["pools"] for s in p["spokes"] if s["name"] == name)
            cw = poller.cloudwatch(spoke, poller.time.time())
            read[name] = {}
            for metric in ("AgentsWanted", "DemandKnown"):
                stats = cw.get_metric_statistics(Namespace=fleet["namespace"], MetricName=metric,
                                                 Dimensions=[{"Name": "Spoke", "Value": name}],
                                                 StartTime=now - datetime.timedelta(minutes=10), EndTime=now + datetime.timedelta(minutes=1),
                                                 Period=60, Statistics=["Maximum", "Minimum", "SampleCount"])
                read[name][metric] = {"max": max((d["Maximum"] for d in stats["Datapoints"]), default=None),
                                      "min": min((d["Minimum"] for d in stats["Datapoints"]), default=None),
                                      "samples": sum(d["SampleCount"] for d in stats["Datapoints"])}
        out["readBack"] = read
    tok = scenario.get("token", PAT).strip()
    out["logHasToken"] = bool(tok) and tok in log.getvalue()
    out["log"] = log.getvalue()
    print(json.dumps(out))


main()

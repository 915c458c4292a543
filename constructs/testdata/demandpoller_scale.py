# The pool keeper and demand poller at fleet scale (make bench): argv[1] its
# code with FLEET to fill in, argv[2] spokes, argv[3] pools, against moto and
# the stand-in Azure DevOps organization (internal/azdostandin) at
# $STANDIN_URL, whose organization "org" holds pools pool-0 .. pool-<n-1>
# (the Go benchmark serves it). Runs once cold (pool look-ups, placeholders
# created, role assumptions) and then for 10 minutes warm on a fake clock a
# minute apart, and prints one JSON object: seconds and Azure DevOps calls of
# the cold run, the warm runs' calls a minute (mean, min, max) by kind.
import contextlib
import io
import json
import os
import sys
import time
import urllib.request

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ["AWS_DEFAULT_REGION"] = "eu-west-1"

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

import pollerload  # noqa: E402

BASE = os.environ["STANDIN_URL"].rstrip("/")


def calls():
    with urllib.request.urlopen(BASE + "/_standin/calls") as resp:
        return json.load(resp)


def clock(at):
    req = urllib.request.Request(BASE + "/_standin/clock", data=json.dumps({"now": at}).encode(), method="POST")
    urllib.request.urlopen(req).read()


def kind(c):
    p = c["Path"]
    return c["Method"] + " " + ("jobrequests" if p.endswith("/jobrequests") else "agents" if "/agents" in p else "pools")


def main():
    n, p = int(sys.argv[2]), int(sys.argv[3])
    with mock_aws():
        arn = boto3.client("secretsmanager").create_secret(Name="t", SecretString="pat-scale")["ARN"]
        pools = [{"url": BASE + "/org", "pool": "pool-%d" % i, "spokes": []} for i in range(p)]
        for i in range(n):
            pools[i % p]["spokes"].append({"name": "s%d" % i, "region": ["eu-west-1", "us-east-1", "eu-central-1", "ap-southeast-2"][i % 4],
                                           "roleArn": "arn:aws:iam::%012d:role/hubspoke-s%d-demand" % (200000000000 + i, i),
                                           "agentPrefix": "hubspoke-s%d" % i, "demand": True, "ceiling": 8})
        fleet = {"secretArn": arn, "namespace": "hubspoke/Demand", "pools": pools, "maintainEveryMinutes": 5,
                 "placeholder": {"name": "hubspoke-placeholder", "version": "4.261.0", "capabilities": {"Agent.OS": "Linux"}}}
        poller = pollerload.load(sys.argv[1], fleet)
        start = 1795424400.0  # 2026-11-23 09:00 UTC, a keeping minute for pool 0
        out = {"spokes": n, "pools": p}
        warm = []
        for m in range(11):
            at = start + 60 * m
            clock(at)
            poller.clock = lambda: at
            before = len(calls())
            t = time.time()
            with contextlib.redirect_stdout(io.StringIO()):
                poller.handler({}, None)
            secs = time.time() - t
            got = calls()[before:]
            kinds = {}
            for c in got:
                kinds[kind(c)] = kinds.get(kind(c), 0) + 1
            if m == 0:
                out["cold"] = {"seconds": round(secs, 2), "apiCalls": len(got), "byKind": kinds}
            else:
                warm.append({"seconds": secs, "apiCalls": len(got), "byKind": kinds})
        total = [w["apiCalls"] for w in warm]
        by = {}
        for w in warm:
            for k, v in w["byKind"].items():
                by[k] = by.get(k, 0) + v
        out["warm"] = {"minutes": len(warm), "callsPerMinuteMean": sum(total) / len(total), "callsPerMinuteMin": min(total),
                       "callsPerMinuteMax": max(total), "byKindPerMinute": {k: v / len(warm) for k, v in by.items()},
                       "secondsMax": round(max(w["seconds"] for w in warm), 2)}
    print(json.dumps(out))


main()

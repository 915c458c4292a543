# hubspoke demand poller (runs once a minute in the hub account).
#
# For each agent pool of the fleet it makes one Azure DevOps call (the pool's
# unfinished job requests; the pool's id is looked up once per container),
# however many spokes share the pool. Each spoke's AgentsWanted is the jobs
# running on its own agents plus its share of the jobs waiting in the pool;
# DemandKnown is 1 when the pool was counted, 0 when not (token rejected,
# pool missing, API unreachable, backing off after 429): AgentsWanted is then
# 0 and the spoke's capacity falls to its scheduled floor. Both metrics go to
# the spoke's own CloudWatch, through the spoke's demand role.
#
# FLEET (prepended by the construct):
#   {"secretArn", "namespace", "pools": [{"url", "pool",
#    "spokes": [{"name", "region", "roleArn", "agentPrefix"}]}]}
import base64
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.exceptions import ClientError

API = "api-version=7.1"
TOKEN_SECONDS = 300  # a rotated token is picked up within five minutes

_token = {"value": None, "at": 0.0}
_pool_ids = {}  # (url, pool) -> id
_resume = {}  # url -> time calls may resume after a 429
_creds = {}  # role ARN -> (credentials' expiry, CloudWatch client)


_session = boto3.session.Session()
_session_lock = threading.Lock()


def _client(service, **kwargs):
    # Creating clients from one session is not thread-safe; using them is.
    with _session_lock:
        return _session.client(service, **kwargs)


class Uncounted(Exception):
    """The pool could not be counted this minute; the message says why."""


class NotDeployed(Exception):
    """The spoke's publisher role does not exist (yet): nothing to scale."""


def token(now):
    if _token["value"] is None or now - _token["at"] > TOKEN_SECONDS:
        sm = _client("secretsmanager")
        _token["value"] = sm.get_secret_value(SecretId=FLEET["secretArn"])["SecretString"].strip()
        _token["at"] = now
    return _token["value"]


def get(url, tok, calls):
    auth = base64.b64encode((":" + tok).encode()).decode()
    req = urllib.request.Request(url, headers={"Authorization": "Basic " + auth, "Accept": "application/json"})
    calls.append(url.split("?")[0])
    with urllib.request.urlopen(req, timeout=10) as resp:
        if resp.status == 203:  # Azure DevOps' sign-in page: the token was not accepted
            raise Uncounted("%s rejected the token (HTTP 203, sign-in page): put a valid PAT in the hub secret" % url.split("/_apis")[0])
        return json.load(resp)


def retry_after(value):
    """Seconds to wait from a Retry-After header (seconds; 60 when absent
    or not a number)."""
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 60


def count(pool, tok, now, calls):
    """(waiting, {agent name: running jobs}) of one pool."""
    url = pool["url"].rstrip("/")
    if _resume.get(url, 0) > now:
        raise Uncounted("backing off %s for %ds more (429 Retry-After)" % (url, _resume[url] - now))
    key = (url, pool["pool"])
    try:
        if key not in _pool_ids:
            found = get("%s/_apis/distributedtask/pools?poolName=%s&%s" % (url, urllib.parse.quote(pool["pool"]), API), tok, calls)
            if not found.get("value"):
                raise Uncounted("agent pool %r does not exist in %s: create it or fix agent.pool" % (pool["pool"], url))
            _pool_ids[key] = found["value"][0]["id"]
        jobs = get("%s/_apis/distributedtask/pools/%d/jobrequests?completedRequestCount=0&%s" % (url, _pool_ids[key], API), tok, calls)
    except urllib.error.HTTPError as e:
        if e.code == 429:
            wait = retry_after(e.headers.get("Retry-After"))
            _resume[url] = now + wait
            raise Uncounted("%s answered 429: backing off %ds" % (url, wait))
        if e.code in (401, 403):
            raise Uncounted("%s rejected the token (HTTP %d): put a valid PAT in the hub secret" % (url, e.code))
        if e.code == 404:
            _pool_ids.pop(key, None)
        raise Uncounted("%s answered HTTP %d" % (url, e.code))
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise Uncounted("%s unreachable: %s" % (url, e))
    waiting, running = 0, {}
    for job in jobs.get("value", []):
        if job.get("finishTime") or job.get("result"):
            continue
        agent = (job.get("reservedAgent") or {}).get("name")
        if agent:
            running[agent] = running.get(agent, 0) + 1
        else:
            waiting += 1
    return waiting, running


def wanted(pool, waiting, running):
    """AgentsWanted per spoke: its running jobs plus an even share of the
    waiting ones (shares add up to the waiting jobs)."""
    spokes = pool["spokes"]
    # The longest prefix wins: hubspoke-dev-eu-... is dev-eu's, not dev's.
    prefixes = sorted(((s["agentPrefix"] + "-", s["name"]) for s in spokes), key=lambda p: -len(p[0]))
    out = {s["name"]: 0 for s in spokes}
    for agent, n in running.items():
        for prefix, name in prefixes:
            if agent.startswith(prefix):
                out[name] += n
                break
    for i, s in enumerate(spokes):
        out[s["name"]] += waiting // len(spokes) + (1 if i < waiting % len(spokes) else 0)
    return out


def cloudwatch(spoke, now):
    """The spoke's CloudWatch client with the spoke role's credentials,
    kept until five minutes before they expire (one AssumeRole an hour)."""
    expiry, client = _creds.get(spoke["roleArn"], (0, None))
    if expiry - 300 < now:
        try:
            creds = _client("sts").assume_role(RoleArn=spoke["roleArn"], RoleSessionName="hubspoke-demand")["Credentials"]
        except ClientError as e:
            if e.response["Error"]["Code"] == "AccessDenied":
                raise NotDeployed("%s cannot be assumed: the spoke is not deployed yet (the hub deploys first)" % spoke["roleArn"])
            raise
        client = _client("cloudwatch", region_name=spoke["region"], aws_access_key_id=creds["AccessKeyId"],
                         aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
        expiry = creds["Expiration"].timestamp()
        _creds[spoke["roleArn"]] = (expiry, client)
    return client


def publish(item):
    spoke, value, known, now = item
    dims = [{"Name": "Spoke", "Value": spoke["name"]}]
    cloudwatch(spoke, now).put_metric_data(Namespace=FLEET["namespace"], MetricData=[
        {"MetricName": "AgentsWanted", "Dimensions": dims, "Value": value, "Unit": "Count"},
        {"MetricName": "DemandKnown", "Dimensions": dims, "Value": 1 if known else 0, "Unit": "Count"},
    ])


def handler(event, context):
    now = time.time()
    calls, problems, items = [], [], []
    try:
        tok, unreadable = token(now), None
    except Exception as e:  # every pool is uncounted: floors, and the alarm
        tok, unreadable = None, "the agent token secret could not be read: %s" % e

    def counted(pool):
        if unreadable:
            return None, unreadable
        try:
            return count(pool, tok, now, calls), None
        except Uncounted as e:
            return None, str(e)
        except Exception as e:  # an answer of an unexpected shape
            return None, "%s: could not count the jobs: %r" % (pool["url"], e)

    with ThreadPoolExecutor(max_workers=16) as workers:
        # Pools are counted side by side (one call each), then every spoke
        # is published side by side.
        for pool, (result, problem) in zip(FLEET["pools"], workers.map(counted, FLEET["pools"])):
            if problem:
                problems.append(problem)
                items.extend((s, 0, False, now) for s in pool["spokes"])
                continue
            share = wanted(pool, *result)
            items.extend((s, share[s["name"]], True, now) for s in pool["spokes"])
        results = list(zip(items, workers.map(safe_publish, items)))
    failed = ["%s: %s" % (item[0]["name"], err) for item, err in results if err and not isinstance(err, NotDeployed)]
    pending = [item[0]["name"] for item, err in results if isinstance(err, NotDeployed)]
    print(json.dumps({"pools": len(FLEET["pools"]), "apiCalls": len(calls), "problems": problems[:20],
                      "spokes": len(items), "notDeployedYet": pending[:20], "publishFailed": failed[:20]}))
    if failed:
        raise RuntimeError("could not publish to %d spokes (first: %s)" % (len(failed), failed[0]))
    return {"apiCalls": len(calls), "problems": problems, "notDeployedYet": pending}


def safe_publish(item):
    try:
        publish(item)
        return None
    except NotDeployed as e:  # not a failure: the spoke's wave has not run yet
        return e
    except Exception as e:  # one spoke's failure must not stop the others
        return "%s" % e

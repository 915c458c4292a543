# hubspoke pool keeper and demand poller (runs once a minute in the hub
# account). For each agent pool the fleet uses:
#
# - Demand (pools with a spoke that follows demand): one call a minute, the
#   pool's unfinished job requests. Each demand spoke's AgentsWanted is the
#   jobs running on its own agents plus its share of the waiting jobs, shared
#   among the deployed spokes in proportion to their room now (the current
#   scheduled ceiling minus their running jobs): a spoke at its ceiling, at an
#   off-hours ceiling of 0 or not deployed gets none; jobs no spoke has room
#   for are logged and counted (JobsUnplaced). DemandKnown is 1 when the pool
#   was counted. When it cannot be counted (5xx, timeout, 401, 429, backing
#   off) no spoke's count drops: the last known AgentsWanted is published
#   again for HOLD seconds (without one, none is published: Application Auto
#   Scaling keeps the count), then 0; DemandKnown is 0 from the first minute.
#   An answer at the list's cap (200 items, kedacore/keda#6819) is not
#   trusted whole: running jobs come from the agent list (uncapped), the
#   waiting ones are a lower bound, and PoolsCapped says so.
# - Keeping (every MAINTAIN minutes per pool, pools spread over the minutes):
#   the agent list, with capabilities and assigned requests. The placeholder
#   (an offline agent named PLACEHOLDER with the fleet agents' capabilities,
#   registered with the same call the agent's config.sh makes) is created when
#   it is missing, so Azure DevOps queues jobs for an empty pool instead of
#   failing them; offline agents of the fleet's spokes (named
#   <agentPrefix>-...) idle and offline for more than GRACE seconds are
#   deleted; never an online or busy agent, the placeholder, or an agent of
#   another name.
# - Rate limits (learn.microsoft.com/azure/devops/integrate/concepts/rate-limits):
#   Retry-After on any answer, or X-RateLimit-Remaining below LOW of
#   X-RateLimit-Limit, pauses that organization until the time given
#   (X-RateLimit-Reset) before Azure DevOps starts delaying or blocking.
#
# Spoke metrics go to the spoke's own CloudWatch through its demand role; the
# fleet's (PoolsWithoutPlaceholder, PoolsCapped, JobsUnplaced, GhostsRemoved)
# to the hub's. The token is never logged.
#
# FLEET (prepended by the construct):
#   {"secretArn", "namespace", "holdSeconds", "ghostGraceSeconds", "clusterPrefix", "service",
#    "maintainEveryMinutes", "groupSize", "placeholder": {"name", "version", "capabilities"},
#    "pools": [{"url", "pool", "spokes": [{"name", "agentPrefix", "demand",
#      "region", "roleArn", "actions": [{"zone", "hour", "minute", "days", "ceiling", "floor", "standby"}],
#      "auto": {"weeks", "percentile", "zone"}}]}]}
#
# Standby: a demand spoke's AgentsWanted is its running jobs, its share of
# the waiting ones and the standby of the action in force (idle agents kept
# ready; an agent that takes a job is replaced), never above the ceiling.
# With "auto" it is at least the agents the spoke needed in the hour that
# begins LEAD seconds from now (and to the end of the current one), as the
# percentile of the last weeks' hourly peaks of its AgentsNeeded (busy +
# waiting, published to the hub for auto spokes, dimension Spoke only),
# read back from the hub's CloudWatch once an hour per spoke.
import base64
import bisect
import datetime
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

try:
    from zoneinfo import ZoneInfo
except ImportError:  # pragma: no cover
    ZoneInfo = None

API = "api-version=7.1"
TOKEN_SECONDS = 300  # a rotated token is picked up within five minutes
HOLD = FLEET.get("holdSeconds", 900)
GRACE = FLEET.get("ghostGraceSeconds", 600)
MAINTAIN = max(1, FLEET.get("maintainEveryMinutes", 5))
PLACEHOLDER = FLEET.get("placeholder", {}).get("name", "hubspoke-placeholder")
LOW = 0.2  # pause an organization when less than this share of its rate limit remains
CAP = 200  # most job requests one answer holds (kedacore/keda#6819)
LEAD = 300  # an automatic standby readies the hour that begins this many seconds ahead (schedule.AutoLead)
AUTO_EVERY = 3600  # a spoke's history is read again after this long
AUTO_PER_RUN = 50  # spokes read before whose history one run renews at most
AUTO_CALLS = 20  # GetMetricData calls a run at most (a cold start of 1,000 spokes of 3 weeks: 5)
MAX_QUERIES = 500  # MetricDataQuery structures one GetMetricData call holds
MAX_POINTS = 100800  # data points one GetMetricData answer returns (more come in further pages)

clock = time.time  # the harness sets a fake clock

# Spokes that share a schedule share one entry of FLEET["schedules"] (the
# construct writes each distinct list of actions once, to keep the inline
# code small at 1,000 spokes): give each spoke its own list back.
for _p in FLEET.get("pools", []):
    for _s in _p["spokes"]:
        if "schedule" in _s:
            _s["actions"] = FLEET["schedules"][_s.pop("schedule")]
        if "autoRef" in _s:  # automatic standbys are shared the same way
            _s["auto"] = FLEET["autos"][_s.pop("autoRef")]

# Each spoke's group on the fleet dashboard (its figures' Group dimension):
# spokes in fleet order (pools in order, each pool's spokes in order), SIZE
# to a group, named spokes-<first>-<last> as the construct names them.
SIZE = max(1, FLEET.get("groupSize", 100))
GROUPS = {s["name"]: "spokes-%d-%d" % (i // SIZE * SIZE + 1, (i // SIZE + 1) * SIZE)
          for i, s in enumerate(s for p in FLEET.get("pools", []) for s in p["spokes"])}

_token = {"value": None, "at": 0.0}
_pool_ids = {}  # (url, pool) -> id
_resume = {}  # url -> time calls may resume (Retry-After, X-RateLimit-Reset)
_creds = {}  # role ARN -> (credentials' expiry, CloudWatch client)
_last = {}  # spoke -> (AgentsWanted, time) of the last count
_unknown_since = {}  # spoke -> time its pool first failed with no count to hold
_no_placeholder = {}  # (url, pool) -> why the pool has no placeholder
_seen = {}  # (url, pool) -> when its placeholder was last seen or made
_assigned = {}  # (url, pool) -> ids of the requests seen assigned at the last count
_ready = {}  # spoke -> (when read, [agents ready per hour of the week]) of an automatic standby
_ecs = {}  # role ARN -> ECS client with the spoke role's credentials
_tasks = {}  # spoke -> ARNs of its service's tasks at the last count
STALE = 2 * 60 * MAINTAIN  # a pool not seen with its placeholder for two keeping rounds counts as without one
_lock = threading.Lock()

_session = boto3.session.Session()
_session_lock = threading.Lock()


# Bounded AWS calls inside a 50 s run (the SDK's defaults are 60 s an
# attempt, with retries): 2 attempts of (3 s connect + 5 s read).
CLIENT_CONFIG = Config(connect_timeout=3, read_timeout=5, retries={"total_max_attempts": 2, "mode": "standard"})


def _client(service, **kwargs):
    # Creating clients from one session is not thread-safe; using them is.
    with _session_lock:
        return _session.client(service, config=CLIENT_CONFIG, **kwargs)


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


def authorization(tok):
    """A PAT goes as Basic (any user name, the PAT as password); an Entra
    access token (a JWT: three dot-separated parts) as Bearer."""
    if tok.count(".") == 2 and tok.startswith("eyJ"):
        return "Bearer " + tok
    return "Basic " + base64.b64encode((":" + tok).encode()).decode()


def retry_after(value):
    """Seconds to wait from a Retry-After header (seconds; 60 when absent
    or not a number)."""
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 60


def pace(org, headers, now):
    """Pauses org as its answer's rate-limit headers ask: Retry-After, or
    X-RateLimit-Remaining below LOW of the limit until X-RateLimit-Reset
    (at least a minute, at most five: the limit's window)."""
    if headers.get("Retry-After"):
        with _lock:
            _resume[org] = max(_resume.get(org, 0), now + retry_after(headers.get("Retry-After")))
        return
    try:
        remaining, limit = float(headers.get("X-RateLimit-Remaining")), float(headers.get("X-RateLimit-Limit"))
    except (TypeError, ValueError):
        return
    if limit > 0 and remaining < LOW * limit:
        try:
            until = float(headers.get("X-RateLimit-Reset"))
        except (TypeError, ValueError):
            until = now + 60
        with _lock:
            _resume[org] = max(_resume.get(org, 0), min(max(until, now + 60), now + 300))


def call(method, org, path, tok, calls, now, body=None):
    """One REST call; its JSON answer (None for 204). Raises HTTPError."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(org + path, data=data, method=method, headers={
        "Authorization": authorization(tok), "Accept": "application/json", "Content-Type": "application/json"})
    with _lock:
        calls.append((method, org, path.split("?")[0]))
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            pace(org, resp.headers, now)
            if resp.status == 203:  # Azure DevOps' sign-in page: no usable credentials
                raise Uncounted("%s rejected the token (HTTP 203, sign-in page): put a valid PAT in the hub secret" % org)
            raw = resp.read()
            return json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        pace(org, e.headers, now)
        raise


def problem(e, org, what):
    """An Uncounted for an HTTP or network error."""
    if isinstance(e, urllib.error.HTTPError):
        if e.code == 429:
            return Uncounted("%s answered 429 to %s: backing off %ds" % (org, what, retry_after(e.headers.get("Retry-After"))))
        if e.code == 401:
            return Uncounted("%s rejected the token (HTTP 401) for %s: put a valid PAT in the hub secret" % (org, what))
        return Uncounted("%s answered HTTP %d to %s" % (org, e.code, what))
    return Uncounted("%s unreachable (%s): %s" % (org, what, e))


def admin_missing(org, pool, e):
    """The message for a 403 on adding or deleting an agent."""
    try:
        detail = json.loads(e.read() or b"{}").get("message", "")
    except ValueError:
        detail = ""
    return ("%s: the token may read pool %r but not add or delete its agents (HTTP 403 %s): its identity needs the "
            "Administrator role on the pool (Organization settings > Agent pools > %s > Security > Add, role "
            "Administrator) and the PAT the scope Agent Pools (Read & manage)" % (org, pool, detail, pool))


def since(stamp):
    """Epoch seconds of an Azure DevOps timestamp (ISO 8601, Z, any
    fraction); None when absent or unreadable."""
    if not stamp:
        return None
    s = stamp.rstrip("Z")
    if "." in s:
        head, frac = s.split(".", 1)
        s = head + "." + frac[:6]
    try:
        return datetime.datetime.fromisoformat(s).replace(tzinfo=datetime.timezone.utc).timestamp()
    except ValueError:
        return None


def fleet_agent(pool, name):
    """The spoke whose agent this is (the longest prefix wins:
    hubspoke-dev-eu-... is dev-eu's, not dev's), or None."""
    best = None
    for s in pool["spokes"]:
        p = s["agentPrefix"] + "-"
        if name.startswith(p) and (best is None or len(p) > len(best["agentPrefix"]) + 1):
            best = s
    return best


def placeholder_body(agents, pool):
    """The placeholder as config.sh registers an agent (ConfigurationManager
    CreateNewAgent): name, a public key (a random one: no listener will ever
    use it), maxParallelism 1, version, osDescription and the system
    capabilities: those of the newest fleet agent in the pool, else the
    image's defaults."""
    ph = FLEET.get("placeholder", {})
    caps = dict(ph.get("capabilities") or {})
    version = ph.get("version", "")
    mine = [a for a in agents if fleet_agent(pool, a.get("name", "")) and a.get("systemCapabilities")]
    if mine:
        newest = max(mine, key=lambda a: since(a.get("createdOn")) or 0)
        caps = dict(newest["systemCapabilities"])
        version = newest.get("version") or version
    caps.update({"Agent.Name": PLACEHOLDER, "Agent.ComputerName": PLACEHOLDER})
    modulus = base64.b64encode(secrets.token_bytes(256)).decode()
    return {"name": PLACEHOLDER, "version": version, "osDescription": "hubspoke placeholder (never runs jobs)",
            "maxParallelism": 1, "provisioningState": "Provisioned", "enabled": True,
            "authorization": {"publicKey": {"exponent": "AQAB", "modulus": modulus}},
            "systemCapabilities": caps}


def names(caps):
    """A capability set's names, without those naming the machine."""
    return set(caps) - {"Agent.Name", "Agent.ComputerName", "Agent.HomeDirectory"}


def keep(pool, pid, tok, now, calls, out):
    """The pool's agent list; adds the placeholder when missing, deletes
    ghosts. Fills out["agents"], out["placeholder"], out["ghosts"]."""
    org = pool["url"].rstrip("/")
    base = "/_apis/distributedtask/pools/%d/agents" % pid
    agents = call("GET", org, base + "?includeCapabilities=true&includeAssignedRequest=true&" + API, tok, calls, now).get("value", [])
    out["agents"] = agents
    key = (org, pool["pool"])
    current = next((a for a in agents if a.get("name") == PLACEHOLDER), None)
    if current is not None:
        _no_placeholder.pop(key, None)
        _seen[key] = now
        out["placeholder"] = "present"
        # The fleet's agents gained or lost a capability (a new image): the
        # placeholder follows, so Azure DevOps queues exactly the jobs they
        # could take (PUT, as config.sh --replace updates an agent).
        # Only while a fleet agent is there to copy: between agents (a floor
        # of 0, the refresh) the defaults would drop capabilities the fleet's
        # agents have, and jobs demanding them would be refused.
        want = placeholder_body(agents, pool)
        copied = any(fleet_agent(pool, a.get("name", "")) and a.get("systemCapabilities") for a in agents)
        if copied and names(want["systemCapabilities"]) != names(current.get("systemCapabilities") or {}):
            try:
                call("PUT", org, "%s/%d?%s" % (base, current["id"], API), tok, calls, now,
                     {"id": current["id"], "name": PLACEHOLDER, "version": want["version"], "systemCapabilities": want["systemCapabilities"]})
                out["placeholder"] = "updated"
            except urllib.error.HTTPError as e:
                out.setdefault("problems", []).append(admin_missing(org, pool["pool"], e) if e.code == 403 else
                                                      "%s: could not update the placeholder of pool %r: HTTP %d" % (org, pool["pool"], e.code))
    else:
        try:
            call("POST", org, base + "?" + API, tok, calls, now, placeholder_body(agents, pool))
            _no_placeholder.pop(key, None)
            _seen[key] = now
            out["placeholder"] = "created"
        except urllib.error.HTTPError as e:
            if e.code == 403:
                _no_placeholder[key] = admin_missing(org, pool["pool"], e)
            elif e.code == 409:  # registered meanwhile (another run, a person)
                _no_placeholder.pop(key, None)
            else:
                _no_placeholder[key] = "%s: could not add the placeholder to pool %r: HTTP %d" % (org, pool["pool"], e.code)
            out["placeholder"] = "missing"
    out["ghosts"] = []
    for a in agents:
        name = a.get("name", "")
        spoke = fleet_agent(pool, name)
        if name == PLACEHOLDER or not spoke:
            continue
        # Registered longer ago than any live agent of the spoke can be (the
        # daily refresh ends idle agents within 24 hours; start.sh ends a job
        # after maxJobMinutes): not a live task's agent, whatever its status.
        # A job can read its agent's credentials, and a copy of them running
        # elsewhere stays online after the task is gone: it goes here.
        created = since(a.get("createdOn"))
        limit = spoke.get("maxAgentMinutes")
        too_old = bool(limit) and created is not None and now - created > limit * 60
        if not too_old:
            if a.get("status") != "offline" or a.get("assignedRequest"):
                continue
            changed = since(a.get("statusChangedOn")) or created
            if changed is None or now - changed < GRACE:
                continue
        try:
            call("DELETE", org, "%s/%d?%s" % (base, a["id"], API), tok, calls, now)
            out["ghosts"].append(name)
        except urllib.error.HTTPError as e:
            if e.code == 403:  # no ghost of this pool can go: say so once
                out.setdefault("problems", []).append(admin_missing(org, pool["pool"], e))
                break
            if e.code != 404:  # 404: gone already
                out.setdefault("problems", []).append("%s: could not delete ghost agent %s: HTTP %d" % (org, name, e.code))


def visit(pool, tok, now, calls, maintain):
    """Counts (demand pools) and keeps (maintain) one pool. Returns a dict:
    waiting, running {agent: jobs}, capped, agents, placeholder, ghosts."""
    org = pool["url"].rstrip("/")
    if _resume.get(org, 0) > now:
        raise Uncounted("backing off %s for %ds more (rate limit)" % (org, _resume[org] - now))
    key = (org, pool["pool"])
    out = {}
    try:
        if key not in _pool_ids:
            found = call("GET", org, "/_apis/distributedtask/pools?poolName=%s&%s" % (urllib.parse.quote(pool["pool"]), API), tok, calls, now)
            if not found.get("value"):
                _no_placeholder[key] = "agent pool %r does not exist in %s" % (pool["pool"], org)
                raise Uncounted("agent pool %r does not exist in %s: create it (Organization settings > Agent pools > "
                                "Add pool, self-hosted) or fix agent.pool in the fleet file" % (pool["pool"], org))
            _pool_ids[key] = found["value"][0]["id"]
        pid = _pool_ids[key]
        if maintain:
            keep(pool, pid, tok, now, calls, out)
        if any(s.get("demand") for s in pool["spokes"]):
            jobs = call("GET", org, "/_apis/distributedtask/pools/%d/jobrequests?completedRequestCount=0&%s" % (pid, API), tok, calls, now).get("value", [])
            out["capped"] = len(jobs) >= CAP
            if out["capped"] and "agents" not in out:
                # The list is cut: the agents' own running requests are whole.
                out["agents"] = call("GET", org, "/_apis/distributedtask/pools/%d/agents?includeAssignedRequest=true&%s" % (pid, API), tok, calls, now).get("value", [])
            out["waiting"], out["running"] = tally(pool, jobs, out["agents"] if out["capped"] else None)
            out["waits"] = first_assigned(key, pool, jobs, now)
    except urllib.error.HTTPError as e:
        if e.code == 404:
            _pool_ids.pop(key, None)
        raise problem(e, org, "pool %r" % pool["pool"])
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise problem(e, org, "pool %r" % pool["pool"])
    return out


def first_assigned(key, pool, jobs, now):
    """{spoke name: [seconds waited]} of the pool's jobs first seen assigned
    to a fleet agent in this count: assignTime minus queueTime, each job
    once. This container remembers which requests it saw assigned at its
    last count; a container's first count (a cold start: it remembers
    nothing) takes only the jobs assigned in the last minute, those older
    having been counted by the container before it. So a job assigned and
    finished between two counts is not seen (the list holds unfinished
    requests only), and one assigned while no count ran for more than a
    minute (a cold start after a gap) is not counted."""
    prev = _assigned.get(key)
    ids, out = set(), {}
    for job in jobs:
        agent = (job.get("reservedAgent") or {}).get("name")
        queued, assigned = since(job.get("queueTime")), since(job.get("assignTime"))
        if not agent or queued is None or assigned is None or job.get("finishTime") or job.get("result"):
            continue
        ids.add(job.get("requestId"))
        if (job.get("requestId") in prev) if prev is not None else now - assigned >= 60:
            continue
        spoke = fleet_agent(pool, agent)
        if spoke:
            out.setdefault(spoke["name"], []).append(max(0.0, assigned - queued))
    _assigned[key] = ids
    return out


def agent_states(pool, agents, now):
    """{spoke name: {"busy", "idle", "starting"}} from the pool's agent list:
    busy, an agent with an assigned request; idle, online without one;
    starting, registered and offline for less than GRACE (its listener has
    not connected yet; an older offline agent is a ghost, not counted). A
    task that is still pulling its image or starting its container has
    not registered yet: Azure DevOps cannot see it."""
    out = {s["name"]: {"busy": 0, "idle": 0, "starting": 0} for s in pool["spokes"]}
    for a in agents:
        name = a.get("name", "")
        spoke = fleet_agent(pool, name) if name != PLACEHOLDER else None
        if not spoke:
            continue
        if a.get("assignedRequest"):
            state = "busy"
        elif a.get("status") == "online":
            state = "idle"
        else:
            changed = since(a.get("statusChangedOn")) or since(a.get("createdOn"))
            if changed is None or now - changed >= GRACE:
                continue
            state = "starting"
        out[spoke["name"]][state] += 1
    return out


def in_force(spoke, now, key):
    """The value key ("floor", "standby") of the spoke's scheduled action
    in force now (as ceiling(): the action that fired last), or the
    spoke's own key without actions; 0 when unset."""
    actions = spoke.get("actions")
    if not actions:
        return spoke.get(key, 0)
    return ceiling(dict(spoke, actions=[dict(a, ceiling=a.get(key, 0)) for a in actions]), now)


def floor_now(spoke, now):
    """The spoke's scheduled floor now."""
    return in_force(spoke, now, "floor")


def standby_now(spoke, now):
    """The standby of the spoke's action in force now."""
    return in_force(spoke, now, "standby")


def hour_of_week(t, zone):
    """t's hour of the week on zone's clock: Monday 00:00-01:00 is 0."""
    offsets = FLEET.get("zones", {}).get(zone)
    if offsets:
        local = local_time(t, offsets)
    else:
        local = datetime.datetime.fromtimestamp(t, ZoneInfo(zone) if zone != "UTC" else datetime.timezone.utc)
    return local.weekday() * 24 + local.hour


def percentile(values, p):
    """Nearest rank: the smallest value at least p % of values reach."""
    v = sorted(values)
    return v[max(1, -(-p * len(v) // 100)) - 1]


def auto_ready(spoke, series, end):
    """The agents to keep ready per hour of the week from the spoke's
    hourly Maximum of AgentsNeeded {timestamp: value} over the weeks before
    end: per week and local hour the hour's peak (a bucket that starts off
    the local hour, in a zone offset by 30 or 45 minutes, counts for both
    local hours it overlaps; an hour without data is left out), then each
    hour's percentile over the weeks (schedule.AutoReady)."""
    auto = spoke["auto"]
    peaks = {}  # (week, hour of the week) -> peak
    for ts, v in series.items():
        week = int((end - ts - 1) // (7 * 86400))
        first, last = hour_of_week(ts, auto["zone"]), hour_of_week(ts + 3599, auto["zone"])
        for h in {first, last}:
            peaks[(week, h)] = max(peaks.get((week, h), 0), v)
    table = []
    for h in range(7 * 24):
        v = [p for (w, hour), p in peaks.items() if hour == h]
        table.append(int(percentile(v, auto["percentile"])) if v else 0)
    return table


def history_calls(spokes):
    """The spokes in GetMetricData calls: at most MAX_QUERIES a call, and
    at most one answer's MAX_POINTS (weeks * 168 hourly points a spoke:
    200 spokes of 3 weeks, 9 of 65), spokes of equal weeks together."""
    calls = []
    for s in sorted(spokes, key=lambda s: s["auto"]["weeks"]):
        per = max(1, min(MAX_QUERIES, MAX_POINTS // (s["auto"]["weeks"] * 7 * 24)))
        if calls and calls[-1][0] == s["auto"]["weeks"] and len(calls[-1][1]) < per:
            calls[-1][1].append(s)
        else:
            calls.append((s["auto"]["weeks"], [s]))
    return calls


def read_history(call, now):
    """One GetMetricData call (pages followed): the hourly Maximum of each
    spoke's AgentsNeeded (dimension Spoke only, so a spoke keeps its history
    when its dashboard group changes) over its weeks; stores each spoke's
    table. Returns None, or the problem (the spokes keep the tables they
    had and are read again next run)."""
    weeks, spokes = call
    end = int(now // 3600) * 3600  # the last whole hour: its Maximum is final
    queries = [{"Id": "n%d" % i, "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": FLEET["namespace"], "MetricName": "AgentsNeeded", "Dimensions": [{"Name": "Spoke", "Value": s["name"]}]},
        "Period": 3600, "Stat": "Maximum"}} for i, s in enumerate(spokes)]
    results = {}
    try:
        kwargs = {"MetricDataQueries": queries, "ScanBy": "TimestampAscending",
                  "StartTime": datetime.datetime.fromtimestamp(end - weeks * 7 * 86400, datetime.timezone.utc),
                  "EndTime": datetime.datetime.fromtimestamp(end, datetime.timezone.utc)}
        for _ in range(100):  # pages
            answer = hub_cloudwatch().get_metric_data(**kwargs)
            for r in answer.get("MetricDataResults", []):
                into = results.setdefault(r["Id"], {})
                for ts, v in zip(r.get("Timestamps", []), r.get("Values", [])):
                    into[ts.timestamp()] = max(v, into.get(ts.timestamp(), v))
            if not answer.get("NextToken"):
                break
            kwargs["NextToken"] = answer["NextToken"]
    except Exception as e:
        return "automatic standby: the history of %d spoke(s) could not be read (tried again next run): %s" % (len(spokes), e)
    for i, s in enumerate(spokes):
        _ready[s["name"]] = (now, auto_ready(s, results.get("n%d" % i, {}), end))
    return None


def ready_now(spoke, now):
    """The agents an automatic standby keeps ready now: the larger of this
    hour's and that of the hour LEAD seconds ahead (ready before an hour
    begins, kept to its end), 0 without auto or a table yet."""
    got = _ready.get(spoke["name"]) if spoke.get("auto") else None
    if not got:
        return 0
    zone = spoke["auto"]["zone"]
    return max(got[1][hour_of_week(now, zone)], got[1][hour_of_week(now + LEAD, zone)])


def hub_cloudwatch():
    if "hub" not in _creds:
        _creds["hub"] = (float("inf"), _client("cloudwatch"))
    return _creds["hub"][1]


MAX_VALUES = 150  # values one datum holds (PutMetricData: "up to 150 values per metric")
MAX_METRICS = 1000  # metrics one PutMetricData request holds


def fleet_datums(spoke, figures):
    """The hub's datums of one spoke: figures {metric: value, or a list of
    waits}. Waits go as Values/Counts (whole seconds, so equal waits share a
    value), more than MAX_VALUES distinct ones in several datums."""
    dims = [{"Name": "Spoke", "Value": spoke["name"]}, {"Name": "Group", "Value": GROUPS.get(spoke["name"], "spokes-1-%d" % SIZE)}]
    out = []
    for metric, v in figures.items():
        if isinstance(v, list):
            counts = {}
            for w in v:
                counts[float(round(w))] = counts.get(float(round(w)), 0) + 1
            values = sorted(counts)
            for i in range(0, len(values), MAX_VALUES):
                part = values[i:i + MAX_VALUES]
                out.append({"MetricName": metric, "Dimensions": dims, "Values": part, "Counts": [float(counts[x]) for x in part], "Unit": "Seconds"})
        else:
            out.append({"MetricName": metric, "Dimensions": dims, "Value": v, "Unit": "Count"})
    return out


def batches(datums):
    """PutMetricData requests: at most MAX_METRICS datums each, and each
    metric (name and dimensions) at most once in a request."""
    out = []
    for d in datums:
        key = (d["MetricName"], json.dumps(d["Dimensions"], sort_keys=True))
        for b in out:
            if len(b[1]) < MAX_METRICS and key not in b[0]:
                b[0].add(key)
                b[1].append(d)
                break
        else:
            out.append(({key}, [d]))
    return [b[1] for b in out]


def tally(pool, jobs, agents):
    """(waiting, {agent name: running jobs}) from the job requests; with
    agents (the list was capped), running from the agents' assigned
    requests. A waiting job whose matchedAgents (when given) holds no fleet
    agent and not the placeholder is not the fleet's to serve."""
    waiting, running = 0, {}
    for job in jobs:
        if job.get("finishTime") or job.get("result"):
            continue
        agent = (job.get("reservedAgent") or {}).get("name")
        if agent:
            running[agent] = running.get(agent, 0) + 1
            continue
        matched = job.get("matchedAgents")
        if matched is not None and not any(m.get("name") == PLACEHOLDER or fleet_agent(pool, m.get("name", "")) for m in matched):
            continue
        waiting += 1
    if agents is not None:
        running = {}
        for a in agents:
            if a.get("assignedRequest"):
                running[a["name"]] = running.get(a["name"], 0) + 1
    return waiting, running


def offset_at(t, offsets):
    """Minutes east of UTC at Unix time t, from [[from, minutes], ...]."""
    i = bisect.bisect_right([o[0] for o in offsets], t) - 1
    return offsets[max(i, 0)][1]


def local_time(now, offsets):
    """The wall clock at now, as a naive datetime."""
    return datetime.datetime.fromtimestamp(now + offset_at(now, offsets) * 60, datetime.timezone.utc).replace(tzinfo=None)


def utc_of(day, hour, minute, offsets):
    """The Unix time of hour:minute on day's wall clock: the wall-clock
    seconds less the offset in force then (found from a first guess; the
    schedule has no action in a daylight-saving gap)."""
    wall = datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=datetime.timezone.utc).timestamp()
    guess = wall - offset_at(wall, offsets) * 60
    return wall - offset_at(guess, offsets) * 60


def ceiling(spoke, now):
    """The spoke's scheduled ceiling now: that of the scheduled action that
    fired last (each action's hour and minute in its zone, on its days,
    Monday 0). A zone that cannot be loaded counts as its largest ceiling."""
    actions = spoke.get("actions")
    if not actions:
        return spoke.get("ceiling", 0)
    best, best_at = None, None
    for a in actions:
        offsets = FLEET.get("zones", {}).get(a["zone"])
        if offsets:
            zone = None
        else:
            try:
                zone = ZoneInfo(a["zone"]) if a["zone"] != "UTC" else datetime.timezone.utc
            except Exception:
                print("time zone %s: no offsets and no tz database; counting the week's largest ceiling" % a["zone"])
                return max(x["ceiling"] for x in actions)
        local = local_time(now, offsets) if zone is None else datetime.datetime.fromtimestamp(now, zone)
        for back in range(8):
            day = local.date() - datetime.timedelta(days=back)
            if zone is None:
                at = utc_of(day, a["hour"], a["minute"], offsets)
            else:
                at = datetime.datetime(day.year, day.month, day.day, a["hour"], a["minute"], tzinfo=zone).timestamp()
            if at <= now and (not a.get("days") or day.weekday() in a["days"]):
                if best_at is None or at > best_at:
                    best, best_at = a["ceiling"], at
                break
    return best if best is not None else 0


def wanted(pool, waiting, running, room):
    """(AgentsWanted per demand spoke, unplaced jobs). Each spoke: its running
    jobs plus a share of the waiting ones; shares go to the spokes in room
    (deployed demand spokes: name -> ceiling minus running jobs, > 0) in
    proportion to their room, largest remainders first (fleet order on
    ties), never above a spoke's room."""
    demand = [s for s in pool["spokes"] if s.get("demand")]
    out = {s["name"]: 0 for s in demand}
    for agent, n in running.items():
        s = fleet_agent(pool, agent)
        if s and s["name"] in out:
            out[s["name"]] += n
    total = sum(room.values())
    placed = min(waiting, total)
    if placed:
        shares = {n: placed * r // total for n, r in room.items()}
        order = sorted(room, key=lambda n: -((placed * room[n]) % total))  # stable: fleet order on ties
        for n in order[:placed - sum(shares.values())]:
            shares[n] += 1
        for n, v in shares.items():
            out[n] += v
    return out, waiting - placed


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
        keys = {"region_name": spoke["region"], "aws_access_key_id": creds["AccessKeyId"],
                "aws_secret_access_key": creds["SecretAccessKey"], "aws_session_token": creds["SessionToken"]}
        client = _client("cloudwatch", **keys)
        if "clusterPrefix" in FLEET:
            _ecs[spoke["roleArn"]] = _client("ecs", **keys)
        expiry = creds["Expiration"].timestamp()
        _creds[spoke["roleArn"]] = (expiry, client)
    return client


def tasks_started(spoke, now):
    """The tasks of the spoke's agent service started since the last count
    (None at the first: nothing to compare with): ARNs listed now, running
    or stopped, that were not listed then. ListTasks answers at most 100
    ARNs a page; a stopped task stays listed for at least an hour (the
    DescribeTasks reference: "stopped tasks appear in the returned results
    for at least one hour"), so one started and stopped between two counts
    five minutes apart is still seen."""
    cloudwatch(spoke, now)  # fresh credentials, and the ECS client with them
    client = _ecs[spoke["roleArn"]]
    arns = set()
    for status in ("RUNNING", "STOPPED"):
        kwargs = {"cluster": FLEET["clusterPrefix"] + spoke["name"], "serviceName": FLEET["service"], "desiredStatus": status, "maxResults": 100}
        for _ in range(100):  # pages
            page = client.list_tasks(**kwargs)
            arns.update(page.get("taskArns", []))
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
    before = _tasks.get(spoke["name"])
    _tasks[spoke["name"]] = arns
    return None if before is None else len(arns - before)


def publish(item):
    """item: (spoke, AgentsWanted or None, known, now). None publishes only
    DemandKnown: the scaling alarm has no data, so the count stays."""
    spoke, value, known, now = item
    dims = [{"Name": "Spoke", "Value": spoke["name"]}]
    data = [{"MetricName": "DemandKnown", "Dimensions": dims, "Value": 1 if known else 0, "Unit": "Count"}]
    if value is not None:
        data.insert(0, {"MetricName": "AgentsWanted", "Dimensions": dims, "Value": value, "Unit": "Count"})
    cloudwatch(spoke, now).put_metric_data(Namespace=FLEET["namespace"], MetricData=data)


def deployed(spoke, now):
    """None when the spoke's role can be assumed, else the exception."""
    try:
        cloudwatch(spoke, now)
        return None
    except Exception as e:
        return e


def held(spoke, now):
    """What to publish for a spoke whose pool was not counted: the last
    count for HOLD seconds after it, nothing (the count stays) for HOLD
    seconds after the first failure when this container has no count, then
    0 (the floor)."""
    last = _last.get(spoke["name"])
    if last is not None:
        return last[0] if now - last[1] < HOLD else 0
    first = _unknown_since.setdefault(spoke["name"], now)
    return None if now - first < HOLD else 0


def handler(event, context):
    now = clock()
    calls, problems, items = [], [], []
    minute = int(now // 60)
    try:
        tok, unreadable = token(now), None
    except Exception as e:  # every pool is uncounted: counts held, and the alarm
        tok, unreadable = None, "the agent token secret could not be read: %s" % e
    demand = [s for p in FLEET["pools"] for s in p["spokes"] if s.get("demand")]
    fleet = {"placeholders": {}, "capped": [], "unplaced": 0, "ghosts": []}
    figures = {}  # spoke name -> (spoke, {metric: value}): the fleet's figures, into the hub's CloudWatch
    counting = []  # demand spokes whose tasks are counted this run (their pool's keeping round)
    needed = []  # AgentsNeeded datums of the spokes with an automatic standby

    def visited(ip):
        i, pool = ip
        if unreadable:
            return None, unreadable
        try:
            return visit(pool, tok, now, calls, (minute + i) % MAINTAIN == 0), None
        except Uncounted as e:
            return None, str(e)
        except Exception as e:  # an answer of an unexpected shape
            return None, "%s: could not count the jobs: %r" % (pool["url"], e)

    with ThreadPoolExecutor(max_workers=16) as workers:
        status = dict(zip((s["name"] for s in demand), workers.map(lambda s: deployed(s, now), demand)))
        # Automatic standby: every deployed spoke never read by this
        # container (a cold start: all of them, so that none falls to its
        # fixed standby for long), then those read longest ago, AUTO_PER_RUN
        # of them; at most AUTO_CALLS calls a run, in parallel.
        autos = [s for s in demand if s.get("auto") and status[s["name"]] is None]
        fresh = [s for s in autos if s["name"] not in _ready]
        stale = sorted((s for s in autos if s["name"] in _ready and now - _ready[s["name"]][0] >= AUTO_EVERY),
                       key=lambda s: _ready[s["name"]][0])[:AUTO_PER_RUN]
        due = history_calls(fresh + stale)[:AUTO_CALLS]
        problems.extend(p for p in workers.map(lambda c: read_history(c, now), due) if p)
        for pool, (res, prob) in zip(FLEET["pools"], workers.map(visited, enumerate(FLEET["pools"]))):
            mine = [s for s in pool["spokes"] if s.get("demand")]
            if prob:
                problems.append(prob)
                items.extend((s, held(s, now), False, now) for s in mine)
                for s in mine:
                    if status[s["name"]] is None:
                        figures.setdefault(s["name"], (s, {}))[1]["DemandKnown"] = 0
                continue
            if "agents" in res:  # a keeping round: idle and starting agents (busy too, for pools not counted)
                states = agent_states(pool, res["agents"], now)
                if "clusterPrefix" in FLEET:
                    counting.extend(s for s in mine if status[s["name"]] is None)
                for s in pool["spokes"]:
                    st = states[s["name"]]
                    f = figures.setdefault(s["name"], (s, {}))[1]
                    f.update({"AgentsIdle": st["idle"], "AgentsStarting": st["starting"]})
                    if not s.get("demand"):
                        f["AgentsBusy"] = st["busy"]
            problems.extend(res.get("problems", []))
            if "placeholder" in res:
                fleet["placeholders"]["%s/%s" % (pool["url"].rstrip("/"), pool["pool"])] = res["placeholder"]
            fleet["ghosts"].extend(res.get("ghosts", []))
            if not mine:
                continue
            if res["capped"]:
                fleet["capped"].append(pool["pool"])
                problems.append("%s: pool %r has more unfinished job requests than one answer holds (%d): running jobs "
                                "counted from the agents, waiting ones at least those listed" % (pool["url"], pool["pool"], CAP))
            room = {}
            for s in mine:
                if status[s["name"]] is None:
                    busy = sum(n for a, n in res["running"].items() if fleet_agent(pool, a) is s)
                    if ceiling(s, now) - busy > 0:
                        room[s["name"]] = ceiling(s, now) - busy
            share, unplaced = wanted(pool, res["waiting"], res["running"], room)
            if unplaced:
                fleet["unplaced"] += unplaced
                problems.append("%s: %d job(s) waiting in pool %r that no deployed spoke has room for now (room %s)"
                                % (pool["url"], unplaced, pool["pool"], json.dumps(room, sort_keys=True)))
            for s in mine:
                # Standby (and an automatic standby's ready agents) on top of
                # the share, within the ceiling.
                want = share[s["name"]]
                if status[s["name"]] is None:
                    want = max(want, min(ceiling(s, now), max(want + standby_now(s, now), ready_now(s, now))))
                _last[s["name"]] = (want, now)
                _unknown_since.pop(s["name"], None)
                items.append((s, want, True, now))
                if status[s["name"]] is None:
                    busy = sum(n for a, n in res["running"].items() if fleet_agent(pool, a) is s)
                    f = figures.setdefault(s["name"], (s, {}))[1]
                    f.update({"AgentsBusy": busy, "JobsWaiting": share[s["name"]] - busy, "AgentsFloor": floor_now(s, now),
                              "AgentsCeiling": ceiling(s, now), "DemandKnown": 1})
                    if res["waits"].get(s["name"]):
                        f["JobWaitSeconds"] = res["waits"][s["name"]]
                    if s.get("auto"):  # an automatic standby's history: busy + waiting, by spoke alone
                        needed.append({"MetricName": "AgentsNeeded", "Dimensions": [{"Name": "Spoke", "Value": s["name"]}],
                                       "Value": share[s["name"]], "Unit": "Count"})
        # Tasks started, in the keeping rounds (every MAINTAIN minutes a
        # pool): two ListTasks a spoke, in the spoke with its role. A
        # failure (a spoke whose role predates the right to list) is logged.
        def counted(spoke):
            try:
                return tasks_started(spoke, now), None
            except Exception as e:
                return None, "%s: tasks started not counted: %s" % (spoke["name"], e)
        for spoke, (n, err) in zip(counting, workers.map(counted, counting)):
            if err:
                problems.append(err)
            elif n is not None:
                figures.setdefault(spoke["name"], (spoke, {}))[1]["TasksStarted"] = n
        # A pool counts as without a placeholder when it is known to lack one
        # (missing pool, no right to add it) or was not seen with one for two
        # keeping rounds (the pool not readable at all: a rejected token,
        # an outage), counted from this container's first run.
        unseen = []
        for pool in FLEET["pools"]:
            key = (pool["url"].rstrip("/"), pool["pool"])
            _seen.setdefault(key, now)
            if key in _no_placeholder or now - _seen[key] > STALE:
                unseen.append(key)
                why = _no_placeholder.get(key, "not seen with it for %d minutes (the pool could not be read)" % ((now - _seen[key]) // 60))
                problems.append("pool %r of %s has no placeholder agent, so Azure DevOps fails its jobs while no agent is "
                                "registered: %s" % (key[1], key[0], why))
        ready = [it for it in items if status[it[0]["name"]] is None]
        results = list(zip(ready, workers.map(safe_publish, ready)))
    failed = ["%s: %s" % (item[0]["name"], err) for item, err in results if err]
    pending = [n for n, err in status.items() if isinstance(err, NotDeployed)]
    failed += ["%s: %s" % (n, err) for n, err in status.items() if err is not None and not isinstance(err, NotDeployed)]
    hub = {"PoolsWithoutPlaceholder": len(unseen), "PoolsCapped": len(fleet["capped"]),
           "JobsUnplaced": fleet["unplaced"], "GhostsRemoved": len(fleet["ghosts"])}
    try:
        hub_cloudwatch().put_metric_data(Namespace=FLEET["namespace"], MetricData=[
            {"MetricName": k, "Value": v, "Unit": "Count"} for k, v in hub.items()])
    except Exception as e:
        failed.append("hub metrics: %s" % e)
    # Each spoke's figures (the fleet dashboard's lines): a failed request
    # is logged, not raised (the scaling metrics went out already).
    datums = [d for _, (s, f) in sorted(figures.items()) for d in fleet_datums(s, f)] + needed
    requests = batches(datums)
    for b in requests:
        try:
            hub_cloudwatch().put_metric_data(Namespace=FLEET["namespace"], MetricData=b)
        except Exception as e:
            problems.append("fleet figures not published (%d metrics): %s" % (len(b), e))
    print(json.dumps({"pools": len(FLEET["pools"]), "apiCalls": len(calls), "fleetMetrics": len(datums), "fleetRequests": len(requests), "problems": problems[:20], "fleet": hub,
                      "ghostsRemoved": fleet["ghosts"][:20], "spokes": len(items), "notDeployedYet": pending[:20],
                      "publishFailed": failed[:20]}))
    if failed:
        raise RuntimeError("could not publish to %d spokes (first: %s)" % (len(failed), failed[0]))
    return {"apiCalls": len(calls), "calls": [list(c) for c in calls], "fleetRequests": len(requests), "problems": problems, "notDeployedYet": pending,
            "fleet": hub, "ghostsRemoved": fleet["ghosts"], "placeholders": fleet["placeholders"]}


def safe_publish(item):
    try:
        publish(item)
        return None
    except Exception as e:  # one spoke's failure must not stop the others
        return "%s" % e

# Deploy-time capacity window of a spoke, for a CloudFormation custom
# resource that runs on every deploy (its Nonce changes), after the scalable
# target and its scheduled actions.
#
# Why: CloudFormation creates the service with one task (no DesiredCount),
# and every update of AWS::ApplicationAutoScaling::ScalableTarget registers
# it again with the template's MinCapacity/MaxCapacity (0 and the week's
# largest ceiling). RegisterScalableTarget applies min and max at once and
# moves the current count into them; the scheduled actions only act at
# their next time. So after a deploy the schedule's current floor and
# ceiling were gone until the next action (in demand mode the step policy
# then cut the count to AgentsWanted below the working-hours floor).
#
# What: find the scheduled action in force now (the one that fired last,
# from the same cron expressions, time zones and capacities the scalable
# target's scheduled actions carry) and register the target with its min
# and max. On create, min = max = floor first: the count becomes exactly
# the floor (a floor of 0 stops the one task CloudFormation started), then
# the ceiling is restored (demand mode).
#
# Local times come from the UTC offsets the stack passes (Go's tz database,
# schedule.Offsets): the function needs no tz database of its own.
# Inline Lambda code: the python runtime provides boto3 and cfnresponse.
import bisect
import json
import re
import signal
import time

import boto3
import cfnresponse
from botocore.config import Config
from botocore.exceptions import ClientError

# Answer within the function's timeout even when a call hangs (the SDK's
# defaults are 60 s per attempt, with retries).
# Worst case of one call: 2 attempts of (3 s connect + 5 s read) = 16 s.
CLIENT_CONFIG = Config(connect_timeout=3, read_timeout=5, retries={"total_max_attempts": 2, "mode": "standard"})
# The watchdog answers FAILED this long before the function's timeout, so
# CloudFormation hears a reason instead of waiting out the ServiceTimeout.
ANSWER_MARGIN_SECONDS = 4


class Watchdog(Exception):
    pass


def on_alarm(signum, frame):
    raise Watchdog()

# The clock; the harness replaces it.
now = time.time

DAYS = {"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}
CRON = re.compile(r"^cron\((\d{1,2}) (\d{1,2}) (\*|\?) \* (\?|[A-Z,-]+) \*\)$")
# The window is the one in force this long from now: registering takes a
# moment, and an action that fires between the look-up and the
# registration would otherwise be overwritten with the window it ended
# until the next action. An action due within LEAD_SECONDS is applied that
# much early.
LEAD_SECONDS = 120
# How far back to look for the last action: every week has a daily
# refresh, so one is always within a day; a week bounds any schedule.
LOOKBACK_MINUTES = 8 * 24 * 60


class Problem(Exception):
    pass


def parse_cron(expr):
    """(minute of day, set of days 0=SUN..6=SAT) of the subset of AWS cron
    expressions the schedule writes: cron(M H * * ? *) every day, or
    cron(M H ? * DAYS *) with DAYS a list of names or a range (MON-FRI)."""
    m = CRON.match(expr)
    if not m:
        raise Problem("scheduled action %r is not of the form cron(M H * * ? *) or cron(M H ? * DAYS *)" % expr)
    minute, hour, dom, dow = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
    if minute > 59 or hour > 23 or (dom == "*") != (dow == "?"):
        raise Problem("scheduled action %r: unsupported time or day fields" % expr)
    if dow == "?":
        return hour * 60 + minute, set(range(7))
    days = set()
    for part in dow.split(","):
        a, _, b = part.partition("-")
        if a not in DAYS or (b and b not in DAYS):
            raise Problem("scheduled action %r: unknown day %r" % (expr, part))
        lo, hi = DAYS[a], DAYS[b or a]
        d = lo
        while True:
            days.add(d)
            if d == hi:
                break
            d = (d + 1) % 7
    return hour * 60 + minute, days


class Zone:
    def __init__(self, offsets):
        # offsets: [[from unix seconds, minutes east of UTC], ...], sorted
        self.starts = [int(o[0]) // 60 for o in offsets]
        self.minutes = [int(o[1]) for o in offsets]

    def offset(self, utc_minute):
        i = bisect.bisect_right(self.starts, utc_minute) - 1
        return self.minutes[max(i, 0)]


def in_force(window, at):
    """The action that fired last at or before the Unix time at: the one
    whose cron matches the latest minute, in its time zone. Ties go to the
    earlier action in the list."""
    zones = {name: Zone(offs) for name, offs in window["zones"].items()}
    actions = []
    for a in window["actions"]:
        if a["zone"] not in zones:
            raise Problem("scheduled action %s: no offsets for time zone %s" % (a["name"], a["zone"]))
        minute_of_day, days = parse_cron(a["cron"])
        actions.append((a, zones[a["zone"]], minute_of_day, days))
    t = int(at) // 60
    for k in range(LOOKBACK_MINUTES + 1):
        m = t - k
        for a, zone, minute_of_day, days in actions:
            local = m + zone.offset(m)
            # Day 0 of Unix time (1970-01-01) was a Thursday (4).
            if local % 1440 == minute_of_day and (local // 1440 + 4) % 7 in days:
                return a
    raise Problem("no scheduled action fired in the %d days before %s" % (LOOKBACK_MINUTES // 1440, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(at))))


def register(aas, resource_id, low, high):
    aas.register_scalable_target(ServiceNamespace="ecs", ScalableDimension="ecs:service:DesiredCount",
                                 ResourceId=resource_id, MinCapacity=low, MaxCapacity=high)


def apply(p, create):
    window = json.loads(p["Window"])
    at = now() + LEAD_SECONDS
    a = in_force(window, at)
    low, high = int(a["min"]), int(a["max"])
    aas = boto3.client("application-autoscaling", config=CLIENT_CONFIG)
    try:
        if create and high != low:
            # The count becomes exactly the floor (the task CloudFormation
            # started goes when the floor is 0).
            register(aas, p["ResourceId"], low, low)
        register(aas, p["ResourceId"], low, high)
    except ClientError as e:
        code, msg = e.response["Error"]["Code"], e.response["Error"].get("Message", "")
        if code == "ObjectNotFoundException":
            raise Problem("the scalable target %s is not registered: deploy again (CloudFormation registers it before this step)" % p["ResourceId"])
        if code in ("AccessDeniedException", "AccessDenied"):
            raise Problem("this function may not register %s: %s" % (p["ResourceId"], msg))
        raise
    print("in force at %s (now + %d s): %s (min %d, max %d)" % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(at)), LEAD_SECONDS, a["name"], low, high))
    return {"Action": a["name"], "MinCapacity": str(low), "MaxCapacity": str(high)}


def handler(event, context):
    physical_id = event.get("PhysicalResourceId") or "agent-window-" + event["ResourceProperties"].get("ResourceId", "")
    left = context.get_remaining_time_in_millis() / 1000.0 if context else 60.0
    budget = max(1, round(left - ANSWER_MARGIN_SECONDS))
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(budget)
    try:
        if event["RequestType"] == "Delete":
            cfnresponse.send(event, context, cfnresponse.SUCCESS, {}, physical_id)
            return
        data = apply(event["ResourceProperties"], event["RequestType"] == "Create")
        signal.alarm(0)
        cfnresponse.send(event, context, cfnresponse.SUCCESS, data, physical_id)
    except Watchdog:
        reason = "%s got no answer from AWS within %d s, its time before the function's timeout: check the AWS Health Dashboard and deploy again (a retry is safe)" % ("setting the schedule's current window", budget)
        cfnresponse.send(event, context, cfnresponse.FAILED, {}, physical_id, reason=reason[:900])
    except Exception as e:  # report every failure to CloudFormation, at once
        signal.alarm(0)
        reason = str(e) if isinstance(e, Problem) else "setting the schedule's current window failed: %s" % e
        cfnresponse.send(event, context, cfnresponse.FAILED, {}, physical_id, reason=reason[:900])
    finally:
        signal.alarm(0)

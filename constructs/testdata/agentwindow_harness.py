# Runs agentwindow.py against a stand-in of Application Auto Scaling with a
# fake clock, for the scenarios the Go test sends on stdin:
#   {"properties": {...the custom resource's properties from the template...},
#    "scenarios": [{"name", "request", "at" (Unix seconds), "min", "max",
#                   "desired", "wanted"}]}
# Each scenario is a deploy: CloudFormation first registers the target with
# the template's MinCapacity/MaxCapacity (create, or an update that touches
# the target), then the function runs; then the step policy sets the count
# to AgentsWanted ("wanted"). Prints one JSON object: per scenario the
# status, reason and data sent to CloudFormation, the target after the
# function, the count after the policy, and the count the policy would have
# left without the function.
import contextlib
import json
import os
import sys
import time
import types

os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")

sent = []
cfn = types.ModuleType("cfnresponse")
cfn.SUCCESS, cfn.FAILED = "SUCCESS", "FAILED"


def send(event, context, status, data, physical_id=None, noEcho=False, reason=None):
    sent.append({"status": status, "data": data, "physicalId": physical_id, "reason": reason})


cfn.send = send
sys.modules["cfnresponse"] = cfn

from botocore.exceptions import ClientError  # noqa: E402

sys.path.insert(0, sys.argv[1])
import agentwindow  # noqa: E402


class Target:
    """An ECS service's scalable target in Application Auto Scaling, from
    the documented contract (API_RegisterScalableTarget):
      - "To update a scalable target, specify the parameters that you want
        to change ... Any parameters that you don't specify are not changed";
      - if the resource is active, registering "changes the resource's
        current capacity to a value that is inside of this range", at once;
      - scaling policies "will not scale capacity to values that are outside
        of the minimum and maximum range";
      - MinCapacity above MaxCapacity is a ValidationException.
    Scheduled actions act only at their next time: nothing here runs them."""

    def __init__(self, resource_id, low, high, desired, deny=False):
        self.resource_id, self.min, self.max, self.desired = resource_id, low, high, desired
        self.calls, self.deny = [], deny
        self.hang = False
        self.elapsed = 0.0

    def register_scalable_target(self, ServiceNamespace, ScalableDimension, ResourceId, MinCapacity=None, MaxCapacity=None, **other):
        self.calls.append([MinCapacity, MaxCapacity])
        if self.deny and self.calls != [[template_min, template_max]]:  # CloudFormation's own call is allowed
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "User is not authorized to perform: application-autoscaling:RegisterScalableTarget"}}, "RegisterScalableTarget")
        if (ServiceNamespace, ScalableDimension, ResourceId) != ("ecs", "ecs:service:DesiredCount", self.resource_id):
            raise ClientError({"Error": {"Code": "ValidationException", "Message": "unknown target %s" % ResourceId}}, "RegisterScalableTarget")
        low = self.min if MinCapacity is None else MinCapacity
        high = self.max if MaxCapacity is None else MaxCapacity
        if low > high:
            raise ClientError({"Error": {"Code": "ValidationException", "Message": "Minimum capacity cannot be greater than maximum capacity"}}, "RegisterScalableTarget")
        if self.hang:  # an endpoint that accepts and never answers in time
            time.sleep(60)
        self.min, self.max = low, high
        self.desired = min(max(self.desired, low), high)
        return {}

    def policy(self, wanted):
        # The step policy (ExactCapacity): AgentsWanted, kept within min/max.
        self.desired = min(max(wanted, self.min), self.max)


class Context:
    """The Lambda context: the time left before the function's timeout."""
    def __init__(self, left):
        self.left = left

    def get_remaining_time_in_millis(self):
        return int(self.left * 1000)


spec = json.load(sys.stdin)
props = spec["properties"]
template_min, template_max = spec["templateMin"], spec["templateMax"]
out = {}
for sc in spec["scenarios"]:
    def deploy(with_function):
        t = Target(props["ResourceId"], sc["min"], sc["max"], sc["desired"], deny=with_function and sc.get("deny", False))
        # CloudFormation registers the target with the template's values.
        t.register_scalable_target(ServiceNamespace="ecs", ScalableDimension="ecs:service:DesiredCount",
                                   ResourceId=props["ResourceId"], MinCapacity=template_min, MaxCapacity=template_max)
        t.calls = []
        t.hang = with_function and sc.get("hang", False)
        if with_function:
            agentwindow.boto3.client = lambda name, **kw: t if name == "application-autoscaling" else None
            agentwindow.now = lambda: sc["at"]
            with contextlib.redirect_stdout(sys.stderr):  # the function's log
                started = time.monotonic()
                agentwindow.handler({"RequestType": sc["request"], "ResourceProperties": props}, Context(sc["left"]) if sc.get("left") else None)
                t.elapsed = time.monotonic() - started
        return t

    t = deploy(True)
    res = dict(sent[-1])
    res.update({"min": t.min, "max": t.max, "desired": t.desired, "calls": t.calls, "elapsed": t.elapsed})
    if sc.get("wanted") is not None:
        t.policy(sc["wanted"])
        res["afterPolicy"] = t.desired
        without = deploy(False)
        without.policy(sc["wanted"])
        res["withoutFunction"] = without.desired
    out[sc["name"]] = res
agentwindow.handler({"RequestType": "Delete", "ResourceProperties": props, "PhysicalResourceId": "agent-window-x"}, None)
out["delete"] = sent[-1]
print(json.dumps(out))

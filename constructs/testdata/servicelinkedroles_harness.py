# Runs servicelinkedroles.py against a stand-in of IAM with a fake clock.
# Prints one JSON object: per case the status, data and reason sent to
# CloudFormation, the IAM calls made and the seconds slept.
#
# moto is not used: it names the Application Auto Scaling ECS role
# differently and answers a second CreateServiceLinkedRole with
# EntityAlreadyExists, where IAM answers InvalidInput.
import contextlib
import json
import os
import sys
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
import servicelinkedroles as slr  # noqa: E402

NAMES = {"ecs.amazonaws.com": "AWSServiceRoleForECS",
         "ecs.application-autoscaling.amazonaws.com": "AWSServiceRoleForApplicationAutoScaling_ECSService"}


class IAM:
    """IAM's documented behaviour for these calls:
      - GetRole of a missing role: NoSuchEntity;
      - CreateServiceLinkedRole names the role after the service; when it
        exists: InvalidInput "Service role name X has been taken in this
        account, please try a different suffix." (the CLI's answer, quoted
        in the Karpenter and EKS workshop docs);
      - eventual consistency (IAM user guide, troubleshooting): a role just
        created is not visible at once: GetRole misses it `lag` times;
      - without permission: AccessDenied."""

    def __init__(self, existing=(), lag=0, deny=False, never=False, taken_meanwhile=()):
        self.roles, self.lag, self.deny, self.never = set(existing), {}, deny, never
        self.default_lag, self.taken_meanwhile = lag, set(taken_meanwhile)
        self.calls = []

    def get_role(self, RoleName):
        self.calls.append("GetRole " + RoleName)
        if RoleName in self.taken_meanwhile:  # created by someone else after our first look
            self.taken_meanwhile.discard(RoleName)
            self.roles.add(RoleName)
            self.lag[RoleName] = 0
            raise ClientError({"Error": {"Code": "NoSuchEntity", "Message": "The role with name %s cannot be found." % RoleName}}, "GetRole")
        if RoleName in self.roles and (self.lag.get(RoleName, 0) <= 0 and not self.never):
            return {"Role": {"RoleName": RoleName}}
        if RoleName in self.roles:
            self.lag[RoleName] -= 1
        raise ClientError({"Error": {"Code": "NoSuchEntity", "Message": "The role with name %s cannot be found." % RoleName}}, "GetRole")

    def create_service_linked_role(self, AWSServiceName):
        name = NAMES[AWSServiceName]
        self.calls.append("CreateServiceLinkedRole " + AWSServiceName)
        if self.deny:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "User is not authorized to perform: iam:CreateServiceLinkedRole"}}, "CreateServiceLinkedRole")
        if name in self.roles:
            raise ClientError({"Error": {"Code": "InvalidInput", "Message": "Service role name %s has been taken in this account, please try a different suffix." % name}}, "CreateServiceLinkedRole")
        self.roles.add(name)
        self.lag[name] = self.default_lag
        return {"Role": {"RoleName": name}}


props = json.loads(sys.stdin.read())
cases = {}


def run(name, iam, request="Create"):
    clock = {"now": 1000.0, "slept": 0}

    def sleep(s):
        clock["now"] += s
        clock["slept"] += s

    slr.boto3.client = lambda service, **kw: iam
    slr.now, slr.sleep = (lambda: clock["now"]), sleep
    with contextlib.redirect_stdout(sys.stderr):
        slr.handler({"RequestType": request, "ResourceProperties": props, "PhysicalResourceId": "service-linked-roles"}, None)
    cases[name] = dict(sent[-1], calls=iam.calls, slept=clock["slept"])


run("fresh account", IAM(lag=2))
run("both exist", IAM(existing=NAMES.values()))
run("scaling role missing", IAM(existing=["AWSServiceRoleForECS"]))
run("created meanwhile", IAM(existing=["AWSServiceRoleForApplicationAutoScaling_ECSService"], taken_meanwhile=["AWSServiceRoleForECS"]))
run("access denied", IAM(deny=True))
run("never visible", IAM(never=True))
run("delete", IAM(), request="Delete")
print(json.dumps(cases))

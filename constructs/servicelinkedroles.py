# Deploy-time service-linked roles of a spoke, for a CloudFormation custom
# resource the ECS cluster and the scalable target depend on.
#
# Why: in an account that never used ECS, ECS creates AWSServiceRoleForECS
# itself when CloudFormation creates the cluster and assumes it at once;
# IAM is eventually consistent, so that fails with "Unable to assume the
# service linked role. Please verify that the ECS service linked role
# exists." and the stack rolls back (a retry works:
# aws-cloudformation/cloudformation-coverage-roadmap#818). Application Auto
# Scaling's ECS role (AWSServiceRoleForApplicationAutoScaling_ECSService)
# is created the same way on the first RegisterScalableTarget.
#
# What: for each role, GetRole; if it does not exist, CreateServiceLinkedRole
# (InvalidInput "Service role name ... has been taken in this account" means
# someone created it meanwhile: fine), wait until GetRole sees it, then wait
# PropagationSeconds more so that the service can assume it. A role that
# already existed costs one GetRole and no wait. Never deletes a role (other
# stacks and the console use them).
# Inline Lambda code: the python runtime provides boto3 and cfnresponse.
import json
import signal
import time

import boto3
import cfnresponse
from botocore.config import Config
from botocore.exceptions import ClientError

# Worst case of one call: 2 attempts of (3 s connect + 5 s read) = 16 s.
CLIENT_CONFIG = Config(connect_timeout=3, read_timeout=5, retries={"total_max_attempts": 2, "mode": "standard"})
# The watchdog answers FAILED this long before the function's timeout, so
# CloudFormation hears a reason instead of waiting out the ServiceTimeout.
ANSWER_MARGIN_SECONDS = 4


class Watchdog(Exception):
    pass


def on_alarm(signum, frame):
    raise Watchdog()

# The clock and the pause; the harness replaces them.
now = time.time
sleep = time.sleep

# How long GetRole may take to see a role just created.
VISIBLE_SECONDS = 30


class Problem(Exception):
    pass


def exists(iam, name):
    try:
        iam.get_role(RoleName=name)
        return True
    except ClientError as e:
        if e.response["Error"]["Code"] == "NoSuchEntity":
            return False
        raise


def ensure(iam, service, name, propagation):
    """Returns True when the role had to be created."""
    if exists(iam, name):
        return False
    try:
        iam.create_service_linked_role(AWSServiceName=service)
        print("created %s for %s" % (name, service))
    except ClientError as e:
        code, msg = e.response["Error"]["Code"], e.response["Error"].get("Message", "")
        if code == "InvalidInput" and "has been taken" in msg:
            print("%s was created meanwhile" % name)
        elif code in ("AccessDenied", "AccessDeniedException"):
            raise Problem("cannot create the service-linked role %s (%s): %s; create it once in this account: aws iam create-service-linked-role --aws-service-name %s" % (name, service, msg, service))
        else:
            raise
    deadline = now() + VISIBLE_SECONDS
    while not exists(iam, name):
        if now() >= deadline:
            raise Problem("the service-linked role %s is not visible %d s after it was created: deploy again" % (name, VISIBLE_SECONDS))
        sleep(2)
    return True


def handler(event, context):
    physical_id = event.get("PhysicalResourceId") or "service-linked-roles"
    left = context.get_remaining_time_in_millis() / 1000.0 if context else 60.0
    budget = max(1, round(left - ANSWER_MARGIN_SECONDS))
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(budget)
    try:
        if event["RequestType"] == "Delete":
            cfnresponse.send(event, context, cfnresponse.SUCCESS, {}, physical_id)
            return
        p = event["ResourceProperties"]
        roles = json.loads(p["Roles"])  # [[service principal, role name], ...]
        propagation = int(p.get("PropagationSeconds") or 0)
        iam = boto3.client("iam", config=CLIENT_CONFIG)
        created = [name for service, name in roles if ensure(iam, service, name, propagation)]
        if created:
            # IAM is eventually consistent: a role GetRole returns may not
            # yet be assumable everywhere.
            sleep(propagation)
        signal.alarm(0)
        cfnresponse.send(event, context, cfnresponse.SUCCESS, {"Created": ",".join(created)}, physical_id)
    except Watchdog:
        reason = "%s got no answer from AWS within %d s, its time before the function's timeout: check the AWS Health Dashboard and deploy again (a retry is safe)" % ('checking the service-linked roles', budget)
        cfnresponse.send(event, context, cfnresponse.FAILED, {}, physical_id, reason=reason[:900])
    except Exception as e:  # report every failure to CloudFormation, at once
        signal.alarm(0)
        reason = str(e) if isinstance(e, Problem) else "checking the service-linked roles failed: %s" % e
        cfnresponse.send(event, context, cfnresponse.FAILED, {}, physical_id, reason=reason[:900])
    finally:
        signal.alarm(0)

# Deploy-time preflight of a spoke, for a CloudFormation custom resource:
# before the agent service is created or updated, check in the hub account
# that the agent token secret exists and has a current value, and that the
# image tag the service will run is in the hub repository. Fails with a
# message that names the fix. Returns the secret's full ARN (with Secrets
# Manager's random suffix), which ECS needs for a secret in another account.
# Inline Lambda code: the python runtime provides boto3 and cfnresponse.
import time

import boto3
import cfnresponse
from botocore.exceptions import ClientError


class Problem(Exception):
    pass


def check_secret(p):
    sm = boto3.client("secretsmanager", region_name=p["SecretRegion"])
    where = "in the hub account %s (%s)" % (p["HubAccount"], p["SecretRegion"])
    try:
        s = sm.describe_secret(SecretId=p["SecretId"])
    except ClientError as e:
        code, msg = e.response["Error"]["Code"], e.response["Error"].get("Message", "")
        if code == "ResourceNotFoundException":
            raise Problem("the agent token secret %s does not exist %s: deploy HubStack first" % (p["SecretName"], where))
        if "deletion" in msg or "deleted" in msg:
            raise Problem("the agent token secret %s is scheduled for deletion %s: aws secretsmanager restore-secret --secret-id %s" % (p["SecretName"], where, p["SecretName"]))
        if code in ("AccessDeniedException", "AccessDenied"):
            raise Problem("the hub does not let %s read the agent token secret %s yet: deploy HubStack with this spoke in the fleet file, then this spoke" % (p["RoleName"], p["SecretName"]))
        raise
    if s.get("DeletedDate"):
        raise Problem("the agent token secret %s is scheduled for deletion %s: aws secretsmanager restore-secret --secret-id %s" % (p["SecretName"], where, p["SecretName"]))
    stages = s.get("VersionIdsToStages") or {}
    if not any("AWSCURRENT" in v for v in stages.values()):
        raise Problem("the agent token secret %s has no value %s: aws secretsmanager put-secret-value --secret-id %s --secret-string \"$AZP_PAT\"" % (p["SecretName"], where, p["SecretName"]))
    return s["ARN"]


def check_image(p):
    """The tag in the repository; in a replica (WaitSeconds > 0), waiting for
    registry replication to bring it (usually minutes)."""
    ecr = boto3.client("ecr", region_name=p["RepositoryRegion"])
    uri = "%s.dkr.ecr.%s.amazonaws.com/%s:%s" % (p["RegistryId"], p["RepositoryRegion"], p["RepositoryName"], p["ImageTag"])
    wait = int(p.get("WaitSeconds") or 0)
    deadline = time.time() + wait
    while True:
        try:
            ecr.describe_images(registryId=p["RegistryId"], repositoryName=p["RepositoryName"], imageIds=[{"imageTag": p["ImageTag"]}])
            return
        except ClientError as e:
            code = e.response["Error"]["Code"]
            if code == "ImageNotFoundException" and time.time() < deadline:
                time.sleep(15)
                continue
            if code == "ImageNotFoundException" and wait:
                raise Problem("the agent image %s has not replicated to %s within %d s: check that it is in the hub repository (%s) and aws ecr describe-image-replication-status --repository-name %s --image-id imageTag=%s --region %s (a tag pushed before this region had a replica is not replicated: the pipeline's image step copies it; by hand, tools/publish-agent-image.sh with REPLICA_REGIONS, or aws ecr start-replication-backfill); then deploy again" % (
                    uri, p["RepositoryRegion"], wait, p["HubRegion"], p["RepositoryName"], p["ImageTag"], p["HubRegion"]))
            if code == "ImageNotFoundException":
                raise Problem("the agent image %s is not in the hub repository: build and push it (docker build -t %s agent && docker push %s), or let the pipeline build it" % (uri, uri, uri))
            if code == "RepositoryNotFoundException":
                first = "HubStack" if p["RepositoryRegion"] == p["HubRegion"] else "HubReplica-%s and HubStack" % p["RepositoryRegion"]
                raise Problem("the hub repository %s does not exist in account %s (%s): deploy %s first" % (p["RepositoryName"], p["RegistryId"], p["RepositoryRegion"], first))
            if code in ("AccessDeniedException", "AccessDenied"):
                raise Problem("the hub does not let %s look up images in %s yet: deploy HubStack with this spoke in the fleet file, then this spoke" % (p["RoleName"], p["RepositoryName"]))
            raise


def handler(event, context):
    physical_id = event.get("PhysicalResourceId", "hub-preflight")
    try:
        if event["RequestType"] == "Delete":
            cfnresponse.send(event, context, cfnresponse.SUCCESS, {}, physical_id)
            return
        p = event["ResourceProperties"]
        arn = check_secret(p)
        check_image(p)
        cfnresponse.send(event, context, cfnresponse.SUCCESS, {"Arn": arn}, arn)
    except Exception as e:  # report every failure to CloudFormation, at once
        reason = str(e) if isinstance(e, Problem) else "preflight failed: %s" % e
        cfnresponse.send(event, context, cfnresponse.FAILED, {}, physical_id, reason=reason[:900])

# Deploy-time preflight of a spoke, for a CloudFormation custom resource:
# before the agent service is created or updated, check in the hub account
# that the agent token secret exists and holds a value someone put (not the
# random one CloudFormation generated when it created the secret), and that
# the image tag the service will run is in the hub repository. Fails with a
# message that names the fix. Returns the secret's full ARN (with Secrets
# Manager's random suffix), which ECS needs for a secret in another account.
# Every AWS call is bounded (CONNECT_TIMEOUT, READ_TIMEOUT, ATTEMPTS) and a
# watchdog answers FAILED before the function's own timeout, so CloudFormation
# always hears why.
# Inline Lambda code: the python runtime provides boto3 and cfnresponse.
import signal
import time

import boto3
import cfnresponse
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionError as BotoConnectionError, ReadTimeoutError

# The SDK's defaults (60 s connect and read, 3 or more attempts) outlast the
# 60 s function: one hung call and CloudFormation hears nothing until the
# custom resource's ServiceTimeout. Worst case of one call here: ATTEMPTS *
# (CONNECT_TIMEOUT + READ_TIMEOUT) + the standard mode's backoff (under 1 s
# after the first attempt) = 17 s; the secret and one image look-up: 34 s.
CONNECT_TIMEOUT, READ_TIMEOUT, ATTEMPTS = 3, 5, 2
CALL_WORST_SECONDS = ATTEMPTS * (CONNECT_TIMEOUT + READ_TIMEOUT) + 1
# The watchdog fires this long before the function's timeout, leaving time
# to send the answer.
ANSWER_MARGIN_SECONDS = 4
CLIENT_CONFIG = Config(connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
                       retries={"total_max_attempts": ATTEMPTS, "mode": "standard"})
# What is being called, for the watchdog's message.
calling = "nothing"


class Problem(Exception):
    pass


class Watchdog(BaseException):
    """Raised by the alarm; not an Exception, so no handler on the way out
    of a hung call swallows it."""


def unreachable(service, region, e):
    """A call that timed out or could not connect, with what to do."""
    endpoint = "%s.%s.amazonaws.com" % ("secretsmanager" if service == "Secrets Manager" else "api.ecr", region)
    how = "accepted the connection but did not answer within %d s" % READ_TIMEOUT if isinstance(e, ReadTimeoutError) else "could not be reached (connect timeout %d s)" % CONNECT_TIMEOUT
    return Problem("%s in %s (%s) %s, %d attempts (%s): the preflight runs outside any VPC and needs that public endpoint; "
                   "check the AWS Health Dashboard for %s and deploy again (the preflight changes nothing, a retry is safe)" % (
                       service, region, endpoint, how, ATTEMPTS, type(e).__name__, region))


def check_secret(p):
    sm = boto3.client("secretsmanager", region_name=p["SecretRegion"], config=CLIENT_CONFIG)
    where = "in the hub account %s (%s)" % (p["HubAccount"], p["SecretRegion"])
    put = ("aws secretsmanager put-secret-value --secret-id %s --secret-string \"$AZP_PAT\" --region %s (in the hub account %s), then deploy again; "
           "with hub.agentToken source entra, nobody puts it: the hub's token minter (role hubspoke-token-minter) writes it within 15 minutes of the hub's deploy "
           "(docs/token.md shows how to run it now; its log names what is missing)") % (
        p["SecretName"], p["SecretRegion"], p["HubAccount"])
    global calling
    calling = "Secrets Manager in %s (secretsmanager.%s.amazonaws.com)" % (p["SecretRegion"], p["SecretRegion"])
    try:
        s = sm.describe_secret(SecretId=p["SecretId"])
    except (BotoConnectionError, ReadTimeoutError) as e:
        raise unreachable("Secrets Manager", p["SecretRegion"], e)
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
    # The hub template creates the secret with GenerateSecretString: its
    # first version, AWSCURRENT from the start, is a random string nobody
    # knows. PutSecretValue (and every later change of AWSCURRENT) moves
    # AWSPREVIOUS to the version AWSCURRENT left (Secrets Manager API,
    # PutSecretValue VersionStages and UpdateSecretVersionStage), so a value
    # was put after creation exactly when AWSPREVIOUS is on another version.
    # DescribeSecret shows the labels without the value (the spoke's role may
    # only describe).
    stages = s.get("VersionIdsToStages") or {}
    current = [v for v, labels in stages.items() if "AWSCURRENT" in labels]
    previous = [v for v, labels in stages.items() if "AWSPREVIOUS" in labels]
    if not current:
        raise Problem("the agent token secret %s has no value %s: %s" % (p["SecretName"], where, put))
    if not previous or previous == current:
        raise Problem("the agent token secret %s holds only the random value CloudFormation generated when it created the secret %s: nobody has put the Azure DevOps token yet; %s" % (
            p["SecretName"], where, put))
    return s["ARN"]


def check_image(p):
    """The tag in the repository; in a replica (WaitSeconds > 0), waiting for
    registry replication to bring it (usually minutes)."""
    ecr = boto3.client("ecr", region_name=p["RepositoryRegion"], config=CLIENT_CONFIG)
    global calling
    calling = "ECR in %s (api.ecr.%s.amazonaws.com)" % (p["RepositoryRegion"], p["RepositoryRegion"])
    uri = "%s.dkr.ecr.%s.amazonaws.com/%s:%s" % (p["RegistryId"], p["RepositoryRegion"], p["RepositoryName"], p["ImageTag"])
    wait = int(p.get("WaitSeconds") or 0)
    deadline = time.time() + wait
    while True:
        try:
            ecr.describe_images(registryId=p["RegistryId"], repositoryName=p["RepositoryName"], imageIds=[{"imageTag": p["ImageTag"]}])
            return
        except (BotoConnectionError, ReadTimeoutError) as e:
            raise unreachable("ECR", p["RepositoryRegion"], e)
        except ClientError as e:
            code = e.response["Error"]["Code"]
            if code == "ImageNotFoundException" and time.time() < deadline:
                time.sleep(15)
                continue
            if code == "ImageNotFoundException" and wait:
                raise Problem("the agent image %s has not replicated to %s within %d s: check that it is in the hub repository (%s) and aws ecr describe-image-replication-status --repository-name %s --image-id imageTag=%s --region %s (a tag pushed before this region had a replica is not replicated: the pipeline's image step copies it; by hand, tools/publish-agent-image.sh with REPLICA_REGIONS, or aws ecr start-replication-backfill); then deploy again" % (
                    uri, p["RepositoryRegion"], wait, p["HubRegion"], p["RepositoryName"], p["ImageTag"], p["HubRegion"]))
            if code == "ImageNotFoundException":
                raise Problem(not_built(ecr, p, uri))
            if code == "RepositoryNotFoundException":
                first = "HubStack" if p["RepositoryRegion"] == p["HubRegion"] else "HubReplica-%s and HubStack" % p["RepositoryRegion"]
                raise Problem("the hub repository %s does not exist in account %s (%s): deploy %s first" % (p["RepositoryName"], p["RegistryId"], p["RepositoryRegion"], first))
            if code in ("AccessDeniedException", "AccessDenied"):
                raise Problem("the hub does not let %s look up images in %s yet: deploy HubStack with this spoke in the fleet file, then this spoke" % (p["RoleName"], p["RepositoryName"]))
            raise


def newest_built(ecr, p):
    """The newest tag built from the same agent/ content as ImageTag
    (agent-<hash>-<period start>), else the newest agent- tag: what can be
    deployed instead. One DescribeImages page (1,000 images; the lifecycle
    rule keeps 30 builds)."""
    tag = p["ImageTag"]
    same = tag.rsplit("-", 1)[0] + "-"
    try:
        images = ecr.describe_images(registryId=p["RegistryId"], repositoryName=p["RepositoryName"], maxResults=1000)["imageDetails"]
    except (ClientError, BotoConnectionError, ReadTimeoutError):
        return None, False
    tags = [(str(i.get("imagePushedAt", "")), t) for i in images for t in i.get("imageTags") or [] if t.startswith("agent-")]
    for prefix in (same, "agent-"):
        found = sorted((t[len(prefix):] if prefix == same else pushed, t) for pushed, t in tags if t.startswith(prefix))
        if found:
            return found[-1][1], prefix == same
    return None, False


def not_built(ecr, p, uri):
    """The tag nobody built: which it is, how to build it, and the newest
    one that exists (a `cdk deploy` before the period's build, or a commit
    that changed agent/ and did not go through the pipeline)."""
    tag = p["ImageTag"]
    period = tag.rsplit("-", 1)[-1]
    period = "%s-%s-%s" % (period[:4], period[4:6], period[6:]) if len(period) == 8 and period.isdigit() else period
    build = ("build it: the pipeline builds it when it runs (aws codepipeline start-pipeline-execution --name hubspoke, in the pipeline's account), "
             "or by hand in the hub account: HUB_ACCOUNT=%s HUB_REGION=%s REPO_NAME=%s TAG=%s bash tools/publish-agent-image.sh" % (
                 p["RegistryId"], p["HubRegion"], p["RepositoryName"], tag))
    msg = "the agent image %s is not in the hub repository: %s is agent/ as of this commit for the image rebuild period starting %s, and nobody has built it yet; %s" % (uri, tag, period, build)
    newest, same = newest_built(ecr, p)
    if newest:
        msg += "; or deploy the newest image %s: cdk deploy %s -c imageTag=%s" % ("built from this agent/" if same else "in the repository (built from another agent/)", p.get("StackName") or "<this stack>", newest)
    return msg


def on_alarm(signum, frame):
    raise Watchdog()


def handler(event, context):
    physical_id = event.get("PhysicalResourceId", "hub-preflight")
    # The watchdog: whatever hangs (a call slower than its timeouts, a
    # trickling answer), CloudFormation gets FAILED with a reason before the
    # function times out. The Lambda context says how long is left.
    left = context.get_remaining_time_in_millis() / 1000.0 if context else 60.0
    budget = max(1, round(left - ANSWER_MARGIN_SECONDS))
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(budget)
    try:
        if event["RequestType"] == "Delete":
            cfnresponse.send(event, context, cfnresponse.SUCCESS, {}, physical_id)
            return
        # StackId: arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/ID
        stack = (event.get("StackId") or "").split(":stack/")[-1].split("/")[0]
        p = dict(event["ResourceProperties"], StackName=stack)
        arn = check_secret(p)
        check_image(p)
        signal.alarm(0)
        cfnresponse.send(event, context, cfnresponse.SUCCESS, {"Arn": arn}, arn)
    except Watchdog:
        reason = ("the preflight got no answer from %s in the hub account %s within %d s, its time before the function's timeout: the preflight runs outside any VPC and needs that public endpoint; "
                  "check the AWS Health Dashboard and deploy again (the preflight changes nothing, a retry is safe)" % (
                      calling, event.get("ResourceProperties", {}).get("HubAccount"), budget))
        cfnresponse.send(event, context, cfnresponse.FAILED, {}, physical_id, reason=reason[:900])
    except Exception as e:  # report every failure to CloudFormation, at once
        signal.alarm(0)
        reason = str(e) if isinstance(e, Problem) else "preflight failed: %s" % e
        cfnresponse.send(event, context, cfnresponse.FAILED, {}, physical_id, reason=reason[:900])
    finally:
        signal.alarm(0)

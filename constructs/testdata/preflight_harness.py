# Runs hubpreflight.py against moto's Secrets Manager and ECR, with a
# recording stand-in for the cfnresponse module the Lambda runtime provides,
# and against a stand-in endpoint that accepts connections and never answers
# (a hung AWS call). Prints one JSON object: each case's name with the
# status, data, physical id and reason sent to CloudFormation (and, for the
# hung calls, the seconds the handler took).
import json
import os
import secrets
import socket
import sys
import threading
import time
import types

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

sent = []
cfn = types.ModuleType("cfnresponse")
cfn.SUCCESS, cfn.FAILED = "SUCCESS", "FAILED"


def send(event, context, status, data, physical_id=None, noEcho=False, reason=None):
    sent.append({"status": status, "data": data, "physicalId": physical_id, "reason": reason})


cfn.send = send
sys.modules["cfnresponse"] = cfn

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

sys.path.insert(0, sys.argv[1])
import hubpreflight  # noqa: E402

cases = {}


class Context:
    """The Lambda context's clock: the function's timeout from its start."""

    def __init__(self, timeout_s):
        self.end = time.time() + timeout_s

    def get_remaining_time_in_millis(self):
        return int((self.end - time.time()) * 1000)


def run(name, request, props, physical_id=None, timeout_s=60):
    event = {"RequestType": request, "ResourceProperties": props,
             "StackId": "arn:aws:cloudformation:eu-west-1:222222222222:stack/SpokeStack-dev/5b0b2b50-0000-11ef-0000-0a1b2c3d4e5f"}
    if physical_id:
        event["PhysicalResourceId"] = physical_id
    start = time.time()
    hubpreflight.handler(event, Context(timeout_s))
    cases[name] = dict(sent[-1], seconds=round(time.time() - start, 1))


def cfn_secret(name):
    """The secret as CloudFormation creates AWS::SecretsManager::Secret with
    GenerateSecretString: {} (what CDK writes for a Secret without a
    value): CreateSecret with a generated random string, so the first
    version is AWSCURRENT from the start. moto's own GenerateSecretString
    support creates no version at all, which would hide the problem."""
    return sm.create_secret(Name=name, SecretString=secrets.token_urlsafe(24))["ARN"]


with mock_aws():
    account = "123456789012"  # moto's account
    sm = boto3.client("secretsmanager", region_name="eu-west-1")
    ecr = boto3.client("ecr", region_name="eu-west-1")
    # The hub's secret as the template creates it, then the operator's put.
    full = cfn_secret("hubspoke/agent-token")
    sm.put_secret_value(SecretId=full, SecretString="pat")
    partial = full.rsplit("-", 1)[0]
    ecr.create_repository(repositoryName="hubspoke/build-agent")
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                           "config": {"digest": "sha256:" + "a" * 64, "size": 1, "mediaType": "application/vnd.docker.container.image.v1+json"},
                           "layers": []})
    ecr.put_image(repositoryName="hubspoke/build-agent", imageManifest=manifest, imageTag="agent-0123456789ab-20261123")
    props = {"SecretId": partial, "SecretName": "hubspoke/agent-token", "SecretRegion": "eu-west-1", "HubAccount": account,
             "RepositoryName": "hubspoke/build-agent", "RepositoryRegion": "eu-west-1", "RegistryId": account,
             "ImageTag": "agent-0123456789ab-20261123", "RoleName": "hubspoke-dev-lookup", "Nonce": "1",
             "WaitSeconds": 0, "HubRegion": "eu-west-1"}

    run("create", "Create", props)
    run("update", "Update", dict(props, Nonce="2"), full)
    # The next period's tag of the same agent/ (a `cdk deploy` on Monday
    # before the 03:00 build), and a tag of an agent/ never built.
    run("image missing", "Update", dict(props, ImageTag="agent-0123456789ab-20261130"), full)
    run("image of another agent/ missing", "Update", dict(props, ImageTag="agent-fedcba987654-20261130"), full)
    run("repository missing", "Create", dict(props, RepositoryName="other/repo"))
    run("secret missing", "Create", dict(props, SecretId=partial + "x", SecretName="hubspoke/agent-tokenx"))
    # A secret created without a value has no AWSCURRENT version.
    empty = sm.create_secret(Name="hubspoke/empty-token")["ARN"]
    run("secret without value", "Create", dict(props, SecretId=empty.rsplit("-", 1)[0], SecretName="hubspoke/empty-token"))
    # Created by the template and never put: only the generated value.
    generated = cfn_secret("hubspoke/generated-token")
    run("generated value only", "Create", dict(props, SecretId=generated.rsplit("-", 1)[0], SecretName="hubspoke/generated-token"))
    # Put twice: the generated version has lost its labels (deprecated),
    # AWSPREVIOUS is on the first put.
    twice = cfn_secret("hubspoke/twice-token")
    sm.put_secret_value(SecretId=twice, SecretString="pat1")
    sm.put_secret_value(SecretId=twice, SecretString="pat2")
    run("put twice", "Create", dict(props, SecretId=twice.rsplit("-", 1)[0], SecretName="hubspoke/twice-token"))
    cases["put twice"]["stages"] = sorted(sorted(v) for v in sm.describe_secret(SecretId=twice)["VersionIdsToStages"].values())
    gone = sm.create_secret(Name="hubspoke/gone-token", SecretString="pat")["ARN"]
    sm.delete_secret(SecretId=gone, RecoveryWindowInDays=7)
    run("secret deleted", "Create", dict(props, SecretId=gone.rsplit("-", 1)[0], SecretName="hubspoke/gone-token"))
    run("delete", "Delete", props, full)

    # A spoke in us-east-1 pulls from the replica there; the preflight waits
    # for replication (a fake clock: each sleep advances it, and the image
    # "replicates" during the first).
    class Clock:
        now, slept, arrive = 1000.0, 0, None

        def time(self):
            return self.now

        def sleep(self, s):
            self.now += s
            self.slept += s
            if self.arrive:
                self.arrive()
                self.arrive = None

    clock = Clock()
    hubpreflight.time = clock
    east = boto3.client("ecr", region_name="us-east-1")
    east.create_repository(repositoryName="hubspoke/build-agent")
    replica = dict(props, RepositoryRegion="us-east-1", WaitSeconds=600)
    clock.arrive = lambda: east.put_image(repositoryName="hubspoke/build-agent", imageManifest=manifest, imageTag="agent-0123456789ab-20261123")
    run("replica arrives", "Update", replica, full)
    cases["replica arrives"]["slept"] = clock.slept
    clock.slept = 0
    run("replica never arrives", "Update", dict(replica, ImageTag="agent-0123456789ab-20261130"), full)
    cases["replica never arrives"]["slept"] = clock.slept
    run("replica repository missing", "Create", dict(replica, RepositoryRegion="us-west-2"))
    hubpreflight.time = time

# A hung AWS endpoint: accepts every connection, reads, never answers.
hung = socket.socket()
hung.bind(("127.0.0.1", 0))
hung.listen(64)
held = []


def hold():
    while True:
        conn, _ = hung.accept()
        held.append(conn)


threading.Thread(target=hold, daemon=True).start()
endpoint = "http://127.0.0.1:%d" % hung.getsockname()[1]
os.environ["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = endpoint
os.environ["AWS_ENDPOINT_URL_ECR"] = endpoint


def image_hangs():
    # The image look-up on its own (the handler reaches it only after the
    # secret), alongside the handler's cases to save time.
    start = time.time()
    try:
        hubpreflight.check_image(props)
        cases["image call hangs"] = {"status": "SUCCESS"}
    except hubpreflight.Problem as e:
        cases["image call hangs"] = {"status": "FAILED", "reason": str(e), "seconds": round(time.time() - start, 1)}


image = threading.Thread(target=image_hangs)
image.start()
run("secret call hangs", "Create", props)
# A function with little time left: the watchdog answers first.
run("watchdog", "Create", props, timeout_s=7)
image.join()
print(json.dumps({"full": full, "cases": cases, "connections": len(held),
                  "limits": {"callWorst": hubpreflight.CALL_WORST_SECONDS, "margin": hubpreflight.ANSWER_MARGIN_SECONDS}}))

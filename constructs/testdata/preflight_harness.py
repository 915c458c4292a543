# Runs hubpreflight.py against moto's Secrets Manager and ECR, with a
# recording stand-in for the cfnresponse module the Lambda runtime provides.
# Prints one JSON object: each case's name with the status, data, physical id
# and reason sent to CloudFormation.
import json
import os
import sys
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


def run(name, request, props, physical_id=None):
    event = {"RequestType": request, "ResourceProperties": props}
    if physical_id:
        event["PhysicalResourceId"] = physical_id
    hubpreflight.handler(event, None)
    cases[name] = sent[-1]


with mock_aws():
    account = "123456789012"  # moto's account
    sm = boto3.client("secretsmanager", region_name="eu-west-1")
    ecr = boto3.client("ecr", region_name="eu-west-1")
    full = sm.create_secret(Name="hubspoke/agent-token", SecretString="pat")["ARN"]
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
    run("image missing", "Update", dict(props, ImageTag="agent-0123456789ab-20261130"), full)
    run("repository missing", "Create", dict(props, RepositoryName="other/repo"))
    run("secret missing", "Create", dict(props, SecretId=partial + "x", SecretName="hubspoke/agent-tokenx"))
    # A secret created without a value has no AWSCURRENT version.
    empty = sm.create_secret(Name="hubspoke/empty-token")["ARN"]
    run("secret without value", "Create", dict(props, SecretId=empty.rsplit("-", 1)[0], SecretName="hubspoke/empty-token"))
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
    print(json.dumps({"full": full, "cases": cases}))

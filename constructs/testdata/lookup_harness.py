# Runs hubsecretlookup.py against moto's Secrets Manager with a recording
# stand-in for the cfnresponse module the Lambda runtime provides. Prints one
# JSON line per case: the status, data and physical id sent to CloudFormation.
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
import hubsecretlookup  # noqa: E402

with mock_aws():
    sm = boto3.client("secretsmanager", region_name="eu-west-1")
    full = sm.create_secret(Name="hubspoke/agent-token", SecretString="x")["ARN"]
    partial = full.rsplit("-", 1)[0]
    props = {"SecretId": partial, "Region": "eu-west-1"}
    hubsecretlookup.handler({"RequestType": "Create", "ResourceProperties": props}, None)
    hubsecretlookup.handler({"RequestType": "Update", "PhysicalResourceId": full, "ResourceProperties": props}, None)
    hubsecretlookup.handler({"RequestType": "Create", "ResourceProperties": {"SecretId": partial + "x", "Region": "eu-west-1"}}, None)
    hubsecretlookup.handler({"RequestType": "Delete", "PhysicalResourceId": full, "ResourceProperties": props}, None)
    print(json.dumps({"full": full, "partial": partial, "sent": sent}))

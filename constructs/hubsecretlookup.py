# Deploy-time look-up of a secret's full ARN (with Secrets Manager's random
# suffix) from its partial ARN, for a CloudFormation custom resource.
# Inline Lambda code: the python runtime provides boto3 and cfnresponse.
import boto3
import cfnresponse


def handler(event, context):
    physical_id = event.get("PhysicalResourceId", "hub-secret-lookup")
    try:
        if event["RequestType"] == "Delete":
            cfnresponse.send(event, context, cfnresponse.SUCCESS, {}, physical_id)
            return
        props = event["ResourceProperties"]
        client = boto3.client("secretsmanager", region_name=props["Region"])
        arn = client.describe_secret(SecretId=props["SecretId"])["ARN"]
        cfnresponse.send(event, context, cfnresponse.SUCCESS, {"Arn": arn}, arn)
    except Exception as e:  # report every failure to CloudFormation
        cfnresponse.send(event, context, cfnresponse.FAILED, {}, physical_id,
                         reason="look-up of %s failed: %s" % (event.get("ResourceProperties", {}).get("SecretId"), e))

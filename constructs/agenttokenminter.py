# hubspoke agent token minter (hub account): the agent registration token in
# the hub secret is a short-lived Microsoft Entra access token for Azure
# DevOps, minted here from the hub's own AWS identity; no person holds it.
#
# CONFIG (prepended by the construct):
#   {"mode": "mint" | "enable", "region", "secretArn", "tenantId", "clientId",
#    "audience", "durationSeconds", "namespace", "organizations": [url]}
#
# mode "mint" (every MINT_MINUTES, EventBridge):
#   1. sts:GetWebIdentityToken on the regional STS endpoint (the global one
#      does not serve it): a JWT whose sub is this function's role ARN and
#      whose iss is the account's issuer URL.
#   2. Entra token endpoint, client_credentials with that JWT as
#      client_assertion: an access token for Azure DevOps (scope
#      499b84ac-1321-427f-aa17-267ca6975798/.default).
#   3. One call per organization (connectionData) with the new token, sent
#      as config.sh sends it (Basic, the token as password).
#   4. PutSecretValue: the new token becomes AWSCURRENT of the same secret
#      (the spokes' reference does not change).
#   A failure at 1 or 2 writes nothing: the last token stays until it
#   expires. Every run publishes TokenMinted (1 or 0) at the scheduled time
#   of the run; an alarm fires on 0 or on a missing run. No token or JWT is
#   ever logged or put in an error message.
#
# mode "enable" (CloudFormation custom resource): enables outbound identity
# federation for the account if it is not enabled yet and returns the issuer
# URL (IssuerUrl). Delete leaves it enabled (other workloads may use it).
#
# IAM and STS are called through their Query APIs (Action=...&Version=...),
# signed with botocore's SigV4Auth: the SDK that ships in the Lambda runtime
# varies by region and over time, and older ones have no model of these
# 2025 operations; the signer has been in botocore for a decade.
import base64
import datetime
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import boto3
from botocore.auth import SigV4Auth
from botocore.config import Config
from botocore.awsrequest import AWSRequest
from botocore.exceptions import BotoCoreError, ClientError

ENTRA = "https://login.microsoftonline.com"
DEVOPS_SCOPE = "499b84ac-1321-427f-aa17-267ca6975798/.default"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# Overridable by the tests; None: the real endpoints.
ENDPOINTS = {"sts": None, "iam": None}


class MintError(Exception):
    """A step failed; the message says what to do and holds no credential."""


def _suffix(region):
    return ".amazonaws.com.cn" if region.startswith("cn-") else ".amazonaws.com"


def _endpoint(service, region):
    """The URL to call and the region to sign for."""
    if service == "sts":
        url, sign = "https://sts." + region + _suffix(region) + "/", region
    elif region.startswith("cn-"):
        # IAM is global: one endpoint per partition, signed for its home
        # region.
        url, sign = "https://iam.cn-north-1.amazonaws.com.cn/", "cn-north-1"
    elif region.startswith("us-gov-"):
        url, sign = "https://iam.us-gov.amazonaws.com/", "us-gov-west-1"
    else:
        url, sign = "https://iam.amazonaws.com/", "us-east-1"
    return ENDPOINTS.get(service) or url, sign


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _find(root, name):
    for el in root.iter():
        if _local(el.tag) == name:
            return el.text or ""
    return None


def query(service, action, version, params):
    """Calls a Query API; returns the parsed XML, or raises MintError with
    the error's code and message."""
    url, sign_region = _endpoint(service, CONFIG["region"])
    body = urllib.parse.urlencode([("Action", action), ("Version", version)] + list(params))
    creds = boto3.session.Session().get_credentials().get_frozen_credentials()
    req = AWSRequest(method="POST", url=url, data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(creds, service, sign_region).add_auth(req)
    http = urllib.request.Request(url, data=body.encode(), headers=dict(req.headers.items()), method="POST")
    try:
        with urllib.request.urlopen(http, timeout=10) as resp:
            return ET.fromstring(resp.read())
    except urllib.error.HTTPError as e:
        try:
            root = ET.fromstring(e.read())
            code, msg = _find(root, "Code"), _find(root, "Message")
        except ET.ParseError:
            code, msg = "HTTP %d" % e.code, ""
        raise AwsError(code or "HTTP %d" % e.code, msg or "")
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        raise MintError("%s %s: %s unreachable (%s)" % (service.upper(), action, url, getattr(e, "reason", e)))


class AwsError(MintError):
    def __init__(self, code, message):
        super().__init__("%s: %s" % (code, message))
        self.code = code


def claims(jwt):
    """The JWT's payload (not verified: we only read what we were given)."""
    part = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def aws_token():
    params = [("Audience.member.1", CONFIG["audience"]), ("DurationSeconds", str(CONFIG["durationSeconds"])),
              ("SigningAlgorithm", "RS256")]
    try:
        root = query("sts", "GetWebIdentityToken", "2011-06-15", params)
    except AwsError as e:
        if "OutboundWebIdentityFederationDisabled" in e.code:
            raise MintError("outbound identity federation is not enabled in this account: the hub stack enables it "
                            "(custom resource OutboundFederation); deploy the hub stack again, or run "
                            "aws iam enable-outbound-web-identity-federation")
        if e.code == "AccessDenied":
            raise MintError("STS refused the web identity token (%s): the minting role may ask only for audience %s "
                            "and at most %d seconds; check that its policy was not changed" % (e, CONFIG["audience"], CONFIG["durationSeconds"]))
        raise
    jwt = _find(root, "WebIdentityToken")
    if not jwt:
        raise MintError("STS GetWebIdentityToken answered without a WebIdentityToken")
    return jwt


def entra_token(jwt):
    c = claims(jwt)
    url = "%s/%s/oauth2/v2.0/token" % (ENTRA, CONFIG["tenantId"])
    body = urllib.parse.urlencode({
        "client_id": CONFIG["clientId"], "scope": DEVOPS_SCOPE, "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE, "client_assertion": jwt,
    }).encode()
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            out = json.load(resp)
    except urllib.error.HTTPError as e:
        try:
            err = json.load(e)
        except ValueError:
            err = {}
        raise MintError(entra_problem(err, c, e.code))
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        raise MintError("Entra (%s) unreachable (%s): the last token in the secret serves until it expires" % (ENTRA, getattr(e, "reason", e)))
    if not out.get("access_token"):
        raise MintError("Entra answered without an access_token")
    return out["access_token"], int(out.get("expires_in", 0))


def entra_problem(err, c, status):
    codes = err.get("error_codes") or []
    code = codes[0] if codes else None
    # Entra's own description names the trace, never the assertion; keep
    # its first line.
    said = (err.get("error_description") or "").split("\r\n")[0].split("\n")[0].split(" https://")[0][:500]
    if said.startswith("AADSTS") and ": " in said:
        said = said.split(": ", 1)[1]
    fix = {
        # No federated credential matches the assertion's issuer, subject
        # and audience (exact, case-sensitive): name the values to enter.
        70021: "add a federated credential to app %s with issuer '%s', subject '%s' and audience '%s' "
               "(az ad app federated-credential create, docs/token.md); the three must match exactly" % (
                   CONFIG["clientId"], c.get("iss"), c.get("sub"), CONFIG["audience"]),
        90002: "tenant %s does not exist: check hub.agentToken.tenantId (az account show --query tenantId)" % CONFIG["tenantId"],
        700016: "app %s is not in tenant %s: check hub.agentToken.clientId and tenantId" % (CONFIG["clientId"], CONFIG["tenantId"]),
        700024: "the AWS token was outside its valid time when Entra saw it (clock skew or a slow run); the next run retries",
    }
    for alias in (700213, 7002138):
        fix[alias] = fix[70021]
    return "Entra refused the token request (HTTP %d, AADSTS%s: %s): %s" % (
        status, code, said, fix.get(code, "see the AADSTS code at https://login.microsoftonline.com/error?code=%s" % code))


def check_devops(tok):
    """Problems with the new token at each organization (as config.sh sends
    it: Basic, empty user, the token as password)."""
    auth = "Basic " + base64.b64encode((":" + tok).encode()).decode()
    problems = []
    for org in CONFIG["organizations"]:
        url = org.rstrip("/") + "/_apis/connectionData"
        req = urllib.request.Request(url, headers={"Authorization": auth, "Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                if resp.status == 203:
                    problems.append("%s answered with its sign-in page: add the service principal of app %s to the organization "
                                    "(Organization settings > Users, docs/token.md)" % (org, CONFIG["clientId"]))
        except urllib.error.HTTPError as e:
            if e.code == 401:
                problems.append("%s rejected the token (HTTP 401): add the service principal of app %s to the organization and make it "
                                "an Administrator of the fleet's agent pools (docs/token.md)" % (org, CONFIG["clientId"]))
            # 5xx and 429: Azure DevOps is busy, not the token; the agents
            # and the poller report it.
        except (urllib.error.URLError, TimeoutError, OSError):
            pass
    return problems


# Bounded calls inside a 60 s function (the SDK's defaults are 60 s an
# attempt, with retries): 2 attempts of (3 s connect + 5 s read).
CLIENT_CONFIG = Config(connect_timeout=3, read_timeout=5, retries={"total_max_attempts": 2, "mode": "standard"})


def metric(ok, at):
    cw = boto3.client("cloudwatch", config=CLIENT_CONFIG)
    cw.put_metric_data(Namespace=CONFIG["namespace"], MetricData=[
        {"MetricName": "TokenMinted", "Value": 1 if ok else 0, "Unit": "Count", "Timestamp": at}])


def scheduled_time(event):
    # The rule's scheduled time: one data point in each alarm period, however
    # late the run starts.
    try:
        return datetime.datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    except (KeyError, TypeError, ValueError):
        return datetime.datetime.now(datetime.timezone.utc)


def mint(event):
    at = scheduled_time(event)
    sm = boto3.client("secretsmanager", config=CLIENT_CONFIG)
    try:
        jwt = aws_token()
        tok, life = entra_token(jwt)
        sm.put_secret_value(SecretId=CONFIG["secretArn"], SecretString=tok)
        problems = check_devops(tok)
    except Exception as e:  # noqa: BLE001 (every failure keeps the last token and alarms)
        if not isinstance(e, (MintError, ClientError, BotoCoreError)):
            # An unexpected error's text could quote what it choked on:
            # name its type only.
            e = MintError("unexpected %s (a bug: please report it with this run's log)" % type(e).__name__)
        last = ""
        try:
            changed = sm.describe_secret(SecretId=CONFIG["secretArn"]).get("LastChangedDate")
            if changed:
                last = "; the token written at %s stays in the secret (Entra tokens live 60-90 minutes)" % changed.isoformat()
        except Exception:  # noqa: BLE001 (the message is the point)
            pass
        print("mint failed: %s%s" % (e, last))
        metric(False, at)
        return {"minted": False, "problem": str(e)}
    for p in problems:
        print("token written, but %s" % p)
    print("token written: valid %d s, checked at %d organizations" % (life, len(CONFIG["organizations"])))
    metric(not problems, at)
    return {"minted": True, "seconds": life, "problems": problems}


def enable():
    try:
        root = query("iam", "GetOutboundWebIdentityFederationInfo", "2010-05-08", [])
        if (_find(root, "JwtVendingEnabled") or "").lower() == "true":
            return _find(root, "IssuerIdentifier"), "already enabled"
    except AwsError as e:
        if e.code != "FeatureDisabled":
            raise
    try:
        root = query("iam", "EnableOutboundWebIdentityFederation", "2010-05-08", [])
        return _find(root, "IssuerIdentifier"), "enabled"
    except AwsError as e:
        if e.code != "FeatureEnabled":  # enabled meanwhile: read it
            raise
    root = query("iam", "GetOutboundWebIdentityFederationInfo", "2010-05-08", [])
    return _find(root, "IssuerIdentifier"), "already enabled"


def respond(event, status, reason, data):
    body = json.dumps({
        "Status": status, "Reason": reason[:1000], "PhysicalResourceId": "outbound-web-identity-federation",
        "StackId": event["StackId"], "RequestId": event["RequestId"], "LogicalResourceId": event["LogicalResourceId"],
        "Data": data,
    }).encode()
    req = urllib.request.Request(event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": ""})
    for attempt in range(3):
        try:
            urllib.request.urlopen(req, timeout=10).close()
            return
        except (urllib.error.URLError, OSError):
            time.sleep(2 ** attempt)


def custom_resource(event):
    if event.get("RequestType") == "Delete":
        respond(event, "SUCCESS", "outbound identity federation stays enabled", {})
        return
    try:
        issuer, what = enable()
    except Exception as e:  # noqa: BLE001 (CloudFormation must hear back, or it waits an hour)
        print("enabling outbound identity federation failed: %s" % e)
        respond(event, "FAILED", "enabling outbound identity federation failed: %s" % e, {})
        return
    print("outbound identity federation %s; issuer %s" % (what, issuer))
    respond(event, "SUCCESS", what, {"IssuerUrl": issuer})


def handler(event, context):
    if CONFIG["mode"] == "enable":
        return custom_resource(event)
    return mint(event)

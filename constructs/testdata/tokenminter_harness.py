# Runs the agent token minter (argv[1]: its code with CONFIG = "CONFIG_HERE")
# against moto (Secrets Manager, CloudWatch) and stand-ins written from the
# documented contracts of:
#   - AWS STS GetWebIdentityToken and IAM Enable/GetOutboundWebIdentityFederation*
#     (Query API, SigV4; docs.aws.amazon.com/STS/latest/APIReference/API_GetWebIdentityToken.html,
#     IAM/latest/APIReference/API_EnableOutboundWebIdentityFederation.html,
#     API_GetOutboundWebIdentityFederationInfo.html, IAM User Guide
#     id_roles_providers_outbound_token_claims.html for the JWT);
#   - the Microsoft Entra token endpoint, client credentials with a federated
#     client assertion (learn.microsoft.com v2-oauth2-client-creds-grant-flow,
#     "third case"; workload-identity-federation: issuer, subject and
#     audience match exactly; the AADSTS codes as Entra returns them, e.g.
#     Azure/azure-workload-identity#616 for 70021);
#   - a minimal Azure DevOps check that takes the Entra token as Bearer or as
#     the password of Basic (as config.sh --auth PAT sends it), small so it
#     can be swapped for the shared stand-in.
# Prints one JSON object with every scenario's outcome and the captured log.
import base64
import contextlib
import datetime
import io
import json
import os
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ["AWS_DEFAULT_REGION"] = "eu-west-1"

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

ACCOUNT = "111111111111"
ROLE_ARN = "arn:aws:iam::%s:role/hubspoke-token-minter" % ACCOUNT
ISSUER = "https://a1b2c3d4-e5f6-4711-8899-aabbccddeeff.tokens.sts.global.api.aws"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "0f5c1a3e-8b2d-4c6e-9a7f-1e2d3c4b5a69"
AUDIENCE = "api://AzureADTokenExchange"
SCOPE = "499b84ac-1321-427f-aa17-267ca6975798/.default"

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# ---------------------------------------------------------------- AWS side
class Aws:
    federation = False  # outbound identity federation enabled for the account
    calls = []          # (service, action, signing scope)
    skew = 0            # seconds added to the JWT's iat/exp (a clock off)
    jwts = []           # every JWT handed out


def xml(action, ns, inner):
    return ('<%sResponse xmlns="%s"><%sResult>%s</%sResult><ResponseMetadata><RequestId>%s</RequestId>'
            '</ResponseMetadata></%sResponse>' % (action, ns, action, inner, action, uuid.uuid4(), action))


def xml_error(code, message):
    return ('<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>'
            '<RequestId>%s</RequestId></ErrorResponse>' % (code, message, uuid.uuid4()))


class AwsQuery(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, code, body):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        form = dict(urllib.parse.parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode()))
        auth = self.headers.get("Authorization", "")
        # SigV4: Credential=<key>/<date>/<region>/<service>/aws4_request.
        if not auth.startswith("AWS4-HMAC-SHA256 Credential=") or "X-Amz-Date" not in self.headers:
            return self.send(403, xml_error("MissingAuthenticationToken", "Request is missing Authentication Token"))
        scope = auth.split("Credential=")[1].split(",")[0].split("/")[2:4]
        action = form.get("Action")
        Aws.calls.append((self.path.strip("/"), action, "/".join(scope)))
        if self.path.startswith("/iam"):
            if scope != ["us-east-1", "iam"] or form.get("Version") != "2010-05-08":
                return self.send(403, xml_error("SignatureDoesNotMatch", "Credential should be scoped to a valid region and service"))
            ns = "https://iam.amazonaws.com/doc/2010-05-08/"
            if action == "GetOutboundWebIdentityFederationInfo":
                if not Aws.federation:  # documented: FeatureDisabled, HTTP 404
                    return self.send(404, xml_error("FeatureDisabled", "Outbound identity federation is disabled for your account."))
                return self.send(200, xml(action, ns, "<IssuerIdentifier>%s</IssuerIdentifier><JwtVendingEnabled>true</JwtVendingEnabled>" % ISSUER))
            if action == "EnableOutboundWebIdentityFederation":
                if Aws.federation:  # documented: FeatureEnabled, HTTP 409
                    return self.send(409, xml_error("FeatureEnabled", "Outbound identity federation is already enabled for your account."))
                Aws.federation = True
                return self.send(200, xml(action, ns, "<IssuerIdentifier>%s</IssuerIdentifier>" % ISSUER))
            return self.send(400, xml_error("InvalidAction", action))
        # STS: regional endpoint only (the global endpoint does not serve
        # GetWebIdentityToken; the function's endpoint choice is tested apart).
        if scope != ["eu-west-1", "sts"] or form.get("Version") != "2011-06-15" or action != "GetWebIdentityToken":
            return self.send(403, xml_error("SignatureDoesNotMatch", "Credential should be scoped to a valid region and service"))
        auds = [v for k, v in sorted(form.items()) if k.startswith("Audience.member.")]
        dur = int(form.get("DurationSeconds", "300"))  # default 300 s
        if not auds or len(auds) > 10 or not 60 <= dur <= 3600 or form.get("SigningAlgorithm") not in ("RS256", "ES384"):
            return self.send(400, xml_error("ValidationError", "1 validation error detected"))
        if not Aws.federation:
            return self.send(403, xml_error("OutboundWebIdentityFederationDisabledException",
                                            "The outbound web identity federation feature is not enabled for this account."))
        # The IAM policy's conditions (sts:IdentityTokenAudience,
        # sts:DurationSeconds), as the role's policy states them.
        if auds != [AUDIENCE] or dur > 300:
            return self.send(403, xml_error("AccessDenied", "User: %s is not authorized to perform: sts:GetWebIdentityToken" % ROLE_ARN))
        now = int(time.time()) + Aws.skew
        header = {"alg": form["SigningAlgorithm"], "typ": "JWT", "kid": "stand-in-key"}
        claims = {"iss": ISSUER, "aud": auds[0] if len(auds) == 1 else auds, "sub": ROLE_ARN, "iat": now, "exp": now + dur,
                  "jti": str(uuid.uuid4()),
                  "https://sts.amazonaws.com/": {"aws_account": ACCOUNT, "source_region": "eu-west-1", "principal_id": ROLE_ARN}}
        jwt = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode()) + "." + b64url(os.urandom(64))
        Aws.jwts.append(jwt)
        exp = datetime.datetime.fromtimestamp(now + dur, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.send(200, xml(action, "https://sts.amazonaws.com/doc/2011-06-15/",
                           "<WebIdentityToken>%s</WebIdentityToken><Expiration>%s</Expiration>" % (jwt, exp)))


# ---------------------------------------------------------------- Entra
class Entra:
    # Tenants, their apps, and each app's federated identity credentials
    # (at most 20 per app; issuer, subject and audiences match exactly).
    apps = {TENANT: {CLIENT: [{"issuer": ISSUER, "subject": ROLE_ARN, "audiences": [AUDIENCE]}]}}
    issued = {}  # access token -> expiry (epoch)
    calls = 0
    garbled = False  # answer 200 with a body that is not JSON (a proxy's page)


def entra_error(status, error, code, description):
    return status, {"error": error, "error_description": "AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s" % (
        code, description, uuid.uuid4(), uuid.uuid4(), time.strftime("%Y-%m-%d %H:%M:%SZ")),
        "error_codes": [code], "trace_id": str(uuid.uuid4()), "error_uri": "https://login.microsoftonline.com/error?code=%d" % code}


def entra_token(tenant, form):
    Entra.calls += 1
    if tenant not in Entra.apps:
        return entra_error(400, "invalid_request", 90002, "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud." % tenant)
    if form.get("grant_type") != "client_credentials" or form.get("scope") != SCOPE:
        return entra_error(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
    if form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
        return entra_error(400, "invalid_request", 7000215, "Invalid client secret provided.")
    fics = Entra.apps[tenant].get(form.get("client_id"))
    if fics is None:
        return entra_error(400, "unauthorized_client", 700016, "Application with identifier '%s' was not found in the directory." % form.get("client_id"))
    try:
        head, body, sig = form["client_assertion"].split(".")
        c = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (KeyError, ValueError):
        return entra_error(400, "invalid_request", 50027, "JWT token is invalid or malformed.")
    # Real Entra also verifies the signature against the issuer's
    # /.well-known/jwks.json; the stand-in checks the claims.
    now = time.time()
    if not (c.get("iat", 0) - 300 <= now < c.get("exp", 0)):
        return entra_error(400, "invalid_client", 700024, "Client assertion is not within its valid time range.")
    aud = c.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    if not any(f["issuer"] == c.get("iss") and f["subject"] == c.get("sub") and set(auds) & set(f["audiences"]) for f in fics):
        return entra_error(400, "invalid_request", 70021,
                           "No matching federated identity record found for presented assertion. Assertion Issuer: '%s'. "
                           "Assertion Subject: '%s'. Assertion Audience: '%s'. https://learn.microsoft.com/entra/workload-id/workload-identity-federation"
                           % (c.get("iss"), c.get("sub"), aud))
    tok = "eyJ0eXAiOiJKV1QifQ." + b64url(os.urandom(48)) + "." + b64url(os.urandom(32))
    life = 3599
    Entra.issued[tok] = now + life
    return 200, {"token_type": "Bearer", "expires_in": life, "ext_expires_in": life, "access_token": tok}


# ---------------------------------------------------------------- Azure DevOps
class DevOps:
    members = {"member-org"}  # organizations the service principal was added to


def devops_check(org, authorization):
    """connectionData: 200 for a live Entra token of a member, as Bearer or
    as the Basic password; 401 otherwise (an Entra token is not a PAT: no
    sign-in page)."""
    tok = None
    if authorization.startswith("Bearer "):
        tok = authorization[7:]
    elif authorization.startswith("Basic "):
        tok = base64.b64decode(authorization[6:]).decode().partition(":")[2]
    exp = Entra.issued.get(tok)
    if exp is None or time.time() >= exp or org not in DevOps.members:
        return 401, {"message": "TF400813: The user is not authorized to access this resource."}
    return 200, {"authenticatedUser": {"descriptor": "aad.service-principal", "providerDisplayName": "hubspoke"}}


class Web(BaseHTTPRequestHandler):
    responses = []  # CloudFormation custom resource responses

    def log_message(self, *a):
        pass

    def send(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        parts = self.path.strip("/").split("/")
        if len(parts) == 4 and parts[1:] == ["oauth2", "v2.0", "token"]:
            if Entra.garbled:
                data = b"<html>proxy error</html>"
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            return self.send(*entra_token(parts[0], dict(urllib.parse.parse_qsl(body))))
        self.send(404, {})

    def do_GET(self):
        org, _, rest = self.path.strip("/").partition("/")
        if rest == "_apis/connectionData":
            return self.send(*devops_check(org, self.headers.get("Authorization", "")))
        self.send(404, {})

    def do_PUT(self):
        Web.responses.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


def serve(handler):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return "http://127.0.0.1:%d" % srv.server_port


def load(code_path, config):
    import importlib.util
    code = open(code_path).read().replace('"CONFIG_HERE"', repr(json.dumps(config)))
    path = os.path.join(os.path.dirname(code_path), "minter_loaded_%s.py" % config["mode"])
    with open(path, "w") as f:
        f.write(code)
    spec = importlib.util.spec_from_file_location("minter_" + config["mode"], path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    aws, web = serve(AwsQuery), serve(Web)
    out = {}
    log = io.StringIO()
    with mock_aws(), contextlib.redirect_stdout(log):
        sm = boto3.client("secretsmanager", region_name="eu-west-1")
        # As CDK creates it: a generated placeholder value.
        arn = sm.create_secret(Name="hubspoke/agent-token", SecretString="generated-placeholder-0000")["ARN"]
        config = {"region": "eu-west-1", "secretArn": arn, "tenantId": TENANT, "clientId": CLIENT, "audience": AUDIENCE,
                  "durationSeconds": 300, "namespace": "hubspoke/Token",
                  "organizations": [web + "/member-org"]}
        mint = load(sys.argv[1], dict(config, mode="mint"))
        enable = load(sys.argv[1], dict(config, mode="enable"))
        for m in (mint, enable):
            m.ENDPOINTS.update({"sts": aws + "/sts", "iam": aws + "/iam"})
            m.ENTRA = web
        # The real endpoints the function would call (regional STS).
        saved = dict(mint.ENDPOINTS)
        mint.ENDPOINTS.update({"sts": None, "iam": None})
        out["endpoints"] = {r: list(mint._endpoint("sts", r)) for r in ("eu-west-1", "cn-north-1", "us-gov-west-1")}
        out["endpoints"]["iam"] = list(mint._endpoint("iam", "eu-west-1"))
        mint.ENDPOINTS.update(saved)

        def value():
            return sm.get_secret_value(SecretId=arn)["SecretString"]

        def event(i):
            # The i-th scheduled run from 00:00, every 15 minutes.
            t = datetime.datetime(2026, 12, 2, 0, 0, tzinfo=datetime.timezone.utc) + datetime.timedelta(minutes=15 * i)
            return {"time": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "detail-type": "Scheduled Event", "source": "aws.events"}

        def run(name, i, **kw):
            before = value()
            res = mint.handler(event(i), None)
            out[name] = {"result": res, "changed": value() != before, "value_is_entra": value() in Entra.issued}
            out[name].update(kw)

        # 1. Before federation is enabled: nothing written.
        run("disabled", 0)
        # 2. The custom resource: enable, then again (already enabled), delete.
        cfn = {"StackId": "arn:aws:cloudformation:eu-west-1:%s:stack/HubStack/1" % ACCOUNT, "RequestId": "r1",
               "LogicalResourceId": "OutboundFederation", "ResponseURL": web + "/cfn-response"}
        Aws.calls.clear()
        enable.handler(dict(cfn, RequestType="Create"), None)
        first = list(Aws.calls)
        Aws.calls.clear()
        enable.handler(dict(cfn, RequestType="Update"), None)
        second = list(Aws.calls)
        enable.handler(dict(cfn, RequestType="Delete"), None)
        # The enabling role without its permission: FAILED, with the reason.
        saved_iam = enable.ENDPOINTS["iam"]
        enable.ENDPOINTS["iam"] = "http://127.0.0.1:9/"
        enable.handler(dict(cfn, RequestType="Update"), None)
        enable.ENDPOINTS["iam"] = saved_iam
        out["enable"] = {"responses": Web.responses, "first": first, "second": second, "enabledAfterDelete": Aws.federation}
        # 3. Happy path.
        Aws.calls.clear()
        versions_before = sm.describe_secret(SecretId=arn)["VersionIdsToStages"]
        run("happy", 1)
        out["happy"]["stsCalls"] = [c for c in Aws.calls if c[0] == "sts"]
        out["happy"]["arnAfter"] = sm.describe_secret(SecretId=arn)["ARN"]
        out["happy"]["arnBefore"] = arn
        stages = sm.describe_secret(SecretId=arn)["VersionIdsToStages"]
        out["happy"]["stages"] = sorted(s for v in stages.values() for s in v)
        try:
            prev = sm.get_secret_value(SecretId=arn, VersionStage="AWSPREVIOUS")["SecretString"]
        except sm.exceptions.ResourceNotFoundException:
            prev = None
        out["happy"]["previousIsPlaceholder"] = prev == "generated-placeholder-0000"
        out["happy"]["versionsBefore"] = len(versions_before)
        tok = value()
        # The token works where the PAT went: Bearer and Basic.
        out["happy"]["devopsBearer"] = devops_check("member-org", "Bearer " + tok)[0]
        out["happy"]["devopsBasic"] = devops_check("member-org", "Basic " + base64.b64encode((":" + tok).encode()).decode())[0]
        good = tok
        # 4. A federated credential with another subject (a typo in the role
        #    name): AADSTS70021, the values to enter in the message.
        Entra.apps[TENANT][CLIENT][0]["subject"] = "arn:aws:iam::%s:role/hubspoke-token-mintr" % ACCOUNT
        run("subject", 2)
        Entra.apps[TENANT][CLIENT][0]["subject"] = ROLE_ARN
        # 5. Wrong tenant.
        mint.CONFIG["tenantId"] = "00000000-0000-0000-0000-000000000001"
        run("tenant", 3)
        mint.CONFIG["tenantId"] = TENANT
        # 6. An assertion already expired when Entra sees it (clock off by an hour).
        Aws.skew = -3600
        run("expired", 4)
        Aws.skew = 0
        # 7. Entra unreachable.
        mint.ENTRA = "http://127.0.0.1:9"
        run("unreachable", 5)
        mint.ENTRA = web
        # 7b. Entra answers 200 with something that is not JSON.
        Entra.garbled = True
        run("garbled", 7)
        Entra.garbled = False
        out["keptAfterFailures"] = value() == good
        # 8. The service principal is not in the organization: the token is
        #    written (Entra issued it), the run alarms with the fix.
        mint.CONFIG["organizations"] = [web + "/member-org", web + "/other-org"]
        run("notmember", 8)
        mint.CONFIG["organizations"] = [web + "/member-org"]
        # 9. Deregistration: the token a task read at its start stops working
        #    when it expires; the secret's current one (the clean-up's) works.
        Entra.issued[good] = time.time() - 1
        out["deregister"] = {"startToken": devops_check("member-org", "Bearer " + good)[0],
                             "currentToken": devops_check("member-org", "Bearer " + value())[0]}
        cw = boto3.client("cloudwatch", region_name="eu-west-1")
        stats = cw.get_metric_statistics(Namespace="hubspoke/Token", MetricName="TokenMinted",
                                         StartTime=datetime.datetime(2026, 12, 2, 0, 0), EndTime=datetime.datetime(2026, 12, 2, 3, 0),
                                         Period=900, Statistics=["Minimum", "SampleCount"])
        out["metrics"] = sorted([p["Timestamp"].strftime("%H:%M"), p["Minimum"], p["SampleCount"]] for p in stats["Datapoints"])
    text = log.getvalue()
    secrets = Aws.jwts + list(Entra.issued)
    out["log"] = text
    # Any 16 characters of a token's random parts (everything after the
    # header) count as a leak: a prefix or a slice is as bad as the whole.
    def pieces(tok):
        for seg in tok.split(".")[1:]:
            for i in range(0, max(1, len(seg) - 15), 4):
                yield seg[i:i + 16]
    out["logHasToken"] = any(p in text for s in secrets for p in pieces(s))
    results = json.dumps({k: v for k, v in out.items() if k != "log"})
    out["resultsHaveToken"] = any(p in results for s in secrets for p in pieces(s))
    out["secretsSeen"] = len(secrets)
    print(json.dumps(out, default=str))


main()

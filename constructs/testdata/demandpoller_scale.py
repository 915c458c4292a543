# The demand poller at fleet scale (make bench): argv[1] its code with FLEET
# to fill in, argv[2] spokes, argv[3] pools. Runs it twice (cold: pool
# look-ups and role assumptions; warm) against moto and a stand-in Azure
# DevOps that answers every pool with a few jobs, and prints one JSON
# object: seconds and API calls per run.
import io
import contextlib
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ["AWS_DEFAULT_REGION"] = "eu-west-1"

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

import pollerload  # noqa: E402

PAT = "pat-scale"
calls = [0]


class AzureDevOps(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        calls[0] += 1
        if "/jobrequests" in self.path:
            body = {"count": 2, "value": [{"requestId": 1}, {"requestId": 2, "reservedAgent": {"name": "hubspoke-s0-ip"}}]}
        else:
            body = {"count": 1, "value": [{"id": 7}]}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    n, p = int(sys.argv[2]), int(sys.argv[3])
    server = ThreadingHTTPServer(("127.0.0.1", 0), AzureDevOps)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d/org" % server.server_port
    with mock_aws():
        arn = boto3.client("secretsmanager").create_secret(Name="t", SecretString=PAT)["ARN"]
        pools = [{"url": base, "pool": "pool-%d" % i, "spokes": []} for i in range(p)]
        for i in range(n):
            pools[i % p]["spokes"].append({"name": "s%d" % i, "region": ["eu-west-1", "us-east-1", "eu-central-1", "ap-southeast-2"][i % 4],
                                           "roleArn": "arn:aws:iam::%012d:role/hubspoke-s%d-demand" % (200000000000 + i, i),
                                           "agentPrefix": "hubspoke-s%d" % i})
        fleet = {"secretArn": arn, "namespace": "hubspoke/Demand", "pools": pools}
        poller = pollerload.load(sys.argv[1], fleet)
        runs = []
        for name in ("cold", "warm"):
            calls[0] = 0
            t = time.time()
            with contextlib.redirect_stdout(io.StringIO()):
                poller.handler({}, None)
            runs.append({"run": name, "seconds": round(time.time() - t, 2), "apiCalls": calls[0]})
    server.shutdown()
    print(json.dumps({"spokes": n, "pools": p, "runs": runs}))


main()

#!/usr/bin/env python3
"""Mutation run over the code Go's mutation tool cannot see: the inline
Python of the Lambda functions (constructs/*.py) and the agent's supervisor
(agent/start.sh).

Each mutation below is one plausible mistake: an exact piece of a file, what
it becomes, and the tests that should catch it. The mutations are applied
one at a time to a copy of the repository (the work tree is never touched);
a mutation is killed when those tests fail, survived when they pass. A
mutation whose piece is no longer in its file (the code moved on) is
reported as stale and counts as a failure of this run: update the list.

usage: tools/mutate_scripts.py REPO_COPY [NAME_SUBSTRING...]
(tools/mutate.sh makes the copy and calls it.)
"""

import os
import subprocess
import sys
import time

PREFLIGHT = ("./constructs", "TestHubPreflightFunction")
POLLER = ("./constructs", "TestPoller")
LIFE = ("./test/agentlife", "")  # the whole package: about 20 s

# (name, file, piece, becomes, (package, -run regex))
MUTATIONS = [
    # constructs/hubpreflight.py: the deploy-time preflight.
    ("preflight: the value CloudFormation generated passes as a token", "constructs/hubpreflight.py",
     "if not previous or previous == current:", "if False:", PREFLIGHT),
    ("preflight: a missing secret is not named", "constructs/hubpreflight.py",
     'if code == "ResourceNotFoundException":\n            raise Problem("the agent token secret',
     'if code == "ResourceNotFound":\n            raise Problem("the agent token secret', PREFLIGHT),
    ("preflight: a deleted secret passes", "constructs/hubpreflight.py",
     'if s.get("DeletedDate"):', 'if False and s.get("DeletedDate"):', PREFLIGHT),
    ("preflight: no wait for a replica", "constructs/hubpreflight.py",
     'wait = int(p.get("WaitSeconds") or 0)', "wait = 0", PREFLIGHT),
    ("preflight: returns the secret's name, not its full ARN", "constructs/hubpreflight.py",
     '{"Arn": arn}, arn)', '{"Arn": p["SecretId"]}, arn)', PREFLIGHT),
    ("preflight: a missing image passes", "constructs/hubpreflight.py",
     '            ecr.describe_images(registryId=p["RegistryId"], repositoryName=p["RepositoryName"], imageIds=[{"imageTag": p["ImageTag"]}])\n            return',
     "            return", PREFLIGHT),
    ("preflight: a replica region is told to deploy HubStack only", "constructs/hubpreflight.py",
     'first = "HubStack" if p["RepositoryRegion"] == p["HubRegion"]', 'first = "HubStack" if True', PREFLIGHT),
    ("preflight: the reason is cut short", "constructs/hubpreflight.py",
     'else "preflight failed: %s" % e\n        cfnresponse.send(event, context, cfnresponse.FAILED, {}, physical_id, reason=reason[:900])',
     'else "preflight failed: %s" % e\n        cfnresponse.send(event, context, cfnresponse.FAILED, {}, physical_id, reason=reason[:40])', PREFLIGHT),
    ("preflight: a failure is reported as success", "constructs/hubpreflight.py",
     'else "preflight failed: %s" % e\n        cfnresponse.send(event, context, cfnresponse.FAILED, {}, physical_id, reason=reason[:900])',
     'else "preflight failed: %s" % e\n        cfnresponse.send(event, context, cfnresponse.SUCCESS, {}, physical_id)', PREFLIGHT),
    # constructs/demandpoller.py: the demand poller.
    ("poller: the remainder of waiting jobs not shared out", "constructs/demandpoller.py",
     "for n in order[:placed - sum(shares.values())]:", "for n in order[:0]:", POLLER),
    ("poller: the shortest agent prefix wins", "constructs/demandpoller.py",
     'len(p) > len(best["agentPrefix"]) + 1', 'len(p) < len(best["agentPrefix"]) + 1', POLLER),
    ("poller: finished jobs counted", "constructs/demandpoller.py",
     'if job.get("finishTime") or job.get("result"):', 'if job.get("finishTime") and job.get("result"):', POLLER),
    ("poller: a running job counted as waiting", "constructs/demandpoller.py",
     'agent = (job.get("reservedAgent") or {}).get("name")\n        if agent:', 'agent = None\n        if agent:', POLLER),
    ("poller: 429 ignores Retry-After", "constructs/demandpoller.py",
     'now + retry_after(headers.get("Retry-After"))', "now", POLLER),
    ("poller: the sign-in page read as jobs", "constructs/demandpoller.py",
     "if resp.status == 203:", "if resp.status == 299:", POLLER),
    ("poller: 401 not named as a token problem", "constructs/demandpoller.py",
     'if e.code == 401:\n            return Uncounted("%s rejected the token', 'if e.code == 4010:\n            return Uncounted("%s rejected the token', POLLER),
    ("poller: a pool id never forgotten after 404", "constructs/demandpoller.py",
     "_pool_ids.pop(key, None)", "pass", POLLER),
    ("poller: DemandKnown always 1", "constructs/demandpoller.py",
     '"Value": 1 if known else 0', '"Value": 1', POLLER),
    ("poller: a missing pool counted as empty", "constructs/demandpoller.py",
     'if not found.get("value"):', "if False:", POLLER),
    # constructs/demandpoller.py: standby and automatic standby.
    ("poller: standby ignored", "constructs/demandpoller.py",
     "max(want + standby_now(s, now), ready_now(s, now))", "max(want, ready_now(s, now))", POLLER),
    ("poller: standby above the ceiling", "constructs/demandpoller.py",
     "min(ceiling(s, now), max(want + standby_now(s, now), ready_now(s, now)))", "max(want + standby_now(s, now), ready_now(s, now))", POLLER),
    ("poller: auto readies the hour now, not the one ahead", "constructs/demandpoller.py",
     "got[1][hour_of_week(now + LEAD, zone)]", "got[1][hour_of_week(now, zone)]", POLLER),
    ("poller: auto's ready dropped before its hour ends", "constructs/demandpoller.py",
     "max(got[1][hour_of_week(now, zone)], ", "max(0, ", POLLER),
    ("poller: percentile rank one too high", "constructs/demandpoller.py",
     "v[max(1, -(-p * len(v) // 100)) - 1]", "v[min(len(v) - 1, max(1, -(-p * len(v) // 100)))]", POLLER),
    ("poller: a half-hour zone's bucket counted for one local hour", "constructs/demandpoller.py",
     "for h in {first, last}:", "for h in {first}:", POLLER),
    ("poller: history read every run", "constructs/demandpoller.py",
     'now - _ready[s["name"]][0] >= AUTO_EVERY', "True", POLLER),
    ("poller: a failed history read not logged", "constructs/demandpoller.py",
     "problems.extend(p for p in workers.map(lambda c: read_history(c, now), due) if p)", "list(workers.map(lambda c: read_history(c, now), due))", POLLER),
    ("poller: history beyond one answer's points", "constructs/demandpoller.py",
     'per = max(1, min(MAX_QUERIES, MAX_POINTS // (s["auto"]["weeks"] * 7 * 24)))', "per = MAX_QUERIES", POLLER),
    ("poller: GetMetricData pages not followed", "constructs/demandpoller.py",
     '            kwargs["NextToken"] = answer["NextToken"]\n    except Exception as e:\n        return "automatic standby',
     '            break\n    except Exception as e:\n        return "automatic standby', POLLER),
    ("poller: AgentsNeeded not published", "constructs/demandpoller.py",
     "fleet_datums(s, f)] + needed", "fleet_datums(s, f)]", POLLER),
    ("poller: tasks started counts every listed task", "constructs/demandpoller.py",
     "len(arns - before)", "len(arns)", POLLER),
    ("poller: ListTasks pages not followed", "constructs/demandpoller.py",
     'kwargs["nextToken"] = page["nextToken"]', "break", POLLER),
    ("poller: stopped tasks not listed", "constructs/demandpoller.py",
     'for status in ("RUNNING", "STOPPED"):', 'for status in ("RUNNING",):', POLLER),
    # agent/start.sh: the agent's supervisor.
    ("start.sh: its own environment keeps the token and the ECS address", "agent/start.sh",
     'for v in $(compgen -e); do unset "$v" 2>/dev/null || true; done\nexport PATH="$keep_path"', 'export PATH="$keep_path"', LIFE),
    ("start.sh: config.sh inherits the whole environment", "agent/start.sh",
     '  (\n    for v in $(compgen -e); do unset "$v" 2>/dev/null || true; done', "  (\n    :", LIFE),
    ("start.sh: protection expiry ignores AZP_MAX_JOB_MINUTES", "agent/start.sh",
     r'ExpiresInMinutes\\\":${max_job_minutes}}', r'ExpiresInMinutes\\\":120}', LIFE),
    ("start.sh: a job is never seen running", "agent/start.sh",
     '"$comm" == Agent.Worker*', '"$comm" == Agent.Wroker*', LIFE),
    ("start.sh: protection never lifted after a job", "agent/start.sh",
     'busy=""; job_ended=1; job_ended_at=$SECONDS; protect off || true', 'busy=""; job_ended=1; job_ended_at=$SECONDS', LIFE),
    ("start.sh: SIGTERM not passed to the listener", "agent/start.sh",
     'kill -TERM "$listener" 2>/dev/null || true', "true", LIFE),
    ("start.sh: the listener's budget is the whole stop timeout", "agent/start.sh",
     "stop_timeout > 35 ? stop_timeout - 25 : stop_timeout / 2", "stop_timeout", LIFE),
    ("start.sh: no deregistration at the end", "agent/start.sh",
     '[[ -z "$busy" ]] || protect off || true\nderegister\nexit', '[[ -z "$busy" ]] || protect off || true\nexit', LIFE),
    ("start.sh: an agent always exits 0", "agent/start.sh",
     'exit "${exit_code:-$status}"', "exit 0", LIFE),
    ("start.sh: the listener runs with the ECS endpoint", "agent/start.sh",
     "env -i PATH=", "env ECS_AGENT_URI=\"$ecs_agent_uri\" PATH=", LIFE),
    ("start.sh: registration files writable by the agent user", "agent/start.sh",
     'chown root:"$agent_gid" "$f"; chmod 0640 "$f"', 'chown "$agent_uid:$agent_gid" "$f"; chmod 0660 "$f"', LIFE),
    ("start.sh: check-only accepts a 401", "agent/start.sh",
     "401|403) log", "403) log", LIFE),
    ("start.sh: protection calls outside ECS", "agent/start.sh",
     '[[ -n "$ecs_agent_uri" ]] || return 0', ":", LIFE),
]


def run(repo, names):
    killed, survived, stale = [], [], []
    chosen = [m for m in MUTATIONS if not names or any(n in m[0] for n in names)]
    start = time.time()
    for name, path, piece, becomes, (pkg, regex) in chosen:
        full = os.path.join(repo, path)
        with open(full, encoding="utf-8") as f:
            original = f.read()
        if original.count(piece) != 1:
            stale.append((name, "%s: the piece occurs %d times, want once" % (path, original.count(piece))))
            print("STALE     %s (%s)" % (name, path), flush=True)
            continue
        with open(full, "w", encoding="utf-8") as f:
            f.write(original.replace(piece, becomes, 1))
        t0 = time.time()
        cmd = ["go", "test", "-count=1", pkg] + (["-run", regex] if regex else [])
        try:
            r = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, timeout=600)
            status = r.returncode
        except subprocess.TimeoutExpired:
            status = -1  # a hang is a detected mistake too
        finally:
            with open(full, "w", encoding="utf-8") as f:
                f.write(original)
        took = time.time() - t0
        if status != 0:
            killed.append(name)
            print("KILLED    %s (%.0f s)" % (name, took), flush=True)
        else:
            survived.append(name)
            print("SURVIVED  %s (%.0f s; %s)" % (name, took, " ".join(cmd[2:])), flush=True)
    done = len(killed) + len(survived)
    print("\n%d mutations: %d killed, %d survived, %d stale; score %.1f%% in %.0f s" % (
        len(chosen), len(killed), len(survived), len(stale), 100.0 * len(killed) / done if done else 0, time.time() - start))
    for name, why in stale:
        print("stale: %s: %s" % (name, why))
    return 1 if stale else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(run(sys.argv[1], sys.argv[2:]))

#!/usr/bin/env python3
"""The score of a gremlins run without the mutants that do not compile.

gremlins v0.6.0 reports a mutant whose package does not build (a + on
strings made a -) as KILLED: go test exits 1 on a build failure as on a
failing test. tools/nonviable lists those places (file:line:column); this
prints the counts and the score without them.

usage: tools/mutate_score.py GREMLINS_JSON NONVIABLE_LIST
"""

import json
import sys


def main(report_path, places_path):
    report = json.load(open(report_path))
    places = set(open(places_path).read().split())
    n = {"KILLED": 0, "TIMED OUT": 0, "LIVED": 0, "NOT COVERED": 0, "NOT VIABLE": 0}
    for f in report["files"]:
        base = f["file_name"].split("/")[-1]
        for m in f["mutations"]:
            status = m["status"]
            if m["type"] == "ARITHMETIC_BASE" and f"{base}:{m['line']}:{m['column']}" in places:
                status = "NOT VIABLE"
            n[status] = n.get(status, 0) + 1
    killed = n["KILLED"] + n["TIMED OUT"]
    run = killed + n["LIVED"]
    score = f"{100 * killed / run:.1f}%" if run else "-"
    print(f"  without the {n['NOT VIABLE']} that do not compile (string +): {run} run, {killed} killed or timed out, "
          f"{n['LIVED']} lived, {n['NOT COVERED']} not reached: score {score}")


if __name__ == "__main__":
    main(*sys.argv[1:3])

#!/usr/bin/env python3
"""Turns every PromQL expression of the Grafana dashboard into a recording rule, so
`promtool check rules` parses them all (Grafana's $__rate_interval becomes 5m).
Usage: check-dashboard.py DASHBOARD.json OUT.rules.yml"""
import json
import sys

dash = json.load(open(sys.argv[1]))
with open(sys.argv[2], "w") as out:
    out.write("groups:\n  - name: dashboard\n    rules:\n")
    n = 0
    for panel in dash["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"].replace("$__rate_interval", "5m")
            n += 1
            out.write(f"      - record: dashboard:panel{panel['id']}:{target['refId']}\n")
            out.write(f"        expr: {json.dumps(expr)}\n")
print(f"{n} dashboard expressions")

# Loads the demand poller's code as the construct inlines it (a file whose
# FLEET is the placeholder "FLEET_JSON_HERE"), with fleet written in, as a
# module: shared by the poller's harness and its scale benchmark.
import importlib.util
import json
import os


def load(code_path, fleet):
    code = open(code_path).read().replace('"FLEET_JSON_HERE"', repr(json.dumps(fleet)))
    path = os.path.join(os.path.dirname(code_path), "poller_loaded.py")
    with open(path, "w") as f:
        f.write(code)
    spec = importlib.util.spec_from_file_location("poller", path)
    poller = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(poller)
    return poller

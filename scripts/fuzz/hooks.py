"""Schemathesis hooks for scripts/fuzz/run.sh (loaded through SCHEMATHESIS_HOOKS).

The admin pass must not take away its own rights: Schemathesis reuses ids it has seen in
answers (GET /api/v1/users lists the admin), and the service lets an admin change their
own role, deactivate or erase themself, after which every admin route answers 403 and the
rest of the pass tests nothing. Requests aimed at the accounts in FUZZ_PROTECTED_IDS
(comma-separated) are pointed at a fresh random id instead (a 404, which is documented).
"""

import os
import uuid

import schemathesis

PROTECTED = {i.strip().lower() for i in os.environ.get("FUZZ_PROTECTED_IDS", "").split(",") if i.strip()}


@schemathesis.hook
def before_call(context, case, kwargs):
    parameters = case.path_parameters or {}
    target = parameters.get("id")
    if isinstance(target, str) and target.lower() in PROTECTED:
        parameters["id"] = str(uuid.uuid4())

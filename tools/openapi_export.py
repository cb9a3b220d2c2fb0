"""Write the merged OpenAPI document without running anything: `python -m tools.openapi_export [FILE]`.

The console's types are generated from it (web/scripts/gen-api.sh), so the build needs no
servers, database or broker: each app is created ``document_only`` and the document is
assembled exactly as ``GET /api/openapi.json`` assembles it (tests/e2e/test_console.py
compares the two).
"""
from __future__ import annotations

import json
import os
import sys


def export() -> dict:
    # Only documents are built: development secrets are fine, nothing is served or signed.
    os.environ.setdefault("CRM_DEV_MODE", "1")
    from gateway import app as gateway_app, openapi
    from services.customer.app import create_app as customer
    from services.engagement.app import create_app as engagement
    from services.feedback.app import create_app as feedback

    specs = {}
    for name, factory in (("customer", customer), ("engagement", engagement), ("feedback", feedback)):
        app = factory(document_only=True)
        with app.app_context():
            specs[name] = app.extensions["crm_api"].spec.to_dict()
    gw = gateway_app.create_app(document_only=True)
    with gw.app_context():
        own = gw.extensions["crm_api"].spec.to_dict()
        return openapi.assemble(own, specs)


def main(argv: list[str]) -> int:
    text = json.dumps(export(), ensure_ascii=False, indent=1, sort_keys=False)
    if len(argv) > 1:
        with open(argv[1], "w", encoding="utf-8") as out:
            out.write(text + "\n")
    else:
        sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

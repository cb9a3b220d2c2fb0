"""The customer's contact addresses, read from the customer service when a message goes out.

Engagement never keeps them (its snapshot and events carry no contact details): the
dispatcher asks the customer service for the profile as a bank-wide reader with the
unmask right and the purpose "outreach", so every read is in the customer audit trail.
"""
from __future__ import annotations

from typing import Any

import requests

from chassis import identity as ident
from chassis.config import env_required, secret

PURPOSE = "outreach: send a message the customer may receive"
READER = ident.Identity(user_id="system:engagement-outreach", role=ident.ADMIN, unmask=True, purpose=PURPOSE)


class NotReachable(Exception):
    """The customer service did not answer; the send is retried later."""


def addresses(profile: dict[str, Any]) -> dict[str, str | None]:
    return {"sms": profile.get("mobile"), "email": profile.get("email"), "wechat": profile.get("wechat"),
            "inapp": profile.get("id")}


class CustomerContacts:
    def __init__(self, base_url: str | None = None, internal_secret: str | None = None) -> None:
        self.base_url = (base_url or env_required("CRM_CUSTOMER_URL")).rstrip("/")
        self.secret = internal_secret

    def profile(self, customer_id: str) -> dict[str, Any] | None:
        token = ident.issue(READER, self.secret or secret("CRM_INTERNAL_SECRET"), ttl=60)
        try:
            r = requests.get(f"{self.base_url}/api/v1/customers/{customer_id}",
                             headers={ident.HEADER: token}, timeout=5)
        except requests.RequestException as exc:
            raise NotReachable(exc.__class__.__name__) from None
        if r.status_code == 404:
            return None
        if r.status_code != 200:
            raise NotReachable(f"customer service {r.status_code}")
        return dict(r.json())

"""Razorpay Route for the sandbox: linked accounts, transfers from payments, holds, reversals and settlements.

Shapes follow Razorpay's Route API: `POST /v2/accounts` (KYC fields checked), `POST /v2/accounts/:id/products`
and `PATCH .../products/:product_id` (settlement details; activated once they are valid), `POST
/v1/payments/:id/transfers` (`on_hold`, `on_hold_until`), `PATCH /v1/transfers/:id` (release), `POST
/v1/transfers/:id/reversals`, and the `transfer.processed`, `transfer.failed`, `settlement.processed` webhooks.

One extension, said out loud: Razorpay Route settles to a bank account only; the sandbox also accepts
`settlements.upi_vpa`, because Kisaansay's farmers often have a UPI id and no account number to hand.

Entities share the payment store's lock (a transfer reads the payment's captured and refunded figures).
"""

from __future__ import annotations

import copy
import re
import secrets
from typing import TYPE_CHECKING

from sandbox.razorpay_core import RazorpayError, amount_of, collection, new_id, not_found, notes_of, now, only

if TYPE_CHECKING:
    from sandbox.razorpay_store import RazorpayStore

ACCOUNT_FIELDS = frozenset(
    {"email", "phone", "type", "reference_id", "legal_business_name", "business_type", "contact_name"}
    | {"customer_facing_business_name", "profile", "legal_info", "notes", "brand", "contact_info", "apps"}
)
BUSINESS_TYPES = frozenset(
    {"individual", "proprietorship", "partnership", "private_limited", "public_limited", "llp", "ngo", "trust"}
    | {"society", "not_yet_registered", "educational_institutes"}
)
TRANSFER_FIELDS = frozenset(
    {"account", "amount", "currency", "notes", "linked_account_notes", "on_hold", "on_hold_until"}
)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\d{8,15}$")
PAN = re.compile(r"^[A-Z]{5}\d{4}[A-Z]$")
GST = re.compile(r"^\d{2}[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z]$")
IFSC = re.compile(r"^[A-Z]{4}0[A-Z0-9]{6}$")
BANK_ACCOUNT = re.compile(r"^\d{9,18}$")
VPA = re.compile(r"^[a-zA-Z0-9.\-_]{2,256}@[a-zA-Z]{2,64}$")
POSTAL_CODE = re.compile(r"^\d{6}$")


def _text(body: dict, key: str, low: int, high: int, *, where: str = "") -> str:
    value = body.get(key)
    name = f"{where}{key}"
    if not isinstance(value, str) or not value.strip():
        raise RazorpayError(f"The {name} field is required.", field=name)
    if not low <= len(value) <= high:
        raise RazorpayError(f"The {name} must be between {low} and {high} characters.", field=name)
    return value


def _match(value: object, pattern: re.Pattern, name: str) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise RazorpayError(f"The {name} field is invalid.", field=name)
    return value


class RouteStore:
    """Linked accounts, their Route product, transfers, reversals and settlements."""

    def __init__(self, store: RazorpayStore) -> None:
        self.store = store
        self.lock = store.lock
        self.accounts: dict[str, dict] = {}
        self.products: dict[str, dict] = {}  # product id -> product configuration
        self.transfers: dict[str, dict] = {}
        self.reversals: dict[str, dict] = {}
        self.settlements: dict[str, dict] = {}

    # --- linked accounts -----------------------------------------------------------------------------------------

    def create_account(self, body: dict) -> dict:
        only(body, ACCOUNT_FIELDS)
        email = _match(body.get("email"), EMAIL, "email")
        phone = _match(str(body.get("phone") or ""), PHONE, "phone")
        if body.get("type") != "route":
            raise RazorpayError("The type field is invalid.", field="type")
        name = _text(body, "legal_business_name", 4, 200)
        contact = _text(body, "contact_name", 4, 255)
        if body.get("business_type") not in BUSINESS_TYPES:
            raise RazorpayError("The business_type field is invalid.", field="business_type")
        reference = body.get("reference_id")
        if reference is not None and (not isinstance(reference, str) or len(reference) > 20):
            raise RazorpayError("The reference_id may not be greater than 20 characters.", field="reference_id")
        profile = body.get("profile")
        if not isinstance(profile, dict):
            raise RazorpayError("The profile field is required.", field="profile")
        _text(profile, "category", 1, 100, where="profile.")
        _text(profile, "subcategory", 1, 100, where="profile.")
        address = (
            (profile.get("addresses") or {}).get("registered") if isinstance(profile.get("addresses"), dict) else None
        )
        if not isinstance(address, dict):
            raise RazorpayError("The profile.addresses.registered field is required.", field="profile.addresses")
        where = "profile.addresses.registered."
        for key in ("street1", "city", "state"):
            _text(address, key, 1, 100, where=where)
        _match(str(address.get("postal_code") or ""), POSTAL_CODE, where + "postal_code")
        if address.get("country", "IN") not in ("IN", "in"):
            raise RazorpayError("The country field is invalid.", field=where + "country")
        legal = body.get("legal_info") or {}
        if not isinstance(legal, dict):
            raise RazorpayError("The legal_info field must be an object.", field="legal_info")
        if "pan" in legal:
            _match(legal["pan"], PAN, "legal_info.pan")
        if "gst" in legal:
            _match(legal["gst"], GST, "legal_info.gst")
        with self.lock:
            if reference and any(a["reference_id"] == reference for a in self.accounts.values()):
                raise RazorpayError("Merchant with this reference id already exists", field="reference_id")
            account = {
                "id": new_id("acc"),
                "type": "route",
                "status": "created",
                "email": email,
                "phone": phone,
                "reference_id": reference,
                "legal_business_name": name,
                "customer_facing_business_name": body.get("customer_facing_business_name") or name,
                "business_type": body["business_type"],
                "contact_name": contact,
                "profile": copy.deepcopy(profile),
                "legal_info": dict(legal),
                "notes": notes_of(body),
                "created_at": now(),
            }
            self.accounts[account["id"]] = account
            return copy.deepcopy(account)

    def fetch_account(self, account_id: str) -> dict:
        with self.lock:
            return copy.deepcopy(self.store._get(self.accounts, account_id))

    def request_product(self, account_id: str, body: dict) -> dict:
        only(body, {"product_name", "tnc_accepted"})
        if body.get("product_name") != "route":
            raise RazorpayError("The product_name field is invalid.", field="product_name")
        with self.lock:
            self.store._get(self.accounts, account_id)
            existing = [p for p in self.products.values() if p["account_id"] == account_id]
            if existing:  # Razorpay answers the same configuration again
                return copy.deepcopy(existing[0])
            product = {
                "id": new_id("acc_prd"),
                "account_id": account_id,
                "product_name": "route",
                "activation_status": "needs_clarification",
                "requirements": [
                    {"field_reference": f"settlements.{key}", "resolution_url": "", "status": "required"}
                    for key in ("beneficiary_name", "account_number", "ifsc_code")
                ],
                "active_configuration": {"settlements": {}, "payment_capture": {}, "refund": {}},
                "tnc": {"accepted": bool(body.get("tnc_accepted")), "accepted_at": now()},
                "requested_at": now(),
            }
            self.products[product["id"]] = product
            return copy.deepcopy(product)

    def edit_product(self, account_id: str, product_id: str, body: dict) -> dict:
        only(body, {"settlements", "tnc_accepted"})
        settlements = body.get("settlements")
        if not isinstance(settlements, dict):
            raise RazorpayError("The settlements field is required.", field="settlements")
        only(settlements, {"account_number", "ifsc_code", "beneficiary_name", "upi_vpa"})
        _text(settlements, "beneficiary_name", 4, 120, where="settlements.")
        if "upi_vpa" in settlements:
            if "account_number" in settlements or "ifsc_code" in settlements:
                raise RazorpayError("Send a bank account or a upi_vpa, not both", field="settlements")
            _match(settlements["upi_vpa"], VPA, "settlements.upi_vpa")
        else:
            _match(str(settlements.get("account_number") or ""), BANK_ACCOUNT, "settlements.account_number")
            _match(settlements.get("ifsc_code"), IFSC, "settlements.ifsc_code")
        with self.lock:
            product = self.store._get(self.products, product_id)
            if product["account_id"] != account_id:
                raise not_found()
            product["active_configuration"]["settlements"] = dict(settlements)
            product.update(activation_status="activated", requirements=[])
            if body.get("tnc_accepted"):
                product["tnc"] = {"accepted": True, "accepted_at": now()}
            self.accounts[account_id]["status"] = "activated"
            return copy.deepcopy(product)

    def fetch_product(self, account_id: str, product_id: str) -> dict:
        with self.lock:
            product = self.store._get(self.products, product_id)
            if product["account_id"] != account_id:
                raise not_found()
            return copy.deepcopy(product)

    def suspend(self, account_id: str) -> dict:
        """Developer control: the account is suspended (KYC trouble); its next transfers fail."""
        with self.lock:
            account = self.store._get(self.accounts, account_id)
            account["status"] = "suspended"
            return copy.deepcopy(account)

    # --- transfers --------------------------------------------------------------------------------------------

    def create_transfers(self, payment_id: str, body: dict) -> dict:
        only(body, {"transfers"})
        asked = body.get("transfers")
        if not isinstance(asked, list) or not asked:
            raise RazorpayError("The transfers field is required.", field="transfers")
        with self.lock:
            payment = self.store._get(self.store.payments, payment_id)
            if not payment["captured"]:
                raise RazorpayError("Transfer can be initiated only on captured payments", field="payment_id")
            available = payment["amount"] - payment["amount_refunded"] - self._transferred(payment_id)
            checked = []
            for item in asked:
                if not isinstance(item, dict):
                    raise RazorpayError("Each transfer must be an object.", field="transfers")
                only(item, TRANSFER_FIELDS)
                amount = amount_of(item)
                if item.get("currency", "INR") != "INR":
                    raise RazorpayError("Route transfers are supported only in INR", field="currency")
                if item.get("account") not in self.accounts:
                    raise RazorpayError("The account id is invalid", field="account")
                hold_until = item.get("on_hold_until")
                if hold_until is not None and (isinstance(hold_until, bool) or not isinstance(hold_until, int)):
                    raise RazorpayError("The on_hold_until must be a unix timestamp.", field="on_hold_until")
                notes, la_notes = notes_of(item), item.get("linked_account_notes") or []
                if not isinstance(la_notes, list) or any(key not in notes for key in la_notes):
                    raise RazorpayError("linked_account_notes must name keys of notes", field="linked_account_notes")
                checked.append((item, amount, notes, la_notes, hold_until))
            if sum(c[1] for c in checked) > available:
                raise RazorpayError(
                    "The sum of amount requested for transfer is greater than the captured amount", field="amount"
                )
            made = [self._new_transfer(payment_id, *c) for c in checked]
            return collection(copy.deepcopy(made))

    def _transferred(self, payment_id: str) -> int:
        return sum(
            t["amount"] - t["amount_reversed"]
            for t in self.transfers.values()
            if t["source"] == payment_id and t["status"] != "failed"
        )

    def _new_transfer(self, payment_id: str, item: dict, amount: int, notes: dict, la_notes: list, hold_until) -> dict:
        on_hold = bool(item.get("on_hold", False))
        transfer = {
            "id": new_id("trf"),
            "entity": "transfer",
            "status": "pending",
            "settlement_status": "on_hold" if on_hold else "pending",
            "source": payment_id,
            "recipient": item["account"],
            "amount": amount,
            "currency": "INR",
            "amount_reversed": 0,
            "notes": notes,
            "linked_account_notes": la_notes,
            "on_hold": on_hold,
            "on_hold_until": hold_until if on_hold else None,
            "recipient_settlement_id": None,
            "created_at": now(),
            "processed_at": None,
            "error": {"code": None, "description": None, "reason": None, "field": None, "step": None},
        }
        self.transfers[transfer["id"]] = transfer
        return transfer

    def process_transfer(self, transfer_id: str) -> None:
        """Razorpay's answer a moment later: processed (transfer.processed), or failed for a suspended or
        never-activated account (transfer.failed)."""
        with self.lock:
            transfer = self.transfers.get(transfer_id)
            if transfer is None or transfer["status"] != "pending":
                return
            account = self.accounts[transfer["recipient"]]
            if account["status"] != "activated":
                transfer.update(status="failed", settlement_status=None)
                transfer["error"] = {
                    "code": "BAD_REQUEST_ERROR",
                    "description": "The linked account is not activated",
                    "reason": "linked_account_not_active",
                    "field": "account",
                    "step": "transfer_processing",
                }
                self.store._emit("transfer.failed", transfer=transfer)
                return
            transfer.update(status="processed", processed_at=now())
            self.store._emit("transfer.processed", transfer=transfer)

    def fetch_transfer(self, transfer_id: str) -> dict:
        with self.lock:
            return copy.deepcopy(self.store._get(self.transfers, transfer_id))

    def payment_transfers(self, payment_id: str) -> dict:
        with self.lock:
            self.store._get(self.store.payments, payment_id)
            return collection(copy.deepcopy([t for t in self.transfers.values() if t["source"] == payment_id]))

    def list_transfers(self, query: dict[str, str]) -> dict:
        settlement = query.get("recipient_settlement_id")
        with self.lock:
            items = [t for t in self.transfers.values() if not settlement or t["recipient_settlement_id"] == settlement]
            return collection(copy.deepcopy(list(reversed(items))))

    def edit_transfer(self, transfer_id: str, body: dict) -> dict:
        only(body, {"on_hold", "on_hold_until"})
        if not isinstance(body.get("on_hold"), bool):
            raise RazorpayError("The on_hold field is required.", field="on_hold")
        with self.lock:
            transfer = self.store._get(self.transfers, transfer_id)
            if transfer["settlement_status"] == "settled":
                raise RazorpayError("Settlement hold cannot be modified once the transfer is settled", field="id")
            if transfer["status"] == "failed":
                raise RazorpayError("The transfer has failed", field="id")
            on_hold = body["on_hold"]
            transfer.update(
                on_hold=on_hold,
                on_hold_until=body.get("on_hold_until") if on_hold else None,
                settlement_status="on_hold" if on_hold else "pending",
            )
            return copy.deepcopy(transfer)

    def reverse(self, transfer_id: str, body: dict) -> dict:
        only(body, {"amount", "notes", "linked_account_notes"})
        with self.lock:
            transfer = self.store._get(self.transfers, transfer_id)
            if transfer["status"] not in ("processed", "partially_reversed"):
                raise RazorpayError("Only processed transfers can be reversed", field="id")
            left = transfer["amount"] - transfer["amount_reversed"]
            amount = amount_of(body, required=False) or left
            if amount > left:
                raise RazorpayError("The reversal amount is greater than the unreversed amount", field="amount")
            reversal = {
                "id": new_id("rvrsl"),
                "entity": "reversal",
                "transfer_id": transfer_id,
                "amount": amount,
                "fee": 0,
                "tax": 0,
                "currency": "INR",
                "notes": notes_of(body),
                "initiator_id": "sandbox_merchant",
                "customer_refund_id": None,
                "created_at": now(),
            }
            self.reversals[reversal["id"]] = reversal
            transfer["amount_reversed"] += amount
            transfer["status"] = (
                "reversed" if transfer["amount_reversed"] == transfer["amount"] else "partially_reversed"
            )
            return copy.deepcopy(reversal)

    def transfer_reversals(self, transfer_id: str) -> dict:
        with self.lock:
            self.store._get(self.transfers, transfer_id)
            items = [r for r in self.reversals.values() if r["transfer_id"] == transfer_id]
            return collection(copy.deepcopy(items))

    # --- settlements -------------------------------------------------------------------------------------------

    def settle(self) -> list[dict]:
        """The settlement run (developer control): every released, processed, unsettled transfer is paid to its
        linked account, one settlement per account, each announced by settlement.processed."""
        made = []
        with self.lock:
            due: dict[str, list[dict]] = {}
            for transfer in self.transfers.values():
                hold_over = transfer["on_hold"] and transfer["on_hold_until"] and transfer["on_hold_until"] <= now()
                if (
                    transfer["status"] in ("processed", "partially_reversed")
                    and transfer["settlement_status"] != "settled"
                    and (not transfer["on_hold"] or hold_over)
                ):
                    due.setdefault(transfer["recipient"], []).append(transfer)
            for account_id, transfers in due.items():
                amount = sum(t["amount"] - t["amount_reversed"] for t in transfers)
                settlement = {
                    "id": new_id("setl"),
                    "entity": "settlement",
                    "amount": amount,
                    "status": "processed",
                    "fees": 0,
                    "tax": 0,
                    "utr": f"SANDBOXUTR{secrets.token_hex(5).upper()}",
                    "created_at": now(),
                    "account_id": account_id,  # sandbox: whose settlement this is (a linked account's own)
                }
                self.settlements[settlement["id"]] = settlement
                for transfer in transfers:
                    transfer.update(recipient_settlement_id=settlement["id"], settlement_status="settled")
                self.store._emit("settlement.processed", settlement=settlement)
                made.append(copy.deepcopy(settlement))
        return made

    def fetch_settlement(self, settlement_id: str) -> dict:
        with self.lock:
            return copy.deepcopy(self.store._get(self.settlements, settlement_id))

    def list_settlements(self) -> dict:
        with self.lock:
            return collection(copy.deepcopy(list(reversed(self.settlements.values()))))

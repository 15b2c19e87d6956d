"""The platform fee and the seller's share: one rule, used by the offer form, the receipt and the transfer.

fee = round_half_up(kept × bps / 10 000), where kept = what the buyer paid minus what was refunded; the seller
gets kept − fee. So gross = fee + seller + refunded holds exactly, in whole paise, whatever the refunds.
"""

from dataclasses import dataclass

from kisaan_app.settings import get_settings

MIN_TRANSFER_PAISE = 100  # Razorpay moves nothing under ₹1.00


def fee_for(kept_paise: int, bps: int) -> int:
    return (kept_paise * bps + 5000) // 10000


@dataclass(frozen=True)
class Split:
    gross_paise: int
    refunded_paise: int
    fee_paise: int
    seller_paise: int
    fee_bps: int


def split(gross_paise: int, refunded_paise: int = 0, bps: int | None = None) -> Split:
    """How a sale's money divides now. A seller's share under ₹1 cannot be transferred: the platform keeps it
    (only ever after refunds of all but a rupee or two), so the sum still comes out exact."""
    bps = get_settings().platform_fee_bps if bps is None else bps
    kept = max(gross_paise - refunded_paise, 0)
    fee = fee_for(kept, bps)
    seller = kept - fee
    if seller < MIN_TRANSFER_PAISE:
        fee, seller = kept, 0
    return Split(gross_paise, refunded_paise, fee, seller, bps)


def percent_label(bps: int) -> str:
    """200 → "2", 250 → "2.5": the rate as people say it."""
    return f"{bps / 100:.2f}".rstrip("0").rstrip(".")

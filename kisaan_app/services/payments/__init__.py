"""Money through Razorpay: orders and checkout, signature checks, webhooks (the authority), refunds,
payment links, UPI QR codes, reconciliation and history. Amounts are integer paise throughout."""

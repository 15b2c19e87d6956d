"""Money to farmers through Razorpay Route: linked accounts, the platform fee, transfers on hold, release,
reversal on refund, and settlement reconciliation."""

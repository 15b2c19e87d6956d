"""Local, protocol-faithful stand-ins for the providers (Razorpay, Twilio, Web Push, SMTP) and the outbox.

They run as one small server (`python -m kisaan_app sandbox`, started by `serve` when no provider keys are
set, and by the test fixtures). The official SDKs talk to them exactly as to the real services: same paths,
auth, JSON shapes, error shapes and signed callbacks. Everything they receive is kept in the outbox.
"""

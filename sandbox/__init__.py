"""Local, protocol-faithful stand-ins for the providers (Razorpay, Twilio, Web Push, SMTP, BHASHINI) and the outbox.

They run as one small server (`python -m sandbox`, which `python -m kisaan_app serve` starts as a child
process while some provider has no keys; the test fixtures start it in-process). The official SDKs talk to
them exactly as to the real services: same paths, auth, JSON shapes, error shapes and signed callbacks.
Everything they receive is kept in the outbox.

This package is not the product: kisaan_app never imports it (an import contract checks that). It may import
the protocol facts the app owns (kisaan_app/providers: the test keys, SMS segment counting).
"""

"""The sandbox's test credentials: public, well-known values that only the local stand-ins accept.

The app uses them while a provider has no real credentials (settings.*_sandbox; production refuses that), and
the stand-ins check requests against them, so both sides read the same values from here.
"""

SANDBOX_RAZORPAY_KEY_ID = "rzp_test_kisaansandbox"
SANDBOX_RAZORPAY_KEY_SECRET = "sandbox_razorpay_key_secret_0123456789"
SANDBOX_RAZORPAY_WEBHOOK_SECRET = "sandbox_razorpay_webhook_secret_0123"
SANDBOX_TWILIO_ACCOUNT_SID = "AC" + "5a" * 16
SANDBOX_TWILIO_AUTH_TOKEN = "sandbox_twilio_auth_token_01234567"
SANDBOX_BHASHINI_USER_ID = "sandbox-bhashini-user"
SANDBOX_BHASHINI_API_KEY = "sandbox_bhashini_ulca_api_key_0123"
SANDBOX_BHASHINI_INFERENCE_KEY = "sandbox_bhashini_inference_key_0123"  # what the stand-in's config call hands out

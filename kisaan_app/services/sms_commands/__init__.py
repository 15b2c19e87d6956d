"""SMS commands for basic phones: a farmer texts PRICE ONION / भाव प्याज, ALERTS, HELP, STOP or START.

keywords (what the text asks) → language (who reads the answer) → answers (the reply, within two SMS parts)
→ inbound (the webhook's flow: signature, record, consent, rate limit, queue the reply).
"""

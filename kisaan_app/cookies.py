"""The session cookie's name: the REST API sets and reads it, the Reflex states read it from the WebSocket
handshake. It lives down here so neither face imports the other for it."""

SESSION_COOKIE = "kisaan_session"  # HttpOnly, set by POST /api/auth/login

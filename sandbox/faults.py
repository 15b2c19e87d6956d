"""A flaky provider on demand: a stand-in spoils half its send requests, by answering its own 5xx or by hanging.

`SandboxConfig.provider_faults = {"twilio": "mixed", "smtp": "error", "webpush": "hang"}` turns it on per
stand-in. Half the requests means: the first try of every message fails and its retry goes through, so each
message costs exactly two requests. A message is told apart by its idempotency key (Twilio's token header,
the email's Message-ID, the push Topic); a request without one counts as a new message.

- "error": the stand-in refuses before accepting anything, with the provider's own transient error (Twilio's
  500 JSON, SMTP 451, a push service's 500): the message was not sent, and the client knows it.
- "hang": the stand-in accepts the message (it reaches the phone or inbox) and then holds the answer for
  `fault_hang_seconds`, longer than the client waits: the client cannot know it was sent. Only the
  idempotency key stops its retry from reaching the farmer twice.
- "mixed": error and hang in turn.
"""

import itertools
import threading
from collections import Counter

MODES = ("off", "error", "hang", "mixed")


class FaultPlan:
    def __init__(self, mode: str = "off") -> None:
        if mode not in MODES:
            raise ValueError(f"fault mode must be one of {', '.join(MODES)}")
        self.mode = mode
        self._seen: Counter[str] = Counter()
        self._anonymous = itertools.count()
        self._turn = itertools.count()
        self._lock = threading.Lock()
        self.spoiled: Counter[str] = Counter()  # how many requests got each fault, for a test to check

    def verdict(self, key: str | None) -> str | None:
        """None to serve this request normally, else "error" or "hang"."""
        if self.mode == "off":
            return None
        with self._lock:
            key = key or f"anonymous:{next(self._anonymous)}"
            self._seen[key] += 1
            if self._seen[key] % 2 == 0:  # every message's second try (and fourth...) goes through
                return None
            kind = self.mode if self.mode != "mixed" else ("error", "hang")[next(self._turn) % 2]
            self.spoiled[kind] += 1
            return kind

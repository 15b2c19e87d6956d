"""What the app must know about its providers' protocols, whoever answers: the real service or the local
stand-in (the top-level `sandbox` package, which imports these facts from here; never the reverse)."""

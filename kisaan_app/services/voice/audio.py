"""Audio as the phone gets it: Opus at ~16 kbit/s in an Ogg container (opusenc), and the facts a test or a
guard reads from such a file without decoding it (the Ogg pages' OpusHead and last granule position)."""

import shutil
import struct
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

OPUSENC = "opusenc"
OPUS_RATE = 48000  # Opus granule positions always count 48 kHz samples, whatever the input rate
ENCODE_TIMEOUT_SECONDS = 30


class AudioToolMissing(RuntimeError):
    """A binary the voice needs (espeak-ng, opusenc) is not installed here."""


@dataclass(frozen=True)
class OggOpusInfo:
    channels: int
    input_rate: int
    pre_skip: int
    seconds: float


def have(tool: str) -> bool:
    return shutil.which(tool) is not None


def run_tool(args: list[str], stdin: bytes, timeout: float = ENCODE_TIMEOUT_SECONDS) -> bytes:
    """A media tool as a subprocess (GPL tools stay separate programs): its stdout, or a clear error."""
    if not have(args[0]):
        raise AudioToolMissing(f"{args[0]} is not installed (Debian: apt-get install espeak-ng opus-tools)")
    done = subprocess.run(args, input=stdin, capture_output=True, timeout=timeout, check=False)
    if done.returncode != 0 or not done.stdout:
        raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr[:200].decode(errors='replace')}")
    return done.stdout


def wav_to_opus(wav: bytes, bitrate_kbps: int = 16) -> bytes:
    """WAV (16-bit or float, any rate) → Ogg Opus, mono speech at `bitrate_kbps`."""
    return run_tool([OPUSENC, "--quiet", "--speech", "--bitrate", str(bitrate_kbps), "--downmix-mono", "-", "-"], wav)


def _pages(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(granule position, body) of each Ogg page."""
    at = 0
    while at + 27 <= len(data):
        if data[at : at + 4] != b"OggS":
            raise ValueError("not an Ogg stream")
        granule = struct.unpack_from("<q", data, at + 6)[0]
        segments = data[at + 26]
        table = data[at + 27 : at + 27 + segments]
        start = at + 27 + segments
        size = sum(table)
        yield granule, data[start : start + size]
        at = start + size


def ogg_opus_info(data: bytes) -> OggOpusInfo:
    """Read the OpusHead and the duration (last granule − pre-skip) of an Ogg Opus file; ValueError if it is not."""
    head = None
    last = 0
    for granule, body in _pages(data):
        if head is None:
            if not body.startswith(b"OpusHead") or len(body) < 19:
                raise ValueError("the first Ogg page is not an OpusHead")
            head = body
        if granule > 0:
            last = granule
    if head is None:
        raise ValueError("empty Ogg stream")
    channels = head[9]
    pre_skip, input_rate = struct.unpack_from("<HI", head, 10)
    return OggOpusInfo(channels, input_rate, pre_skip, max(0, last - pre_skip) / OPUS_RATE)


def wav_seconds(data: bytes) -> float | None:
    """Duration of a PCM WAV from its header (None if it is not one, or streams with an unknown length)."""
    if len(data) < 44 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    at = 12
    rate = block = 0
    while at + 8 <= len(data):
        chunk, size = data[at : at + 4], struct.unpack_from("<I", data, at + 4)[0]
        if chunk == b"fmt ":
            if at + 8 + 14 > len(data):
                return None  # a header cut short: not a WAV we can read
            _fmt, _channels, rate, _byte_rate, block = struct.unpack_from("<HHIIH", data, at + 8)
        elif chunk == b"data":
            if not rate or not block:
                return None
            available = min(size, len(data) - at - 8)  # a streamed WAV (espeak --stdout) claims ~2 GB
            return available / (rate * block)
        at += 8 + size + (size & 1)
    return None

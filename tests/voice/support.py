"""Checks on real audio: the Ogg Opus container, its length, and that it is not silence (decoded by opusdec)."""

import array
import math
import subprocess

from kisaan_app.services.voice.audio import ogg_opus_info


def rms_of_opus(data: bytes) -> float:
    """Root mean square of the decoded 16-bit samples (0 = silence, 32767 = full scale)."""
    wav = subprocess.run(["opusdec", "--quiet", "-", "-"], input=data, capture_output=True, check=True).stdout
    at = wav.find(b"data") + 8  # opusdec writes a plain 44-byte header; skip to the samples wherever they start
    samples = array.array("h", wav[at : at + (len(wav) - at) // 2 * 2])
    return math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))


def assert_real_speech(data: bytes) -> float:
    """Valid Ogg Opus, mono, longer than half a second, and audible; returns its length in seconds."""
    info = ogg_opus_info(data)  # raises unless the first page is an OpusHead
    assert info.channels == 1
    assert info.seconds > 0.5
    assert rms_of_opus(data) > 300  # espeak speech sits around 2-5 thousand; silence is 0
    return info.seconds

"""Voice: warnings, inbox items and prices read aloud (Opus, cached), spoken commands matched onto a closed
vocabulary, and notes translated for their reader. Engines: espeak-ng here, BHASHINI when configured."""

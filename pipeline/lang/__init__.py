"""Vietnamese language tools: the lexicon and labels (data files, validated on load), syllables, legacy font
encodings, diacritic restoration with the syllable language model, OCR cue-word fixes."""

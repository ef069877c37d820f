"""Rubric matching: which rubric points a note or an answer really covers, with the evidence.

Public API (import from the modules; importing this package loads nothing heavy):

- ``scoring.matcher``: ``match_rubric(text, points)``, ``analyse_rubric`` (adds truncation and notices),
  ``match_question(text, question)`` (adds a suggested 1-4 rating and the rating guide's text), ``warm_points``;
- ``scoring.embedder``: ``get_encoder()`` (process-wide, lazy, thread-safe, LRU-cached by text), ``Encoder``.

Commands:

- ``python -m scoring.build``: export the bundled all-MiniLM-L6-v2 to ONNX (fp32 and int8, and the int8 two-layer
  cut that ``VIS_EMBEDDER=auto`` uses) under ``<VIS_CACHE_DIR>/models/``; a no-op when already built;
- ``python -m scoring.train``: refit the classifier (scoring/data/matcher_model.json) on the train and dev questions;
- ``python -m scoring.evaluate FILE.jsonl --json``: precision, recall, F1 and latency on labelled rows;
- ``python -m scoring.asag --json``: SciEntsBank and Mohler figures from ../shared/benchmarks/asag (``--backend``
  picks the encoder; encodings are cached per encoder and export digest under ``<VIS_CACHE_DIR>/asag/``);
- ``python -m scoring.bench``: latency of a 300-word note against 8 points (cold, one sentence changed).
"""

"""Every record of corpus/, corpus/realdev and ../shared/samples is byte-identical to its snapshot in
tests/data/records (timestamps aside): refactoring changes no record. A deliberate change in extraction rewrites the
snapshots in the same commit (`python scripts/record_snapshots.py --update`), so the diff shows what it changed."""
from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("record_snapshots", ROOT / "scripts" / "record_snapshots.py")
snap = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(snap)

SOURCES = snap.sources()
NAMES = sorted(p.name.removesuffix(".json.gz").replace("__", "/") for p in snap.SNAPSHOTS.glob("*.json.gz"))


def test_every_present_document_has_a_snapshot():
    assert set(SOURCES) <= set(NAMES), sorted(set(SOURCES) - set(NAMES))
    assert len(NAMES) >= 31  # the seeds and realdev at least


@pytest.mark.parametrize("name", NAMES)
def test_record_unchanged(name, monkeypatch):
    if name not in SOURCES:
        pytest.skip(f"{name}: its document is in ../shared, which is absent")
    monkeypatch.chdir(ROOT)
    want = gzip.decompress(snap.file_of(name).read_bytes()).decode("utf-8")
    got = snap.snapshot(SOURCES[name])
    assert got == want

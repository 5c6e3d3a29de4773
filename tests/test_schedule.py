"""pipeline.schedule.run_many: order, laziness, and failures that stay with their document (no Tesseract
needed: text documents only; the OCR side is in test_ocr.py)."""
from __future__ import annotations

import os

from pipeline.core.errors import ExitCode
from pipeline.run import Options
from pipeline.engine.failure import Failure
from pipeline.engine.schedule import run_many


def first_line(doc) -> str:
    return doc.raw_text.splitlines()[0]


def dies_on_boom(doc) -> str:
    """A finish that kills its worker process outright (as a segfault or the OOM killer would)."""
    if "BOOM" in doc.raw_text:
        os._exit(9)
    return first_line(doc)


def raises_on_bug(doc) -> str:
    if "BUG" in doc.raw_text:
        raise KeyError("a bug in a stage")
    return first_line(doc)


def _files(tmp_path, texts: list[str]):
    paths = []
    for i, t in enumerate(texts):
        p = tmp_path / f"d{i}.txt"
        p.write_text(t + "\nNội dung văn bản số " + str(i), encoding="utf-8")
        paths.append(p)
    return paths


def test_ordered_results_and_per_document_errors(tmp_path):
    paths = _files(tmp_path, [f"Kế hoạch số {i}" for i in range(7)])
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    got = list(run_many([*paths[:3], empty, *paths[3:]], first_line, Options(workers=2)))
    assert [os.path.basename(p) for p, _, _ in got] == ["d0.txt", "d1.txt", "d2.txt", "empty.txt", "d3.txt",
                                                        "d4.txt", "d5.txt", "d6.txt"]
    assert [v for _, v, _ in got if v] == [f"Kế hoạch số {i}" for i in range(7)]
    err = got[3][2]
    assert isinstance(err, Failure) and err.exit_code == ExitCode.bad_input and "file is empty" in err.message


def test_a_worker_that_dies_fails_only_its_document(tmp_path):
    paths = _files(tmp_path, ["Chỉ thị 1", "Chỉ thị 2", "BOOM", "Chỉ thị 4", "Chỉ thị 5", "Chỉ thị 6"])
    got = {os.path.basename(p): (v, e) for p, v, e in run_many(paths, dies_on_boom, Options(workers=2),
                                                               ordered=False)}
    assert len(got) == 6
    assert got["d2.txt"][0] is None and got["d2.txt"][1].message.startswith("the worker process died")
    assert {k: v for k, (v, e) in got.items() if e is None} == {
        "d0.txt": "Chỉ thị 1", "d1.txt": "Chỉ thị 2", "d3.txt": "Chỉ thị 4", "d4.txt": "Chỉ thị 5",
        "d5.txt": "Chỉ thị 6"}


def test_a_bug_in_a_stage_is_reported_with_its_document(tmp_path):
    paths = _files(tmp_path, ["Quyết định 1", "BUG", "Quyết định 3"])
    got = list(run_many(paths, raises_on_bug, Options(workers=2)))
    assert [v for _, v, _ in got] == ["Quyết định 1", None, "Quyết định 3"]
    assert got[1][2] == Failure("internal error: KeyError: 'a bug in a stage'", int(ExitCode.internal))


def test_paths_are_taken_lazily_within_the_window(tmp_path):
    paths = _files(tmp_path, [f"Công văn {i}" for i in range(12)])
    taken = []

    def source():
        for p in paths:
            taken.append(p)
            yield p

    results = run_many(source(), first_line, Options(workers=2), window=3)
    first = next(results)
    assert first[1] == "Công văn 0" and len(taken) == 3   # no more than the window before a result
    assert [v for _, v, _ in results] == [f"Công văn {i}" for i in range(1, 12)]
    assert len(taken) == 12

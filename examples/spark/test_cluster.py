"""The Spark job on a real standalone cluster: a master and two workers on 127.0.0.1.

Run by examples/spark/test_cluster.sh (which installs pyspark, Java and the
framelens wheel first); by hand, from the repository root:

    .venv-spark/bin/python -m pytest -v examples/spark/test_cluster.py

Needs the `batch` example built (`cargo build --release --example batch`),
the models (FRAMELENS_MODELS or ./models) and the Global Voices stories in
../shared/data/globalvoices (FRAMELENS_SHARED names another shared folder).
Figures (docs/s of batch and of the job) are appended to
target/spark-test/figures.txt; they are printed, never asserted.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

import cluster as spark_cluster  # noqa: E402

JOB = HERE / "classify_corpus.py"
WORK = ROOT / "target" / "spark-test"
MODELS = Path(os.environ.get("FRAMELENS_MODELS", ROOT / "models")).resolve()
SHARED = Path(os.environ.get("FRAMELENS_SHARED", ROOT.parent / "shared")).resolve()
BATCH = ROOT / "target" / "release" / "examples" / "batch"
TOL = 1e-6
PARTITIONS = 16
BIG = 2 << 20  # 2 MiB: over the job's default --max-bytes of 1 MiB
NARRATIVES = "semeval2025-narratives"  # --adapt re-decides two-level taxonomies only


def figure(line: str) -> None:
    """Record a measured figure (printed at the end by test_cluster.sh)."""
    with open(WORK / "figures.txt", "a") as f:
        f.write(line + "\n")
    print(line, file=sys.stderr)


# ---------------------------------------------------------------------------
# The corpus: real CC BY text nobody here wrote.


def paragraphs(text: str) -> List[str]:
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def build_corpus() -> List[Dict[str, str]]:
    """The 169 Global Voices stories, one long paragraph of 130 of them, and examples/data."""
    stories_path = SHARED / "data" / "globalvoices" / "articles.jsonl"
    if not stories_path.is_file():
        pytest.fail(f"{stories_path} is missing: the test needs the shared Global Voices stories (set FRAMELENS_SHARED)")
    stories = [json.loads(line) for line in stories_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    docs = [{"id": s["id"], "text": s["text"]} for s in stories]
    for s in stories[:130]:
        # The first paragraph after the title of at least 300 characters.
        long = [p for p in paragraphs(s["text"])[1:] if len(p) >= 300]
        if long:
            docs.append({"id": f"{s['id']}-p", "text": long[0]})
    for f in sorted((ROOT / "examples" / "data").glob("*.txt")):
        docs.append({"id": f.stem, "text": f.read_text(encoding="utf-8")})
    assert len({d["id"] for d in docs}) == len(docs)
    return docs


@pytest.fixture(scope="session")
def work() -> Path:
    WORK.mkdir(parents=True, exist_ok=True)
    for old in WORK.iterdir():
        if old.is_dir():
            shutil.rmtree(old)
        else:
            old.unlink()
    return WORK


@pytest.fixture(scope="session")
def corpus(work: Path) -> Dict[str, Any]:
    docs = build_corpus()
    path = work / "corpus.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    return {"path": path, "docs": {d["id"]: d["text"] for d in docs}}


def run_batch(args: List[str], output: Path) -> str:
    if not BATCH.is_file():
        pytest.fail(f"{BATCH} is missing: run `cargo build --release --example batch` first")
    proc = subprocess.run(
        [str(BATCH), *args, "--models", str(MODELS), "--output", str(output), "--overwrite"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode in (0, 2), f"batch failed ({proc.returncode}): {proc.stderr}"
    return proc.stderr


def read_batch(path: Path) -> Dict[str, Dict[str, Any]]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        out[record["id"]] = record
    return out


@pytest.fixture(scope="session")
def reference(corpus: Dict[str, Any], work: Path) -> Dict[str, Dict[str, Any]]:
    """`batch` on the same corpus: what every Spark row must agree with."""
    started = time.monotonic()
    stderr = run_batch(
        [str(corpus["path"]), "--threads", "2", "--sentence-scores", "all", "--summary", str(work / "batch-summary.json")],
        work / "batch.jsonl",
    )
    elapsed = time.monotonic() - started
    n = len(corpus["docs"])
    summary = [line for line in stderr.splitlines() if line.startswith("batch:")]
    figure(f"batch (2 threads, model load included): {n} documents in {elapsed:.1f} s, {n / elapsed:.2f} docs/s; {summary}")
    return read_batch(work / "batch.jsonl")


@pytest.fixture(scope="session")
def cluster(work: Path):
    c = spark_cluster.LocalCluster(work / "cluster", workers=2, cores=1, memory="3g")
    c.start()
    try:
        yield c
    finally:
        c.stop()


# ---------------------------------------------------------------------------
# Submitting the job.


class Submission:
    def __init__(self, proc: subprocess.Popen, log: Path, ui_port: int, output: Path):
        self.proc, self.log, self.ui_port, self.output = proc, log, ui_port, output

    def wait(self, timeout: float = 900) -> str:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            pytest.fail(f"spark-submit ran over {timeout} s; see {self.log}")
        text = self.log.read_text(errors="replace")
        assert self.proc.returncode == 0, f"spark-submit exited with {self.proc.returncode}:\n{text[-5000:]}"
        return text

    def app_id(self) -> Optional[str]:
        m = re.search(r"app ID (app-[0-9-]+)", self.log.read_text(errors="replace"))
        return m.group(1) if m else None

    def api(self, path: str) -> Any:
        return spark_cluster.get_json(f"http://127.0.0.1:{self.ui_port}/api/v1/applications{path}")


def submit(cluster: spark_cluster.LocalCluster, name: str, job_args: List[str]) -> Submission:
    output = WORK / f"{name}.parquet"
    log = WORK / f"{name}.log"
    ui_port = spark_cluster.free_port()
    python = cluster.python
    cmd = [
        str(spark_cluster.spark_home() / "bin" / "spark-submit"),
        "--master", cluster.master_url,
        "--name", f"framelens-{name}",
        "--conf", "spark.driver.host=127.0.0.1",
        "--conf", "spark.driver.bindAddress=127.0.0.1",
        "--conf", f"spark.ui.port={ui_port}",
        "--conf", "spark.executor.memory=1g",
        "--conf", f"spark.pyspark.python={python}",
        "--conf", f"spark.pyspark.driver.python={python}",
        "--conf", f"spark.executorEnv.FRAMELENS_MODELS={MODELS}",
        str(JOB),
        "--output", str(output),
        *job_args,
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd,
        stdout=open(log, "wb"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=cluster.env,
        cwd=ROOT,
        start_new_session=True,
    )
    with open(WORK / "cluster" / "pids", "a") as f:
        f.write(f"{proc.pid}\n")
    return Submission(proc, log, ui_port, output)


def read_output(path: Path) -> List[Dict[str, Any]]:
    return pq.read_table(path).to_pylist()


def job_summary(log: str) -> str:
    lines = [line for line in log.splitlines() if re.match(r"classify_corpus: \d+ documents in ", line)]
    assert lines, "the job printed no summary line"
    return lines[-1]


# ---------------------------------------------------------------------------
# Comparing results.


def differences(a: Any, b: Any, where: str = "", tol: float = TOL) -> List[str]:
    """Where two JSON values differ (numbers within `tol`); empty when they agree."""
    if isinstance(a, bool) or isinstance(b, bool):
        return [] if a == b else [f"{where}: {a!r} != {b!r}"]
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return [] if math.isclose(a, b, rel_tol=0, abs_tol=tol) else [f"{where}: {a!r} != {b!r}"]
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{where}: keys {sorted(a.keys() ^ b.keys())} in only one"]
        return [d for k in a for d in differences(a[k], b[k], f"{where}.{k}", tol)]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} items != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{where}[{i}]", tol)]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def check_row_against_batch(row: Dict[str, Any], text: str, expected: Dict[str, Any]) -> List[str]:
    """A Spark row against batch's record for the same document."""
    doc = row["id"]
    if "error" in expected:
        return [] if row["error"] == expected["error"] else [f"{doc}: error {row['error']!r} != batch {expected['error']!r}"]
    if row["error"] is not None:
        return [f"{doc}: error {row['error']!r}, batch classified it"]
    want = expected["analysis"]
    got = json.loads(row["analysis"])
    problems = [f"{doc}: analysis{d}" for d in differences(got, want)][:5]
    got_labels = [(x["label"], x["score"]) for x in row["labels"]]
    want_labels = [(x["label"], x["score"]) for x in want["labels"]]
    if [l for l, _ in got_labels] != [l for l, _ in want_labels]:
        problems.append(f"{doc}: labels {got_labels} != batch {want_labels}")
    else:
        problems += [
            f"{doc}: score of {l} {s} != batch {t}"
            for (l, s), (_, t) in zip(got_labels, want_labels)
            if not math.isclose(s, t, rel_tol=0, abs_tol=TOL)
        ]
    want_lang = (want.get("language") or {}).get("code")
    if row["language"] != want_lang:
        problems.append(f"{doc}: language {row['language']!r} != batch {want_lang!r}")
    # Evidence: batch's sentence indices, and character offsets that slice the
    # Python string exactly where batch's byte offsets slice its UTF-8.
    raw = text.encode("utf-8")
    for label, wanted in zip(row["labels"], want["labels"]):
        indices = [e["sentence"] for e in label["evidence"]]
        if indices != wanted["evidence"]:
            problems.append(f"{doc}: evidence of {label['label']} {indices} != batch {wanted['evidence']}")
            continue
        for e in label["evidence"]:
            s = want["sentences"][e["sentence"]]
            if text[e["start"] : e["end"]] != raw[s["start"] : s["end"]].decode("utf-8"):
                problems.append(f"{doc}: evidence offsets {e} do not slice sentence {e['sentence']} (bytes {s['start']}..{s['end']})")
    return problems


def assert_each_once(rows: List[Dict[str, Any]], ids: List[str]) -> None:
    seen: Dict[str, int] = {}
    for row in rows:
        seen[row["id"]] = seen.get(row["id"], 0) + 1
    twice = sorted(i for i, n in seen.items() if n > 1)
    missing = sorted(set(ids) - set(seen))
    extra = sorted(set(seen) - set(ids), key=str)
    assert not (twice or missing or extra), f"duplicated: {twice[:10]}; missing: {missing[:10]}; unexpected: {extra[:10]}"


def executor_logs(cluster: spark_cluster.LocalCluster, app_id: str) -> Dict[str, str]:
    """Executor id → its stderr, across both workers, for one application."""
    out = {}
    for stderr in sorted((cluster.workdir).glob(f"worker-*/{app_id}/*/stderr")):
        out[f"{stderr.parent.parent.parent.name}/{stderr.parent.name}"] = stderr.read_text(errors="replace")
    return out


# ---------------------------------------------------------------------------
# The tests.


def test_decode_per_row_without_a_cluster():
    import classify_corpus as job

    limit = 100
    # .txt files: the id is the file name without .txt; BOM dropped; bad bytes named by line and offset
    # (framelens.decode_text: batch's rules).
    assert job.decode(None, b"\xef\xbb\xbfHello.", 9, "file:/c/a b.TXT", None, True, limit) == ("a b", "Hello.", None)
    assert job.decode(None, b"ok\nbad \xff", 7, "file:///c/x.txt", None, True, limit) == (
        "x",
        None,
        "/c/x.txt:2: not valid UTF-8 (byte offset 7); save the file as UTF-8",
    )
    assert job.decode(None, None, 5000, "file:/c/big.txt", None, True, limit)[2].startswith(
        "/c/big.txt: the text is 5000 bytes, over the job's limit of 100 bytes"
    )
    # JSONL and Parquet rows.
    assert job.decode("7", "Grüße.".encode(), 8, "file:/c/in.jsonl", None, False, limit) == ("7", "Grüße.", None)
    # A BOM at the start of a JSONL text is dropped, as batch drops it.
    assert job.decode("7", b"\xef\xbb\xbfkept", 7, "file:/c/in.jsonl", None, False, limit)[1] == "kept"
    assert job.decode("7", None, None, "file:/c/in.jsonl", None, False, limit)[2].startswith("no text")
    assert job.decode("7", b"a\xc3", 2, "file:/c/p.parquet", None, False, limit)[2] == (
        "invalid input: the text is not valid UTF-8 (line 1, byte offset 1)"
    )
    assert job.decode(None, None, None, "file:/c/in.jsonl", "not a JSON object", False, limit) == (
        None,
        None,
        "not a JSON object",
    )


def test_input_format_from_the_path(tmp_path):
    import classify_corpus as job

    assert job.detect_format("hdfs:///corpus/articles.jsonl") == "jsonl"
    assert job.detect_format("s3a://bucket/corpus.parquet") == "parquet"
    (tmp_path / "a.txt").write_text("x")
    assert job.detect_format(str(tmp_path)) == "text"
    (tmp_path / "part-0.parquet").write_bytes(b"")
    assert job.detect_format(str(tmp_path)) == "parquet"
    with pytest.raises(SystemExit, match="--format"):
        job.detect_format(str(tmp_path / "missing"))



@pytest.fixture(scope="session")
def clean_run(cluster, corpus, reference) -> Dict[str, Any]:
    started = time.monotonic()
    sub = submit(
        cluster,
        "clean",
        ["--input", str(corpus["path"]), "--partitions", str(PARTITIONS), "--summary", str(WORK / "clean-summary.json")],
    )
    log = sub.wait()
    elapsed = time.monotonic() - started
    n = len(corpus["docs"])
    figure(
        f"spark job, 2 workers x 1 core (spark-submit to exit, JVM and model start included): "
        f"{n} documents in {elapsed:.1f} s, {n / elapsed:.2f} docs/s; job's own line: {job_summary(log)}"
    )
    return {"rows": read_output(sub.output), "app": sub.app_id(), "log": log}


def test_every_document_once_and_as_batch(clean_run, corpus, reference):
    rows = clean_run["rows"]
    assert_each_once(rows, list(corpus["docs"]))
    assert set(reference) == set(corpus["docs"]), "batch itself did not give one record per document"
    problems = []
    for row in rows:
        problems += check_row_against_batch(row, corpus["docs"][row["id"]], reference[row["id"]])
    assert not problems, f"{len(problems)} differences from batch, first: " + "\n".join(problems[:20])
    assert all(row["error"] is None for row in rows)
    assert sum(len(row["labels"]) for row in rows) > 0


def test_summary_as_batch(clean_run, reference, work):
    """--summary: the driver's framelens.prevalence over the rows equals batch --summary's JSON."""
    assert clean_run["rows"]
    want = json.loads((work / "batch-summary.json").read_text(encoding="utf-8"))
    got = json.loads((WORK / "clean-summary.json").read_text(encoding="utf-8"))
    assert got == want
    assert got["documents"] == len(reference)


def test_one_classifier_per_python_worker(clean_run, cluster):
    assert clean_run["app"], "no app id in the driver's log"
    logs = executor_logs(cluster, clean_run["app"])
    assert len(logs) == 2, f"expected one executor on each of the 2 workers, got {sorted(logs)}"
    builds = {name: re.findall(r"framelens-spark: pid (\d+) built", text) for name, text in logs.items()}
    for name, pids in builds.items():
        assert len(pids) == len(set(pids)), f"{name}: a Python worker built its classifier twice: {pids}"
    total = sum(len(p) for p in builds.values())
    # 16 tasks ran on 2 single-core executors: a classifier per task would be 16 builds.
    assert 1 <= total <= 2, f"{total} classifier builds for {PARTITIONS} tasks: {builds}"


def test_killed_executor_loses_and_duplicates_nothing(cluster, corpus, clean_run):
    sub = submit(cluster, "killed", ["--input", str(corpus["path"]), "--partitions", str(PARTITIONS)])
    killed = None
    deadline = time.monotonic() + 600
    while killed is None:
        if sub.proc.poll() is not None:
            pytest.fail(f"the job ended before an executor could be killed mid-job; see {sub.log}")
        if time.monotonic() > deadline:
            pytest.fail("the classification stage never got under way")
        time.sleep(0.5)
        try:
            apps = sub.api("")
            stages = sub.api(f"/{apps[0]['id']}/stages?status=active")
            executors = sub.api(f"/{apps[0]['id']}/executors")
        except (OSError, IndexError, ValueError):
            continue
        stage = [s for s in stages if s["numTasks"] == PARTITIONS and s["numCompleteTasks"] >= 2]
        busy = [e["id"] for e in executors if e["id"] != "driver" and e["activeTasks"] > 0]
        pids = cluster.executors()
        if stage and busy and busy[0] in pids and stage[0]["numCompleteTasks"] < PARTITIONS - 2:
            # Loopback only, checked while the driver, both executors and their
            # Python workers are up.
            everything = cluster.tree_pids() | spark_cluster.descendants([sub.proc.pid])
            addresses = spark_cluster.listening(everything)
            open_wide = [a for a in addresses if not spark_cluster.is_loopback(a)]
            assert not open_wide, f"listening beyond loopback: {open_wide} (all: {addresses})"
            assert len(addresses) >= 6, f"expected the daemons', driver's and executors' sockets, got {addresses}"
            done = stage[0]["numCompleteTasks"]
            os.kill(pids[busy[0]], signal.SIGKILL)
            killed = (busy[0], done)
    log = sub.wait()
    figure(f"killed executor {killed[0]} (SIGKILL to its JVM) after {killed[1]} of {PARTITIONS} tasks; {job_summary(log)}")
    lost = re.findall(r"(?:Lost executor|ExecutorLostFailure|Executor lost)[^\n]*", log)
    assert lost, "the driver's log does not show the executor lost: the kill did not hit the job"
    rows = read_output(sub.output)
    assert_each_once(rows, list(corpus["docs"]))
    clean = {r["id"]: r for r in clean_run["rows"]}
    differing = [r["id"] for r in rows if r != clean[r["id"]]]
    assert not differing, f"{len(differing)} rows differ from the clean run: {differing[:10]}"


def stories(corpus: Dict[str, Any]) -> List[str]:
    """The ids of whole Global Voices stories, in file order."""
    return [i for i in corpus["docs"] if i.startswith("gv-") and not i.endswith("-p")]


def good_ids(reference: Dict[str, Dict[str, Any]]) -> List[str]:
    return sorted(i for i in reference if not i.startswith("gv-"))[:3]


def test_bad_rows_in_a_text_folder(cluster, corpus, reference, work):
    folder = work / "texts"
    folder.mkdir()
    for doc in good_ids(reference):
        (folder / f"{doc}.txt").write_text(corpus["docs"][doc], encoding="utf-8")
    story_id = stories(corpus)[0]
    story = corpus["docs"][story_id]
    (folder / "bom.txt").write_bytes(b"\xef\xbb\xbf" + story.encode("utf-8"))
    lines = story.encode("utf-8").split(b"\n")
    (folder / "bad-utf8.txt").write_bytes(b"\n".join(lines[:2] + [lines[2][:10] + b"\xff\xfe" + lines[2][10:]] + lines[3:]))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "big.txt").write_bytes((story.encode("utf-8") + b"\n\n") * (BIG // len(story) + 1))
    (folder / "notes.md").write_text("not a .txt file: not part of the corpus")
    (folder / "sub").mkdir()
    (folder / "sub" / "nested.txt").write_text("batch reads only the folder's own files")
    # batch on the two failing files: the job's messages must be the same.
    bad_only = work / "texts-bad"
    bad_only.mkdir()
    for name in ("bad-utf8.txt", "empty.txt"):
        shutil.copy(folder / name, bad_only / name)
    run_batch([str(bad_only)], work / "batch-bad.jsonl")
    batch_bad = read_batch(work / "batch-bad.jsonl")
    # Paths in batch's messages name texts-bad/; the job's name texts/.
    expected_error = {k: v["error"].replace("/texts-bad/", "/texts/") for k, v in batch_bad.items()}

    sub = submit(cluster, "texts", ["--input", str(folder), "--partitions", "3"])
    sub.wait()
    rows = {r["id"]: r for r in read_output(sub.output)}
    assert sorted(rows) == sorted(good_ids(reference) + ["bom", "bad-utf8", "empty", "big"])
    assert rows["bad-utf8"]["error"] == expected_error["bad-utf8"], rows["bad-utf8"]
    assert "bad-utf8.txt:3: not valid UTF-8" in rows["bad-utf8"]["error"], rows["bad-utf8"]
    assert rows["empty"]["error"] == expected_error["empty"], rows["empty"]
    assert re.search(r"big\.txt: the text is \d+ bytes, over the job's limit of 1048576 bytes", rows["big"]["error"]), rows["big"]
    for doc in good_ids(reference):
        problems = check_row_against_batch(rows[doc], corpus["docs"][doc], reference[doc])
        assert not problems, problems
    # The byte-order mark is dropped, as batch does: the same analysis as without it.
    problems = check_row_against_batch(dict(rows["bom"], id=story_id), story, reference[story_id])
    assert not problems, problems
    for r in rows.values():
        assert (r["error"] is None) == (r["analysis"] is not None) == (r["labels"] is not None), r


def test_bad_rows_in_jsonl(cluster, corpus, reference, work):
    story_id = stories(corpus)[1]
    story = corpus["docs"][story_id]
    path = work / "bad.jsonl"
    lines = [json.dumps({"id": doc, "text": corpus["docs"][doc]}) for doc in good_ids(reference)]
    lines += [
        json.dumps({"id": "null-text", "text": None}),
        json.dumps({"id": "no-text", "title": "a record without text"}),
        json.dumps({"id": "empty", "text": ""}),
        json.dumps({"id": "blank", "text": " \n\t "}),
        json.dumps({"id": "big", "text": (story + "\n\n") * (BIG // len(story) + 1)}),
        "this line is not JSON",
        json.dumps({"text": "A record without an id."}),
        json.dumps({"id": 42, "text": story}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sub = submit(cluster, "jsonl", ["--input", str(path), "--partitions", "3"])
    sub.wait()
    rows = read_output(sub.output)
    by_id = {r["id"]: r for r in rows if r["id"] is not None}
    no_id = [r for r in rows if r["id"] is None]
    assert len(rows) == len(lines), f"{len(rows)} rows for {len(lines)} lines"
    assert sorted(by_id) == sorted(good_ids(reference) + ["null-text", "no-text", "empty", "blank", "big", "42"])
    empty_message = "invalid input: the text is empty or only whitespace; nothing to classify"
    assert by_id["null-text"]["error"].startswith("no text"), by_id["null-text"]
    assert by_id["no-text"]["error"].startswith("no text"), by_id["no-text"]
    assert by_id["empty"]["error"] == empty_message, by_id["empty"]
    assert by_id["blank"]["error"] == empty_message, by_id["blank"]
    assert "over the job's limit of 1048576 bytes" in by_id["big"]["error"], by_id["big"]
    errors = sorted(r["error"] for r in no_id)
    assert len(errors) == 2 and errors[0].startswith("a record without an `id`") and errors[1].startswith(
        "not a JSON object"
    ), errors
    assert "this line is not JSON" in errors[1]
    for doc in good_ids(reference):
        assert not check_row_against_batch(by_id[doc], corpus["docs"][doc], reference[doc])
    assert not check_row_against_batch(dict(by_id["42"], id=story_id), story, reference[story_id])


def test_bad_rows_in_parquet(cluster, corpus, reference, work):
    story_id = stories(corpus)[2]
    story = corpus["docs"][story_id]
    ids = good_ids(reference) + ["null-text", "empty", "big", story_id]
    texts = [corpus["docs"][d] for d in good_ids(reference)] + [None, "", (story + "\n\n") * (BIG // len(story) + 1), story]
    folder = work / "bad-parquet"
    folder.mkdir()
    # Two files, as a Parquet corpus usually is.
    pq.write_table(pa.table({"id": ids[:4], "text": texts[:4], "extra": list(range(4))}), folder / "part-0.parquet")
    pq.write_table(pa.table({"id": ids[4:], "text": texts[4:], "extra": list(range(4, len(ids)))}), folder / "part-1.parquet")
    sub = submit(cluster, "parquet", ["--input", str(folder), "--partitions", "2"])
    sub.wait()
    rows = {r["id"]: r for r in read_output(sub.output)}
    assert sorted(rows) == sorted(ids)
    assert rows["null-text"]["error"].startswith("no text"), rows["null-text"]
    assert rows["empty"]["error"] == "invalid input: the text is empty or only whitespace; nothing to classify"
    assert "over the job's limit of 1048576 bytes" in rows["big"]["error"]
    for doc in good_ids(reference) + [story_id]:
        assert not check_row_against_batch(rows[doc], corpus["docs"][doc], reference[doc])


@pytest.fixture(scope="session")
def adapt_reference(corpus: Dict[str, Any], work: Path) -> Dict[str, Dict[str, Dict[str, Any]]]:
    """`batch` with the narratives on the same corpus, then `batch --redecide --adapt` on its saved output."""
    started = time.monotonic()
    run_batch(
        [str(corpus["path"]), "--taxonomy", NARRATIVES, "--threads", "2", "--sentence-scores", "all",
         "--summary", str(work / "batch-n-summary.json")],
        work / "batch-n.jsonl",
    )  # fmt: skip
    classified = time.monotonic()
    run_batch(["--redecide", str(work / "batch-n.jsonl"), "--taxonomy", NARRATIVES, "--adapt"], work / "batch-n-adapted.jsonl")
    done = time.monotonic()
    n = len(corpus["docs"])
    figure(
        f"batch {NARRATIVES} (2 threads, model load included): {n} documents in {classified - started:.1f} s; "
        f"batch --redecide --adapt on its output: {done - classified:.2f} s"
    )
    return {"classified": read_batch(work / "batch-n.jsonl"), "adapted": read_batch(work / "batch-n-adapted.jsonl")}


def test_adapt_as_batch_redecide(cluster, corpus, adapt_reference, work):
    """--adapt: the second pass's rows equal `batch --redecide --adapt` on the same documents, label by label."""
    sub = submit(
        cluster,
        "adapt",
        ["--input", str(corpus["path"]), "--taxonomy", NARRATIVES, "--partitions", str(PARTITIONS), "--adapt",
         "--summary", str(work / "adapt-summary.json")],
    )  # fmt: skip
    log = sub.wait()
    lines = [line for line in log.splitlines() if line.startswith("classify_corpus:")]
    figure(f"spark job {NARRATIVES} --adapt, 2 workers x 1 core: " + " | ".join(lines))
    assert any(line.startswith("classify_corpus: adapted") for line in lines), lines
    ids = list(corpus["docs"])
    rows = read_output(sub.output)
    first = read_output(Path(str(sub.output) + ".classified"))
    assert_each_once(rows, ids)
    assert_each_once(first, ids)
    # The classification pass is batch's run; the adapted rows are batch --redecide --adapt's.
    problems = []
    for row in first:
        problems += check_row_against_batch(row, corpus["docs"][row["id"]], adapt_reference["classified"][row["id"]])
    assert not problems, f"{len(problems)} differences from batch, first: " + "\n".join(problems[:20])
    for row in rows:
        problems += check_row_against_batch(row, corpus["docs"][row["id"]], adapt_reference["adapted"][row["id"]])
        assert set(row) == {"id", "error", "language", "labels", "analysis"}, sorted(row)
    assert not problems, f"{len(problems)} differences from batch --redecide --adapt, first: " + "\n".join(problems[:20])
    # Re-decided, except a document in neither domain, which keeps its `Other` (and its rule).
    rules = {r["id"]: json.loads(r["analysis"]) for r in rows}
    assert all(a["basis"]["rule"] == "adapted" for a in rules.values() if "domain_reason" not in a)
    assert all(a["basis"]["rule"] == "outside-domains" for a in rules.values() if "domain_reason" in a)
    before = {r["id"]: [x["label"] for x in r["labels"]] for r in first}
    changed = [r["id"] for r in rows if [x["label"] for x in r["labels"]] != before[r["id"]]]
    assert changed, "--adapt changed no document's labels: the second pass did not re-decide"
    figure(f"--adapt changed the labels of {len(changed)} of {len(rows)} documents")
    # --summary: of the decisions before adapting, as batch --summary --adapt writes it. The
    # anchored gate's EM sums over the documents in another order here: equal to the last bits.
    want = json.loads((work / "batch-n-summary.json").read_text(encoding="utf-8"))
    got = json.loads((work / "adapt-summary.json").read_text(encoding="utf-8"))
    assert not differences(got, want, tol=1e-9), differences(got, want, tol=1e-9)[:10]


def test_adapt_refused_before_any_work(cluster, corpus, work):
    """--adapt with a flat taxonomy, or over an existing output without --overwrite: refused up front."""
    (work / "adapt-exists.parquet").mkdir(exist_ok=True)
    for name, extra, message in (
        ("adapt-flat", ["--taxonomy", "media-frames"], "two-level taxonomies only"),
        ("adapt-exists", ["--taxonomy", NARRATIVES], "exists; pass --overwrite"),
    ):
        refused = submit(cluster, name, ["--input", str(corpus["path"]), *extra, "--adapt"])
        refused.proc.wait(timeout=300)
        text = refused.log.read_text(errors="replace")
        assert refused.proc.returncode != 0 and message in text, text[-3000:]

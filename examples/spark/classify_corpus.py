"""Classify a corpus with framelens on a Spark cluster; write one Parquet row per document.

    spark-submit examples/spark/classify_corpus.py --input PATH --output DIR \
        [--taxonomy NAME|PATH] [--models DIR] [--format auto|text|jsonl|parquet] \
        [--partitions N] [--chunk N] [--max-bytes N] [--threads N] [--overwrite] \
        [--summary FILE] [--adapt]

The input is one of (as for the Rust `batch` example):

* a folder of ``.txt`` files: the id is the file name without ``.txt``; each
  file is read as bytes and decoded on the executor, so a file that is not
  UTF-8 becomes an error row naming the file, line and byte offset;
* JSONL, one ``{"id": ..., "text": ...}`` object per line (other fields are
  ignored; integer ids are read as strings);
* Parquet with ``id`` and ``text`` columns (string or binary).

The output under DIR is Parquet, one row per document:

* ``id`` (string; null only for a JSONL line that has no id or is not JSON),
* ``error`` (string, null when the document was classified: otherwise why
  not, e.g. a null, empty or over-long text, or invalid UTF-8),
* ``language`` (ISO 639-3 code of the detected language, or null),
* ``labels``: list of ``{label, score, evidence}``, the document's labels in
  order; ``evidence`` is a list of ``{sentence, start, end}``: the index of
  an evidence sentence and its character offsets (code points, 0-based, end
  exclusive) into the text, so ``substring(text, start + 1, end - start)`` in
  Spark SQL or ``text[start:end]`` in Python is the sentence,
* ``analysis``: the document's analysis as JSON, the object that ``batch``
  writes under ``"analysis"`` on that document's line.

A document that fails is a row with an ``error``; the job goes on and exits 0.

``--summary FILE`` writes the corpus's prevalence estimates as JSON, the
summary ``batch --summary`` writes (``framelens.prevalence``): the driver
collects the ``analysis`` column of the written rows without the sentences
(dropped on the executors; the estimate does not read them), 16.5 KB per
document for ``semeval2025-narratives`` on the cluster test's texts where the
whole analysis is 402 KB. With ``--adapt`` it is the
summary of the decisions as classified, before they are re-decided (as
``batch --summary --adapt`` writes it).

``--adapt`` re-decides every document with the corpus's estimated
prevalences as priors (per language in a mixed corpus), as ``batch --adapt``
does, in a second pass over the scores already computed (no second
encoding; two-level taxonomies only, a flat one is refused before any work).
The classification pass is written to ``DIR.classified`` (the same columns
plus ``chars``, each sentence's character offsets; kept: the decisions
before adapting), then the driver collects its ``analysis`` column with the
sentences dropped on the executors (for N documents the driver holds N
analyses without sentences: the document scores and decision basis, 16.5 KB
each for ``semeval2025-narratives`` on the cluster test's 304 texts, so
about 1.7 GB per 100,000 documents; the job prints the figure), fits
``framelens.Adaptation`` on them, broadcasts its JSON (16.8 KB there), and
the executors re-decide each row with ``mapInArrow`` and write
the output under DIR: the same rows as without ``--adapt``, with the
re-decided labels and analyses (``batch --redecide FILE --adapt`` on the
same documents gives the same labels).

Documents are classified on the executors with ``mapInArrow``: each Python
worker process builds one ``framelens.Classifier`` the first time it needs
one and keeps it for every later partition it runs (it is never pickled: only
the settings travel with the tasks).

The machines running the executors need the ``framelens`` wheel installed in
the Python that ``spark.pyspark.python`` names, and the models directory
(``--models``, or ``FRAMELENS_MODELS`` in the executors' environment); see
docs/corpus.md for where they go on YARN, Kubernetes and Databricks.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import os
import re
import sys
import time
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Tuple

#: Largest document the job classifies by default, in UTF-8 bytes (1 MiB);
#: larger ones give an error row (``--max-bytes`` changes it). News articles
#: are a few to a hundred KB; a bigger "document" is usually a dump to split.
DEFAULT_MAX_BYTES = 1 << 20


class Settings(NamedTuple):
    """What an executor needs to build its classifier; this travels with each task."""

    taxonomy: str
    models: Optional[str]
    threads: Optional[int]
    chunk: int
    max_bytes: int
    #: With ``--adapt``: also write each sentence's character offsets (the
    #: ``chars`` column of the classification pass's output), so that the
    #: second pass gives the adapted labels' evidence as character offsets
    #: without the text.
    keep_chars: bool = False


# ---------------------------------------------------------------------------
# Executor side. Nothing here is imported on the driver's behalf: the driver
# imports this file as a module and ships `classify_partition` by reference,
# so the cache below is this worker process's module state.

#: One classifier per Python worker process, keyed by its settings.
_CLASSIFIERS: Dict[Tuple[str, Optional[str], Optional[int]], Any] = {}


def _classifier(settings: Settings) -> Any:
    """The worker's classifier for `settings`, built on first use."""
    key = (settings.taxonomy, settings.models, settings.threads)
    clf = _CLASSIFIERS.get(key)
    if clf is None:
        import framelens

        threads = settings.threads
        if threads is None:
            from pyspark import TaskContext

            context = TaskContext.get()
            threads = context.cpus() if context is not None else 1
        started = time.monotonic()
        clf = framelens.Classifier(settings.taxonomy, models_dir=settings.models, threads=threads)
        _CLASSIFIERS[key] = clf
        # One line in the executor's stderr per build: how often workers
        # build a classifier can be read off the logs.
        print(
            f"framelens-spark: pid {os.getpid()} built the {settings.taxonomy} classifier "
            f"({threads} threads) in {time.monotonic() - started:.2f} s",
            file=sys.stderr,
            flush=True,
        )
    return clf


def _arrow_schema(chars: bool = False) -> Any:
    import pyarrow as pa

    evidence = pa.struct([("sentence", pa.int32()), ("start", pa.int64()), ("end", pa.int64())])
    label = pa.struct([("label", pa.string()), ("score", pa.float64()), ("evidence", pa.list_(evidence))])
    fields = [
        ("id", pa.string()),
        ("error", pa.string()),
        ("language", pa.string()),
        ("labels", pa.list_(label)),
        ("analysis", pa.string()),
    ]
    if chars:
        fields.append(("chars", pa.list_(pa.struct([("start", pa.int64()), ("end", pa.int64())]))))
    return pa.schema(fields)


def _file_name(path: str) -> str:
    """A file's name from the path Spark gives for it: `file:/a/b.txt` → `/a/b.txt`."""
    return re.sub(r"^file:(//(?=/))?", "", path)


def decode(
    doc_id: Optional[str],
    data: Optional[bytes],
    nbytes: Optional[int],
    path: Optional[str],
    problem: Optional[str],
    from_file: bool,
    max_bytes: int,
) -> Tuple[Optional[str], Optional[str], Optional[str]]:
    """One input row → (id, text, error); exactly one of text and error is set."""
    if from_file and path is not None:
        base = os.path.basename(_file_name(path))
        doc_id = base[: -len(".txt")] if base.lower().endswith(".txt") else base
    if problem is not None:
        return doc_id, None, problem
    if nbytes is not None and nbytes > max_bytes:
        where = f"{_file_name(path)}: " if from_file and path else ""
        return (
            doc_id,
            None,
            f"{where}the text is {nbytes} bytes, over the job's limit of {max_bytes} bytes; "
            "split it into smaller documents or raise --max-bytes",
        )
    if data is None:
        return doc_id, None, "no text: the `text` field is null or missing"
    import framelens

    # The package's own decoding, as `batch` reads files and JSONL texts:
    # UTF-8, the BOM removed; a file's bad bytes named by file, line and offset.
    try:
        return doc_id, framelens.decode_text(bytes(data), _file_name(path) if from_file and path else None), None
    except framelens.FramelensError as e:
        return doc_id, None, str(e)


def _row(doc_id: Optional[str], result: Any, keep_chars: bool = False) -> Dict[str, Any]:
    """An output row from an `Analysis`, or from an error (a message or an exception)."""
    if isinstance(result, (str, BaseException)):
        row = {"id": doc_id, "error": str(result), "language": None, "labels": None, "analysis": None}
        return dict(row, chars=None) if keep_chars else row
    sentences = result.sentences
    labels = [
        {
            "label": label.label,
            "score": label.score,
            "evidence": [{"sentence": i, "start": sentences[i].start, "end": sentences[i].end} for i in label.evidence],
        }
        for label in result.labels
    ]
    language = result.language
    code = getattr(language, "code", language)
    row = {"id": doc_id, "error": None, "language": code, "labels": labels, "analysis": result.to_json()}
    if keep_chars:
        row["chars"] = [{"start": s.start, "end": s.end} for s in sentences]
    return row


def classify_rows(settings: Settings, rows: List[Tuple[Optional[str], Optional[str], Optional[str]]]) -> List[Dict[str, Any]]:
    """Classify the texts of (id, text, error) `rows` in one batch; rows with an error pass through."""
    texts = [text for _, text, error in rows if error is None]
    results = iter(_classifier(settings).classify_batch(texts) if texts else [])
    return [
        _row(doc_id, error if error is not None else next(results), settings.keep_chars) for doc_id, _, error in rows
    ]


def classify_partition(settings: Settings, from_file: bool, batches: Iterator[Any]) -> Iterator[Any]:
    """The `mapInArrow` function: Arrow batches of input rows → batches of output rows."""
    import pyarrow as pa

    schema = _arrow_schema(settings.keep_chars)
    for batch in batches:
        cols = batch.to_pydict()
        rows = [
            decode(doc_id, data, nbytes, path, problem, from_file, settings.max_bytes)
            for doc_id, data, nbytes, path, problem in zip(
                cols["id"], cols["data"], cols["nbytes"], cols["path"], cols["problem"]
            )
        ]
        for start in range(0, len(rows), settings.chunk):
            out = classify_rows(settings, rows[start : start + settings.chunk])
            yield pa.RecordBatch.from_pylist(out, schema=schema)


# The second pass (--adapt), also on the executors.

#: One adaptation per Python worker process, keyed by (taxonomy, its JSON).
_ADAPTATIONS: Dict[Tuple[str, str], Any] = {}


def strip_sentences(batches: Iterator[Any]) -> Iterator[Any]:
    """The `mapInArrow` function before the fit: each `analysis` without its
    sentences (the fit reads the document scores and decision basis only), so
    that the driver collects a few KB per document, not the whole analysis."""
    import pyarrow as pa

    schema = pa.schema([("analysis", pa.string())])
    for batch in batches:
        out = []
        for analysis in batch.column("analysis").to_pylist():
            d = json.loads(analysis)
            d["sentences"] = []
            out.append(json.dumps(d, ensure_ascii=False, separators=(",", ":")))
        yield pa.RecordBatch.from_pydict({"analysis": out}, schema=schema)


def adapted_row(adaptation: Any, row: Dict[str, Any]) -> Dict[str, Any]:
    """A classification pass's row re-decided by `adaptation`; error rows pass through."""
    if row["analysis"] is None:
        return {k: row[k] for k in ("id", "error", "language", "labels", "analysis")}
    analysis = adaptation.apply(row["analysis"])
    d = json.loads(analysis)
    chars = row["chars"]
    labels = [
        {
            "label": label["label"],
            "score": label["score"],
            "evidence": [{"sentence": i, "start": chars[i]["start"], "end": chars[i]["end"]} for i in label["evidence"]],
        }
        for label in d["labels"]
    ]
    return {"id": row["id"], "error": None, "language": row["language"], "labels": labels, "analysis": analysis}


def adapt_partition(taxonomy: str, fitted: Any, batches: Iterator[Any]) -> Iterator[Any]:
    """The second pass's `mapInArrow` function: the classification pass's rows
    (with their ``chars``) → the output rows, re-decided with the adaptation
    fitted on the driver (`fitted`: a broadcast of its JSON). No model: only
    the scores already in each analysis are read."""
    import pyarrow as pa

    key = (taxonomy, fitted.value)
    adaptation = _ADAPTATIONS.get(key)
    if adaptation is None:
        import framelens

        adaptation = _ADAPTATIONS[key] = framelens.Adaptation.from_json(fitted.value, taxonomy=taxonomy)
    schema = _arrow_schema()
    for batch in batches:
        rows = batch.to_pylist()
        yield pa.RecordBatch.from_pylist([adapted_row(adaptation, r) for r in rows], schema=schema)


# ---------------------------------------------------------------------------
# Driver side.


def _spark_schema(chars: bool = False) -> Any:
    from pyspark.sql.types import (
        ArrayType,
        DoubleType,
        IntegerType,
        LongType,
        StringType,
        StructField,
        StructType,
    )

    evidence = StructType(
        [
            StructField("sentence", IntegerType()),
            StructField("start", LongType()),
            StructField("end", LongType()),
        ]
    )
    label = StructType(
        [
            StructField("label", StringType()),
            StructField("score", DoubleType()),
            StructField("evidence", ArrayType(evidence)),
        ]
    )
    fields = [
        StructField("id", StringType()),
        StructField("error", StringType()),
        StructField("language", StringType()),
        StructField("labels", ArrayType(label)),
        StructField("analysis", StringType()),
    ]
    if chars:
        span = StructType([StructField("start", LongType()), StructField("end", LongType())])
        fields.append(StructField("chars", ArrayType(span)))
    return StructType(fields)


def detect_format(path: str) -> str:
    """text, jsonl or parquet, from the path's extension or (local paths) a folder's files."""
    lower = path.lower().rstrip("/")
    for ext, fmt in ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "jsonl"), (".parquet", "parquet")):
        if lower.endswith(ext) or lower.endswith(ext + ".gz"):
            return fmt
    local = _file_name(path) if path.startswith("file:") else path
    if "://" not in local and os.path.isdir(local):
        names = os.listdir(local)
        if any(n.lower().endswith(".parquet") for n in names):
            return "parquet"
        if any(n.lower().endswith(".txt") for n in names):
            return "text"
        if any(n.lower().endswith((".jsonl", ".json", ".ndjson")) for n in names):
            return "jsonl"
    raise SystemExit(f"classify_corpus: cannot tell the format of {path}; pass --format text, jsonl or parquet")


def _empty_files(spark: Any, pattern: str) -> List[str]:
    """The empty files that `pattern` matches, named as Spark's binaryFile names them."""
    jvm = spark.sparkContext._jvm
    glob = jvm.org.apache.hadoop.fs.Path(pattern)
    statuses = glob.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).globStatus(glob)
    return [st.getPath().toString() for st in (statuses or []) if st.isFile() and st.getLen() == 0]


def read_corpus(spark: Any, path: str, fmt: str, max_bytes: int) -> Any:
    """The corpus as rows (id, data, nbytes, path, problem), one per document.

    `data` holds the text as UTF-8 bytes (null when it is missing or over
    `max_bytes`, which `nbytes` tells); `problem` is set when the record
    could not be read at all. Texts are decoded on the executors.
    """
    from pyspark.sql import functions as F

    none_binary = F.lit(None).cast("binary")
    none_string = F.lit(None).cast("string")
    if fmt == "text":
        # A glob takes the folder's own files, not its subfolders, as batch does.
        pattern = path.rstrip("/") + "/*.[tT][xX][tT]"
        files = spark.read.format("binaryFile").load(pattern)
        # The length filter runs before a file is read, so an oversized file
        # is never loaded into memory.
        small = files.filter(F.col("length") <= max_bytes).select(
            none_string.alias("id"), F.col("content").alias("data"), F.col("length").alias("nbytes"), "path"
        )
        large = files.filter(F.col("length") > max_bytes).select(
            none_string.alias("id"), none_binary.alias("data"), F.col("length").alias("nbytes"), "path"
        )
        corpus = small.unionByName(large)
        # Spark's file sources skip empty files; they are documents too (that
        # fail), so they are listed here.
        empty = _empty_files(spark, pattern)
        if empty:
            rows = spark.createDataFrame([(None, b"", 0, p) for p in empty], "id STRING, data BINARY, nbytes LONG, path STRING")
            corpus = corpus.unionByName(rows)
        return corpus.withColumn("problem", none_string)
    if fmt == "jsonl":
        df = (
            spark.read.schema("id STRING, text STRING, _corrupt_record STRING")
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", "_corrupt_record")
            .json(path)
        )
        text, corrupt = F.col("text"), F.col("_corrupt_record")
        file_path = F.col("_metadata.file_path")
    elif fmt == "parquet":
        df = spark.read.parquet(path)
        missing = [c for c in ("id", "text") if c not in df.columns]
        if missing:
            raise SystemExit(
                f"classify_corpus: {path} has no {' or '.join(missing)} column (it has: {', '.join(df.columns)})"
            )
        text, corrupt = F.col("text"), none_string
        file_path = F.col("_metadata.file_path")
    else:
        raise SystemExit(f"classify_corpus: unknown format {fmt!r}; use text, jsonl or parquet")
    nbytes = F.octet_length(text)
    problem = (
        F.when(
            corrupt.isNotNull(),
            F.concat(
                F.lit("not a JSON object with a string `id` and `text` ("),
                file_path,
                F.lit("): "),
                F.substring(corrupt, 1, 100),
            ),
        )
        .when(F.col("id").isNull(), F.concat(F.lit("a record without an `id` ("), file_path, F.lit(")")))
        .otherwise(none_string)
    )
    return df.select(
        F.col("id").cast("string").alias("id"),
        F.when(nbytes <= max_bytes, text.cast("binary")).alias("data"),
        nbytes.cast("long").alias("nbytes"),
        file_path.alias("path"),
        problem.alias("problem"),
    )


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="classify_corpus.py",
        description="Classify a corpus with framelens on Spark; write Parquet, one row per document.",
        epilog="Example: spark-submit examples/spark/classify_corpus.py --input examples/data --output frames.parquet",
    )
    p.add_argument("--input", required=True, help="a folder of .txt files, a JSONL file or Parquet (id, text)")
    p.add_argument("--output", required=True, help="the folder to write the Parquet files to")
    p.add_argument("--taxonomy", default="media-frames", help="built-in taxonomy name or a .toml/.json path")
    p.add_argument(
        "--models",
        default=None,
        help="models directory as the executors see it (default: their FRAMELENS_MODELS, then ./models)",
    )
    p.add_argument("--format", default="auto", choices=["auto", "text", "jsonl", "parquet"], help="input format")
    p.add_argument(
        "--partitions",
        type=int,
        default=None,
        help="tasks to split the corpus into (default: twice the cluster's cores, "
        "and at least one per --docs-per-task documents)",
    )
    p.add_argument("--docs-per-task", type=int, default=500, help="documents per task at most, by default")
    p.add_argument("--chunk", type=int, default=64, help="documents per classify_batch call (as batch --chunk)")
    p.add_argument(
        "--max-bytes", type=int, default=DEFAULT_MAX_BYTES, help="longest text in UTF-8 bytes; longer is an error row"
    )
    p.add_argument("--threads", type=int, default=None, help="classifier threads per task (default: spark.task.cpus)")
    p.add_argument("--overwrite", action="store_true", help="replace DIR if it exists (by default the job refuses)")
    p.add_argument(
        "--summary",
        metavar="FILE",
        default=None,
        help="also write the corpus's prevalence estimates here as JSON (batch --summary's), on the driver; "
        "with --adapt, of the decisions before re-deciding (as batch)",
    )
    p.add_argument(
        "--adapt",
        action="store_true",
        help="re-decide every document with the corpus's estimated prevalences as priors (batch --adapt; "
        "two-level taxonomies): a second pass over the scores already computed, no second encoding; "
        "the classification pass is kept in DIR.classified",
    )
    args = p.parse_args(argv)
    for name in ("chunk", "max_bytes", "docs_per_task", "partitions", "threads"):
        value = getattr(args, name)
        if value is not None and value < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    spark = SparkSession.builder.appName("framelens classify_corpus").getOrCreate()
    sc = spark.sparkContext
    # Batches of --chunk rows reach the Python workers: memory stays flat.
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(args.chunk))

    # Ship this file to the executors and use it there as a module, so that
    # `classify_partition` is pickled by reference and its classifier cache
    # is per worker process, not per task.
    here = os.path.abspath(__file__)
    sc.addPyFile(here)
    sys.path.insert(0, os.path.dirname(here))
    job = importlib.import_module(os.path.splitext(os.path.basename(here))[0])

    fmt = detect_format(args.input) if args.format == "auto" else args.format
    mode = "overwrite" if args.overwrite else "errorifexists"
    # With --adapt the classification pass goes beside the output, and the
    # re-decided rows to the output; both refused up front if they exist.
    first = args.output
    if args.adapt:
        check_adaptable(args.taxonomy)
        first = classified_path(args.output)
        if not args.overwrite:
            for path in (args.output, first):
                if _exists(spark, path):
                    raise SystemExit(f"classify_corpus: {path} exists; pass --overwrite to replace it")
    settings = job.Settings(args.taxonomy, args.models, args.threads, args.chunk, args.max_bytes, args.adapt)
    started = time.monotonic()
    corpus = job.read_corpus(spark, args.input, fmt, args.max_bytes)
    partitions = args.partitions
    if partitions is None:
        count = corpus.count()
        partitions = max(2 * sc.defaultParallelism, -(-count // args.docs_per_task), 1)
    # Partitioned by a hash of the id (the path for .txt files) and sorted in
    # each partition, so that a retried task gets the same documents in the
    # same chunks and gives the same output.
    key = "path" if fmt == "text" else "id"
    corpus = corpus.repartition(partitions, key).sortWithinPartitions(key, "path")
    out = corpus.mapInArrow(
        functools.partial(job.classify_partition, settings, fmt == "text"), job._spark_schema(args.adapt)
    )
    out.write.mode(mode).parquet(first)
    elapsed = time.monotonic() - started

    written = spark.read.parquet(first)
    tally = written.agg(F.count(F.lit(1)).alias("n"), F.count("error").alias("failed")).collect()[0]
    n, failed = tally["n"], tally["failed"]
    print(
        f"classify_corpus: {n} documents in {elapsed:.1f} s ({n / max(elapsed, 1e-9):.2f} docs/s): "
        f"{n - failed} ok, {failed} failed; {partitions} tasks; {first}",
        file=sys.stderr,
        flush=True,
    )
    if args.summary is not None:
        # Of the decisions as classified (before --adapt re-decides them), as batch.
        write_summary(job, written, args.taxonomy, args.summary)
    if args.adapt:
        adapt(spark, job, written, args.taxonomy, args.output, mode)
    spark.stop()
    return 0


def classified_path(output: str) -> str:
    """Where ``--adapt`` keeps the classification pass: beside the output, ``DIR.classified``."""
    return output.rstrip("/") + ".classified"


def check_adaptable(taxonomy: str) -> None:
    """``--adapt`` is refused before any work for a flat taxonomy, as ``batch --adapt`` refuses it."""
    import framelens

    if not framelens.Taxonomy(taxonomy).is_hierarchical:
        raise SystemExit(
            f"classify_corpus: --adapt re-decides two-level taxonomies only (whether a document carries a narrative "
            f"at all); `{taxonomy}` is flat: its per-category posteriors were measured unreliable (docs/accuracy.md). "
            "--summary works for it"
        )


def _exists(spark: Any, path: str) -> bool:
    jvm = spark.sparkContext._jvm
    p = jvm.org.apache.hadoop.fs.Path(path)
    return bool(p.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).exists(p))


def adapt(spark: Any, job: Any, written: Any, taxonomy: str, output: str, mode: str) -> None:
    """``--adapt``: fit the adaptation on the driver over the classification
    pass's analyses (without their sentences), broadcast its JSON, and
    re-decide every row on the executors into `output`."""
    import framelens

    started = time.monotonic()
    analyses = collect_analyses(job, written)
    if not analyses:
        raise SystemExit("classify_corpus: --adapt: no document was classified (every row is an error): nothing to adapt")
    held = sum(len(a.encode("utf-8")) for a in analyses)
    adaptation = framelens.Adaptation.fit(analyses, taxonomy=taxonomy)
    count = len(analyses)
    del analyses
    fitted = time.monotonic()
    fitted_json = adaptation.to_json()
    broadcast = spark.sparkContext.broadcast(fitted_json)
    out = written.mapInArrow(functools.partial(job.adapt_partition, taxonomy, broadcast), job._spark_schema())
    out.write.mode(mode).parquet(output)
    done = time.monotonic()
    print(
        f"classify_corpus: adapted {count} documents in {done - started:.1f} s (collect and fit on the driver "
        f"{fitted - started:.1f} s, {held / count / 1024:.1f} KB of analysis JSON per document held there; "
        f"{len(fitted_json) / 1024:.1f} KB of adaptation JSON broadcast; "
        f"re-deciding on the executors {done - fitted:.1f} s); {output}",
        file=sys.stderr,
        flush=True,
    )


def collect_analyses(job: Any, written: Any) -> List[str]:
    """The written rows' analyses without their sentences (dropped on the
    executors), on the driver: what the prevalence estimate and the
    adaptation's fit read (the document scores and decision basis)."""
    stripped = written.where("analysis IS NOT NULL").select("analysis").mapInArrow(
        job.strip_sentences, "analysis STRING"
    )
    return [r["analysis"] for r in stripped.collect()]


def write_summary(job: Any, written: "Any", taxonomy: str, path: str) -> None:
    """``--summary``: framelens.prevalence over the written rows' analyses, on the driver."""
    import framelens

    summary = framelens.prevalence(collect_analyses(job, written), taxonomy=taxonomy)
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    print(f"classify_corpus: prevalence summary of {summary['documents']} documents in {path}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())

"""Classify a corpus with framelens on a Spark cluster; write one Parquet row per document.

    spark-submit examples/spark/classify_corpus.py --input PATH --output DIR \
        [--taxonomy NAME|PATH] [--models DIR] [--format auto|text|jsonl|parquet] \
        [--partitions N] [--chunk N] [--max-bytes N] [--threads N] [--overwrite] \
        [--summary FILE]

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
collects the ``analysis`` column of the written rows, so it needs memory for
every document's analysis JSON (a few KB each). Re-deciding documents with
the corpus's prevalences (``batch --adapt``) is not done here: run
``batch --redecide --adapt`` over the rows' analyses instead.
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


def _arrow_schema() -> Any:
    import pyarrow as pa

    evidence = pa.struct([("sentence", pa.int32()), ("start", pa.int64()), ("end", pa.int64())])
    label = pa.struct([("label", pa.string()), ("score", pa.float64()), ("evidence", pa.list_(evidence))])
    return pa.schema(
        [
            ("id", pa.string()),
            ("error", pa.string()),
            ("language", pa.string()),
            ("labels", pa.list_(label)),
            ("analysis", pa.string()),
        ]
    )


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


def _row(doc_id: Optional[str], result: Any) -> Dict[str, Any]:
    """An output row from an `Analysis`, or from an error (a message or an exception)."""
    if isinstance(result, (str, BaseException)):
        return {"id": doc_id, "error": str(result), "language": None, "labels": None, "analysis": None}
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
    return {"id": doc_id, "error": None, "language": code, "labels": labels, "analysis": result.to_json()}


def classify_rows(settings: Settings, rows: List[Tuple[Optional[str], Optional[str], Optional[str]]]) -> List[Dict[str, Any]]:
    """Classify the texts of (id, text, error) `rows` in one batch; rows with an error pass through."""
    texts = [text for _, text, error in rows if error is None]
    results = iter(_classifier(settings).classify_batch(texts) if texts else [])
    return [_row(doc_id, error if error is not None else next(results)) for doc_id, _, error in rows]


def classify_partition(settings: Settings, from_file: bool, batches: Iterator[Any]) -> Iterator[Any]:
    """The `mapInArrow` function: Arrow batches of input rows → batches of output rows."""
    import pyarrow as pa

    schema = _arrow_schema()
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


# ---------------------------------------------------------------------------
# Driver side.


def _spark_schema() -> Any:
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
    return StructType(
        [
            StructField("id", StringType()),
            StructField("error", StringType()),
            StructField("language", StringType()),
            StructField("labels", ArrayType(label)),
            StructField("analysis", StringType()),
        ]
    )


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
        help="also write the corpus's prevalence estimates here as JSON (batch --summary's), on the driver",
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
    settings = job.Settings(args.taxonomy, args.models, args.threads, args.chunk, args.max_bytes)
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
        functools.partial(job.classify_partition, settings, fmt == "text"), job._spark_schema()
    )
    out.write.mode("overwrite" if args.overwrite else "errorifexists").parquet(args.output)
    elapsed = time.monotonic() - started

    written = spark.read.parquet(args.output)
    tally = written.agg(F.count(F.lit(1)).alias("n"), F.count("error").alias("failed")).collect()[0]
    n, failed = tally["n"], tally["failed"]
    print(
        f"classify_corpus: {n} documents in {elapsed:.1f} s ({n / max(elapsed, 1e-9):.2f} docs/s): "
        f"{n - failed} ok, {failed} failed; {partitions} tasks; {args.output}",
        file=sys.stderr,
        flush=True,
    )
    if args.summary is not None:
        write_summary(written, args.taxonomy, args.summary)
    spark.stop()
    return 0


def write_summary(written: "Any", taxonomy: str, path: str) -> None:
    """``--summary``: framelens.prevalence over the written rows' analyses, on the driver."""
    import framelens

    analyses = [r["analysis"] for r in written.select("analysis").where("analysis IS NOT NULL").collect()]
    summary = framelens.prevalence(analyses, taxonomy=taxonomy)
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    print(f"classify_corpus: prevalence summary of {summary['documents']} documents in {path}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())

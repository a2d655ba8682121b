//! Throughput of the whole pipeline on a sentence file, with a time profile.
//!
//! Not a criterion bench: a plain program (`harness = false`) that prints
//! sentences/s, documents/s, model load time and peak RSS, used by
//! `benches/peer_compare.sh` and for the figures in the README.
//!
//! ```text
//! cargo bench --bench throughput -- --threads 2                    # end to end
//! cargo bench --bench throughput -- --threads 1 --mode profile      # where the time goes
//! cargo bench --bench throughput -- --mode write-sentences          # regenerate benches/data/sentences.txt
//! ```
//!
//! The sentence file holds one sentence per line and a blank line between
//! documents. End to end, each document is given to the classifier as its
//! sentences joined by newlines (the splitter breaks at newlines, so it finds
//! the same sentences), in chunks of `--chunk` documents through
//! `classify_batch` (or `classify_batch_sequential` with `--sequential`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Parser;
use framelens::{Classifier, Segmenter, Taxonomy};

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

#[derive(Parser, Debug)]
#[command(about = "framelens throughput on a sentence file")]
struct Args {
    /// What to measure: e2e (split, tokenise, encode, score, aggregate),
    /// embed (encoder only), profile (each stage on its own), long (one
    /// document of 128 KB to 1 MB through `classify`), memory (RSS after
    /// each loading step),
    /// write-sentences (split the corpus into --sentences and exit).
    #[arg(long, default_value = "e2e")]
    mode: String,
    /// Sentence file (one per line, blank line between documents).
    #[arg(long, default_value = "benches/data/sentences.txt")]
    sentences: PathBuf,
    /// Corpus directory of .txt files (for write-sentences).
    #[arg(long, default_value = "benches/data/corpus")]
    corpus: PathBuf,
    /// Worker threads (default: $FRAMELENS_THREADS, then all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Taxonomy (built-in name or path).
    #[arg(long, default_value = "media-frames")]
    taxonomy: String,
    /// ONNX model: int8 or qint8 (default: $FRAMELENS_MODEL, then int8).
    #[arg(long)]
    model: Option<framelens::models::OnnxModel>,
    /// Model directory (default: $FRAMELENS_MODELS, then ./models).
    #[arg(long)]
    models: Option<PathBuf>,
    /// Encoder batch size (default: the library's).
    #[arg(long)]
    batch_size: Option<usize>,
    /// Encoder attention budget, sequences × width² per batch (default: the library's).
    #[arg(long)]
    attention_budget: Option<usize>,
    /// Documents per classify_batch call.
    #[arg(long, default_value_t = 64)]
    chunk: usize,
    /// Timed passes over the file (after one warm-up pass); the best is reported.
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Use classify_batch_sequential (the calling thread only).
    #[arg(long)]
    sequential: bool,
    /// Print one machine-readable line `sentences_per_s=...` last.
    #[arg(long)]
    machine: bool,
    /// Classify the raw articles of --corpus instead of the sentence file's
    /// documents (sentences are then those the splitter finds).
    #[arg(long)]
    raw: bool,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

fn main() {
    let args = Args::parse();
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> Fallible<()> {
    if args.mode == "write-sentences" {
        return write_sentences(&args.corpus, &args.sentences);
    }
    if args.mode == "memory" {
        return memory_probe(args);
    }
    let docs = read_documents(&args.sentences)?;
    let sentences: Vec<&str> = docs.iter().flatten().map(String::as_str).collect();
    let texts: Vec<String> =
        if args.raw { read_corpus(&args.corpus)? } else { docs.iter().map(|d| d.join("\n")).collect() };
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();

    report_rss();
    let started = Instant::now();
    let mut builder = Classifier::builder().taxonomy(Taxonomy::from_name_or_path(&args.taxonomy)?);
    if let Some(n) = args.threads {
        builder = builder.threads(n);
    }
    if let Some(dir) = &args.models {
        builder = builder.models_dir(dir);
    }
    if let Some(m) = args.model {
        builder = builder.model(m);
    }
    let mut encoder = framelens::encode::EncoderConfig::default();
    if let Some(b) = args.batch_size {
        encoder.batch_size = b;
    }
    if let Some(b) = args.attention_budget {
        encoder.attention_budget = b;
    }
    builder = builder.encoder_config(encoder);
    let classifier = builder.build()?;
    let build = started.elapsed();

    println!(
        "framelens {} ({}), {} threads, taxonomy {}: build {:.3} s",
        env!("CARGO_PKG_VERSION"),
        classifier.encoder_name(),
        classifier.threads(),
        args.taxonomy,
        build.as_secs_f64()
    );
    report_rss();

    let tokens = word_pieces(args, &sentences)?;

    println!(
        "{}: {} documents, {} sentences, {:.1} word-pieces per sentence on average",
        args.sentences.display(),
        docs.len(),
        sentences.len(),
        tokens as f64 / sentences.len().max(1) as f64
    );

    match args.mode.as_str() {
        "e2e" => {
            let mut seen = 0;
            let cpu0 = cpu_seconds();
            let best = best_of(args.repeat, || {
                seen = 0;
                for chunk in texts.chunks(args.chunk.max(1)) {
                    let results = if args.sequential {
                        classifier.classify_batch_sequential(chunk)
                    } else {
                        classifier.classify_batch(chunk)
                    };
                    for r in results {
                        seen += r?.sentences.len();
                    }
                }
                Ok(())
            })?;
            let rate = seen as f64 / best.as_secs_f64();
            let cpu = (cpu_seconds() - cpu0) / (args.repeat.max(1) + 1) as f64;
            println!("  CPU time per pass {cpu:.2} s = {:.1} sentences per CPU-second", seen as f64 / cpu);
            println!(
                "end to end ({}): {seen} sentences in {:.3} s = {rate:.1} sentences/s, {:.2} documents/s",
                if args.sequential { "classify_batch_sequential" } else { "classify_batch" },
                best.as_secs_f64(),
                texts.len() as f64 / best.as_secs_f64()
            );
            report_rss();
            if args.machine {
                println!("sentences_per_s={rate:.1}");
            }
        }
        "embed" => {
            let best = best_of(args.repeat, || classifier.embed(&sentences).map(drop).map_err(Into::into))?;
            let rate = sentences.len() as f64 / best.as_secs_f64();
            println!(
                "encoder only: {} sentences in {:.3} s = {rate:.1} sentences/s",
                sentences.len(),
                best.as_secs_f64()
            );
            report_rss();
            if args.machine {
                println!("sentences_per_s={rate:.1}");
            }
        }
        "profile" => profile(&classifier, &texts, &sentences, args)?,
        "long" => long_documents(&classifier, &texts)?,
        other => {
            return Err(
                format!("unknown --mode {other}: use e2e, embed, profile, long, memory or write-sentences").into()
            )
        }
    }
    Ok(())
}

/// One document made of the corpus repeated, 128 KB to 1 MB, classified in
/// one `classify` call: time per sentence should not grow with the length.
fn long_documents(classifier: &Classifier, texts: &[&str]) -> Fallible<()> {
    let corpus = texts.join("\n\n");
    for kb in [128, 256, 512, 1024] {
        let mut doc = String::with_capacity(kb * 1024 + corpus.len());
        while doc.len() < kb * 1024 {
            doc.push_str(&corpus);
            doc.push_str("\n\n");
        }
        let cut = (0..=kb * 1024).rev().find(|&i| doc.is_char_boundary(i)).unwrap_or(0);
        doc.truncate(cut);
        let t = Instant::now();
        let a = classifier.classify(&doc)?;
        let dt = t.elapsed().as_secs_f64();
        let n = a.sentences.len();
        println!(
            "{kb:5} KB document: {n} sentences in {dt:.2} s = {:.1} sentences/s, {:.2} ms per sentence",
            n as f64 / dt,
            dt * 1e3 / n.max(1) as f64
        );
        report_rss();
    }
    Ok(())
}

/// Time each stage on its own: split, tokenise, encode (tokenise included),
/// score, and the whole pipeline; aggregation is what remains.
fn profile(classifier: &Classifier, texts: &[&str], sentences: &[&str], args: &Args) -> Fallible<()> {
    let n = sentences.len() as f64;
    let segmenter = classifier.segmenter();
    let split = best_of(args.repeat, || {
        for t in texts {
            std::hint::black_box(segmenter.split(t));
        }
        Ok(())
    })?;
    let tokenizer = tokenizer_of(args)?;
    let tokenise = best_of(args.repeat, || {
        for s in sentences {
            std::hint::black_box(tokenizer.encode(*s, false).map_err(|e| e.to_string())?);
        }
        Ok(())
    })?;
    let mut vectors = None;
    let embed = best_of(args.repeat, || {
        vectors = Some(classifier.embed(sentences)?.vectors);
        Ok(())
    })?;
    let vectors = vectors.ok_or("no vectors")?;
    let score = best_of(args.repeat, || {
        std::hint::black_box(classifier.score_vectors(vectors.view())?);
        Ok(())
    })?;
    let e2e = best_of(args.repeat, || {
        for chunk in texts.chunks(args.chunk.max(1)) {
            for r in classifier.classify_batch(chunk) {
                r?;
            }
        }
        Ok(())
    })?;
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let rest = e2e.as_secs_f64() - split.as_secs_f64() - embed.as_secs_f64() - score.as_secs_f64();
    println!("profile over {n} sentences, {} threads (best of {}):", classifier.threads(), args.repeat);
    println!("  split (1 thread)          {:9.1} ms  {:9.0} sentences/s", ms(split), n / split.as_secs_f64());
    println!("  tokenise (1 thread)       {:9.1} ms  {:9.0} sentences/s", ms(tokenise), n / tokenise.as_secs_f64());
    println!("  encode incl. tokenise     {:9.1} ms  {:9.0} sentences/s", ms(embed), n / embed.as_secs_f64());
    println!("  score (1 thread)          {:9.1} ms  {:9.0} sentences/s", ms(score), n / score.as_secs_f64());
    println!("  end to end                {:9.1} ms  {:9.0} sentences/s", ms(e2e), n / e2e.as_secs_f64());
    println!("  rest (aggregate, results) {:9.1} ms", rest * 1e3);
    report_rss();
    Ok(())
}

fn tokenizer_of(args: &Args) -> Fallible<tokenizers::Tokenizer> {
    let dir = framelens::models::resolve_models_dir(args.models.as_deref());
    Ok(framelens::encode::load_tokenizer(&dir.join(framelens::models::MINILM_INT8).join("tokenizer.json"))?)
}

/// Total word-pieces of the sentences (special tokens excluded).
fn word_pieces(args: &Args, sentences: &[&str]) -> Fallible<usize> {
    let tokenizer = tokenizer_of(args)?;
    let mut total = 0;
    for s in sentences {
        total += tokenizer.encode(*s, false).map_err(|e| e.to_string())?.len();
    }
    Ok(total)
}

/// One warm-up run, then the fastest of `repeat` timed runs.
fn best_of(repeat: usize, mut f: impl FnMut() -> Fallible<()>) -> Fallible<Duration> {
    f()?;
    let mut best = Duration::MAX;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        f()?;
        best = best.min(t.elapsed());
    }
    Ok(best)
}

/// CPU seconds used by the process so far (user + system; Linux).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest.split_whitespace().map(|v| v.parse().unwrap_or(0.0)).collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

/// Peak resident set size so far (Linux: VmHWM).
fn report_rss() {
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:")) {
            let kb: f64 = line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0.0);
            let now = status.lines().find(|l| l.starts_with("VmRSS:"));
            let now: f64 = now.and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()).unwrap_or(0.0);
            println!("peak RSS: {:.0} MB (now {:.0} MB)", kb / 1024.0, now / 1024.0);
        }
    }
}

/// Resident memory after each loading step, in a fresh process.
fn memory_probe(args: &Args) -> Fallible<()> {
    let dir = framelens::models::resolve_models_dir(args.models.as_deref());
    let model = framelens::models::OnnxModel::resolve(args.model)?;
    let sub = dir.join(model.dir_name());
    let rss = |what: &str| {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let kb = |key: &str| -> f64 {
            status
                .lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0)
        };
        println!("{what:40} RSS {:6.1} MB  peak {:6.1} MB", kb("VmRSS:") / 1024.0, kb("VmHWM:") / 1024.0);
    };
    rss("start");
    let tokenizer = framelens::encode::load_tokenizer(&sub.join("tokenizer.json"))?;
    rss("tokenizer");
    let threads = args.threads.unwrap_or(1);
    let backend = framelens::encode::onnx::OnnxBackend::load(
        &sub.join("model.onnx"),
        &framelens::models::onnxruntime_library(&dir),
        threads,
        model.encoder_name(),
    )?;
    rss(&format!("backend, {threads} sessions"));
    let encoder = framelens::encode::TextEncoder::new(tokenizer, Box::new(backend), Default::default())?;
    let taxonomy = Taxonomy::from_name_or_path(&args.taxonomy)?;
    // The member texts: each category's description and exemplars.
    let texts: Vec<&str> = taxonomy
        .categories
        .iter()
        .flat_map(|c| std::iter::once(c.description.as_str()).chain(c.exemplars.iter().map(String::as_str)))
        .filter(|t| !t.is_empty())
        .collect();
    let v = encoder.embed_sequential(&texts)?;
    rss(&format!("embedded {} member texts", v.vectors.nrows()));
    drop(encoder);
    rss("dropped the encoder");
    let classifier = Classifier::builder().taxonomy(taxonomy).threads(threads).model(model).build()?;
    rss("then a whole classifier");
    drop(classifier);
    Ok(())
}

/// Sentence file → documents → sentences.
fn read_documents(path: &Path) -> Fallible<Vec<Vec<String>>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: {e} (make it with --mode write-sentences)", path.display()))?;
    let mut docs = vec![Vec::new()];
    for line in text.lines() {
        let line = line.trim();
        match (line.is_empty(), docs.last_mut()) {
            (true, Some(d)) if !d.is_empty() => docs.push(Vec::new()),
            (false, Some(d)) => d.push(line.to_string()),
            _ => {}
        }
    }
    docs.retain(|d| !d.is_empty());
    if docs.is_empty() {
        return Err(format!("{}: no sentences", path.display()).into());
    }
    Ok(docs)
}

/// The .txt files of `corpus`, sorted by name.
fn corpus_files(corpus: &Path) -> Fallible<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus)
        .map_err(|e| format!("{}: {e}", corpus.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    Ok(files)
}

/// The texts of the .txt files of `corpus`, sorted by name.
fn read_corpus(corpus: &Path) -> Fallible<Vec<String>> {
    corpus_files(corpus)?
        .iter()
        .map(|f| std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()).into()))
        .collect()
}

/// Split every .txt file of `corpus` (sorted by name) into the sentence file.
fn write_sentences(corpus: &Path, out: &Path) -> Fallible<()> {
    let files = corpus_files(corpus)?;
    let segmenter = Segmenter::default();
    let mut text = String::new();
    let mut count = 0;
    for f in &files {
        let doc = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
        for span in segmenter.split(&doc) {
            let s = span.text(&doc).split_whitespace().collect::<Vec<_>>().join(" ");
            text.push_str(&s);
            text.push('\n');
            count += 1;
        }
        text.push('\n');
    }
    std::fs::write(out, text).map_err(|e| format!("{}: {e}", out.display()))?;
    println!("wrote {count} sentences of {} documents to {}", files.len(), out.display());
    Ok(())
}

//! Corpora: streaming input records, deterministic shards, JSONL output
//! records and resuming a killed run.
//!
//! framelens does not bring a cluster of its own: a job is split by id into
//! `n` shards ([`Shard`]), each processed by an independent worker on any
//! engine (GNU parallel, Slurm arrays, Spark, Kubernetes jobs). Every worker
//! reads the whole input, keeps the ids of its shard and writes its own JSONL
//! file; the files together hold every document exactly once.
//!
//! Inputs stream: a directory of `.txt` files ([`records_from_dir`]) or JSONL
//! with one `{"id": ..., "text": ...}` object per line ([`records_from_jsonl`]).
//! A record that cannot be read becomes a [`RecordError`] naming its id and
//! the reason; the records after it still come. Every other top-level field
//! of a JSONL line (`title`, `source`, `date`, `url`, `language`, anything)
//! is the record's [`Metadata`], kept untouched.
//!
//! Output is JSONL, one [`OutputRecord`] per line:
//!
//! ```text
//! {"id":"doc-1","metadata":{"date":"2019-06-05","title":"..."},"analysis":{"taxonomy":"media-frames", ...}}
//! {"id":"doc-2","error":"invalid input: the text is empty or only whitespace; nothing to classify"}
//! ```
//!
//! Exactly one of `analysis` (a [`DocumentAnalysis`]), `units` and `error`
//! (a message) is present; `metadata` is the input's other fields, absent
//! when it had none (files written before it existed read as without).
//! Other fields are ignored on reading.

mod prevalence;
pub use prevalence::{Adaptation, Estimate, Method, Prevalence, ADAPTED_CUT, MIN_DOCUMENTS};

use std::collections::HashSet;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::analysis::{DocumentAnalysis, UnitAnalysis};
use crate::error::{Error, Result};

/// The fields of a JSONL input line other than `id` and `text`, as they
/// were (values untouched; keys in sorted order), carried into the output.
pub type Metadata = serde_json::Map<String, serde_json::Value>;

/// One input document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputRecord {
    /// Unique id: the file stem for directories, the `id` field for JSONL.
    pub id: String,
    /// The text, valid UTF-8 (a leading byte-order mark is removed).
    pub text: String,
    /// The line's other top-level fields (JSONL); empty for `.txt` files.
    pub metadata: Metadata,
}

/// An input record that could not be read: its id and why.
#[derive(Debug)]
pub struct RecordError {
    /// The record's id when it is known; otherwise `<source>:<line>`.
    pub id: String,
    /// What went wrong, naming the file and line.
    pub error: Error,
    fatal: bool,
}

impl RecordError {
    /// A record-level error: the records after it can still be read.
    pub fn new(id: impl Into<String>, error: Error) -> Self {
        RecordError { id: id.into(), error, fatal: false }
    }

    /// True when the input stream itself failed: no records follow.
    pub fn is_fatal(&self) -> bool {
        self.fatal
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.id, self.error)
    }
}

impl std::error::Error for RecordError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Item of the record readers.
pub type RecordResult = std::result::Result<InputRecord, RecordError>;

/// The `.txt` files of a directory, sorted by name, read one at a time.
///
/// Listing the directory is the only up-front work; a file is read when its
/// record is requested, so records filtered out by
/// [`DirRecords::retain_ids`] are never read.
#[derive(Debug)]
pub struct DirRecords {
    files: std::vec::IntoIter<(String, PathBuf)>,
}

/// Stream the `.txt` files of `dir` (not its subdirectories) in name order;
/// the id of each is its file stem.
///
/// A file that cannot be read or is not UTF-8 gives a [`RecordError`]; only
/// an unreadable directory is an error here.
pub fn records_from_dir(dir: &Path) -> Result<DirRecords> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let is_txt = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("txt"));
        // `metadata` follows symlinks, so a link to a text file counts.
        if !is_txt || !std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            continue;
        }
        let id = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        files.push((id, path));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    Ok(DirRecords { files: files.into_iter() })
}

impl DirRecords {
    /// Keep only the files whose id passes `keep`, without reading any file.
    pub fn retain_ids(self, mut keep: impl FnMut(&str) -> bool) -> Self {
        let files: Vec<(String, PathBuf)> = self.files.filter(|(id, _)| keep(id)).collect();
        DirRecords { files: files.into_iter() }
    }
}

impl Iterator for DirRecords {
    type Item = RecordResult;

    fn next(&mut self) -> Option<RecordResult> {
        let (id, path) = self.files.next()?;
        Some(
            read_text_file(&path)
                .map(|text| InputRecord { id: id.clone(), text, metadata: Metadata::new() })
                .map_err(|e| RecordError::new(id, e)),
        )
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.files.size_hint()
    }
}

impl ExactSizeIterator for DirRecords {}

/// Largest text file the readers take (1 GiB): a bigger one is an error
/// before anything is read. [`crate::Classifier`] takes documents up to its
/// own, smaller limit (`max_input_bytes`).
pub const MAX_TEXT_FILE_BYTES: u64 = 1 << 30;

/// Read a UTF-8 text file without its BOM; the error names the line of the
/// first bad byte. Files over [`MAX_TEXT_FILE_BYTES`] are refused unread.
pub fn read_text_file(path: &Path) -> Result<String> {
    let size = std::fs::metadata(path).map_err(|e| Error::io(path, e))?.len();
    if size > MAX_TEXT_FILE_BYTES {
        return Err(Error::Data {
            path: path.to_path_buf(),
            line: None,
            message: format!(
                "the file is {size} bytes, over the {MAX_TEXT_FILE_BYTES}-byte limit of a text file; split it"
            ),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    decode_text(bytes, Some(path))
}

/// A text from its bytes, as [`read_text_file`] reads a file's: UTF-8, the
/// BOM removed. Bytes that are not UTF-8 are an [`Error::Data`] naming
/// `file`, the line and the byte offset when the text came from a file, and
/// [`Error::InvalidInput`] with the line and offset otherwise.
pub fn decode_text(bytes: Vec<u8>, file: Option<&Path>) -> Result<String> {
    let text = String::from_utf8(bytes).map_err(|e| {
        let bad = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..bad].iter().filter(|&&b| b == b'\n').count() + 1;
        match file {
            Some(path) => Error::Data {
                path: path.to_path_buf(),
                line: Some(line),
                message: format!("not valid UTF-8 (byte offset {bad}); save the file as UTF-8"),
            },
            None => Error::InvalidInput(format!("the text is not valid UTF-8 (line {line}, byte offset {bad})")),
        }
    })?;
    Ok(strip_bom(text))
}

fn strip_bom(text: String) -> String {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    }
}

/// Records of a JSONL stream, read one line at a time.
#[derive(Debug)]
pub struct JsonlRecords<R> {
    reader: R,
    source: PathBuf,
    line: usize,
    buf: Vec<u8>,
    done: bool,
    /// Longest line read ([`MAX_TEXT_FILE_BYTES`]).
    max_line: u64,
}

/// Stream `{"id": ..., "text": ...}` objects, one per line; `source_name`
/// (a path, or e.g. `<stdin>`) names the input in errors.
///
/// The id may be a string or an integer; the other fields become the
/// record's [`Metadata`], untouched; blank lines are skipped. A bad line gives a [`RecordError`] whose id is the
/// line's `id` when it has one, else `<source>:<line>`, and reading goes on.
/// A failing reader gives a fatal [`RecordError`] and ends the stream.
pub fn records_from_jsonl<R: BufRead>(reader: R, source_name: impl Into<PathBuf>) -> JsonlRecords<R> {
    JsonlRecords {
        reader,
        source: source_name.into(),
        line: 0,
        buf: Vec::new(),
        done: false,
        max_line: MAX_TEXT_FILE_BYTES,
    }
}

/// The id rules of [`records_from_jsonl`] without keeping the texts: for
/// counting and filtering a JSONL file before processing it.
pub fn jsonl_ids<R: BufRead>(reader: R, source_name: impl Into<PathBuf>) -> impl Iterator<Item = String> {
    let mut records = records_from_jsonl(reader, source_name);
    std::iter::from_fn(move || loop {
        let line = records.next_line()?;
        let line = match line {
            Ok(l) => l,
            Err(e) => return Some(e.id),
        };
        if line.trim().is_empty() {
            continue;
        }
        return Some(match serde_json::from_str::<IdOnly>(&line) {
            Ok(IdOnly { id: Some(id) }) => id.into_string(),
            _ => records.line_id(),
        });
    })
}

#[derive(Deserialize)]
#[serde(untagged)]
enum JsonId {
    Text(String),
    Integer(i64),
}

impl JsonId {
    fn into_string(self) -> String {
        match self {
            JsonId::Text(s) => s,
            JsonId::Integer(n) => n.to_string(),
        }
    }
}

#[derive(Deserialize)]
struct IdOnly {
    #[serde(default)]
    id: Option<JsonId>,
}

#[derive(Deserialize)]
struct JsonlLine {
    #[serde(default)]
    id: Option<JsonId>,
    #[serde(default)]
    text: Option<String>,
}

impl<R: BufRead> JsonlRecords<R> {
    fn line_id(&self) -> String {
        format!("{}:{}", self.source.display(), self.line)
    }

    fn data_error(&self, message: String) -> Error {
        Error::Data { path: self.source.clone(), line: Some(self.line), message }
    }

    /// The next line as text, or a record error (bad UTF-8, failing reader).
    fn next_line(&mut self) -> Option<std::result::Result<String, RecordError>> {
        if self.done {
            return None;
        }
        self.buf.clear();
        let limit = self.max_line;
        match std::io::Read::take(&mut self.reader, limit + 1).read_until(b'\n', &mut self.buf) {
            Ok(0) => {
                self.done = true;
                None
            }
            Ok(n) if n as u64 > limit && self.buf.last() != Some(&b'\n') => {
                // Over the limit: skip the rest of the line unread, report it, go on.
                self.line += 1;
                self.buf.clear();
                if let Err(e) = skip_line(&mut self.reader) {
                    self.done = true;
                    return Some(Err(RecordError {
                        id: self.line_id(),
                        error: Error::io(&self.source, e),
                        fatal: true,
                    }));
                }
                let message = format!("the line is over the {limit}-byte limit of a record; split the document");
                Some(Err(RecordError::new(self.line_id(), self.data_error(message))))
            }
            Ok(_) => {
                self.line += 1;
                let bytes = std::mem::take(&mut self.buf);
                Some(String::from_utf8(bytes).map_err(|e| {
                    let at = e.utf8_error().valid_up_to();
                    RecordError::new(
                        self.line_id(),
                        self.data_error(format!("not valid UTF-8 (byte {} of the line)", at + 1)),
                    )
                }))
            }
            Err(e) => {
                self.done = true;
                self.line += 1;
                let error = Error::io(&self.source, e);
                Some(Err(RecordError { id: self.line_id(), error, fatal: true }))
            }
        }
    }
}

/// Consume the rest of a line (through its `\n`) without keeping it.
fn skip_line<R: BufRead>(reader: &mut R) -> std::io::Result<()> {
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok(());
        }
        match available.iter().position(|&b| b == b'\n') {
            Some(i) => {
                reader.consume(i + 1);
                return Ok(());
            }
            None => {
                let n = available.len();
                reader.consume(n);
            }
        }
    }
}

impl<R: BufRead> Iterator for JsonlRecords<R> {
    type Item = RecordResult;

    fn next(&mut self) -> Option<RecordResult> {
        loop {
            let line = match self.next_line()? {
                Ok(l) => l,
                Err(e) => return Some(Err(e)),
            };
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let parsed: JsonlLine = match serde_json::from_str(line) {
                Ok(p) => p,
                Err(e) => {
                    // A line that is JSON but not of the right shape may still name its id.
                    let id = serde_json::from_str::<IdOnly>(line).ok().and_then(|i| i.id).map(JsonId::into_string);
                    let message = format!("expected a JSON object with a string `id` and a string `text`: {e}");
                    return Some(Err(RecordError::new(id.unwrap_or_else(|| self.line_id()), self.data_error(message))));
                }
            };
            return Some(match (parsed.id, parsed.text) {
                (Some(id), Some(text)) => {
                    Ok(InputRecord { id: id.into_string(), text: strip_bom(text), metadata: metadata_of(line) })
                }
                (None, _) => Err(RecordError::new(self.line_id(), self.data_error("missing field `id`".into()))),
                (Some(id), None) => {
                    Err(RecordError::new(id.into_string(), self.data_error("missing field `text`".into())))
                }
            });
        }
    }
}

/// The top-level fields of a JSONL object other than `id` and `text`.
fn metadata_of(line: &str) -> Metadata {
    // The line parsed as a record already: it is an object.
    let mut fields: Metadata = serde_json::from_str(line).unwrap_or_default();
    fields.remove("id");
    fields.remove("text");
    fields
}

/// The shard (0-based) an id belongs to among `n`: the first 8 bytes of the
/// SHA-256 of the id's UTF-8 bytes, read big-endian, modulo `n`.
///
/// Stable across runs, machines and languages; in Python:
/// `int.from_bytes(hashlib.sha256(id.encode()).digest()[:8], "big") % n`.
/// `n = 0` is treated as 1.
pub fn shard_of(id: &str, n: u32) -> u32 {
    let digest = Sha256::digest(id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) % u64::from(n.max(1))) as u32
}

/// One of `count` disjoint shards of a corpus; `"i/n"` parses as shard `i`
/// (0-based) of `n`. Shards `0/n` to `(n-1)/n` together cover every id once.
///
/// ```
/// use framelens::corpus::Shard;
///
/// let ids = ["doc-1", "doc-2", "doc-3", "doc-4", "doc-5"];
/// let shards: Vec<Shard> = (0..3).map(|i| Shard::new(i, 3)).collect::<Result<_, _>>()?;
/// for id in ids {
///     assert_eq!(shards.iter().filter(|s| s.contains(id)).count(), 1);
/// }
/// assert_eq!("1/3".parse::<Shard>()?, shards[1]);
/// assert!("3/3".parse::<Shard>().is_err());
/// # Ok::<(), framelens::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Shard {
    /// This shard, from 0.
    pub index: u32,
    /// How many shards the input is split into.
    pub count: u32,
}

impl Shard {
    /// The whole corpus: shard 0 of 1.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Shard `index` of `count`; `index < count`.
    pub fn new(index: u32, count: u32) -> Result<Self> {
        if count == 0 {
            return Err(shard_error(format!("{index}/{count}: the number of shards must be at least 1")));
        }
        if index >= count {
            return Err(shard_error(format!(
                "{index}/{count}: the shard index is 0-based and must be below {count} (0/{count} to {}/{count})",
                count - 1
            )));
        }
        Ok(Shard { index, count })
    }

    /// True when the id belongs to this shard.
    pub fn contains(&self, id: &str) -> bool {
        self.count <= 1 || shard_of(id, self.count) == self.index
    }
}

impl Default for Shard {
    fn default() -> Self {
        Shard::ALL
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| shard_error(format!("`{s}` is not of the form i/n, e.g. 0/4 for the first of 4 shards")))?;
        let number = |part: &str, what: &str| {
            part.trim().parse::<u32>().map_err(|_| shard_error(format!("`{s}`: {what} `{part}` is not a whole number")))
        };
        Shard::new(number(i, "index")?, number(n, "count")?)
    }
}

fn shard_error(reason: String) -> Error {
    Error::InvalidSetting { name: "shard", reason }
}

/// One line of batch output: a document's analysis or why it failed, with
/// the input's [`Metadata`].
///
/// Serialised as `{"id": ..., "analysis": {...}}` or `{"id": ..., "error": "..."}`,
/// with `"metadata": {...}` after the id when the input line had other fields.
///
/// ```
/// use std::path::Path;
/// use framelens::corpus::{Metadata, OutputRecord};
///
/// let record = OutputRecord::Error { id: "doc-7".into(), error: "not valid UTF-8".into(), metadata: Metadata::new() };
/// let line = record.to_line()?;
/// assert_eq!(line, "{\"id\":\"doc-7\",\"error\":\"not valid UTF-8\"}\n");
/// assert_eq!(OutputRecord::from_line(&line, Path::new("out.jsonl"), 1)?, record);
///
/// let mut metadata = Metadata::new();
/// metadata.insert("source".into(), "tass.ru".into());
/// let record = record.with_metadata(metadata);
/// let line = record.to_line()?;
/// assert_eq!(line, "{\"id\":\"doc-7\",\"metadata\":{\"source\":\"tass.ru\"},\"error\":\"not valid UTF-8\"}\n");
/// assert_eq!(OutputRecord::from_line(&line, Path::new("out.jsonl"), 1)?.metadata()["source"], "tass.ru");
/// # Ok::<(), framelens::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged, try_from = "RawOutputRecord")]
// Records are written and read one at a time: the size of the largest
// variant costs nothing, and boxing it would burden every caller.
#[allow(clippy::large_enum_variant)]
pub enum OutputRecord {
    /// The document was classified.
    Analysis {
        /// The document's ID.
        id: String,
        /// The input's other fields (empty: not written).
        #[serde(default, skip_serializing_if = "Metadata::is_empty")]
        metadata: Metadata,
        /// Its analysis.
        analysis: DocumentAnalysis,
    },
    /// The document was classified unit by unit (`batch --unit paragraph`).
    Units {
        /// The document's ID.
        id: String,
        /// The input's other fields (empty: not written).
        #[serde(default, skip_serializing_if = "Metadata::is_empty")]
        metadata: Metadata,
        /// The analysis of each unit, in text order.
        units: Vec<UnitAnalysis>,
    },
    /// The document could not be read or classified.
    Error {
        /// The document's ID.
        id: String,
        /// The input's other fields, when the line could be read (empty: not written).
        #[serde(default, skip_serializing_if = "Metadata::is_empty")]
        metadata: Metadata,
        /// The error's message.
        error: String,
    },
}

/// The wire form, so that serde's messages name the field at fault.
#[derive(Deserialize)]
struct RawOutputRecord {
    id: String,
    #[serde(default)]
    metadata: Metadata,
    #[serde(default)]
    analysis: Option<DocumentAnalysis>,
    #[serde(default)]
    units: Option<Vec<UnitAnalysis>>,
    #[serde(default)]
    error: Option<String>,
}

impl TryFrom<RawOutputRecord> for OutputRecord {
    type Error = String;

    fn try_from(raw: RawOutputRecord) -> std::result::Result<Self, String> {
        let RawOutputRecord { id, metadata, .. } = raw;
        match (raw.analysis, raw.units, raw.error) {
            (Some(analysis), None, None) => Ok(OutputRecord::Analysis { id, metadata, analysis }),
            (None, Some(units), None) => Ok(OutputRecord::Units { id, metadata, units }),
            (None, None, Some(error)) => Ok(OutputRecord::Error { id, error, metadata }),
            (None, None, None) => Err(format!("record `{id}` has none of `analysis`, `units` and `error`")),
            _ => Err(format!("record `{id}` has more than one of `analysis`, `units` and `error`")),
        }
    }
}

impl OutputRecord {
    /// The outcome of classifying one input record (without metadata:
    /// [`OutputRecord::with_metadata`] adds it).
    pub fn from_result(id: impl Into<String>, result: Result<DocumentAnalysis>) -> Self {
        match result {
            Ok(analysis) => OutputRecord::Analysis { id: id.into(), metadata: Metadata::new(), analysis },
            Err(e) => OutputRecord::Error { id: id.into(), error: e.to_string(), metadata: Metadata::new() },
        }
    }

    /// The same record carrying `metadata` (replacing any it had).
    pub fn with_metadata(mut self, metadata: Metadata) -> Self {
        match &mut self {
            OutputRecord::Analysis { metadata: m, .. }
            | OutputRecord::Units { metadata: m, .. }
            | OutputRecord::Error { metadata: m, .. } => *m = metadata,
        }
        self
    }

    /// The document id.
    pub fn id(&self) -> &str {
        match self {
            OutputRecord::Analysis { id, .. } | OutputRecord::Units { id, .. } | OutputRecord::Error { id, .. } => id,
        }
    }

    /// The input's other fields (empty when it had none).
    pub fn metadata(&self) -> &Metadata {
        match self {
            OutputRecord::Analysis { metadata, .. }
            | OutputRecord::Units { metadata, .. }
            | OutputRecord::Error { metadata, .. } => metadata,
        }
    }

    /// The analysis, when the document succeeded.
    pub fn analysis(&self) -> Option<&DocumentAnalysis> {
        match self {
            OutputRecord::Analysis { analysis, .. } => Some(analysis),
            OutputRecord::Units { .. } | OutputRecord::Error { .. } => None,
        }
    }

    /// The reason, when the document failed.
    pub fn error(&self) -> Option<&str> {
        match self {
            OutputRecord::Analysis { .. } | OutputRecord::Units { .. } => None,
            OutputRecord::Error { error, .. } => Some(error),
        }
    }

    /// One JSONL line, `\n` included, to be written with a single write.
    pub fn to_line(&self) -> Result<String> {
        let mut line = serde_json::to_string(self)?;
        line.push('\n');
        Ok(line)
    }

    /// Parse one line; `path` and `line` (1-based) name it in errors.
    pub fn from_line(text: &str, path: &Path, line: usize) -> Result<Self> {
        serde_json::from_str(text).map_err(|e| Error::Data {
            path: path.to_path_buf(),
            line: Some(line),
            message: format!("not a framelens output record: {e}"),
        })
    }
}

/// Read every record of an output file, one line at a time.
pub fn read_output(path: &Path) -> Result<impl Iterator<Item = Result<OutputRecord>>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let path = path.to_path_buf();
    let mut lines = BufReader::new(file).lines().enumerate();
    Ok(std::iter::from_fn(move || loop {
        let (i, line) = lines.next()?;
        let line = match line {
            Ok(l) => l,
            Err(e) => return Some(Err(Error::Data { path: path.clone(), line: Some(i + 1), message: e.to_string() })),
        };
        if !line.trim().is_empty() {
            return Some(OutputRecord::from_line(&line, &path, i + 1));
        }
    }))
}

/// The ids already in an output file, to skip them when resuming.
///
/// A missing file holds no ids. A last line without its `\n` is what a killed
/// run leaves: it is not counted, and it is cut from the file, so that lines
/// appended afterwards start on a line of their own. Any other line that is
/// not an output record is an error naming its line.
pub fn completed_ids(output_path: &Path) -> Result<HashSet<String>> {
    let file = match File::options().read(true).write(true).open(output_path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashSet::new()),
        Err(e) => return Err(Error::io(output_path, e)),
    };
    let mut reader = BufReader::new(&file);
    let mut ids = HashSet::new();
    let mut buf = Vec::new();
    let mut complete_up_to: u64 = 0;
    let mut line = 0;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(|e| Error::io(output_path, e))?;
        if n == 0 {
            break;
        }
        line += 1;
        if buf.last() != Some(&b'\n') {
            // Cut the partial line left by an interrupted write.
            file.set_len(complete_up_to).map_err(|e| Error::io(output_path, e))?;
            break;
        }
        complete_up_to += n as u64;
        let data_error = |message: String| Error::Data { path: output_path.to_path_buf(), line: Some(line), message };
        let text = std::str::from_utf8(&buf).map_err(|_| data_error("not valid UTF-8".into()))?;
        if text.trim().is_empty() {
            continue;
        }
        let record: IdLine = serde_json::from_str(text).map_err(|e| {
            data_error(format!("not a framelens output record ({e}); is this the right --output file?"))
        })?;
        ids.insert(record.id);
    }
    Ok(ids)
}

#[derive(Deserialize)]
struct IdLine {
    id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_over_the_limit_is_a_record_error_and_the_next_line_is_read() {
        let input = "{\"id\":\"a\",\"text\":\"short\"}\n{\"id\":\"b\",\"text\":\"far too long for the limit\"}\n{\"id\":\"c\",\"text\":\"ok\"}\n";
        let mut records = records_from_jsonl(std::io::Cursor::new(input), "in.jsonl");
        records.max_line = 40;
        let got: Vec<_> = records.collect();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].as_ref().unwrap().id, "a");
        let err = got[1].as_ref().unwrap_err();
        assert!(
            !err.fatal && err.error.to_string().contains("in.jsonl:2: the line is over the 40-byte limit"),
            "{}",
            err.error
        );
        assert_eq!(got[2].as_ref().unwrap().id, "c");
    }

    #[test]
    fn shard_parses_and_rejects() {
        assert_eq!("2/5".parse::<Shard>().ok(), Some(Shard { index: 2, count: 5 }));
        for bad in ["5/5", "1/0", "a/3", "3", "-1/3", "1/2/3"] {
            let err = bad.parse::<Shard>().err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains("shard"), "`{bad}` gave `{err}`");
        }
    }

    #[test]
    fn shard_of_is_the_documented_hash() {
        // The first 8 bytes of SHA-256, big-endian, modulo n.
        let digest = Sha256::digest(b"doc-1");
        let v = u64::from_be_bytes([
            digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
        ]);
        assert_eq!(u64::from(shard_of("doc-1", 7)), v % 7);
        assert_eq!(shard_of("anything", 1), 0);
        assert_eq!(shard_of("anything", 0), 0);
    }

    #[test]
    fn jsonl_ids_follow_the_reader_rules() {
        let input = "{\"id\":\"a\",\"text\":\"x\"}\n\nnot json\n{\"id\":7,\"text\":\"y\"}\n{\"text\":\"z\"}\n";
        let ids: Vec<String> = jsonl_ids(input.as_bytes(), "in.jsonl").collect();
        let from_reader: Vec<String> = records_from_jsonl(input.as_bytes(), "in.jsonl")
            .map(|r| match r {
                Ok(r) => r.id,
                Err(e) => e.id,
            })
            .collect();
        assert_eq!(ids, vec!["a", "in.jsonl:3", "7", "in.jsonl:5"]);
        assert_eq!(ids, from_reader);
    }
}

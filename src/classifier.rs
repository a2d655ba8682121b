//! The classifier: one builder that does all I/O, then pure computation on `&self`.

use std::ops::Range;
use std::path::PathBuf;

use ndarray::Array2;

use crate::aggregate::{self, DecisionConfig};
use crate::analysis::{DocumentAnalysis, LabelScore, Sentence, SentenceScores, UnitAnalysis};
use crate::encode::{Embeddings, EncoderConfig, TextEncoder};
use crate::error::{Error, Result};
use crate::head::{Head, TrainDocument, Unit};
use crate::heads::HeadSet;
use crate::models;
use crate::route::DomainRouter;
use crate::score::{MemberTexts, ZeroShot};
use crate::segment::{Granularity, Segmenter, SegmenterConfig, Span};
use crate::taxonomy::Taxonomy;

/// Environment variable capping the number of threads.
pub const THREADS_ENV: &str = "FRAMELENS_THREADS";

/// Largest document [`Classifier::classify`] takes by default: 64 MiB. Larger
/// ones get [`Error::InvalidInput`]; see [`ClassifierBuilder::max_input_bytes`].
pub const DEFAULT_MAX_INPUT_BYTES: usize = 64 << 20;

/// Which encoder backend runs the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BackendKind {
    /// ONNX Runtime (feature `onnx`, default).
    #[default]
    Onnx,
    /// libtorch through rust-bert (feature `rust-bert`).
    RustBert,
}

impl std::str::FromStr for BackendKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "onnx" => Ok(BackendKind::Onnx),
            "rust-bert" => Ok(BackendKind::RustBert),
            other => Err(Error::InvalidSetting {
                name: "backend",
                reason: format!("`{other}` is not a backend; use `onnx` or `rust-bert`"),
            }),
        }
    }
}

/// Builds a [`Classifier`].
#[derive(Debug, Clone, Default)]
pub struct ClassifierBuilder {
    taxonomy: Option<Taxonomy>,
    models_dir: Option<PathBuf>,
    threads: Option<usize>,
    backend: BackendKind,
    model: Option<models::OnnxModel>,
    encoder: EncoderConfig,
    segmenter: SegmenterConfig,
    decision: Option<DecisionConfig>,
    threshold: Option<f32>,
    heads: Option<HeadSet>,
    max_input_bytes: Option<usize>,
    no_vector_cache: bool,
    tuned: Option<crate::tuned::TunedEncoder>,
    custom: Option<std::sync::Arc<TextEncoder>>,
    other_languages: Option<Option<models::OnnxModel>>,
}

impl ClassifierBuilder {
    /// Use this encoder: any [`crate::encode::Backend`] of yours, with a
    /// tokenizer, through [`TextEncoder::new`]. The model settings
    /// (`backend`, `model`, `models_dir` for models, `encoder_config`) are then
    /// not used, and the taxonomy's vectors are not cached (the cache cannot
    /// tell your model's files apart).
    ///
    /// ```no_run
    /// use framelens::encode::{load_tokenizer, Backend, EncoderConfig, TextEncoder, TokenBatch};
    /// # struct MyModel;
    /// # impl Backend for MyModel {
    /// #     fn name(&self) -> &str { "my-model" }
    /// #     fn dim(&self) -> usize { 384 }
    /// #     fn embed_batch(&self, b: &TokenBatch) -> framelens::Result<ndarray::Array2<f32>> {
    /// #         Ok(ndarray::Array2::zeros((b.input_ids.nrows(), 384)))
    /// #     }
    /// # }
    /// # fn main() -> framelens::Result<()> {
    /// let tokenizer = load_tokenizer(std::path::Path::new("my-model/tokenizer.json"))?;
    /// let encoder = TextEncoder::new(tokenizer, Box::new(MyModel), EncoderConfig::default())?;
    /// let classifier = framelens::Classifier::builder().text_encoder(encoder).build()?;
    /// # Ok(()) }
    /// ```
    pub fn text_encoder(mut self, encoder: TextEncoder) -> Self {
        self.custom = Some(std::sync::Arc::new(encoder));
        self
    }

    /// Where documents go whose language the encoder does not read: a second
    /// classifier, with the same taxonomy and settings, on this ONNX model
    /// (`Some(OnnxModel::E5)`), or nowhere (`None`: they are scored by the
    /// main encoder and flagged `supported: false` in their result).
    ///
    /// By default, a classifier on an English ONNX model (zero-shot, no tuned
    /// encoder, no encoder of your own) sends them to multilingual-e5-small
    /// when `models/fetch-e5` has put it in the model directory, and builds
    /// that second classifier the first time such a document comes. Asked
    /// for explicitly, it is built by `build`, which fails when the model is
    /// missing.
    ///
    /// With heads ([`ClassifierBuilder::heads`]) documents are routed, by
    /// default or when asked, only when the head file holds a head for the
    /// model for other languages too (`train` makes one from a corpus in
    /// several languages); each document is then scored by the head of the
    /// encoder that reads it. A file with one head does not route, as before.
    pub fn other_languages(mut self, model: Option<models::OnnxModel>) -> Self {
        self.other_languages = Some(model);
        self
    }

    /// Run a tuned encoder (`framelens::tune`, `train --tune`) instead of the
    /// base model, on the default `rowq8` ONNX model or on the `rust-bert`
    /// backend. `build` refuses it when it was tuned for another taxonomy or
    /// from other base weights.
    pub fn tuned_encoder(mut self, tuned: crate::tuned::TunedEncoder) -> Self {
        self.tuned = Some(tuned);
        self
    }

    /// Cache the taxonomy's embedded texts under `<models>/vector-cache/`
    /// (default on): a classifier for the same encoder, model files and
    /// taxonomy texts then starts without embedding them again.
    pub fn vector_cache(mut self, on: bool) -> Self {
        self.no_vector_cache = !on;
        self
    }

    /// Largest document, in bytes, that `classify*` accepts (default
    /// [`DEFAULT_MAX_INPUT_BYTES`]); a larger one gives [`Error::InvalidInput`]
    /// instead of using memory in proportion to it.
    pub fn max_input_bytes(mut self, bytes: usize) -> Self {
        self.max_input_bytes = Some(bytes);
        self
    }

    /// Score with a trained head instead of zero-shot (see [`crate::head`]).
    pub fn head(mut self, head: Head) -> Self {
        self.heads = Some(HeadSet::single(head));
        self
    }

    /// Score with heads, one per encoder ([`crate::heads`]): the head for
    /// the classifier's encoder scores the documents it reads, and the head
    /// for the model for other languages, when the set holds one, the
    /// documents routed there. `build` fails when the set has no head for
    /// the classifier's encoder. A set of one head is [`ClassifierBuilder::head`].
    pub fn heads(mut self, heads: HeadSet) -> Self {
        self.heads = Some(heads);
        self
    }

    /// The taxonomy to score against (default: Media Frames).
    pub fn taxonomy(mut self, taxonomy: Taxonomy) -> Self {
        self.taxonomy = Some(taxonomy);
        self
    }

    /// Directory holding the models (default: `$FRAMELENS_MODELS`, then `./models`).
    pub fn models_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.models_dir = Some(dir.into());
        self
    }

    /// Worker threads (default: `$FRAMELENS_THREADS`, then all cores).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads);
        self
    }

    /// The encoder backend.
    pub fn backend(mut self, backend: BackendKind) -> Self {
        self.backend = backend;
        self
    }

    /// Which ONNX model runs the encoder (default: `$FRAMELENS_MODEL`, then
    /// [`models::OnnxModel::Rowq8`], fast and batch-independent); `Int8` is the closest to fp32.
    pub fn model(mut self, model: models::OnnxModel) -> Self {
        self.model = Some(model);
        self
    }

    /// Sentences per encoder batch.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.encoder.batch_size = batch_size;
        self
    }

    /// Encoder settings.
    pub fn encoder_config(mut self, config: EncoderConfig) -> Self {
        self.encoder = config;
        self
    }

    /// Sentence splitting settings.
    pub fn segmenter_config(mut self, config: SegmenterConfig) -> Self {
        self.segmenter = config;
        self
    }

    /// Document decision settings (default depends on the taxonomy).
    pub fn decision(mut self, decision: DecisionConfig) -> Self {
        self.decision = Some(decision);
        self
    }

    /// Document threshold for categories without their own (default: the
    /// taxonomy's `threshold`, else learnt from the background, else 0.5).
    /// With a [`Head`], it replaces the head's per-category thresholds.
    pub fn threshold(mut self, threshold: f32) -> Self {
        self.threshold = Some(threshold);
        self
    }

    /// The builder of the classifier for other languages, and whether it is
    /// built now (asked for) or on first use (the default).
    fn others_builder(
        &self,
        model: models::OnnxModel,
        models_dir: &std::path::Path,
    ) -> Result<Option<(ClassifierBuilder, bool)>> {
        // A head set routes only with a head for the other model (a file of one head never does).
        let other_head = |other: models::OnnxModel| {
            self.heads.as_ref().filter(|set| set.len() > 1).and_then(|set| set.get(other.encoder_name()))
        };
        let (other, eager) = match self.other_languages {
            Some(None) => return Ok(None),
            Some(Some(other)) => (other, true),
            None => {
                let e5 = models::OnnxModel::E5;
                let english = self.custom.is_none()
                    && (self.heads.is_none() || other_head(e5).is_some())
                    && self.tuned.is_none()
                    && self.backend == BackendKind::Onnx
                    && model.languages() == crate::language::ENGLISH_ONLY;
                if !english || !models_dir.join(e5.dir_name()).join("model.onnx").is_file() {
                    return Ok(None);
                }
                (e5, false)
            }
        };
        let refuse = |reason: &str| {
            Err(Error::InvalidSetting {
                name: "other_languages",
                reason: format!("{}: {reason}", other.encoder_name()),
            })
        };
        if self.custom.is_some() || self.tuned.is_some() || self.backend != BackendKind::Onnx {
            return refuse("documents go to a second ONNX model only from a classifier on an ONNX model of framelens");
        }
        let head = other_head(other);
        if self.heads.is_some() && head.is_none() {
            return refuse(
                "the head file has no head for it; train heads on a corpus with documents in its languages \
                 (`train` makes one head per encoder), or train one with `--model e5` and use it alone",
            );
        }
        if other == model {
            return refuse("it is already the classifier's model");
        }
        let builder = ClassifierBuilder {
            taxonomy: self.taxonomy.clone(),
            models_dir: Some(models_dir.to_path_buf()),
            model: Some(other),
            encoder: self.encoder.clone(),
            segmenter: self.segmenter.clone(),
            decision: self.decision.clone(),
            other_languages: Some(None),
            heads: head.cloned().map(HeadSet::single),
            tuned: None,
            custom: None,
            ..self.clone()
        };
        Ok(Some((builder, eager)))
    }

    /// Load the model, embed the taxonomy and fit the score calibration.
    pub fn build(self) -> Result<Classifier> {
        let models_dir = models::resolve_models_dir(self.models_dir.as_deref());
        let model = models::OnnxModel::resolve(self.model)?;
        let others = self.others_builder(model, &models_dir)?;
        let taxonomy = match self.taxonomy {
            Some(t) => t,
            None => Taxonomy::builtin("media-frames")?,
        };
        // Its fields are public: whatever was edited since it was loaded is checked here.
        taxonomy.check()?;
        let threads = resolve_threads(self.threads)?;
        let explicit_threshold = self.threshold.is_some() || taxonomy.threshold.is_some() || self.decision.is_some();
        let mut decision = self.decision.unwrap_or_else(|| default_decision(&taxonomy));
        if let Some(t) = self.threshold {
            decision.threshold = t;
        }
        if !(0.0..=1.0).contains(&decision.threshold) {
            return Err(Error::InvalidSetting {
                name: "threshold",
                reason: format!("{} is outside [0, 1]", decision.threshold),
            });
        }
        let languages = match (&self.custom, self.backend) {
            (Some(_), _) => None,
            (None, BackendKind::Onnx) => Some(model.languages()),
            (None, BackendKind::RustBert) => Some(crate::language::ENGLISH_ONLY),
        };
        if let Some(tuned) = &self.tuned {
            tuned.check_fits(&taxonomy, &models_dir)?;
        }
        let custom = self.custom.is_some();
        let encoder = match self.custom {
            Some(_) if self.tuned.is_some() => {
                return Err(Error::InvalidSetting {
                    name: "text_encoder",
                    reason: "give either a tuned encoder or an encoder of your own, not both".into(),
                })
            }
            Some(encoder) => encoder,
            None => std::sync::Arc::new(load_encoder(
                self.backend,
                model,
                &models_dir,
                threads,
                self.encoder,
                self.tuned.as_ref(),
            )?),
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("framelens-{i}"))
            .build()
            .map_err(|e| Error::InvalidSetting { name: "threads", reason: e.to_string() })?;

        let members = MemberTexts::of(&taxonomy);
        let own_backgrounds = language_backgrounds(&taxonomy, languages);
        let texts: Vec<&str> = members
            .texts
            .iter()
            .chain(&taxonomy.background)
            .chain(own_backgrounds.iter().flat_map(|(_, s)| s.iter()))
            .map(String::as_str)
            .collect();
        let cache_dir = models_dir.join(crate::cache::CACHE_DIR);
        let key = crate::cache::key(encoder.backend_name(), &model_files(self.backend, model, &models_dir), &texts);
        let cache = (!self.no_vector_cache && !custom).then_some((cache_dir.as_path(), key.as_str()));
        let all = embedded_texts(&encoder, &pool, &texts, cache)?;
        let background_end = members.texts.len() + taxonomy.background.len();
        let member_vectors = all.slice(ndarray::s![..members.texts.len(), ..]).to_owned();
        let background = all.slice(ndarray::s![members.texts.len()..background_end, ..]).to_owned();
        let mut at = background_end;
        let own_vectors: Vec<(&str, ndarray::ArrayView2<'_, f32>)> = own_backgrounds
            .iter()
            .map(|(code, sentences)| {
                at += sentences.len();
                (*code, all.slice(ndarray::s![at - sentences.len()..at, ..]))
            })
            .collect();
        let router = DomainRouter::new(&taxonomy, &members, member_vectors.view(), background.view());
        let head = match self.heads {
            None => None,
            Some(set) => Some(main_head(set, encoder.backend_name())?),
        };
        let wants_derived = head.is_none() && !explicit_threshold;
        let (scorer, derived, by_language) = fitted_scorer(
            &taxonomy,
            &members,
            member_vectors,
            (background.view(), &own_vectors),
            &decision,
            wants_derived,
            cache,
        )?;
        if let Some(head) = &head {
            head.check_fits(&taxonomy, encoder.backend_name(), encoder.dim())?;
        }
        if let Some(other) = others.as_ref().and_then(|(b, _)| b.heads.as_ref()).and_then(|set| set.heads().first()) {
            // Checked fully when that classifier is built; taxonomy and shapes now.
            other.check_fits(&taxonomy, &other.encoder, other.dim)?;
        }
        // An explicit threshold decides frames too (base rates would ignore it).
        let base_rates = base_rates(&taxonomy, &scorer, background.view(), &decision, head.is_some())
            .filter(|_| self.threshold.is_none());
        let norms = head.is_none().then(|| {
            let own: Vec<(String, Array2<f32>)> =
                own_vectors.iter().map(|(code, v)| (code.to_string(), scorer.score(*v))).collect();
            crate::basis::BackgroundNormSet::learn(&taxonomy, decision.pooling, scorer.score(background.view()).view(), &own)
        });
        let fingerprint = crate::basis::fingerprint(&taxonomy);
        let fixed = match (&head, self.threshold) {
            // An explicit threshold overrides the head's own ones too.
            (Some(_), Some(t)) => vec![t; taxonomy.categories.len()],
            (Some(head), None) => head.thresholds.clone(),
            (None, _) => aggregate::thresholds(&taxonomy, &decision),
        };
        // Categories with a threshold of their own keep it.
        let own_thresholds = |by_length: Vec<Vec<f32>>| -> Vec<Vec<f32>> {
            by_length
                .into_iter()
                .map(|row| {
                    row.into_iter().enumerate().map(|(c, t)| taxonomy.categories[c].threshold.unwrap_or(t)).collect()
                })
                .collect()
        };
        let thresholds = match derived {
            Some(by_length) => own_thresholds(by_length),
            None => vec![fixed],
        };
        let language_thresholds =
            by_language.into_iter().map(|(code, by_length)| (code, own_thresholds(by_length))).collect();
        let labels = taxonomy.categories.iter().map(|c| std::sync::Arc::from(c.label.as_str())).collect();
        let others = match others {
            None => None,
            Some((builder, eager)) => {
                let built = std::sync::OnceLock::new();
                if eager {
                    let _ = built.set(Ok(Box::new(builder.clone().build()?)));
                }
                Some(Others { builder, built })
            }
        };
        Ok(Classifier {
            languages,
            others,
            labels,
            background_vectors: background,
            taxonomy,
            encoder,
            segmenter: Segmenter::new(self.segmenter),
            scorer,
            router,
            head,
            thresholds,
            language_thresholds,
            base_rates,
            norms,
            fingerprint,
            decision,
            pool,
            threads,
            max_input_bytes: self.max_input_bytes.unwrap_or(DEFAULT_MAX_INPUT_BYTES),
        })
    }
}

/// The head of a set for the classifier's own encoder: the only one of a
/// set of one (checked against the encoder in `build`, as a single head always
/// was), else the one keyed by `encoder`.
fn main_head(set: HeadSet, encoder: &str) -> Result<Head> {
    if set.len() == 1 || set.get(encoder).is_some() {
        let mut heads = set.heads().to_vec();
        let at = heads.iter().position(|h| h.encoder == encoder).unwrap_or(0);
        return Ok(heads.swap_remove(at));
    }
    let path = set.heads().first().and_then(Head::path).map_or_else(|| PathBuf::from("<heads>"), PathBuf::from);
    Err(Error::HeadMismatch {
        path,
        reason: format!(
            "it holds heads for {}, none for the classifier's encoder `{encoder}`",
            set.encoders().join(", ")
        ),
    })
}

/// The taxonomy's texts embedded, from the cache `(directory, key)` when it
/// holds them (and stored there when it does not).
fn embedded_texts(
    encoder: &TextEncoder,
    pool: &rayon::ThreadPool,
    texts: &[&str],
    cache: Option<(&std::path::Path, &str)>,
) -> Result<Array2<f32>> {
    if let Some(vectors) = cache.and_then(|(dir, key)| crate::cache::load(dir, key, texts.len(), encoder.dim())) {
        return Ok(vectors);
    }
    let vectors = pool.install(|| encoder.embed(texts))?.vectors;
    if let Some((dir, key)) = cache {
        crate::cache::store(dir, key, &vectors);
    }
    Ok(vectors)
}

/// Thresholds learnt from background sentences: `[length − 1][category]`.
type Learnt = Vec<Vec<f32>>;

/// Thresholds learnt from each language's own background, by ISO 639-3 code.
type ByLanguage = Vec<(String, Learnt)>;

/// The zero-shot scorer and, when `wants_derived`, the thresholds learnt from
/// the background (`[length − 1][category]`) and from each language's own
/// background (`backgrounds.1`, see [`language_thresholds`]). All depend
/// only on the vectors, the taxonomy's structure and the decision settings,
/// so they are cached beside the vectors under a key made of all three.
fn fitted_scorer(
    taxonomy: &Taxonomy,
    members: &MemberTexts,
    member_vectors: Array2<f32>,
    backgrounds: (ndarray::ArrayView2<'_, f32>, &[(&str, ndarray::ArrayView2<'_, f32>)]),
    decision: &DecisionConfig,
    wants_derived: bool,
    cache: Option<(&std::path::Path, &str)>,
) -> Result<(ZeroShot, Option<Learnt>, ByLanguage)> {
    let (background, by_language) = backgrounds;
    let k = taxonomy.categories.len();
    let structure: Vec<String> = taxonomy
        .categories
        .iter()
        .map(|c| format!("{}|{}|{}", c.id, c.parent.as_deref().unwrap_or(""), c.exemplars.len()))
        .chain([format!("{:?}|{}|{wants_derived}", decision.pooling, decision.false_alarm_rate)])
        // Unchanged for a taxonomy without background by language.
        .chain(by_language.iter().map(|(code, v)| format!("language|{code}|{}", v.nrows())))
        .collect();
    let fit_cache = cache.map(|(dir, vectors_key)| {
        let parts: Vec<&str> = structure.iter().map(String::as_str).chain([vectors_key]).collect();
        (dir, crate::cache::key("calibration-and-thresholds", &[], &parts))
    });
    let table = aggregate::PSEUDO_DOCUMENT_SENTENCES * k;
    let tables = if wants_derived { 1 + by_language.len() } else { 0 };
    let fit_len = 3 + tables * table;
    if let Some(fit) = fit_cache.as_ref().and_then(|(dir, key)| crate::cache::load(dir, key, 1, fit_len)) {
        let v = fit.row(0).to_vec();
        let calibration = crate::score::Calibration { w_raw: v[0], w_gap: v[1], bias: v[2] };
        let scorer = ZeroShot::with_calibration(taxonomy, members, member_vectors, Some(calibration));
        let mut learnt = v[3..].chunks(table).map(|t| t.chunks(k).map(<[f32]>::to_vec).collect::<Learnt>());
        let derived = if wants_derived { learnt.next() } else { None };
        let own = by_language.iter().map(|(code, _)| code.to_string()).zip(learnt).collect();
        return Ok((scorer, derived, own));
    }
    let scorer = ZeroShot::new(taxonomy, members, member_vectors, background);
    // Taxonomies without a threshold of their own decide "carries a category
    // at all" against neutral reporting (the background), per document
    // length; categories with their own threshold keep it.
    let derived = wants_derived
        .then(|| {
            let background_scores = scorer.score(background);
            aggregate::background_thresholds(
                taxonomy,
                background_scores.view(),
                decision.pooling,
                decision.false_alarm_rate,
            )
        })
        .flatten();
    let own = if wants_derived { language_thresholds(taxonomy, &scorer, by_language, decision)? } else { Vec::new() };
    // Too little background for learnt thresholds: nothing to cache but the calibration.
    if let Some((dir, key)) = fit_cache.filter(|_| derived.is_some() || !wants_derived) {
        let c = scorer.calibration();
        let mut values = vec![c.w_raw, c.w_gap, c.bias];
        values.extend(derived.iter().flatten().flatten());
        values.extend(own.iter().flat_map(|(_, t)| t.iter().flatten()));
        if let Ok(row) = Array2::from_shape_vec((1, values.len()), values) {
            crate::cache::store(dir, &key, &row);
        }
    }
    Ok((scorer, derived, own))
}

/// The taxonomy's background sentences in languages the encoder reads
/// (`None`: an encoder of the user's, taken to read them all), by code.
fn language_backgrounds<'t>(taxonomy: &'t Taxonomy, languages: Option<&[&str]>) -> Vec<(&'t str, &'t [String])> {
    taxonomy
        .background_by_language
        .iter()
        .filter(|(code, _)| languages.is_none_or(|l| l.contains(&code.as_str())))
        .map(|(code, sentences)| (code.as_str(), sentences.as_slice()))
        .collect()
}

/// Thresholds per language, each learnt from that language's own background
/// exactly as the default ones are from `background`
/// ([`aggregate::background_thresholds`]): cross-lingual similarities run
/// lower than same-language ones, so thresholds learnt from English neutral
/// text let almost nothing through in another language. A language whose
/// background is shorter than one pseudo-document is an error naming it.
fn language_thresholds(
    taxonomy: &Taxonomy,
    scorer: &ZeroShot,
    by_language: &[(&str, ndarray::ArrayView2<'_, f32>)],
    decision: &DecisionConfig,
) -> Result<ByLanguage> {
    by_language
        .iter()
        .map(|(code, vectors)| {
            let scores = scorer.score(*vectors);
            aggregate::background_thresholds(taxonomy, scores.view(), decision.pooling, decision.false_alarm_rate)
                .map(|t| (code.to_string(), t))
                .ok_or_else(|| Error::InvalidTaxonomy {
                    source_name: taxonomy.name.clone(),
                    problems: vec![format!(
                        "field `background_by_language.{code}` has {} sentences; thresholds are learnt from at least {}",
                        vectors.nrows(),
                        aggregate::PSEUDO_DOCUMENT_SENTENCES
                    )],
                })
        })
        .collect()
}

/// The priors and the background's norms that a flat taxonomy with priors,
/// scored zero-shot, decides with (see [`aggregate::base_rate_decision`]);
/// `None` for two-level taxonomies, with a head (its intercepts and
/// thresholds were learnt from the user's labels, their base rates), without
/// priors, or with too little background.
fn base_rates(
    taxonomy: &Taxonomy,
    scorer: &ZeroShot,
    background: ndarray::ArrayView2<'_, f32>,
    decision: &DecisionConfig,
    head: bool,
) -> Option<(Vec<f32>, aggregate::BackgroundNorms)> {
    if head || taxonomy.is_hierarchical() {
        return None;
    }
    let priors = taxonomy.priors()?;
    let norms = aggregate::background_norms(scorer.score(background).view(), decision.pooling)?;
    Some((priors, norms))
}

/// The files the encoder's vectors depend on (part of the vector cache's key).
fn model_files(kind: BackendKind, model: models::OnnxModel, models_dir: &std::path::Path) -> Vec<PathBuf> {
    let dir = match kind {
        BackendKind::Onnx => models_dir.join(model.dir_name()),
        BackendKind::RustBert => models_dir.join(models::MINILM_FP32),
    };
    ["model.onnx", "model.safetensors", "tokenizer.json", "config.json"]
        .iter()
        .map(|f| dir.join(f))
        .filter(|p| p.is_file())
        .collect()
}

fn resolve_threads(explicit: Option<usize>) -> Result<usize> {
    let from_env = || {
        std::env::var(THREADS_ENV).ok().filter(|v| !v.trim().is_empty()).map(|v| {
            v.trim().parse::<usize>().map_err(|_| Error::InvalidSetting {
                name: "threads",
                reason: format!("{THREADS_ENV}=`{v}` is not a whole number"),
            })
        })
    };
    let n = match explicit {
        Some(n) => n,
        None => match from_env() {
            Some(n) => n?,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        },
    };
    if n == 0 {
        return Err(Error::InvalidSetting { name: "threads", reason: "must be at least 1".into() });
    }
    Ok(n)
}

/// The default decision for a taxonomy: its own threshold if it has one.
pub fn default_decision(taxonomy: &Taxonomy) -> DecisionConfig {
    let d = DecisionConfig::default();
    DecisionConfig {
        threshold: taxonomy.threshold.unwrap_or(d.threshold),
        pooling: taxonomy.pooling.unwrap_or(d.pooling),
        min_labels: taxonomy.min_labels.unwrap_or(d.min_labels),
        max_labels: taxonomy.max_labels.or(d.max_labels),
        ..d
    }
}

fn load_encoder(
    kind: BackendKind,
    model: models::OnnxModel,
    models_dir: &std::path::Path,
    threads: usize,
    config: EncoderConfig,
    tuned: Option<&crate::tuned::TunedEncoder>,
) -> Result<TextEncoder> {
    models::require_dir(models_dir.to_path_buf(), "model directory")?;
    match kind {
        BackendKind::Onnx => {
            #[cfg(feature = "onnx")]
            {
                let dir = models::require_dir(models_dir.join(model.dir_name()), model.what())?;
                let tokenizer = crate::encode::load_tokenizer(&models::require_file(
                    dir.join("tokenizer.json"),
                    "tokenizer.json",
                )?)?;
                let file = models::require_file(dir.join("model.onnx"), "ONNX model")?;
                let library = models::onnxruntime_library(models_dir);
                let (name, initializers) = match tuned {
                    None => (model.encoder_name().to_string(), Vec::new()),
                    Some(tuned) if model == models::OnnxModel::Rowq8 => (
                        tuned.encoder_name(model.encoder_name()),
                        crate::tuned::rowq8_initializers(tuned.tensors()?, models::MINILM_LAYERS, &tuned.weights())?,
                    ),
                    Some(tuned) => {
                        return Err(Error::EncoderMismatch {
                            path: tuned.dir().to_path_buf(),
                            reason: format!(
                                "a tuned encoder runs on the rowq8 ONNX model or the rust-bert backend, not on {}",
                                model.encoder_name()
                            ),
                        })
                    }
                };
                let backend =
                    crate::encode::onnx::OnnxBackend::load_with(&file, &library, threads, name, initializers)?;
                let encoder = TextEncoder::new(tokenizer, Box::new(backend), config)?;
                match model.prefix() {
                    Some(prefix) => encoder.with_prefix(prefix),
                    None => Ok(encoder),
                }
            }
            #[cfg(not(feature = "onnx"))]
            {
                let _ = (model, threads, config, tuned);
                Err(Error::BackendUnavailable("onnx".into()))
            }
        }
        BackendKind::RustBert => {
            #[cfg(feature = "rust-bert")]
            {
                crate::encode::rust_bert::load_text_encoder(models_dir, threads, config, tuned)
            }
            #[cfg(not(feature = "rust-bert"))]
            {
                let _ = (threads, config, tuned);
                Err(Error::BackendUnavailable("rust-bert".into()))
            }
        }
    }
}

/// Scores news text against a taxonomy. Cheap to share: `Send + Sync`.
pub struct Classifier {
    /// The taxonomy's background sentences, embedded (training units).
    background_vectors: Array2<f32>,
    taxonomy: Taxonomy,
    encoder: std::sync::Arc<TextEncoder>,
    segmenter: Segmenter,
    scorer: ZeroShot,
    router: Option<DomainRouter>,
    /// Languages the encoder reads (`None`: an encoder of the user's, unknown).
    languages: Option<&'static [&'static str]>,
    /// Where documents go whose language the encoder does not read.
    others: Option<Others>,
    /// The categories' labels, shared by every sentence's scores.
    labels: std::sync::Arc<[std::sync::Arc<str>]>,
    head: Option<Head>,
    /// Thresholds per category; `thresholds[n − 1]` serves documents of `n`
    /// sentences, the last row longer ones (a single row: any length).
    thresholds: Vec<Vec<f32>>,
    /// Thresholds learnt from the background of one language, by ISO 639-3
    /// code, laid out as `thresholds` (see [`Classifier::calibration_for`]).
    language_thresholds: ByLanguage,
    /// The taxonomy's priors and the background's norms, for a flat
    /// taxonomy with priors scored zero-shot.
    base_rates: Option<(Vec<f32>, aggregate::BackgroundNorms)>,
    /// Neutral-text norms per length and language (zero-shot only), kept in
    /// each result's basis for prevalence estimates and re-decisions.
    norms: Option<crate::basis::BackgroundNormSet>,
    /// The taxonomy's fingerprint ([`crate::basis::fingerprint`]).
    fingerprint: String,
    decision: DecisionConfig,
    pool: rayon::ThreadPool,
    threads: usize,
    max_input_bytes: usize,
}

impl std::fmt::Debug for Classifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Classifier")
            .field("taxonomy", &self.taxonomy.name)
            .field("encoder", &self.encoder)
            .field("decision", &self.decision)
            .field("threads", &self.threads)
            .finish()
    }
}

/// The classifier for documents in languages the main encoder does not read,
/// built on first use unless it was asked for explicitly.
struct Others {
    builder: ClassifierBuilder,
    built: std::sync::OnceLock<Result<Box<Classifier>>>,
}

impl Others {
    /// Build the classifier on a thread of its own. The first document that
    /// needs it may be on one of a rayon pool's threads; a rayon thread that
    /// waits for the build's own pool runs other jobs of its pool meanwhile,
    /// and a second document there would wait forever for this build.
    fn build(&self) -> Result<Box<Classifier>> {
        std::thread::scope(|s| s.spawn(|| self.builder.clone().build().map(Box::new)).join()).unwrap_or_else(|_| {
            Err(Error::InvalidSetting {
                name: "other_languages",
                reason: "building the classifier for other languages panicked".into(),
            })
        })
    }
}

/// A document split into sentences, before encoding.
struct Prepared<'a> {
    text: &'a str,
    spans: Vec<Span>,
    /// The language detected in the text the spans cover.
    language: Option<crate::language::Language>,
    /// Whether that detection is sure enough to act on (see `language::settled`).
    settled: bool,
}

impl Classifier {
    /// Start building a classifier.
    pub fn builder() -> ClassifierBuilder {
        ClassifierBuilder::default()
    }

    /// The taxonomy in use.
    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    /// The decision settings in use.
    pub fn decision(&self) -> &DecisionConfig {
        &self.decision
    }

    /// The calibration the zero-shot scorer fitted on the taxonomy's own
    /// sentences (`score = σ(w_raw·raw + w_gap·gap + bias)`).
    pub fn calibration(&self) -> crate::score::Calibration {
        self.scorer.calibration()
    }

    /// Zero-shot scores `[rows, categories]` of sentence vectors you embedded
    /// yourself (unit rows of the encoder's dimension, e.g. from [`Classifier::embed`]).
    pub fn score_vectors(&self, vectors: ndarray::ArrayView2<'_, f32>) -> Result<Array2<f32>> {
        if vectors.ncols() != self.encoder.dim() {
            return Err(Error::InvalidInput(format!(
                "the vectors have {} dimensions; the encoder gives {}",
                vectors.ncols(),
                self.encoder.dim()
            )));
        }
        Ok(self.scorer.score(vectors))
    }

    /// The sentence splitter.
    pub fn segmenter(&self) -> &Segmenter {
        &self.segmenter
    }

    /// Number of worker threads.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Largest document, in bytes, that `classify*` accepts.
    pub fn max_input_bytes(&self) -> usize {
        self.max_input_bytes
    }

    /// Encoder name, e.g. `onnx:all-MiniLM-L6-v2-int8`.
    pub fn encoder_name(&self) -> &str {
        self.encoder.backend_name()
    }

    /// Embed texts (one vector each) on the classifier's threads.
    pub fn embed(&self, texts: &[&str]) -> Result<Embeddings> {
        self.pool.install(|| self.encoder.embed(texts))
    }

    /// Classify one document, using all the classifier's threads.
    pub fn classify(&self, text: &str) -> Result<DocumentAnalysis> {
        self.classify_batch(&[text]).pop().expect("one result per text")
    }

    /// Classify one document on the calling thread only.
    pub fn classify_sequential(&self, text: &str) -> Result<DocumentAnalysis> {
        self.classify_batch_sequential(&[text]).pop().expect("one result per text")
    }

    /// Classify many documents on the classifier's threads. Sentences of all
    /// documents are batched together by length. One result per text, in order:
    /// an empty text gives its own error and does not stop the others.
    pub fn classify_batch(&self, texts: &[&str]) -> Vec<Result<DocumentAnalysis>> {
        self.pool.install(|| self.batch(texts, true, Granularity::Document)).into_iter().map(|r| r.map(whole)).collect()
    }

    /// [`Classifier::classify_batch`] on the calling thread only.
    pub fn classify_batch_sequential(&self, texts: &[&str]) -> Vec<Result<DocumentAnalysis>> {
        self.batch(texts, false, Granularity::Document).into_iter().map(|r| r.map(whole)).collect()
    }

    /// Classify each unit of a text on its own — each paragraph or each
    /// sentence (see [`Granularity`]) — after embedding the whole text once.
    /// `Granularity::Document` gives one unit, the same analysis as
    /// [`Classifier::classify`].
    pub fn classify_units(&self, text: &str, unit: Granularity) -> Result<Vec<UnitAnalysis>> {
        self.classify_batch_units(&[text], unit).pop().expect("one result per text")
    }

    /// [`Classifier::classify_units`] for many texts, batched as
    /// [`Classifier::classify_batch`] batches them.
    pub fn classify_batch_units(&self, texts: &[&str], unit: Granularity) -> Vec<Result<Vec<UnitAnalysis>>> {
        self.pool.install(|| self.batch(texts, true, unit)).into_iter().map(|r| r.map(units)).collect()
    }

    /// The encoder name of the classifier that documents in languages this
    /// one's encoder does not read go to, if any (it may not be built yet).
    pub fn other_languages_encoder(&self) -> Option<&'static str> {
        self.others.as_ref().and_then(|o| o.builder.model).map(models::OnnxModel::encoder_name)
    }

    /// The classifier that reads `text` as [`Classifier::classify`] routes it
    /// (this one, or the one for other languages, built now if need be) and
    /// the language detected in it, `supported` by that classifier or not.
    /// A text `classify` refuses (empty, too long) stays with this one.
    pub(crate) fn reader_of(&self, text: &str) -> Result<(&Classifier, Option<crate::language::Language>)> {
        match self.prepare_routed(text) {
            Ok((p, c)) => Ok((c, p.language)),
            Err(e @ Error::InvalidSetting { .. }) => Err(e),
            Err(_) => Ok((self, None)),
        }
    }

    /// Whether it scores with a trained head.
    pub(crate) fn has_head(&self) -> bool {
        self.head.is_some()
    }

    /// Split a document and choose the classifier for its language: this one,
    /// or the one for other languages when the detection is settled, this
    /// encoder does not read the language and that one does.
    fn prepare_routed<'a>(&self, text: &'a str) -> Result<(Prepared<'a>, &Classifier)> {
        let mut p = self.prepare(text)?;
        let (Some(others), Some(language)) = (&self.others, p.language.as_mut()) else { return Ok((p, self)) };
        let other_reads = |c: &Classifier| c.languages.is_some_and(|l| l.contains(&language.code.as_str()));
        if language.supported || !others.builder.model.is_some_and(|m| m.languages().contains(&language.code.as_str()))
        {
            return Ok((p, self));
        }
        let other = match others.built.get_or_init(|| others.build()) {
            Ok(c) => c.as_ref(),
            Err(e) => {
                return Err(Error::InvalidSetting {
                    name: "other_languages",
                    reason: format!("a document in {} needs the classifier for other languages: {e}", language.name),
                })
            }
        };
        language.supported = other_reads(other);
        Ok((p, other))
    }

    /// Split, route, embed and score many texts, each cut into `unit`s: one
    /// run of the encoder per classifier (this one, the one for other
    /// languages) over the sentences of all its documents.
    fn batch<'a>(&'a self, texts: &[&'a str], parallel: bool, unit: Granularity) -> Vec<Result<ScoredDoc<'a>>> {
        use rayon::prelude::*;
        let routed: Vec<Result<(Prepared<'a>, &Classifier)>> = if parallel {
            texts.par_iter().map(|t| self.prepare_routed(t)).collect()
        } else {
            texts.iter().map(|t| self.prepare_routed(t)).collect()
        };
        let ranges: Vec<Vec<Range<usize>>> = routed
            .iter()
            .map(|r| match r {
                Ok((p, c)) => unit.ranges(p.text, &p.spans, c.segmenter.config().newline_breaks),
                Err(_) => Vec::new(),
            })
            .collect();
        let mut scored: Vec<Option<Result<Vec<Scored>>>> = routed.iter().map(|_| None).collect();
        let mut classifiers: Vec<&Classifier> = Vec::with_capacity(2);
        for (_, c) in routed.iter().flatten() {
            if !classifiers.iter().any(|k| std::ptr::eq(*k, *c)) {
                classifiers.push(c);
            }
        }
        for c in classifiers {
            // The documents this classifier reads, with their index.
            let members: Vec<(usize, &Prepared<'_>)> = routed
                .iter()
                .enumerate()
                .filter_map(|(i, r)| match r {
                    Ok((p, k)) if std::ptr::eq(*k, c) => Some((i, p)),
                    _ => None,
                })
                .collect();
            let mut all: Vec<&str> = Vec::new();
            let mut all_ranges: Vec<Range<usize>> = Vec::new();
            for &(i, p) in &members {
                let base = all.len();
                all_ranges.extend(ranges[i].iter().map(|r| base + r.start..base + r.end));
                all.extend(sentence_texts(p));
            }
            match c.embed_scored(&all, &all_ranges, parallel) {
                Ok(list) => {
                    let mut list = list.into_iter();
                    for &(i, _) in &members {
                        scored[i] = Some(Ok(list.by_ref().take(ranges[i].len()).collect()));
                    }
                }
                // Attribute the failure to the documents that cause it.
                Err(_) => {
                    for &(i, p) in &members {
                        scored[i] = Some(c.embed_scored(&sentence_texts(p), &ranges[i], parallel));
                    }
                }
            }
        }
        routed
            .into_iter()
            .zip(ranges)
            .zip(scored)
            .map(|((r, ranges), scored)| {
                let (p, c) = r?;
                let scored = scored.expect("every prepared document was scored")?;
                Ok(ScoredDoc { p, c, ranges, scored })
            })
            .collect()
    }

    /// Embed `texts` [`SCORE_CHUNK`] at a time and score them; `ranges`
    /// (consecutive, covering every text) cut them into documents or units,
    /// each scored on its own. A chunk's vectors are dropped once it is
    /// scored: memory follows the scores, not the vectors.
    fn embed_scored(&self, texts: &[&str], ranges: &[Range<usize>], parallel: bool) -> Result<Vec<Scored>> {
        use ndarray::{s, Array1, Axis};
        let (k, dim) = (self.labels.len(), self.encoder.dim());
        let mut out: Vec<Scored> = ranges
            .iter()
            .map(|r| Scored {
                zero_shot: Array2::zeros((r.len(), k)),
                head: self.head.as_ref().map(|_| Array2::zeros((r.len(), k))),
                sum: Array1::zeros(dim),
                tokens: vec![0; r.len()],
                windows: vec![0; r.len()],
            })
            .collect();
        let mut r = 0;
        for from in (0..texts.len()).step_by(SCORE_CHUNK) {
            let to = (from + SCORE_CHUNK).min(texts.len());
            let chunk = &texts[from..to];
            let e = if parallel { self.encoder.embed(chunk) } else { self.encoder.embed_sequential(chunk) }?;
            let zero_shot = self.scorer.score(e.vectors.view());
            let head = self.head.as_ref().map(|h| h.score(e.vectors.view(), zero_shot.view()));
            let mut row = from;
            while row < to {
                while r < ranges.len() && ranges[r].end <= row {
                    r += 1;
                }
                let Some(range) = ranges.get(r) else { break };
                let doc = &mut out[r];
                let end = range.end.min(to);
                // Rows a..b of the chunk are rows c..d of the range.
                let (a, b, c, d) = (row - from, end - from, row - range.start, end - range.start);
                doc.zero_shot.slice_mut(s![c..d, ..]).assign(&zero_shot.slice(s![a..b, ..]));
                if let (Some(mine), Some(all)) = (doc.head.as_mut(), head.as_ref()) {
                    mine.slice_mut(s![c..d, ..]).assign(&all.slice(s![a..b, ..]));
                }
                doc.sum += &e.vectors.slice(s![a..b, ..]).sum_axis(Axis(0));
                doc.tokens[c..d].copy_from_slice(&e.tokens[a..b]);
                doc.windows[c..d].copy_from_slice(&e.windows[a..b]);
                row = end;
            }
        }
        Ok(out)
    }

    /// Analyse each unit of a scored document on its own.
    fn analyse_units(&self, p: &Prepared<'_>, ranges: Vec<Range<usize>>, scored: Vec<Scored>) -> Vec<UnitAnalysis> {
        ranges
            .into_iter()
            .zip(scored)
            .map(|(range, scored)| {
                let spans = &p.spans[range.clone()];
                // The whole document's language was detected when it was prepared.
                let (language, settled) = if range.len() == p.spans.len() {
                    (p.language.clone(), p.settled)
                } else {
                    let info = crate::language::detect_info(&p.text[spans[0].start..spans[spans.len() - 1].end]);
                    let settled = info.as_ref().is_some_and(crate::language::settled);
                    (info.map(|i| crate::language::describe(&i, self.languages)), settled)
                };
                let unit = Prepared { text: p.text, spans: spans.to_vec(), language, settled };
                UnitAnalysis {
                    start: p.spans[range.start].start,
                    end: p.spans[range.end - 1].end,
                    analysis: self.analyse(&unit, scored),
                }
            })
            .collect()
    }

    fn prepare<'a>(&self, text: &'a str) -> Result<Prepared<'a>> {
        if text.len() > self.max_input_bytes {
            return Err(Error::InvalidInput(format!(
                "the text is {} bytes, over the limit of {} bytes; split it into smaller documents or raise the limit with ClassifierBuilder::max_input_bytes",
                text.len(),
                self.max_input_bytes
            )));
        }
        let (spans, info) = self.segmenter.split_detected(text);
        if spans.is_empty() {
            return Err(Error::InvalidInput("the text is empty or only whitespace; nothing to classify".into()));
        }
        let settled = info.as_ref().is_some_and(crate::language::settled);
        let language = info.map(|i| crate::language::describe(&i, self.languages));
        Ok(Prepared { text, spans, language, settled })
    }

    /// Decide a document (or unit) from its scores.
    fn analyse(&self, p: &Prepared<'_>, scored: Scored) -> DocumentAnalysis {
        let mean = scored.mean();
        let zero_shot_doc = aggregate::document_scores(scored.zero_shot.view(), self.decision.pooling);
        let (scores, doc) = match (&self.head, scored.head) {
            (Some(head), Some(sentences)) => {
                let doc = match &mean {
                    Some(mean) => head.score_document(mean.view(), &zero_shot_doc),
                    None => head.score_document(ndarray::Array1::zeros(self.encoder.dim()).view(), &zero_shot_doc),
                };
                (sentences, doc)
            }
            _ => (scored.zero_shot, zero_shot_doc),
        };
        let language = p.language.as_ref().filter(|_| p.settled);
        let (thresholds, calibration) = self.calibration_for(language, scores.nrows());
        let domain = match (&self.router, &mean) {
            (Some(router), Some(mean)) if self.taxonomy.is_hierarchical() => router.route(mean.view()),
            _ => None,
        };
        let base = self.base_rates.as_ref().filter(|_| self.head.is_none()).map(|(priors, norms)| {
            let (mean, sd) = norms.for_length(scores.nrows());
            aggregate::BaseRates { priors, mean, sd }
        });
        let (labels, coarse) = aggregate::decide_with_base_rates(
            &self.taxonomy,
            &doc,
            scores.view(),
            domain.as_deref(),
            thresholds,
            &self.decision,
            base.as_ref(),
        );
        let norms = self.norms.as_ref().and_then(|n| n.norms(calibration, scores.nrows(), domain.as_deref()));
        let basis = crate::basis::basis_of(
            &self.fingerprint,
            &doc,
            scores.nrows(),
            thresholds,
            base.as_ref(),
            self.head.is_some(),
            &self.decision,
            norms,
        );
        let sentences = p
            .spans
            .iter()
            .zip(SentenceScores::rows(std::sync::Arc::clone(&self.labels), scores))
            .enumerate()
            .map(|(i, (span, scores))| Sentence {
                start: span.start,
                end: span.end,
                text: span.text(p.text).to_string(),
                tokens: scored.tokens[i],
                windows: scored.windows[i],
                scores,
            })
            .collect();
        let labels_of = |c: usize| std::sync::Arc::clone(&self.labels[c]);
        DocumentAnalysis {
            taxonomy: self.taxonomy.name.clone(),
            encoder: self.encoder.backend_name().to_string(),
            scorer: self.head.as_ref().map_or_else(|| "zero-shot".to_string(), Head::name),
            domain,
            language: p.language.clone(),
            calibration: calibration.map(str::to_string),
            sentences,
            labels,
            coarse,
            document_scores: sorted_scores(doc.iter().enumerate().map(|(c, &s)| (labels_of(c), s))),
            basis: Some(basis),
        }
    }

    /// The thresholds in use for a document of `sentences` sentences, one per
    /// category (they depend on the length only when they were learnt from
    /// the background).
    pub fn thresholds_for(&self, sentences: usize) -> &[f32] {
        let row = sentences.clamp(1, self.thresholds.len()) - 1;
        &self.thresholds[row]
    }

    /// The thresholds in use for a document of article length.
    pub fn thresholds(&self) -> &[f32] {
        self.thresholds_for(usize::MAX)
    }

    /// The thresholds in use for a document of `sentences` sentences in
    /// `language` (ISO 639-3, as results report it), and that language's
    /// code when they were learnt from its own background sentences
    /// ([`Taxonomy::background_by_language`]). A language without them
    /// falls back to [`Classifier::thresholds_for`]: those learnt from the
    /// taxonomy's default background, or fixed ones (an explicit threshold,
    /// a head).
    pub fn thresholds_for_language(&self, language: &str, sentences: usize) -> (&[f32], Option<&str>) {
        match self.language_thresholds.iter().find(|(code, _)| code == language) {
            Some((code, table)) => (&table[sentences.clamp(1, table.len()) - 1], Some(code.as_str())),
            None => (self.thresholds_for(sentences), None),
        }
    }

    /// The languages (ISO 639-3) this classifier has thresholds of their own
    /// for, learnt from the taxonomy's background in that language.
    pub fn calibrated_languages(&self) -> Vec<&str> {
        self.language_thresholds.iter().map(|(code, _)| code.as_str()).collect()
    }

    /// The thresholds that decide a document in `language` (when the
    /// detection is settled: a doubtful one, such as a short English
    /// paragraph that whatlang takes for Portuguese with confidence 0.26,
    /// keeps the default thresholds).
    fn calibration_for(
        &self,
        language: Option<&crate::language::Language>,
        sentences: usize,
    ) -> (&[f32], Option<&str>) {
        match language {
            Some(l) => self.thresholds_for_language(&l.code, sentences),
            None => (self.thresholds_for(sentences), None),
        }
    }

    /// Split and embed labelled documents for [`crate::head::train`]. Labels
    /// (fine and coarse) map to category indices; the taxonomy's
    /// `other_label` maps to none; an unknown label is an error.
    pub fn training_documents(&self, docs: &[crate::data::LabelledDocument]) -> Result<Vec<TrainDocument>> {
        crate::head::training_documents(self, docs)
    }

    /// The taxonomy's exemplars, descriptions and background as training units.
    pub fn taxonomy_units(&self, weight: f32) -> Result<Vec<Unit>> {
        Ok(crate::head::classifier_taxonomy_units(self, weight))
    }

    /// The zero-shot scorer (for training in `head`).
    pub(crate) fn scorer(&self) -> &ZeroShot {
        &self.scorer
    }

    /// The background sentences' vectors, embedded when it was built.
    pub(crate) fn background_vectors(&self) -> ndarray::ArrayView2<'_, f32> {
        self.background_vectors.view()
    }

    /// The encoder's vector size.
    pub(crate) fn dim(&self) -> usize {
        self.encoder.dim()
    }

    /// Sentence scores `[sentences, categories]` for texts already split.
    pub fn score_sentences(&self, sentences: &[&str]) -> Result<Array2<f32>> {
        let e = self.embed(sentences)?;
        Ok(self.scorer.score(e.vectors.view()))
    }
}

/// Sentences embedded and scored at a time (see `Classifier::embed_scored`).
const SCORE_CHUNK: usize = 8192;

/// What analysis needs from the encoder for a run of consecutive sentences
/// (a document or a unit): their scores and the sum of their vectors.
struct Scored {
    /// Zero-shot scores `[sentences, categories]`.
    zero_shot: Array2<f32>,
    /// The head's sentence scores, with a head.
    head: Option<Array2<f32>>,
    /// Sum of the sentence vectors.
    sum: ndarray::Array1<f32>,
    tokens: Vec<usize>,
    windows: Vec<usize>,
}

impl Scored {
    /// The mean sentence vector at unit length (the sum's direction); `None`
    /// when it is zero.
    fn mean(&self) -> Option<ndarray::Array1<f32>> {
        crate::route::unit_length(self.sum.clone())
    }
}

/// A prepared document, the classifier for it, its units and their scores.
struct ScoredDoc<'a> {
    p: Prepared<'a>,
    c: &'a Classifier,
    ranges: Vec<Range<usize>>,
    scored: Vec<Scored>,
}

/// The analysis of a document scored as one unit.
fn whole(d: ScoredDoc<'_>) -> DocumentAnalysis {
    let scored = d.scored.into_iter().next().expect("a prepared document has sentences");
    d.c.analyse(&d.p, scored)
}

/// The analyses of a document's units.
fn units(d: ScoredDoc<'_>) -> Vec<UnitAnalysis> {
    d.c.analyse_units(&d.p, d.ranges, d.scored)
}

fn sentence_texts<'a>(p: &Prepared<'a>) -> Vec<&'a str> {
    p.spans.iter().map(|s| s.text(p.text)).collect()
}

fn sorted_scores(it: impl Iterator<Item = (std::sync::Arc<str>, f32)>) -> Vec<LabelScore> {
    let mut v: Vec<LabelScore> = it.map(|(label, score)| LabelScore { label, score }).collect();
    v.sort_by(|a, b| crate::analysis::by_score((a.score, &a.label), (b.score, &b.label)));
    v
}

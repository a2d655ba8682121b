//! [`ClassifierBuilder`]: the settings, and `build`, which does all the I/O
//! (the model, the taxonomy's vectors, the calibration) and returns the
//! [`Classifier`].

use std::path::PathBuf;

use ndarray::Array2;

use crate::aggregate::{self, DecisionConfig};
use crate::encode::{load_encoder, model_files, BackendKind, EncoderConfig, TextEncoder};
use crate::error::{Error, Result};
use crate::head::{Head, HeadSet};
use crate::models;
use crate::route::DomainRouter;
use crate::score::{CounterTexts, MemberTexts};
use crate::segment::{Segmenter, SegmenterConfig};
use crate::taxonomy::Taxonomy;

use super::calibration::{base_rates, embedded_texts, fitted_scorer, language_backgrounds};
use super::routing::Others;
use super::Classifier;

/// Environment variable capping the number of threads.
pub const THREADS_ENV: &str = "FRAMELENS_THREADS";

/// Largest document [`Classifier::classify`] takes by default: 64 MiB. Larger
/// ones get [`Error::InvalidInput`]; see [`ClassifierBuilder::max_input_bytes`].
pub const DEFAULT_MAX_INPUT_BYTES: usize = 64 << 20;

/// Builds a [`Classifier`].
#[derive(Debug, Clone, Default)]
pub struct ClassifierBuilder {
    pub(super) taxonomy: Option<Taxonomy>,
    pub(super) models_dir: Option<PathBuf>,
    pub(super) threads: Option<usize>,
    pub(super) backend: BackendKind,
    pub(super) model: Option<models::OnnxModel>,
    pub(super) encoder: EncoderConfig,
    pub(super) segmenter: SegmenterConfig,
    pub(super) decision: Option<DecisionConfig>,
    pub(super) threshold: Option<f32>,
    pub(super) heads: Option<HeadSet>,
    pub(super) max_input_bytes: Option<usize>,
    pub(super) no_vector_cache: bool,
    pub(super) tuned: Option<crate::tuned::TunedEncoder>,
    pub(super) custom: Option<std::sync::Arc<TextEncoder>>,
    pub(super) other_languages: Option<Option<models::OnnxModel>>,
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

    /// Score with heads, one per encoder ([`HeadSet`]): the head for
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
        let counters = CounterTexts::of(&taxonomy);
        let own_backgrounds = language_backgrounds(&taxonomy, languages);
        let combine = crate::language_texts::Combine::resolve()?;
        let own_members = crate::language_texts::language_members(&taxonomy, languages, combine);
        // Counter-texts are read like category texts (e5's category prefix), so they come before the backgrounds.
        let categories =
            members.texts.len() + own_members.iter().map(|(_, m)| m.texts.len()).sum::<usize>() + counters.texts.len();
        let texts: Vec<&str> = members
            .texts
            .iter()
            .chain(own_members.iter().flat_map(|(_, m)| m.texts.iter()))
            .chain(&counters.texts)
            .chain(&taxonomy.background)
            .chain(own_backgrounds.iter().flat_map(|(_, s)| s.iter()))
            // An encoder with a category prefix of its own also reads the
            // category texts as sentences (the router's thresholds).
            .chain(members.texts.iter().filter(|_| encoder.prefixes().1.is_some()))
            .map(String::as_str)
            .collect();
        let cache_dir = models_dir.join(crate::cache::CACHE_DIR);
        // The prefixes (e5's) are part of what the vectors depend on; models without any keep their keys.
        let prefixes = match encoder.prefixes() {
            ("", None) => String::new(),
            (s, c) => format!("|prefixes:{s}|{}", c.unwrap_or(s)),
        };
        let key = crate::cache::key(
            &format!("{}{prefixes}", encoder.backend_name()),
            &model_files(self.backend, model, &models_dir),
            &texts,
        );
        let cache = (!self.no_vector_cache && !custom).then_some((cache_dir.as_path(), key.as_str()));
        let all = embedded_texts(&encoder, &pool, (&texts, categories), cache)?;
        let background_end = categories + taxonomy.background.len();
        let member_vectors = all.slice(ndarray::s![..members.texts.len(), ..]).to_owned();
        let mut at = members.texts.len();
        let own_members: Vec<(String, MemberTexts, Array2<f32>)> = own_members
            .into_iter()
            .map(|(code, m)| {
                at += m.texts.len();
                let v = all.slice(ndarray::s![at - m.texts.len()..at, ..]).to_owned();
                (code, m, v)
            })
            .collect();
        let counter_vectors = all.slice(ndarray::s![at..at + counters.texts.len(), ..]).to_owned();
        let background = all.slice(ndarray::s![categories..background_end, ..]).to_owned();
        let mut at = background_end;
        let own_vectors: Vec<(&str, ndarray::ArrayView2<'_, f32>)> = own_backgrounds
            .iter()
            .map(|(code, sentences)| {
                at += sentences.len();
                (*code, all.slice(ndarray::s![at - sentences.len()..at, ..]))
            })
            .collect();
        let language_scorers = crate::language_texts::LanguageScorers::build(
            &taxonomy,
            (&members, member_vectors.view()),
            own_members,
            &own_vectors,
            background.view(),
            combine,
        );
        let members_as_sentences =
            encoder.prefixes().1.is_some().then(|| all.slice(ndarray::s![all.nrows() - members.texts.len().., ..]));
        let router = DomainRouter::new(&taxonomy, &members, member_vectors.view(), background.view())
            .map(|r| match members_as_sentences {
                Some(v) => r.read_as_sentences(&taxonomy, &members, v),
                None => r,
            })
            .map(|r| r.with_languages(&own_vectors));
        let head = match self.heads {
            None => None,
            Some(set) => Some(main_head(set, encoder.backend_name())?),
        };
        let wants_derived = head.is_none() && !explicit_threshold;
        let (scorer, derived, by_language) = fitted_scorer(
            &taxonomy,
            (&members, member_vectors),
            (&counters, counter_vectors),
            (background.view(), &own_vectors),
            &decision,
            (wants_derived, &language_scorers),
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
            let own: Vec<(String, ndarray::Array2<f32>)> =
                own_vectors.iter().map(|(code, v)| (code.to_string(), scorer.score(*v))).collect();
            super::norms::BackgroundNormSet::learn(
                &taxonomy,
                decision.pooling,
                scorer.score(background.view()).view(),
                &own,
            )
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
        let warnings: Vec<String> =
            super::warnings::threshold_fallback(&taxonomy, wants_derived && derived.is_none(), decision.threshold)
                .into_iter()
                .collect();
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
            language_scorers,
            base_rates,
            norms,
            fingerprint,
            decision,
            pool,
            threads,
            max_input_bytes: self.max_input_bytes.unwrap_or(DEFAULT_MAX_INPUT_BYTES),
            warnings,
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
fn default_decision(taxonomy: &Taxonomy) -> DecisionConfig {
    let d = DecisionConfig::default();
    DecisionConfig {
        threshold: taxonomy.threshold.unwrap_or(d.threshold),
        pooling: taxonomy.pooling.unwrap_or(d.pooling),
        min_labels: taxonomy.min_labels.unwrap_or(d.min_labels),
        max_labels: taxonomy.max_labels.or(d.max_labels),
        ..d
    }
}

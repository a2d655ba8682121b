//! Readers for labelled corpora (being written).

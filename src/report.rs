//! Self-contained HTML report (being written).

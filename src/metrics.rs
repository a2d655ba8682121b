//! Shared-task metrics (being written).

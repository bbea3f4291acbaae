//! PLACEHOLDER: grouping of the verification matrix (pure).

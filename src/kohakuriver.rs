//! PLACEHOLDER: reading KohakuRiver's own config files (never executing them).

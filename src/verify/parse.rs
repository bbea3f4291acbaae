//! PLACEHOLDER: parsers of the verification scripts' output.

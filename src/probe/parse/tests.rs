//! Fixture tests of the whole parser.

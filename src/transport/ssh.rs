//! PLACEHOLDER for the SSH transport.

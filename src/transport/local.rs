//! PLACEHOLDER for the local transport.

//! PLACEHOLDER: the verification scripts (write, read, clean-up, speed test).

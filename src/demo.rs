//! `rivershare demo`: a self-contained cluster of local-transport nodes in a
//! temporary folder: no SSH, no root, no network. Removed when dropped.

//! The window head handles a citizen's bad review in the browser (to be written).

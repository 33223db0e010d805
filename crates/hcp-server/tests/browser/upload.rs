//! A registrar uploads a batch file (to be written).

//! A staff member appeals; the supervisor overturns (to be written).

//! (filled by the profiles/plan work)

"""The primitives: what each computes, how it is spelled, and its derivative rule (one table for both modes)."""

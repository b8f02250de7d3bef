//! Identity store conformance suite.

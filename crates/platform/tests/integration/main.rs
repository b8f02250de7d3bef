//! Platform conformance suite.

//! jne

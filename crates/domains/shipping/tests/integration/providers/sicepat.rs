//! sicepat

//! rajaongkir

//! Shipping: delivery rates, courier bookings with their airway bills, tracking by webhook and
//! by polling, and the paperwork of a parcel: PDF labels with a Code 128 airway bill, pick lists
//! and packing lists.

pub mod providers;

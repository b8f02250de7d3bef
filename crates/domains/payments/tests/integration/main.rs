//! The payments domain against real databases and local fakes of the services it speaks to.

mod gateways;

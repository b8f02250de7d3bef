//! Each provider client against its fake in the test kit: what it sends, what it maps, how it
//! fails. No database is involved.

mod biteship;
mod fakes;
mod jne;
mod jnt;
mod rajaongkir;
mod sicepat;
mod support;

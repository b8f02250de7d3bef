//! jnt

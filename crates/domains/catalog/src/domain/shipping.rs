//! What couriers charge by: weight and parcel size.

use super::text::TextError;

/// Shipping weight in grams. Indonesian couriers (JNE, J&T, SiCepat) bill per kilogram rounded
/// up from grams, and marketplaces take grams, so grams are what we keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weight(u32);

impl Weight {
    /// 500 kg: above what any parcel or cargo service of a marketplace accepts.
    pub const MAX_GRAMS: i64 = 500_000;

    pub fn grams(grams: i64) -> Result<Self, TextError> {
        if grams < 1 {
            return Err(TextError::new(
                "too_small",
                "A weight is at least 1 gram; couriers refuse weightless parcels.",
            ));
        }
        if grams > Self::MAX_GRAMS {
            return Err(TextError::new(
                "too_large",
                format!("A weight is at most {} grams.", Self::MAX_GRAMS),
            ));
        }
        Ok(Self(grams as u32))
    }

    pub fn as_grams(self) -> u32 {
        self.0
    }
}

/// One side of a parcel in millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Millimetres(u32);

impl Millimetres {
    /// 5 metres: the longest side a courier's cargo service takes.
    pub const MAX: i64 = 5_000;

    pub fn new(mm: i64) -> Result<Self, TextError> {
        if mm < 1 {
            return Err(TextError::new("too_small", "A side is at least 1 mm."));
        }
        if mm > Self::MAX {
            return Err(TextError::new(
                "too_large",
                format!("A side is at most {} mm.", Self::MAX),
            ));
        }
        Ok(Self(mm as u32))
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// A packed variant's length, width and height.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dimensions {
    pub length: Millimetres,
    pub width: Millimetres,
    pub height: Millimetres,
}

impl Dimensions {
    /// Volumetric weight in grams as Indonesian couriers compute it: length x width x height in
    /// cm divided by 6000 gives kilograms (JNE, J&T, SiCepat regular services).
    pub fn volumetric_grams(&self) -> u64 {
        let cubic_mm =
            u64::from(self.length.0) * u64::from(self.width.0) * u64::from(self.height.0);
        // cm³ / 6000 kg = mm³ / 1000 / 6000 kg = mm³ / 6000 g
        cubic_mm.div_ceil(6_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_and_sides_are_bounded() {
        assert_eq!(Weight::grams(250).unwrap().as_grams(), 250);
        assert_eq!(Weight::grams(0).unwrap_err().code, "too_small");
        assert_eq!(Weight::grams(500_001).unwrap_err().code, "too_large");
        assert!(Millimetres::new(0).is_err());
        assert!(Millimetres::new(5_001).is_err());
    }

    #[test]
    fn volumetric_weight_follows_the_couriers_divisor() {
        // A 30 x 20 x 10 cm box weighs 1 kg volumetrically (6000 cm³ / 6000).
        let box_ = Dimensions {
            length: Millimetres::new(300).unwrap(),
            width: Millimetres::new(200).unwrap(),
            height: Millimetres::new(100).unwrap(),
        };
        assert_eq!(box_.volumetric_grams(), 1_000);
    }
}

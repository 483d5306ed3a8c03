//! Colour to grey, fast.

use image::{GrayImage, RgbImage};

/// Rec. 709 luma of an RGB scan, `(2126 R + 7152 G + 722 B) / 10000`
/// truncated: exactly `image::imageops::grayscale`, but over the raw
/// bytes in one pass that the compiler vectorises (the generic version
/// goes pixel by pixel and cost ~2-3 % of a screening).
#[must_use]
pub fn grey_of(img: &RgbImage) -> GrayImage {
    let out: Vec<u8> = img
        .as_raw()
        .chunks_exact(3)
        .map(|p| {
            let l = 2126 * u32::from(p[0]) + 7152 * u32::from(p[1]) + 722 * u32::from(p[2]);
            // At most 255: the weights sum to 10000.
            #[allow(clippy::cast_possible_truncation)]
            let v = (l / 10_000) as u8;
            v
        })
        .collect();
    GrayImage::from_raw(img.width(), img.height(), out)
        .unwrap_or_else(|| GrayImage::new(img.width(), img.height()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equals_the_image_crate_on_every_colour_sampled() {
        let mut s: u32 = 7;
        let img = RgbImage::from_fn(257, 129, |_, _| {
            let mut c = [0u8; 3];
            for v in &mut c {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                *v = (s >> 24) as u8;
            }
            image::Rgb(c)
        });
        assert_eq!(grey_of(&img), image::imageops::grayscale(&img));
        let extremes = RgbImage::from_fn(8, 1, |x, _| {
            image::Rgb([
                if x & 1 == 0 { 0 } else { 255 },
                if x & 2 == 0 { 0 } else { 255 },
                if x & 4 == 0 { 0 } else { 255 },
            ])
        });
        assert_eq!(grey_of(&extremes), image::imageops::grayscale(&extremes));
    }
}

//! QR codes as inline SVG (no image files, no JavaScript), for the window poster and the paper evaluation form.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// An `<svg>` element encoding `text`, at least `size_px` wide, with the quiet zone. Medium error correction
/// survives a scuffed poster. `None` only if the text is too long for a QR code.
pub fn svg(text: &str, size_px: u32) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let image = code
        .render::<svg::Color>()
        .min_dimensions(size_px, size_px)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    // Inline in HTML: drop the XML declaration.
    Some(match image.find("<svg") {
        Some(start) => image[start..].to_owned(),
        None => image,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_window_address_becomes_an_inline_svg() {
        let image = super::svg("http://10.0.0.8:8080/e/W-SC-01", 240).unwrap();
        assert!(image.starts_with("<svg") && image.contains("<path"), "{image}");
        assert!(super::svg(&"x".repeat(5000), 240).is_none());
    }
}

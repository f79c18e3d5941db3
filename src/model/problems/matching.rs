//! Which `nvidia.com/mig-<profile>` resource a GFD label family describes. Older GFD releases
//! named profiles by other memory figures than the device plugin (labels `mig-3g.21gb.*` beside
//! the resource `mig-3g.20gb`, gpu-feature-discovery#7; `7g.79gb` beside `7g.80gb`,
//! gpu-operator#351): the same devices, so they are matched by compute slices and memory, not by
//! the string alone.

use crate::mig::catalog::parse_profile_name;

/// The resource profile among `resources` that the labelled profile stands for: the same name,
/// else the one profile with the same compute slices and media extensions whose memory differs by
/// at most 2 GB (or 5% for big profiles).
pub fn resource_for_label<'a>(label: &str, resources: &[&'a str]) -> Option<&'a str> {
    if let Some(same) = resources.iter().find(|r| **r == label) {
        return Some(same);
    }
    let wanted = parse_profile_name(label)?;
    let close: Vec<&'a str> = resources
        .iter()
        .copied()
        .filter(|r| {
            parse_profile_name(r).is_some_and(|p| {
                let tolerance = (wanted.memory_gb / 20).max(2);
                p.slices == wanted.slices
                    && p.variant == wanted.variant
                    && p.memory_gb.abs_diff(wanted.memory_gb) <= tolerance
            })
        })
        .collect();
    match close.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_gfd_names_match_the_device_plugins() {
        let resources = ["1g.5gb", "2g.10gb", "3g.20gb"];
        assert_eq!(resource_for_label("3g.21gb", &resources), Some("3g.20gb"));
        assert_eq!(resource_for_label("3g.20gb", &resources), Some("3g.20gb"));
        assert_eq!(resource_for_label("7g.79gb", &["7g.80gb"]), Some("7g.80gb"));
        assert_eq!(resource_for_label("1g.24gb", &["1g.23gb"]), Some("1g.23gb"));
        assert_eq!(resource_for_label("4g.20gb", &resources), None);
        assert_eq!(resource_for_label("1g.5gb+me", &resources), None);
        assert_eq!(
            resource_for_label("3g.40gb", &["3g.39gb", "3g.41gb"]),
            None,
            "ambiguous"
        );
    }
}

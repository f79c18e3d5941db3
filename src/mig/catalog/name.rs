//! MIG profile names (`1g.5gb`, `1g.5gb+me`, `1g.24gb+gfx`, `2g.48gb-me`) parsed into their parts.

/// The attribute suffix of a profile name, as NVIDIA's MIG User Guide ("Profile References")
/// spells them; smallest first when sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Variant {
    /// No suffix.
    #[default]
    Plain,
    /// `+me`: the GPU's one set of media extensions (decoders, JPEG, OFA) in a small instance.
    MediaExtensions,
    /// `+me.all`: every media engine of the GPU (RTX PRO Blackwell).
    AllMediaEngines,
    /// `-me`: no media engines at all (RTX PRO Blackwell).
    NoMediaEngines,
    /// `+gfx`: graphics APIs enabled (RTX PRO Blackwell).
    Graphics,
}

impl Variant {
    /// The suffix as it appears in a profile name (`""` for [`Variant::Plain`]).
    pub fn suffix(self) -> &'static str {
        match self {
            Variant::Plain => "",
            Variant::MediaExtensions => "+me",
            Variant::AllMediaEngines => "+me.all",
            Variant::NoMediaEngines => "-me",
            Variant::Graphics => "+gfx",
        }
    }

    /// The variant of a full name's suffix, and the name without it.
    fn split(name: &str) -> (&str, Variant) {
        // Longest suffix first: `+me.all` ends differently from `+me`, but check it first anyway.
        for variant in [
            Variant::AllMediaEngines,
            Variant::MediaExtensions,
            Variant::NoMediaEngines,
            Variant::Graphics,
        ] {
            if let Some(base) = name.strip_suffix(variant.suffix()) {
                return (base, variant);
            }
        }
        (name, Variant::Plain)
    }
}

/// A parsed profile name such as `1g.5gb+me`; orders smallest first (slices, memory, `+me` last).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProfileName {
    /// Compute slices (`1` in `1g.5gb`).
    pub slices: u32,
    /// Nominal memory in GB (`5` in `1g.5gb`).
    pub memory_gb: u32,
    /// True for the `+me` (media extensions) variant only.
    pub media_extensions: bool,
    /// The attribute suffix (`+me`, `+me.all`, `-me`, `+gfx`), [`Variant::Plain`] without one.
    pub variant: Variant,
}

/// Parses a MIG profile name (`1g.5gb`, `1g.5gb+me`, `MIG 7g.80gb`, and the RTX PRO Blackwell
/// `1g.24gb+gfx`, `1g.24gb+me.all`, `2g.48gb-me`); `None` if it is not one.
///
/// Compute-instance names (`1c.3g.40gb`) are not GPU instance profiles, so they give `None`.
pub fn parse_profile_name(name: &str) -> Option<ProfileName> {
    let name = name.trim();
    let name = name.strip_prefix("MIG ").unwrap_or(name);
    let (base, variant) = Variant::split(name);
    let (slices, memory) = base.split_once("g.")?;
    let memory = memory.strip_suffix("gb")?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(slices) || !digits(memory) {
        return None;
    }
    let slices: u32 = slices.parse().ok()?;
    if !(1..=8).contains(&slices) {
        return None;
    }
    Some(ProfileName {
        slices,
        memory_gb: memory.parse().ok()?,
        media_extensions: variant == Variant::MediaExtensions,
        variant,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_profile_names() {
        let p = |s| parse_profile_name(s);
        let name = |slices, memory_gb, variant| {
            Some(ProfileName {
                slices,
                memory_gb,
                media_extensions: variant == Variant::MediaExtensions,
                variant,
            })
        };
        assert_eq!(p("1g.5gb"), name(1, 5, Variant::Plain));
        assert_eq!(p("1g.5gb+me"), name(1, 5, Variant::MediaExtensions));
        assert_eq!(p("MIG 7g.141gb"), name(7, 141, Variant::Plain));
        assert_eq!(p(" 3g.47gb "), name(3, 47, Variant::Plain));
        assert_eq!(p("1g.24gb+gfx"), name(1, 24, Variant::Graphics));
        assert_eq!(p("1g.24gb+me.all"), name(1, 24, Variant::AllMediaEngines));
        assert_eq!(p("2g.48gb-me"), name(2, 48, Variant::NoMediaEngines));
        for bad in [
            "",
            "1g",
            "1g.5",
            "g.5gb",
            "1g.gb",
            "1c.3g.40gb",
            "1g.24gb+foo",
            "1g.24gb+me+gfx",
            "9g.5gb",
            "x",
        ] {
            assert_eq!(p(bad), None, "{bad}");
        }
    }

    #[test]
    fn profile_names_order_smallest_first() {
        let mut names: Vec<_> = ["7g.40gb", "1g.10gb", "1g.5gb+me", "2g.10gb", "1g.5gb"]
            .iter()
            .map(|n| parse_profile_name(n).unwrap())
            .collect();
        names.sort();
        let order: Vec<_> = names.iter().map(|n| (n.slices, n.memory_gb)).collect();
        assert_eq!(order, [(1, 5), (1, 5), (1, 10), (2, 10), (7, 40)]);
        assert!(!names[0].media_extensions && names[1].media_extensions);
    }

    #[test]
    fn suffixes_round_trip() {
        for n in [
            "1g.24gb",
            "1g.24gb+me",
            "1g.24gb+me.all",
            "1g.24gb-me",
            "1g.24gb+gfx",
        ] {
            let parsed = parse_profile_name(n).unwrap();
            assert_eq!(format!("1g.24gb{}", parsed.variant.suffix()), n);
        }
    }
}

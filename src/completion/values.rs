//! Flag values known without a cluster: clap's possible values, the GPU catalog, AKS VM sizes
//! and `MIG<n>g` profiles, verbosity levels, and names from the kubeconfig file.

use super::complete::Candidate;
use crate::mig::{aks, catalog};
use clap::Arg;
use kube::config::Kubeconfig;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The values clap knows for a `value_enum` argument (strategies, formats, shells, ...).
pub fn possible(arg: &Arg) -> Vec<Candidate> {
    arg.get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| {
            Candidate::new(
                v.get_name(),
                v.get_help().map(ToString::to_string).unwrap_or_default(),
            )
        })
        .collect()
}

/// `profiles --gpu`: the catalog's model keys.
pub fn gpu_models() -> Vec<Candidate> {
    catalog::gpus()
        .iter()
        .map(|g| Candidate::new(g.model, g.name))
        .collect()
}

/// Every MIG profile of the catalog, smallest first, described by the GPUs that have it.
pub fn catalog_profiles() -> Vec<Candidate> {
    let mut by_name: BTreeMap<(catalog::ProfileName, &str), Vec<&str>> = BTreeMap::new();
    for gpu in catalog::gpus() {
        for p in gpu.profiles {
            if let Some(parsed) = catalog::parse_profile_name(p.name) {
                by_name.entry((parsed, p.name)).or_default().push(gpu.model);
            }
        }
    }
    by_name
        .into_iter()
        .map(|((_, name), models)| Candidate::new(name, models.join(", ")))
        .collect()
}

/// `plan --vm-size`: the AKS sizes that can be cut into MIG instances.
pub fn vm_sizes() -> Vec<Candidate> {
    aks::vm_sizes()
        .iter()
        .filter(|s| s.mig_supported())
        .map(|s| Candidate::new(s.name, format!("{} x {}", s.gpu_count, s.gpu_name)))
        .collect()
}

/// `plan --gpu-instance-profile`: `MIG1g`..`MIG7g`, only those the typed `--vm-size` has,
/// described as the MIG profile each becomes on its GPU.
pub fn gpu_instance_profiles(vm_size: Option<&str>) -> Vec<Candidate> {
    if let Some(gpu) = vm_size.and_then(aks::vm_size).and_then(|s| s.gpu()) {
        return aks::profiles_for(gpu)
            .into_iter()
            .filter_map(|p| {
                let profile = p.profile_on(gpu)?;
                Some(Candidate::new(
                    p.as_str(),
                    format!("{} on {}", profile.name, gpu.model),
                ))
            })
            .collect();
    }
    aks::GpuInstanceProfile::ALL
        .into_iter()
        .map(|p| {
            let slices = p.slices();
            let unit = if slices == 1 { "slice" } else { "slices" };
            Candidate::new(
                p.as_str(),
                format!("{slices} compute {unit} per MIG instance"),
            )
        })
        .collect()
}

/// `-v`: the levels that change what is logged.
pub fn verbosity() -> Vec<Candidate> {
    [
        ("0", "quiet"),
        ("2", "info"),
        ("4", "debug"),
        ("6", "HTTP requests"),
        ("8", "everything"),
    ]
    .into_iter()
    .map(|(v, help)| Candidate::new(v, help))
    .collect()
}

/// Which kubeconfig section to name.
#[derive(Clone, Copy, Debug)]
pub enum Section {
    /// `contexts`, the current one marked.
    Contexts,
    /// `clusters`, with their server URLs.
    Clusters,
    /// `users`.
    Users,
}

/// Names from the kubeconfig kubectl would read (`--kubeconfig`, else `KUBECONFIG`'s files,
/// else `~/.kube/config`); none when it cannot be read.
pub fn kubeconfig_names(flag: Option<&Path>, section: Section) -> Vec<Candidate> {
    let Some(config) = read_kubeconfig(flag) else {
        return Vec::new();
    };
    match section {
        Section::Contexts => config
            .contexts
            .iter()
            .map(|c| {
                let mut help = c
                    .context
                    .as_ref()
                    .map(|ctx| match &ctx.namespace {
                        Some(ns) => format!("cluster {}, namespace {ns}", ctx.cluster),
                        None => format!("cluster {}", ctx.cluster),
                    })
                    .unwrap_or_default();
                if config.current_context.as_deref() == Some(c.name.as_str()) {
                    help = format!("current; {help}");
                }
                Candidate::new(&c.name, help)
            })
            .collect(),
        Section::Clusters => config
            .clusters
            .iter()
            .map(|c| {
                let server = c.cluster.as_ref().and_then(|c| c.server.clone());
                Candidate::new(&c.name, server.unwrap_or_default())
            })
            .collect(),
        Section::Users => config
            .auth_infos
            .iter()
            .map(|u| Candidate::new(&u.name, ""))
            .collect(),
    }
}

fn read_kubeconfig(flag: Option<&Path>) -> Option<Kubeconfig> {
    if let Some(path) = flag {
        return Kubeconfig::read_from(path).ok();
    }
    let from_env: Vec<PathBuf> = std::env::var_os("KUBECONFIG")
        .map(|v| {
            std::env::split_paths(&v)
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        })
        .unwrap_or_default();
    let paths = if from_env.is_empty() {
        vec![dirs::home_dir()?.join(".kube").join("config")]
    } else {
        from_env
    };
    paths
        .iter()
        .filter(|p| p.exists())
        .filter_map(|p| Kubeconfig::read_from(p).ok())
        .reduce(|first, next| first.clone().merge(next).unwrap_or(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(c: &[Candidate]) -> Vec<&str> {
        c.iter().map(|c| c.value.as_str()).collect()
    }

    #[test]
    fn gpu_instance_profiles_follow_the_vm_size() {
        let all = gpu_instance_profiles(None);
        assert_eq!(values(&all), ["MIG1g", "MIG2g", "MIG3g", "MIG4g", "MIG7g"]);
        let a100 = gpu_instance_profiles(Some("Standard_ND96asr_v4"));
        assert_eq!(a100[0].value, "MIG1g");
        assert_eq!(a100[0].help, "1g.5gb on A100-40GB");
        // An unknown size offers every value rather than none.
        assert_eq!(gpu_instance_profiles(Some("Standard_X")).len(), 5);
    }

    #[test]
    fn catalog_profiles_are_unique_and_smallest_first() {
        let profiles = catalog_profiles();
        let names = values(&profiles);
        assert_eq!(names.first(), Some(&"1g.5gb"));
        let unique: std::collections::BTreeSet<&&str> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
        let a100 = profiles.iter().find(|c| c.value == "3g.20gb").unwrap();
        assert!(a100.help.contains("A100-40GB"), "{}", a100.help);
    }

    #[test]
    fn only_mig_capable_vm_sizes_are_offered() {
        let sizes = vm_sizes();
        assert!(values(&sizes).contains(&"Standard_ND96asr_v4"));
        assert!(sizes
            .iter()
            .all(|c| aks::vm_size(&c.value).unwrap().mig_supported()));
    }

    #[test]
    fn contexts_come_from_the_named_kubeconfig() {
        let dir = std::env::temp_dir().join(format!("kubectl-mig-values-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config");
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: Config\ncurrent-context: a\nclusters:\n- name: c\n  cluster:\n    server: https://k\ncontexts:\n- name: a\n  context:\n    cluster: c\n    user: u\n    namespace: ml\n- name: b\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user: {}\n",
        )
        .unwrap();
        let contexts = kubeconfig_names(Some(&path), Section::Contexts);
        assert_eq!(values(&contexts), ["a", "b"]);
        assert_eq!(contexts[0].help, "current; cluster c, namespace ml");
        let clusters = kubeconfig_names(Some(&path), Section::Clusters);
        assert_eq!(clusters[0].help, "https://k");
        assert_eq!(
            values(&kubeconfig_names(Some(&path), Section::Users)),
            ["u"]
        );
        assert!(kubeconfig_names(Some(&dir.join("missing")), Section::Contexts).is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

//! The other ways to create an AKS MIG pool than `--gpu-instance-profile`: the managed GPU
//! experience (preview; `az` flags as AKS documents them, and the REST body with
//! `gpuProfile.nvidia`) and Terraform's azurerm provider. Pure.

use crate::mig::aks::managed::{self, PREVIEW_API_VERSION};
use crate::mig::aks::{GpuInstanceProfile, VmSize};
use crate::mig::strategy::Strategy;
use serde::Serialize;
use serde_json::{json, Value};

/// The names that fill the printed commands (placeholders when not given).
#[derive(Debug, Clone)]
pub(crate) struct PoolNames {
    pub(crate) resource_group: String,
    pub(crate) cluster: String,
    pub(crate) pool: String,
}

impl PoolNames {
    pub(crate) fn new(rg: Option<&str>, cluster: Option<&str>, pool: Option<&str>) -> Self {
        PoolNames {
            resource_group: rg.unwrap_or("<resource-group>").to_string(),
            cluster: cluster.unwrap_or("<cluster-name>").to_string(),
            pool: pool.unwrap_or("<pool-name>").to_string(),
        }
    }

    /// The agent pool's ARM path with `api-version`.
    pub(crate) fn url(&self, api_version: &str) -> String {
        format!(
            "/subscriptions/<subscription-id>/resourceGroups/{}/providers/\
             Microsoft.ContainerService/managedClusters/{}/agentPools/{}?api-version={api_version}",
            self.resource_group, self.cluster, self.pool
        )
    }

    /// `az aks nodepool add` up to the GPU flags.
    pub(crate) fn az_add(&self, size: &VmSize, node_count: u32) -> String {
        format!(
            "az aks nodepool add --resource-group {} --cluster-name {} --name {} --node-vm-size {} \
             --node-count {node_count}",
            shell_word(&self.resource_group),
            shell_word(&self.cluster),
            shell_word(&self.pool),
            size.name,
        )
    }
}

/// The managed GPU experience: AKS installs the driver, the device plugin with the MIG strategy,
/// and DCGM; what `plan -o json` prints under `managedGpu`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ManagedGpu {
    pub(crate) preview: bool,
    pub(crate) source: &'static str,
    /// `az` commands per MIG strategy; empty when no documented flag expresses the layout.
    pub(crate) az_commands: Vec<StrategyCommand>,
    /// What the preview needs first.
    pub(crate) requirements: Vec<String>,
    pub(crate) limits: Vec<&'static str>,
    /// The REST request, when every part of it is documented.
    pub(crate) arm: Option<ManagedArm>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StrategyCommand {
    pub(crate) strategy: Strategy,
    pub(crate) command: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ManagedArm {
    pub(crate) method: &'static str,
    pub(crate) url: String,
    pub(crate) api_version: &'static str,
    pub(crate) body: Value,
}

/// `MIG<n>g` as the preview's `--gpu-mig-strategy` and `migStrategy` spell the strategy.
fn aks_strategy(strategy: Strategy) -> &'static str {
    match strategy {
        Strategy::Single => "Single",
        Strategy::Mixed => "Mixed",
        Strategy::None => "None",
    }
}

/// The managed pool for one GPU instance profile: `az` per strategy, and the REST body.
pub(crate) fn managed_pool(
    names: &PoolNames,
    size: &VmSize,
    node_count: u32,
    gip: GpuInstanceProfile,
) -> ManagedGpu {
    let az_commands = [Strategy::Single, Strategy::Mixed]
        .into_iter()
        .map(|strategy| StrategyCommand {
            strategy,
            command: format!(
                "{} --gpu-instance-profile {} --enable-managed-gpu=true --gpu-mig-strategy {}",
                names.az_add(size, node_count),
                gip.as_str(),
                aks_strategy(strategy)
            ),
        })
        .collect();
    ManagedGpu {
        az_commands,
        arm: Some(managed_arm(
            names,
            size,
            node_count,
            Strategy::Mixed,
            &[gip],
        )),
        ..managed_base()
    }
}

/// The managed pool for a mixed layout: only the REST API's `migProfiles` expresses it (no `az`
/// flag for it is documented); `mig_profiles` is `None` when a profile has no documented value.
pub(crate) fn managed_layout_pool(
    names: &PoolNames,
    size: &VmSize,
    node_count: u32,
    mig_profiles: Option<&[GpuInstanceProfile]>,
) -> ManagedGpu {
    ManagedGpu {
        arm: mig_profiles.map(|p| managed_arm(names, size, node_count, Strategy::Mixed, p)),
        ..managed_base()
    }
}

fn managed_base() -> ManagedGpu {
    ManagedGpu {
        preview: true,
        source: managed::SOURCE,
        az_commands: Vec::new(),
        requirements: vec![
            format!("Azure CLI {} or later", managed::MIN_AZURE_CLI),
            format!(
                "the aks-preview extension {} or later",
                managed::MIN_AKS_PREVIEW
            ),
            format!(
                "az feature register --namespace Microsoft.ContainerService --name {}",
                managed::FEATURE_FLAG
            ),
        ],
        limits: managed::LIMITS.to_vec(),
        arm: None,
    }
}

fn managed_arm(
    names: &PoolNames,
    size: &VmSize,
    node_count: u32,
    strategy: Strategy,
    profiles: &[GpuInstanceProfile],
) -> ManagedArm {
    let profiles: Vec<&str> = profiles.iter().map(|p| p.as_str()).collect();
    ManagedArm {
        method: "PUT",
        url: names.url(PREVIEW_API_VERSION),
        api_version: PREVIEW_API_VERSION,
        // The shape of the API's own example AgentPoolsCreate_SingleMIG.json.
        body: json!({"properties": {
            "count": node_count,
            "vmSize": size.name,
            "mode": "User",
            "osType": "Linux",
            "gpuProfile": {
                "driver": "Install",
                "nvidia": {
                    "managementMode": "Managed",
                    "migStrategy": aks_strategy(strategy),
                    "migProfiles": profiles,
                }
            }
        }}),
    }
}

/// `azurerm_kubernetes_cluster_node_pool` with `gpu_instance` (terraform-provider-azurerm @
/// 69697b7: MIG1g..MIG7g, changing it replaces the pool; no argument for the managed GPU
/// experience or `migProfiles`).
pub(crate) fn terraform(
    names: &PoolNames,
    size: &VmSize,
    node_count: u32,
    gip: GpuInstanceProfile,
) -> String {
    // A resource label must be an identifier; the pool name is one when AKS accepts it.
    let label = if names.pool.starts_with('<') {
        "mig"
    } else {
        &names.pool
    };
    let pool = if names.pool.starts_with('<') {
        "mig"
    } else {
        &names.pool
    };
    format!(
        "resource \"azurerm_kubernetes_cluster_node_pool\" \"{label}\" {{\n  \
         name                  = \"{pool}\"\n  \
         kubernetes_cluster_id = azurerm_kubernetes_cluster.this.id\n  \
         vm_size               = \"{}\"\n  \
         node_count            = {node_count}\n  \
         gpu_instance          = \"{}\"\n}}",
        size.name,
        gip.as_str()
    )
}

/// Quotes a value for a POSIX shell when it has characters the shell would interpret.
pub(crate) fn shell_word(value: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_.<>".contains(c);
    if value.chars().all(plain) {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mig::aks::vm_size;

    #[test]
    fn managed_pool_uses_the_documented_flags_and_fields() {
        let names = PoolNames::new(Some("rg"), Some("aks"), Some("mig1g"));
        let size = vm_size("Standard_NC24ads_A100_v4").unwrap();
        let m = managed_pool(&names, size, 1, GpuInstanceProfile::Mig1g);
        assert_eq!(
            m.az_commands[1].command,
            "az aks nodepool add --resource-group rg --cluster-name aks --name mig1g \
             --node-vm-size Standard_NC24ads_A100_v4 --node-count 1 --gpu-instance-profile MIG1g \
             --enable-managed-gpu=true --gpu-mig-strategy Mixed"
        );
        let arm = m.arm.unwrap();
        assert!(arm
            .url
            .ends_with("/agentPools/mig1g?api-version=2026-07-02-preview"));
        let nvidia = &arm.body["properties"]["gpuProfile"]["nvidia"];
        assert_eq!(nvidia["managementMode"], "Managed");
        assert_eq!(nvidia["migProfiles"], json!(["MIG1g"]));
        // migProfiles is exclusive with the top-level gpuInstanceProfile.
        assert!(arm.body["properties"].get("gpuInstanceProfile").is_none());
        assert!(m.requirements[2].contains("ManagedGPUExperiencePreview"));
        assert!(m.limits[0].contains("autoscaler"));
    }

    #[test]
    fn terraform_snippet() {
        let size = vm_size("Standard_ND96asr_v4").unwrap();
        let tf = terraform(
            &PoolNames::new(None, None, None),
            size,
            3,
            GpuInstanceProfile::Mig1g,
        );
        assert!(tf.starts_with("resource \"azurerm_kubernetes_cluster_node_pool\" \"mig\" {"));
        assert!(tf.contains("  gpu_instance          = \"MIG1g\"\n"));
        assert!(tf.contains("  node_count            = 3\n"));
    }
}

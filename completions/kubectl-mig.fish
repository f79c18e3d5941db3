# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_mig_global_optspecs
    string join \n kubeconfig= context= cluster= user= n/namespace= request-timeout= v/v= h/help V/version
end

function __fish_kubectl_mig_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_mig_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_mig_using_subcommand
    set -l cmd (__fish_kubectl_mig_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-mig -n "__fish_kubectl_mig_needs_command" -l kubeconfig -d 'Path to the kubeconfig file to use (else $KUBECONFIG, else ~/.kube/config, else in-cluster)' -r -F
complete -c kubectl-mig -n "__fish_kubectl_mig_needs_command" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_needs_command" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_needs_command" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_needs_command" -s n -l namespace -d 'The namespace scope for this request' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_needs_command" -l request-timeout -d 'How long to wait for a single server request (e.g. 10s, 1m); 0 waits forever' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_needs_command" -s v -l v -d 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-mig -n "__fish_kubectl_mig_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-mig -n "__fish_kubectl_mig_needs_command" -f -a "describe" -d 'Show MIG capacity per node: strategy, GPU, allocatable / requested / free, problems'
complete -c kubectl-mig -n "__fish_kubectl_mig_needs_command" -f -a "run" -d 'Generate or run a test pod that requests a MIG device the way the node\'s strategy names it'
complete -c kubectl-mig -n "__fish_kubectl_mig_needs_command" -f -a "install" -d 'Install the NVIDIA device plugin and GPU feature discovery with a MIG strategy'
complete -c kubectl-mig -n "__fish_kubectl_mig_needs_command" -f -a "uninstall" -d 'Delete exactly the objects that kubectl mig install created'
complete -c kubectl-mig -n "__fish_kubectl_mig_needs_command" -f -a "reconfigure" -d 'Re-cut nodes\' GPUs into another GPU Operator MIG manager layout, safely'
complete -c kubectl-mig -n "__fish_kubectl_mig_needs_command" -f -a "status" -d 'Show what device plugin / GFD / NFD is installed, by whom, and with which strategy'
complete -c kubectl-mig -n "__fish_kubectl_mig_needs_command" -f -a "profiles" -d 'List MIG GPU instance profiles per GPU model'
complete -c kubectl-mig -n "__fish_kubectl_mig_needs_command" -f -a "plan" -d 'Plan an AKS GPU node pool: the MIG profile, instance counts, resource names, commands'
complete -c kubectl-mig -n "__fish_kubectl_mig_needs_command" -f -a "completion" -d 'Print a shell completion script (bash, zsh, fish, powershell)'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand describe" -s l -l selector -d 'Only nodes matching this label selector (e.g. agentpool=migpool, kubernetes.io/arch in (amd64))' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand describe" -s o -l output -d 'Output format: table, wide (with pods), json or yaml' -r -f -a "table\t'kubectl-like columns'
wide\t'Columns with more detail'
json\t'JSON (stable schema)'
yaml\t'YAML (same schema as JSON)'"
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand describe" -s f -l filename -d 'Read nodes and pods from files (kubectl get nodes,pods -A -o yaml|json) instead of a cluster; - for stdin' -r -F
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand describe" -l kubeconfig -d 'Path to the kubeconfig file to use (else $KUBECONFIG, else ~/.kube/config, else in-cluster)' -r -F
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand describe" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand describe" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand describe" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand describe" -s n -l namespace -d 'The namespace scope for this request' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand describe" -l request-timeout -d 'How long to wait for a single server request (e.g. 10s, 1m); 0 waits forever' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand describe" -s v -l v -d 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand describe" -l all -d 'Show every node, also those without NVIDIA GPUs'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand describe" -l gpus -d 'Show each GPU: its MIG instances by memory slice, which are in use, free and stranded slices'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand describe" -s w -l watch -d 'After the first view, follow the cluster\'s changes (nodes, pods, DRA objects) and update it: in place on a terminal, else a new JSON/YAML document or the changed table rows'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand describe" -l all-contexts -d 'Every context of the kubeconfig at once (a fleet); with -f, each file is one cluster. `--context a,b,c` reads those contexts'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand describe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand run" -l profile -d 'The MIG profile to request (e.g. 1g.5gb); default: the smallest one with free capacity' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand run" -l count -d 'How many MIG devices to request' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand run" -l node -d 'Run on this node (uses its strategy)' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand run" -l strategy -d 'How MIG devices are named: auto (from the cluster), single or mixed' -r -f -a "auto\t'Detect from the cluster'
single\t'Every MIG device is nvidia.com/gpu'
mixed\t'Each profile is nvidia.com/mig-<profile>'"
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand run" -l image -d 'Container image' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand run" -l dry-run -d 'Only print the pod (client), or have the server validate it (server)' -r -f -a "client\t'Only print what would be sent'
server\t'Ask the server to validate without persisting'
none\t'Do it for real (kubectl\'s default)'"
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand run" -s o -l output -d 'Output format of the pod with --dry-run' -r -f -a "yaml\t'YAML documents'
json\t'JSON (a `List` when there are several objects)'"
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand run" -l timeout -d 'How long to wait for the pod to be scheduled and started' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand run" -l toleration -d 'Extra toleration KEY[=VALUE]:EFFECT (repeatable)' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand run" -l kubeconfig -d 'Path to the kubeconfig file to use (else $KUBECONFIG, else ~/.kube/config, else in-cluster)' -r -F
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand run" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand run" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand run" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand run" -s n -l namespace -d 'The namespace scope for this request' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand run" -l request-timeout -d 'How long to wait for a single server request (e.g. 10s, 1m); 0 waits forever' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand run" -s v -l v -d 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand run" -l keep -d 'Keep the pod when it ends'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand run" -l dra -d 'Ask for the MIG device through a DRA claim (NVIDIA\'s DRA driver, class mig.nvidia.com) instead of an extended resource; chosen by itself when only DRA nodes offer the profile'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand run" -l force -d 'Create the pod even when no node seems to offer the profile'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand install" -l strategy -d 'MIG strategy for the device plugin and GFD' -r -f -a "single\t'Every MIG device is advertised as nvidia.com/gpu (one profile per node)'
mixed\t'Each profile is its own resource, nvidia.com/mig-<profile>'
none\t'MIG devices are not advertised'"
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand install" -l version -d 'NVIDIA device plugin version (image tag / chart version)' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand install" -l runtime-class -d 'Run the daemons with this RuntimeClass (e.g. nvidia)' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand install" -l node-selector -d 'Only run on nodes with this label (KEY=VALUE, repeatable)' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand install" -l dry-run -d 'Only print the manifests (client), or have the server validate them (server)' -r -f -a "client\t'Only print what would be sent'
server\t'Ask the server to validate without persisting'
none\t'Do it for real (kubectl\'s default)'"
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand install" -s o -l output -d 'Output format with --dry-run' -r -f -a "yaml\t'YAML documents'
json\t'JSON (a `List` when there are several objects)'"
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand install" -l timeout -d 'How long --wait waits' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand install" -l kubeconfig -d 'Path to the kubeconfig file to use (else $KUBECONFIG, else ~/.kube/config, else in-cluster)' -r -F
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand install" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand install" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand install" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand install" -s n -l namespace -d 'The namespace scope for this request' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand install" -l request-timeout -d 'How long to wait for a single server request (e.g. 10s, 1m); 0 waits forever' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand install" -s v -l v -d 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand install" -l no-gfd -d 'Don\'t deploy GPU feature discovery'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand install" -l no-nfd -d 'Don\'t deploy Node Feature Discovery'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand install" -l wait -d 'Wait for the rollout and for the GPU nodes to advertise MIG resources'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand install" -l force -d 'Install even next to a device plugin that kubectl mig does not own'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand install" -l helm -d 'Use helm (the nvidia-device-plugin chart) instead of applying manifests'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand install" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand uninstall" -l dry-run -d 'Only list what would be deleted' -r -f -a "client\t'Only print what would be sent'
server\t'Ask the server to validate without persisting'
none\t'Do it for real (kubectl\'s default)'"
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand uninstall" -l kubeconfig -d 'Path to the kubeconfig file to use (else $KUBECONFIG, else ~/.kube/config, else in-cluster)' -r -F
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand uninstall" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand uninstall" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand uninstall" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand uninstall" -s n -l namespace -d 'The namespace scope for this request' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand uninstall" -l request-timeout -d 'How long to wait for a single server request (e.g. 10s, 1m); 0 waits forever' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand uninstall" -s v -l v -d 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand uninstall" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand reconfigure" -l config -d 'The MIG manager layout to apply: a name in its mig-parted ConfigMap, e.g. all-3g.20gb' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand reconfigure" -l timeout -d 'How long each step on a node may take: evictions, pods finishing, the MIG manager' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand reconfigure" -l max-unavailable -d 'How many nodes are re-cut at once (each is cordoned meanwhile)' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand reconfigure" -s o -l output -d 'Output format of the impact (and of --list): table, json or yaml; progress goes to stderr' -r -f -a "table\t'kubectl-like columns'
wide\t'Columns with more detail'
json\t'JSON (stable schema)'
yaml\t'YAML (same schema as JSON)'"
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand reconfigure" -l kubeconfig -d 'Path to the kubeconfig file to use (else $KUBECONFIG, else ~/.kube/config, else in-cluster)' -r -F
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand reconfigure" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand reconfigure" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand reconfigure" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand reconfigure" -s n -l namespace -d 'The namespace scope for this request' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand reconfigure" -l request-timeout -d 'How long to wait for a single server request (e.g. 10s, 1m); 0 waits forever' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand reconfigure" -s v -l v -d 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand reconfigure" -l list -d 'List, per node, the layouts that fit it and what each gives; change nothing'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand reconfigure" -l rollback -d 'Set back the layout the node had before kubectl mig reconfigure last changed it'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand reconfigure" -l dry-run -d 'Show the checks and the impact; change nothing'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand reconfigure" -l drain -d 'Evict the pods holding GPU or MIG devices (Eviction API, PodDisruptionBudgets respected)'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand reconfigure" -l wait-for-pods -d 'Wait for the pods holding GPU or MIG devices to finish instead of evicting them'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand reconfigure" -l force -d 'Apply a layout the node\'s strategy cannot serve (several profiles under single: MIG-INVALID)'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand reconfigure" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand status" -s o -l output -d 'Output format' -r -f -a "table\t'kubectl-like columns'
wide\t'Columns with more detail'
json\t'JSON (stable schema)'
yaml\t'YAML (same schema as JSON)'"
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand status" -l kubeconfig -d 'Path to the kubeconfig file to use (else $KUBECONFIG, else ~/.kube/config, else in-cluster)' -r -F
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand status" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand status" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand status" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand status" -s n -l namespace -d 'The namespace scope for this request' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand status" -l request-timeout -d 'How long to wait for a single server request (e.g. 10s, 1m); 0 waits forever' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand status" -s v -l v -d 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand profiles" -l gpu -d 'Only this GPU model (e.g. A100-40GB, H100-80GB, H200)' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand profiles" -l from-nvidia-smi -d 'Read profiles from `nvidia-smi mig -lgip` / `-lgipp` output instead of the catalog' -r -F
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand profiles" -s o -l output -d 'Output format' -r -f -a "table\t'kubectl-like columns'
wide\t'Columns with more detail'
json\t'JSON (stable schema)'
yaml\t'YAML (same schema as JSON)'"
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand profiles" -l kubeconfig -d 'Path to the kubeconfig file to use (else $KUBECONFIG, else ~/.kube/config, else in-cluster)' -r -F
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand profiles" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand profiles" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand profiles" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand profiles" -s n -l namespace -d 'The namespace scope for this request' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand profiles" -l request-timeout -d 'How long to wait for a single server request (e.g. 10s, 1m); 0 waits forever' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand profiles" -s v -l v -d 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand profiles" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand plan" -l vm-size -d 'The AKS VM size of the node pool (e.g. Standard_ND96asr_v4)' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand plan" -l gpu-instance-profile -d 'The AKS GPU instance profile: MIG1g, MIG2g, MIG3g, MIG4g or MIG7g' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand plan" -l layout -d 'A MIG layout per GPU to check and plan, e.g. 1g.10gb=2,2g.20gb=1,3g.40gb=1' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand plan" -l gpu -d 'The GPU model for --layout without --vm-size, or the one --for-pending plans for (e.g. H100-80GB; see kubectl mig profiles)' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand plan" -s f -l filename -d 'With --for-pending: read the pending pods, claims, nodes and MIG manager layouts from files (kubectl get nodes,pods,resourceclaims,resourceslices -A -o yaml) instead of a cluster; - for stdin' -r -F
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand plan" -l node-count -d 'Number of nodes in the pool [default: 1]' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand plan" -l cluster-name -d 'The AKS cluster name, for the generated commands' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand plan" -l resource-group -d 'The Azure resource group, for the generated commands' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand plan" -l name -d 'The node pool name, for the generated commands' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand plan" -s o -l output -d 'Output format' -r -f -a "table\t'kubectl-like columns'
wide\t'Columns with more detail'
json\t'JSON (stable schema)'
yaml\t'YAML (same schema as JSON)'"
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand plan" -l kubeconfig -d 'Path to the kubeconfig file to use (else $KUBECONFIG, else ~/.kube/config, else in-cluster)' -r -F
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand plan" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand plan" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand plan" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand plan" -s n -l namespace -d 'The namespace scope for this request' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand plan" -l request-timeout -d 'How long to wait for a single server request (e.g. 10s, 1m); 0 waits forever' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand plan" -s v -l v -d 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand plan" -l for-pending -d 'Read the cluster\'s pending pods that ask for MIG devices and plan the layouts that serve them with the fewest GPUs'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand plan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand completion" -l kubeconfig -d 'Path to the kubeconfig file to use (else $KUBECONFIG, else ~/.kube/config, else in-cluster)' -r -F
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand completion" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand completion" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand completion" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand completion" -s n -l namespace -d 'The namespace scope for this request' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand completion" -l request-timeout -d 'How long to wait for a single server request (e.g. 10s, 1m); 0 waits forever' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand completion" -s v -l v -d 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything' -r
complete -c kubectl-mig -n "__fish_kubectl_mig_using_subcommand completion" -s h -l help -d 'Print help (see more with \'--help\')'

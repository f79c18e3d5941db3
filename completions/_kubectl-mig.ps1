
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kubectl-mig' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kubectl-mig'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'kubectl-mig' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file to use (else $KUBECONFIG, else ~/.kube/config, else in-cluster)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The name of the kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The name of the kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The name of the kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace scope for this request')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace scope for this request')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a single server request (e.g. 10s, 1m); 0 waits forever')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything')
            [CompletionResult]::new('--v', '--v', [CompletionResultType]::ParameterName, 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Show MIG capacity per node: strategy, GPU, allocatable / requested / free, problems')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Generate or run a test pod that requests a MIG device the way the node''s strategy names it')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Install the NVIDIA device plugin and GPU feature discovery with a MIG strategy')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Delete exactly the objects that kubectl mig install created')
            [CompletionResult]::new('reconfigure', 'reconfigure', [CompletionResultType]::ParameterValue, 'Re-cut nodes'' GPUs into another GPU Operator MIG manager layout, safely')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show what device plugin / GFD / NFD is installed, by whom, and with which strategy')
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'List MIG GPU instance profiles per GPU model')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Plan an AKS GPU node pool: the MIG profile, instance counts, resource names, commands')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, powershell)')
            break
        }
        'kubectl-mig;describe' {
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Only nodes matching this label selector (e.g. agentpool=migpool, kubernetes.io/arch in (amd64))')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Only nodes matching this label selector (e.g. agentpool=migpool, kubernetes.io/arch in (amd64))')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table, wide (with pods), json or yaml')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table, wide (with pods), json or yaml')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read nodes and pods from files (kubectl get nodes,pods -A -o yaml|json) instead of a cluster; - for stdin')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Read nodes and pods from files (kubectl get nodes,pods -A -o yaml|json) instead of a cluster; - for stdin')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file to use (else $KUBECONFIG, else ~/.kube/config, else in-cluster)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The name of the kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The name of the kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The name of the kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace scope for this request')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace scope for this request')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a single server request (e.g. 10s, 1m); 0 waits forever')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything')
            [CompletionResult]::new('--v', '--v', [CompletionResultType]::ParameterName, 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Show every node, also those without NVIDIA GPUs')
            [CompletionResult]::new('--gpus', '--gpus', [CompletionResultType]::ParameterName, 'Show each GPU: its MIG instances by memory slice, which are in use, free and stranded slices')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'After the first view, follow the cluster''s changes (nodes, pods, DRA objects) and update it: in place on a terminal, else a new JSON/YAML document or the changed table rows')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'After the first view, follow the cluster''s changes (nodes, pods, DRA objects) and update it: in place on a terminal, else a new JSON/YAML document or the changed table rows')
            [CompletionResult]::new('--all-contexts', '--all-contexts', [CompletionResultType]::ParameterName, 'Every context of the kubeconfig at once (a fleet); with -f, each file is one cluster. `--context a,b,c` reads those contexts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-mig;run' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The MIG profile to request (e.g. 1g.5gb); default: the smallest one with free capacity')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'How many MIG devices to request')
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'Run on this node (uses its strategy)')
            [CompletionResult]::new('--strategy', '--strategy', [CompletionResultType]::ParameterName, 'How MIG devices are named: auto (from the cluster), single or mixed')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Container image')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Only print the pod (client), or have the server validate it (server)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the pod with --dry-run')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the pod with --dry-run')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the pod to be scheduled and started')
            [CompletionResult]::new('--toleration', '--toleration', [CompletionResultType]::ParameterName, 'Extra toleration KEY[=VALUE]:EFFECT (repeatable)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file to use (else $KUBECONFIG, else ~/.kube/config, else in-cluster)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The name of the kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The name of the kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The name of the kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace scope for this request')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace scope for this request')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a single server request (e.g. 10s, 1m); 0 waits forever')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything')
            [CompletionResult]::new('--v', '--v', [CompletionResultType]::ParameterName, 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything')
            [CompletionResult]::new('--keep', '--keep', [CompletionResultType]::ParameterName, 'Keep the pod when it ends')
            [CompletionResult]::new('--dra', '--dra', [CompletionResultType]::ParameterName, 'Ask for the MIG device through a DRA claim (NVIDIA''s DRA driver, class mig.nvidia.com) instead of an extended resource; chosen by itself when only DRA nodes offer the profile')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Create the pod even when no node seems to offer the profile')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-mig;install' {
            [CompletionResult]::new('--strategy', '--strategy', [CompletionResultType]::ParameterName, 'MIG strategy for the device plugin and GFD')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'NVIDIA device plugin version (image tag / chart version)')
            [CompletionResult]::new('--runtime-class', '--runtime-class', [CompletionResultType]::ParameterName, 'Run the daemons with this RuntimeClass (e.g. nvidia)')
            [CompletionResult]::new('--node-selector', '--node-selector', [CompletionResultType]::ParameterName, 'Only run on nodes with this label (KEY=VALUE, repeatable)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Only print the manifests (client), or have the server validate them (server)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format with --dry-run')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format with --dry-run')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long --wait waits')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file to use (else $KUBECONFIG, else ~/.kube/config, else in-cluster)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The name of the kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The name of the kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The name of the kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace scope for this request')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace scope for this request')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a single server request (e.g. 10s, 1m); 0 waits forever')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything')
            [CompletionResult]::new('--v', '--v', [CompletionResultType]::ParameterName, 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything')
            [CompletionResult]::new('--no-gfd', '--no-gfd', [CompletionResultType]::ParameterName, 'Don''t deploy GPU feature discovery')
            [CompletionResult]::new('--no-nfd', '--no-nfd', [CompletionResultType]::ParameterName, 'Don''t deploy Node Feature Discovery')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait for the rollout and for the GPU nodes to advertise MIG resources')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Install even next to a device plugin that kubectl mig does not own')
            [CompletionResult]::new('--helm', '--helm', [CompletionResultType]::ParameterName, 'Use helm (the nvidia-device-plugin chart) instead of applying manifests')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-mig;uninstall' {
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Only list what would be deleted')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file to use (else $KUBECONFIG, else ~/.kube/config, else in-cluster)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The name of the kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The name of the kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The name of the kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace scope for this request')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace scope for this request')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a single server request (e.g. 10s, 1m); 0 waits forever')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything')
            [CompletionResult]::new('--v', '--v', [CompletionResultType]::ParameterName, 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-mig;reconfigure' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The MIG manager layout to apply: a name in its mig-parted ConfigMap, e.g. all-3g.20gb')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each step on a node may take: evictions, pods finishing, the MIG manager')
            [CompletionResult]::new('--max-unavailable', '--max-unavailable', [CompletionResultType]::ParameterName, 'How many nodes are re-cut at once (each is cordoned meanwhile)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the impact (and of --list): table, json or yaml; progress goes to stderr')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the impact (and of --list): table, json or yaml; progress goes to stderr')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file to use (else $KUBECONFIG, else ~/.kube/config, else in-cluster)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The name of the kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The name of the kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The name of the kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace scope for this request')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace scope for this request')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a single server request (e.g. 10s, 1m); 0 waits forever')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything')
            [CompletionResult]::new('--v', '--v', [CompletionResultType]::ParameterName, 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'List, per node, the layouts that fit it and what each gives; change nothing')
            [CompletionResult]::new('--rollback', '--rollback', [CompletionResultType]::ParameterName, 'Set back the layout the node had before kubectl mig reconfigure last changed it')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the checks and the impact; change nothing')
            [CompletionResult]::new('--drain', '--drain', [CompletionResultType]::ParameterName, 'Evict the pods holding GPU or MIG devices (Eviction API, PodDisruptionBudgets respected)')
            [CompletionResult]::new('--wait-for-pods', '--wait-for-pods', [CompletionResultType]::ParameterName, 'Wait for the pods holding GPU or MIG devices to finish instead of evicting them')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Apply a layout the node''s strategy cannot serve (several profiles under single: MIG-INVALID)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-mig;status' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file to use (else $KUBECONFIG, else ~/.kube/config, else in-cluster)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The name of the kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The name of the kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The name of the kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace scope for this request')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace scope for this request')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a single server request (e.g. 10s, 1m); 0 waits forever')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything')
            [CompletionResult]::new('--v', '--v', [CompletionResultType]::ParameterName, 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-mig;profiles' {
            [CompletionResult]::new('--gpu', '--gpu', [CompletionResultType]::ParameterName, 'Only this GPU model (e.g. A100-40GB, H100-80GB, H200)')
            [CompletionResult]::new('--from-nvidia-smi', '--from-nvidia-smi', [CompletionResultType]::ParameterName, 'Read profiles from `nvidia-smi mig -lgip` / `-lgipp` output instead of the catalog')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file to use (else $KUBECONFIG, else ~/.kube/config, else in-cluster)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The name of the kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The name of the kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The name of the kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace scope for this request')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace scope for this request')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a single server request (e.g. 10s, 1m); 0 waits forever')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything')
            [CompletionResult]::new('--v', '--v', [CompletionResultType]::ParameterName, 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-mig;plan' {
            [CompletionResult]::new('--vm-size', '--vm-size', [CompletionResultType]::ParameterName, 'The AKS VM size of the node pool (e.g. Standard_ND96asr_v4)')
            [CompletionResult]::new('--gpu-instance-profile', '--gpu-instance-profile', [CompletionResultType]::ParameterName, 'The AKS GPU instance profile: MIG1g, MIG2g, MIG3g, MIG4g or MIG7g')
            [CompletionResult]::new('--layout', '--layout', [CompletionResultType]::ParameterName, 'A MIG layout per GPU to check and plan, e.g. 1g.10gb=2,2g.20gb=1,3g.40gb=1')
            [CompletionResult]::new('--gpu', '--gpu', [CompletionResultType]::ParameterName, 'The GPU model for --layout without --vm-size, or the one --for-pending plans for (e.g. H100-80GB; see kubectl mig profiles)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'With --for-pending: read the pending pods, claims, nodes and MIG manager layouts from files (kubectl get nodes,pods,resourceclaims,resourceslices -A -o yaml) instead of a cluster; - for stdin')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'With --for-pending: read the pending pods, claims, nodes and MIG manager layouts from files (kubectl get nodes,pods,resourceclaims,resourceslices -A -o yaml) instead of a cluster; - for stdin')
            [CompletionResult]::new('--node-count', '--node-count', [CompletionResultType]::ParameterName, 'Number of nodes in the pool [default: 1]')
            [CompletionResult]::new('--cluster-name', '--cluster-name', [CompletionResultType]::ParameterName, 'The AKS cluster name, for the generated commands')
            [CompletionResult]::new('--resource-group', '--resource-group', [CompletionResultType]::ParameterName, 'The Azure resource group, for the generated commands')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The node pool name, for the generated commands')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file to use (else $KUBECONFIG, else ~/.kube/config, else in-cluster)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The name of the kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The name of the kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The name of the kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace scope for this request')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace scope for this request')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a single server request (e.g. 10s, 1m); 0 waits forever')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything')
            [CompletionResult]::new('--v', '--v', [CompletionResultType]::ParameterName, 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything')
            [CompletionResult]::new('--for-pending', '--for-pending', [CompletionResultType]::ParameterName, 'Read the cluster''s pending pods that ask for MIG devices and plan the layouts that serve them with the fewest GPUs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-mig;completion' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file to use (else $KUBECONFIG, else ~/.kube/config, else in-cluster)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The name of the kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The name of the kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The name of the kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace scope for this request')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace scope for this request')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a single server request (e.g. 10s, 1m); 0 waits forever')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything')
            [CompletionResult]::new('--v', '--v', [CompletionResultType]::ParameterName, 'Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}

//! Credentials that kube would get in ways a command-line tool cannot afford: exec plugins run
//! synchronously with no bound and a Rust debug dump of their output (token included) on failure,
//! and token files read without trimming. Here an exec plugin runs asynchronously under a time
//! bound, once per user (its token is cached and refreshed only when it expires), and a failure
//! reads like kubectl's: the plugin's exit status and stderr, never its stdout.

use k8s_openapi::jiff::Timestamp;
use kube::config::{AuthInfo, ExecConfig, ExecInteractiveMode};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

/// How long before its expiry a token is refreshed.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

pub use super::credential_error::CredentialError;

/// The credential an exec plugin gave.
#[derive(Clone)]
pub enum Issued {
    /// A bearer token, and when it expires.
    Token(String, Option<Timestamp>),
    /// A client certificate and key (PEM), used for the TLS connection.
    Certificate {
        /// PEM certificate.
        cert: String,
        /// PEM key.
        key: String,
    },
}

/// An exec plugin and the token it last gave, shared by every request of one client.
pub struct ExecSource {
    exec: ExecConfig,
    bound: Option<Duration>,
    cached: Mutex<Option<(String, Option<Timestamp>)>>,
}

impl ExecSource {
    /// A source for `exec`, each run bounded by `bound`.
    pub fn new(exec: ExecConfig, bound: Option<Duration>) -> Self {
        ExecSource {
            exec,
            bound,
            cached: Mutex::new(None),
        }
    }

    /// The credential: the cached token while it is fresh, else what the plugin issues now
    /// (a token is cached; a client certificate is not, it goes into the TLS setup once).
    pub async fn issue(&self) -> Result<Issued, CredentialError> {
        let mut cached = self.cached.lock().await;
        if let Some((token, expiry)) = cached.as_ref() {
            if !expires_soon(*expiry) {
                return Ok(Issued::Token(token.clone(), *expiry));
            }
        }
        let issued = run_plugin(&self.exec, self.bound).await?;
        if let Issued::Token(token, expiry) = &issued {
            *cached = Some((token.clone(), *expiry));
        }
        Ok(issued)
    }

    /// A valid token: the cached one, or a fresh one from the plugin when it expires soon.
    pub async fn token(&self) -> Result<String, CredentialError> {
        let mut cached = self.cached.lock().await;
        if let Some((token, expiry)) = cached.as_ref() {
            if !expires_soon(*expiry) {
                return Ok(token.clone());
            }
        }
        match run_plugin(&self.exec, self.bound).await? {
            Issued::Token(token, expiry) => {
                *cached = Some((token.clone(), expiry));
                Ok(token)
            }
            Issued::Certificate { .. } => Err(CredentialError::Invalid {
                command: command_name(&self.exec),
                reason: "it switched from a token to a client certificate".into(),
            }),
        }
    }
}

fn expires_soon(expiry: Option<Timestamp>) -> bool {
    let Some(expiry) = expiry else { return false };
    let margin = k8s_openapi::jiff::SignedDuration::try_from(REFRESH_MARGIN).unwrap_or_default();
    Timestamp::now()
        .checked_add(margin)
        .map_or(true, |soon| soon >= expiry)
}

/// The plugin's program name for messages (`kubelogin`, not its full path or arguments).
pub fn command_name(exec: &ExecConfig) -> String {
    let command = exec.command.clone().unwrap_or_default();
    std::path::Path::new(&command)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or(command)
}

/// Runs the plugin as client-go does (KUBERNETES_EXEC_INFO, env, interactive stdin) and reads
/// its ExecCredential.
pub async fn run_plugin(
    exec: &ExecConfig,
    bound: Option<Duration>,
) -> Result<Issued, CredentialError> {
    let name = command_name(exec);
    let Some(program) = exec.command.as_deref().filter(|c| !c.is_empty()) else {
        return Err(CredentialError::NotFound {
            command: "(none)".into(),
            reason: "the exec section names no command".into(),
            hint: None,
        });
    };
    let mut cmd = plugin_command(program, exec);
    cmd.kill_on_drop(true);
    let child = cmd.spawn().map_err(|e| CredentialError::NotFound {
        command: name.clone(),
        reason: match e.kind() {
            std::io::ErrorKind::NotFound => "executable not found on PATH".into(),
            std::io::ErrorKind::PermissionDenied => "permission denied".into(),
            _ => crate::error::one_line(&e.to_string()),
        },
        hint: exec.install_hint.clone(),
    })?;
    let output = child.wait_with_output();
    let output =
        match bound {
            Some(bound) => tokio::time::timeout(bound, output).await.map_err(|_| {
                CredentialError::TimedOut {
                    command: name.clone(),
                    after: bound,
                }
            })?,
            None => output.await,
        }
        .map_err(|e| CredentialError::Failed {
            command: name.clone(),
            status: "an I/O error".into(),
            stderr: e.to_string(),
        })?;
    if !output.status.success() {
        return Err(CredentialError::Failed {
            command: name,
            status: describe_status(&output.status),
            stderr: stderr_tail(&output.stderr),
        });
    }
    parse_credential(&output.stdout).map_err(|reason| CredentialError::Invalid {
        command: name,
        reason,
    })
}

/// The plugin's command as client-go starts it: its args and env, the proxy variables, and
/// `KUBERNETES_EXEC_INFO`; stdin and stderr are the user's only for an interactive login.
fn plugin_command(program: &str, exec: &ExecConfig) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(program);
    // kubelogin and friends reach their identity provider through the same proxy.
    super::proxy::restore_env(cmd.as_std_mut());
    cmd.args(exec.args.iter().flatten());
    for pair in exec.env.iter().flatten() {
        if let (Some(k), Some(v)) = (pair.get("name"), pair.get("value")) {
            cmd.env(k, v);
        }
    }
    for name in exec.drop_env.iter().flatten() {
        cmd.env_remove(name);
    }
    let interactive = exec.interactive_mode != Some(ExecInteractiveMode::Never)
        && std::io::IsTerminal::is_terminal(&std::io::stdin());
    let api_version = exec
        .api_version
        .clone()
        .unwrap_or_else(|| "client.authentication.k8s.io/v1".into());
    let mut spec = serde_json::json!({ "interactive": interactive });
    if exec.provide_cluster_info {
        if let Some(cluster) = &exec.cluster {
            spec["cluster"] = serde_json::to_value(cluster).unwrap_or_default();
        }
    }
    let info =
        serde_json::json!({"apiVersion": api_version, "kind": "ExecCredential", "spec": spec});
    cmd.env("KUBERNETES_EXEC_INFO", info.to_string());
    cmd.stdout(std::process::Stdio::piped());
    if interactive {
        // A device-code login prints its instructions on stderr and may read stdin.
        cmd.stdin(std::process::Stdio::inherit());
        cmd.stderr(std::process::Stdio::inherit());
    } else {
        cmd.stdin(std::process::Stdio::null());
        cmd.stderr(std::process::Stdio::piped());
    }
    cmd
}

fn describe_status(status: &std::process::ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit code {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("signal {signal}");
        }
    }
    "an unknown status".into()
}

/// The last few non-empty lines of a plugin's stderr, at most 400 characters.
fn stderr_tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = lines[lines.len().saturating_sub(3)..].join(" ");
    let tail = crate::error::one_line(&tail);
    if tail.chars().count() > 400 {
        let cut: String = tail.chars().take(400).collect();
        format!("{cut}…")
    } else {
        tail
    }
}

/// Reads an ExecCredential (JSON, or YAML as client-go also accepts) without ever echoing it.
fn parse_credential(stdout: &[u8]) -> Result<Issued, String> {
    #[derive(serde::Deserialize)]
    struct Credential {
        kind: Option<String>,
        status: Option<Status>,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Status {
        token: Option<String>,
        expiration_timestamp: Option<String>,
        client_certificate_data: Option<String>,
        client_key_data: Option<String>,
    }
    let parsed: Credential = serde_json::from_slice(stdout)
        .or_else(|_| serde_yaml::from_slice(stdout))
        .map_err(|_| "its output is not an ExecCredential document".to_string())?;
    if parsed
        .kind
        .as_deref()
        .is_some_and(|k| k != "ExecCredential")
    {
        return Err("its output is not of kind ExecCredential".into());
    }
    let status = parsed
        .status
        .ok_or_else(|| "the ExecCredential has no status".to_string())?;
    let expiry = match status.expiration_timestamp.as_deref() {
        Some(text) => Some(
            text.parse::<Timestamp>()
                .map_err(|_| "its expirationTimestamp is not an RFC 3339 time".to_string())?,
        ),
        None => None,
    };
    if let Some(token) = status.token.filter(|t| !t.trim().is_empty()) {
        return Ok(Issued::Token(token.trim().to_string(), expiry));
    }
    match (status.client_certificate_data, status.client_key_data) {
        (Some(cert), Some(key)) => Ok(Issued::Certificate { cert, key }),
        _ => Err("the ExecCredential has neither a token nor a client certificate and key".into()),
    }
}

/// Reads a kubeconfig `tokenFile` as kubectl does: whitespace around the token is dropped.
pub fn read_token_file(path: &str) -> Result<String, CredentialError> {
    let text = std::fs::read_to_string(path).map_err(|e| CredentialError::TokenFile {
        path: path.to_string(),
        reason: match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".into(),
            std::io::ErrorKind::PermissionDenied => "permission denied".into(),
            _ => crate::error::one_line(&e.to_string()),
        },
    })?;
    let token = text.trim().to_string();
    if token.is_empty() {
        return Err(CredentialError::TokenFile {
            path: path.to_string(),
            reason: "it is empty".into(),
        });
    }
    Ok(token)
}

/// The exec plugins of this process, by their configuration: contexts sharing a user share its
/// token.
static SOURCES: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<String, Arc<ExecSource>>>,
> = std::sync::LazyLock::new(Default::default);

/// What [`prepare`] did with the kubeconfig user's credentials.
pub struct Prepared {
    /// The user, with exec and tokenFile replaced by what they gave.
    pub auth_info: AuthInfo,
    /// The exec plugin to refresh tokens from, when it issued a token.
    pub source: Option<Arc<ExecSource>>,
}

/// Resolves exec plugins and token files before the client is built, so kube never runs a plugin
/// itself (unbounded, and dumping its stdout on failure).
pub async fn prepare(
    mut auth_info: AuthInfo,
    bound: Option<Duration>,
) -> Result<Prepared, CredentialError> {
    if let Some(path) = auth_info.token_file.take() {
        if auth_info.token.is_none() {
            auth_info.token = Some(read_token_file(&path)?.into());
        }
    }
    let Some(exec) = auth_info.exec.take() else {
        return Ok(Prepared {
            auth_info,
            source: None,
        });
    };
    // One plugin run per user, however many contexts (a fleet) use it, even at once: the
    // first caller runs it under the source's lock, the others wait and take its token.
    let key = serde_json::to_string(&exec).unwrap_or_default();
    let source = {
        let mut sources = SOURCES.lock().unwrap_or_else(|e| e.into_inner());
        sources
            .entry(key)
            .or_insert_with(|| Arc::new(ExecSource::new(exec, bound)))
            .clone()
    };
    match source.issue().await? {
        Issued::Certificate { cert, key } => {
            use base64::Engine;
            let b64 = base64::engine::general_purpose::STANDARD;
            auth_info.client_certificate_data = Some(b64.encode(cert));
            auth_info.client_key_data = Some(b64.encode(key).into());
            Ok(Prepared {
                auth_info,
                source: None,
            })
        }
        Issued::Token(..) => Ok(Prepared {
            auth_info,
            source: Some(source),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_read_without_echoing_them() {
        let json = br#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"s3cret","expirationTimestamp":"2030-01-01T00:00:00Z"}}"#;
        match parse_credential(json).unwrap() {
            Issued::Token(t, Some(_)) => assert_eq!(t, "s3cret"),
            _ => panic!("expected a token with an expiry"),
        }
        let err = parse_credential(b"{\"token\": \"s3cret\"").err().unwrap();
        assert!(!err.contains("s3cret"), "{err}");
        let err = parse_credential(br#"{"kind":"ExecCredential","status":{}}"#)
            .err()
            .unwrap();
        assert!(err.contains("neither a token"), "{err}");
    }

    #[test]
    fn stderr_is_cut_to_its_last_lines() {
        let long = "x".repeat(1000);
        assert!(stderr_tail(long.as_bytes()).chars().count() <= 401);
        assert_eq!(stderr_tail(b"a\n\nb\nc\nd\n"), "b c d");
    }

    #[test]
    fn token_files_are_trimmed() {
        let dir = std::env::temp_dir().join(format!("kubectl-mig-token-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("token");
        std::fs::write(&path, "abc.def\n").unwrap();
        assert_eq!(read_token_file(path.to_str().unwrap()).unwrap(), "abc.def");
        let missing = read_token_file(dir.join("nope").to_str().unwrap())
            .err()
            .unwrap();
        assert!(
            missing.sentence("c").contains("tokenFile"),
            "{}",
            missing.sentence("c")
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}

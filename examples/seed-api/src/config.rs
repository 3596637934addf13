//! The seed API's configuration file: `[server]` plus the authgate `[[providers]]` and
//! `[policies.*]` tables.
//!
//! ```toml
//! [server]
//! listen = "127.0.0.1:8000"
//!
//! [[providers]]
//! id = "entra"
//! kind = "entra"
//! tenant = "<tenant-guid>"
//! client_id = "<api-app-id>"
//!
//! [policies.RequireReadAccess]
//! scopes = ["read_data"]
//! ```

use authgate::login::LoginConfig;
use authgate::{AuthConfig, ClientSecret, ProviderConfig, SessionConfig};
use authgate_core::{PolicySpec, SecretString};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;

/// The configuration file format version this build reads.
const VERSION: u32 = 1;

/// The whole configuration file. Unknown keys are rejected.
///
/// The authentication tables are explicit fields rather than a `#[serde(flatten)]` of
/// [`AuthConfig`]: serde cannot combine `flatten` with `deny_unknown_fields`, and a typo in a
/// security configuration must be an error, not a silently ignored key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedConfig {
    /// The format version; `1` when present.
    #[serde(default)]
    pub version: Option<u32>,
    /// Where the API listens.
    pub server: ServerConfig,
    /// Trusted token issuers (`[[providers]]`).
    #[serde(default)]
    pub providers: Vec<ProviderConfig>,
    /// Named policies (`[policies.NAME]`); `RequireReadAccess` guards `/data`.
    #[serde(default)]
    pub policies: BTreeMap<String, PolicySpec>,
    /// `[login]`: browser sign-in with the providers marked `login = true`. Needs
    /// `server.public_url` and `[secrets]`. Absent: no sign-in, bearer tokens only.
    #[serde(default)]
    pub login: Option<LoginConfig>,
    /// `[session]`: session timeouts (defaults when absent).
    #[serde(default)]
    pub session: Option<SessionConfig>,
    /// `[secrets]`: the master key sealing provider tokens at rest.
    #[serde(default)]
    pub secrets: Option<SecretsConfig>,
}

/// The `[secrets]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsConfig {
    /// 32 random bytes in standard base64 (`openssl rand -base64 32`); `env:NAME` or
    /// `file:/path` reads it from there.
    pub master_key: ClientSecret,
    /// The key's id, stored with every sealed value so keys can rotate. Defaults to `k1`.
    #[serde(default = "default_key_id")]
    pub master_key_id: String,
}

/// Where `env:` and `file:` references are read from.
struct References<'a> {
    env: &'a dyn Fn(&str) -> Option<String>,
    base_dir: Option<&'a Path>,
}

impl References<'_> {
    /// Replaces an `env:` or `file:` reference in `value` (under `key`) by what it names; a
    /// reference that cannot be read is a problem.
    fn resolve_in_place(&self, key: &str, value: &mut ClientSecret, problems: &mut Vec<String>) {
        match self.resolve(key, value.expose_secret()) {
            Ok(Some(resolved)) => *value = resolved,
            Ok(None) => {}
            Err(problem) => problems.push(problem),
        }
    }

    /// What `text` refers to; `None` when it is no reference.
    fn resolve(&self, key: &str, text: &str) -> Result<Option<ClientSecret>, String> {
        if let Some(name) = text.strip_prefix("env:") {
            let value = (self.env)(name)
                .ok_or_else(|| format!("{key}: environment variable {name} is not set"))?;
            return Ok(Some(ClientSecret::new(value)));
        }
        let Some(path) = text.strip_prefix("file:") else {
            return Ok(None);
        };
        let full = match self.base_dir {
            Some(dir) if Path::new(path).is_relative() => dir.join(path),
            _ => Path::new(path).to_path_buf(),
        };
        let contents = std::fs::read_to_string(&full)
            .map(SecretString::new)
            .map_err(|e| format!("{key}: cannot read {}: {}", full.display(), e.kind()))?;
        let text = contents.expose_secret();
        let text = text
            .strip_suffix("\r\n")
            .or_else(|| text.strip_suffix('\n'))
            .unwrap_or(text);
        Ok(Some(ClientSecret::new(text)))
    }
}

fn default_key_id() -> String {
    "k1".to_owned()
}

/// The `[server]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// The socket address to listen on, e.g. `127.0.0.1:8000`.
    pub listen: SocketAddr,
    /// Cache verified tokens so a repeated token costs a lookup (default true). Turn it off
    /// only to measure full verification on every request.
    #[serde(default = "default_true")]
    pub token_cache: bool,
    /// The URL browsers reach the API at (redirect URIs and cookies derive from it). Required
    /// with `[login]`.
    #[serde(default)]
    pub public_url: Option<String>,
}

fn default_true() -> bool {
    true
}

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TOML is invalid or has unknown keys.
    #[error("invalid configuration: {0}")]
    Parse(#[from] toml::de::Error),
    /// An unsupported `version`.
    #[error("version: unsupported configuration version {0} (this build reads version {VERSION})")]
    Version(u32),
    /// Secret references (`env:NAME`, `file:/path`) that cannot be read, one line each; the
    /// messages name the key and the variable or file, never a secret.
    #[error("{}", .0.join("\n"))]
    SecretRefs(Vec<String>),
}

impl SeedConfig {
    /// Parses TOML text; secret references are resolved from the process environment and
    /// the file system ([`SeedConfig::from_toml_with`]).
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        Self::from_toml_with(text, &|name| std::env::var(name).ok(), None)
    }

    /// [`SeedConfig::from_toml`] with `env` as the environment: the secrets
    /// (`providers[*].client_secret`, `secrets.master_key`) may be `env:NAME` (the variable's
    /// value) or `file:/path` (the file's contents minus one trailing newline, `\n` or
    /// `\r\n`, as secret mounts write them; a relative path is relative to `base_dir`, the
    /// configuration file's directory). Every reference that cannot be read is reported.
    pub fn from_toml_with(
        text: &str,
        env: &dyn Fn(&str) -> Option<String>,
        base_dir: Option<&Path>,
    ) -> Result<Self, ConfigError> {
        let mut config: SeedConfig = toml::from_str(text)?;
        if let Some(v) = config.version.filter(|v| *v != VERSION) {
            return Err(ConfigError::Version(v));
        }
        let refs = References { env, base_dir };
        let mut problems = Vec::new();
        for (i, provider) in config.providers.iter_mut().enumerate() {
            if let Some(secret) = &mut provider.client_secret {
                let key = format!("providers[{i}].client_secret");
                refs.resolve_in_place(&key, secret, &mut problems);
            }
        }
        if let Some(secrets) = &mut config.secrets {
            refs.resolve_in_place("secrets.master_key", &mut secrets.master_key, &mut problems);
        }
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError::SecretRefs(problems))
        }
    }

    /// Reads and parses the file at `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let env = |name: &str| std::env::var(name).ok();
        Self::from_toml_with(&text, &env, path.parent())
    }

    /// The authentication part, as the authgate library takes it.
    #[allow(
        clippy::needless_update,
        reason = "AuthConfig may gain tables this file does not set"
    )]
    pub fn auth(&self) -> AuthConfig {
        AuthConfig {
            providers: self.providers.clone(),
            policies: self.policies.clone(),
            ..AuthConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_config_parses() {
        let text = include_str!("../seed-api.example.toml");
        let config = SeedConfig::from_toml(text).unwrap();
        assert_eq!(config.server.listen.to_string(), "127.0.0.1:8000");
        assert!(config.providers.iter().any(|p| p.id == "entra"));
        assert!(config.policies.contains_key("RequireReadAccess"));
        config.auth().validate().unwrap();
    }

    #[test]
    fn secrets_may_come_from_the_environment_or_a_file() {
        let dir = std::env::temp_dir().join(format!("seed-api-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("master_key");
        std::fs::write(&file, "bWFzdGVyLWtleS1mcm9tLWEtZmlsZS0zMi1ieXRlcyE=\r\n").unwrap();
        let text = "[server]\nlisten = \"127.0.0.1:8000\"\n\
             [[providers]]\nid = \"corp\"\nkind = \"oidc\"\nissuer = \"https://idp.example.com\"\n\
             audiences = [\"api\"]\nclient_id = \"c\"\nclient_secret = \"env:CORP_SECRET\"\n\
             [secrets]\nmaster_key = \"file:master_key\"\n";
        let env = |name: &str| (name == "CORP_SECRET").then(|| "s3cret-from-env".to_owned());
        let config = SeedConfig::from_toml_with(text, &env, Some(&dir)).unwrap();
        let secret = config.providers[0].client_secret.as_ref().unwrap();
        assert_eq!(secret.expose_secret(), "s3cret-from-env");
        let master = &config.secrets.as_ref().unwrap().master_key;
        assert_eq!(
            master.expose_secret(),
            "bWFzdGVyLWtleS1mcm9tLWEtZmlsZS0zMi1ieXRlcyE="
        );

        std::fs::remove_file(&file).unwrap();
        let both = SeedConfig::from_toml_with(text, &|_| None, Some(&dir)).unwrap_err();
        let lines: Vec<String> = both.to_string().lines().map(str::to_owned).collect();
        assert_eq!(lines.len(), 2, "every reference is reported: {lines:?}");
        assert_eq!(
            lines[0],
            "providers[0].client_secret: environment variable CORP_SECRET is not set"
        );
        assert!(
            lines[1].starts_with("secrets.master_key: cannot read"),
            "{lines:?}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let text = "[server]\nlisten = \"127.0.0.1:8000\"\nlisten_port = 1\n";
        assert!(matches!(
            SeedConfig::from_toml(text),
            Err(ConfigError::Parse(_))
        ));
        let text = "[server]\nlisten = \"127.0.0.1:8000\"\n[[providers]]\nid = \"x\"\nkind = \"oidc\"\nissuer_url = \"x\"\n";
        assert!(matches!(
            SeedConfig::from_toml(text),
            Err(ConfigError::Parse(_))
        ));
    }

    #[test]
    fn other_versions_are_rejected() {
        let text = "version = 2\n[server]\nlisten = \"127.0.0.1:8000\"\n";
        assert!(matches!(
            SeedConfig::from_toml(text),
            Err(ConfigError::Version(2))
        ));
    }
}

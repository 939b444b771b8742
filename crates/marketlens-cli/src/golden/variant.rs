//! What `eval golden --variants` compares: agent configurations, each optionally with
//! another prompt.
//!
//! A variant is written `[LABEL=]CONFIG[+PROMPT]`:
//!
//! - `CONFIG`: `builtin` (the built-in configuration), a TOML file, or `version:N`
//!   (version N of `agent_configs` in the store of `--data-dir`);
//! - `PROMPT`: a prompt file (`config/prompts/*.toml`) replacing the configuration's
//!   `[llm.prompt]`, so two prompt versions can be compared on one configuration;
//! - `LABEL`: the name shown in the table (default: `builtin`, the file's stem, or
//!   `vN`, then `+` and the prompt's `prompt_version`).

use std::path::Path;

use marketlens_core::config::{AgentConfig, PromptTemplate};
use marketlens_service::startup::{App, Settings, load_config};

use super::GoldenError;

/// One variant: its label and configuration.
#[derive(Debug, Clone)]
pub struct Variant {
    pub label: String,
    pub config: AgentConfig,
}

impl Variant {
    pub fn builtin() -> Self {
        Self {
            label: "builtin".into(),
            config: AgentConfig::builtin(),
        }
    }

    /// Parses one `--variants` item; `data_dir` holds the store `version:N` reads.
    pub async fn parse(spec: &str, data_dir: &Path) -> Result<Self, GoldenError> {
        let bad = |m: String| GoldenError::Config(format!("variant {spec:?}: {m}"));
        let (label, rest) = match spec.split_once('=') {
            Some((l, r)) if !l.trim().is_empty() => (Some(l.trim().to_owned()), r),
            Some(_) => return Err(bad("empty label before '='".into())),
            None => (None, spec),
        };
        let (config_spec, prompt) = match rest.split_once('+') {
            Some((c, p)) => (c.trim(), Some(p.trim())),
            None => (rest.trim(), None),
        };
        let (mut name, mut config) = if config_spec == "builtin" {
            ("builtin".to_owned(), AgentConfig::builtin())
        } else if let Some(n) = config_spec.strip_prefix("version:") {
            let version: i64 = n
                .trim()
                .parse()
                .map_err(|_| bad(format!("{n:?} is not a version number")))?;
            let settings = Settings {
                data_dir: data_dir.to_path_buf(),
                ..Default::default()
            };
            let app = App::open(&settings).await.map_err(|e| bad(e.to_string()))?;
            let run = app
                .configs
                .version(version)
                .await
                .map_err(|e| bad(e.to_string()))?;
            (format!("v{version}"), (*run.config).clone())
        } else if config_spec.is_empty() {
            return Err(bad("no configuration".into()));
        } else {
            let path = Path::new(config_spec);
            let config = load_config(Some(path)).map_err(|e| bad(e.to_string()))?;
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| config_spec.to_owned());
            (stem, config)
        };
        if let Some(prompt) = prompt {
            let text = std::fs::read_to_string(prompt)
                .map_err(|e| bad(format!("cannot read {prompt}: {e}")))?;
            let template =
                PromptTemplate::from_toml_str(&text).map_err(|e| bad(format!("{prompt}: {e}")))?;
            name = format!("{name}+{}", template.prompt_version);
            config.llm.prompt = Some(template);
        }
        Ok(Self {
            label: label.unwrap_or(name),
            config,
        })
    }
}

//! Run settings from three layers: a config file, then the environment, then flags. Secrets
//! are never among them (see `client::target::env`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Every scenario, at full speed: for sandboxes and test environments.
    Sandbox,
    /// `@read-only` scenarios only, one at a time, rate-limited: safe against production.
    Production,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Sandbox => "sandbox",
            Profile::Production => "production",
        }
    }
}

/// Every setting, each optional so layers can be merged.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Settings {
    pub base_url: Option<String>,
    pub fixtures: Option<PathBuf>,
    pub features: Option<PathBuf>,
    /// A contract folder (same layout as `schemas/`) instead of the one built in.
    pub contract: Option<PathBuf>,
    pub tags: Option<String>,
    pub concurrency: Option<usize>,
    /// Seconds per request.
    pub timeout: Option<f64>,
    pub rate_limit: Option<f64>,
    pub fail_fast: Option<bool>,
    pub seed: Option<u64>,
    pub profile: Option<Profile>,
    /// Generated cases in all, spread over the endpoints.
    pub generated: Option<usize>,
    pub ca_cert: Option<PathBuf>,
    pub report_dir: Option<PathBuf>,
    pub baseline: Option<PathBuf>,
    pub waivers: Option<PathBuf>,
    /// Seconds the whole run may take before it stops and reports what ran (0: no limit).
    pub max_duration: Option<f64>,
    /// Go direct even when a proxy variable is set.
    pub no_proxy: Option<bool>,
    /// The fewest requirements the run must verify: a count (`44`) or a share (`80%`).
    pub min_verified: Option<MinVerified>,
}

/// A floor for verification: fewer verified requirements than this fail the run.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(try_from = "CountOrText")]
pub enum MinVerified {
    Count(usize),
    /// A share of the catalogue's requirements, in percent (0 to 100).
    Percent(f64),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum CountOrText {
    Count(usize),
    Text(String),
}

impl TryFrom<CountOrText> for MinVerified {
    type Error = String;
    fn try_from(v: CountOrText) -> Result<Self, String> {
        match v {
            CountOrText::Count(n) => Ok(MinVerified::Count(n)),
            CountOrText::Text(t) => t.parse(),
        }
    }
}

impl std::str::FromStr for MinVerified {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let rule = || format!("{s:?} is neither a count (44) nor a percentage (80%)");
        match s.strip_suffix('%') {
            Some(p) => {
                let p: f64 = p.trim().parse().map_err(|_| rule())?;
                if !(0.0..=100.0).contains(&p) {
                    return Err(format!("{s:?}: a percentage is 0 to 100"));
                }
                Ok(MinVerified::Percent(p))
            }
            None => s.parse().map(MinVerified::Count).map_err(|_| rule()),
        }
    }
}

impl MinVerified {
    /// The fewest requirements, of `total`, that must be verified (a share rounded up).
    pub fn floor(self, total: usize) -> usize {
        match self {
            MinVerified::Count(n) => n,
            MinVerified::Percent(p) => (p / 100.0 * total as f64).ceil() as usize,
        }
    }
}

impl std::fmt::Display for MinVerified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MinVerified::Count(n) => write!(f, "{n}"),
            MinVerified::Percent(p) => write!(f, "{p}%"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("config file {path}: {reason}")]
    Parse { path: String, reason: String },
    #[error("environment variable {name}: {rule}")]
    Env { name: String, rule: String },
    #[error("{field}: {rule}")]
    Invalid { field: &'static str, rule: String },
}

/// Why a config file does not parse, without quoting the file: toml's own message shows the
/// offending line, which may hold a secret someone put there (`secret-key = "…"`). The line
/// number and the rule are enough; a credential's key gets the rule for credentials.
fn parse_reason(text: &str, e: &toml::de::Error) -> String {
    let line = e
        .span()
        .and_then(|span| text.get(..span.start))
        .map(|before| before.matches('\n').count() + 1);
    let at = line.map_or(String::new(), |l| format!("line {l}: "));
    let message = e.message().trim();
    let unknown = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next());
    let credential = unknown.is_some_and(|field| {
        let field = field.to_ascii_lowercase();
        [
            "secret", "access", "password", "token", "asp", "key-id", "private",
        ]
        .iter()
        .any(|word| field.contains(word))
    });
    if credential {
        // Only the key is named; its value is not repeated anywhere.
        let key = unknown.unwrap_or_default();
        return format!(
            "{at}`{key}` is not a setting: credentials are never read from files; set the KONA_* environment variables (KONA_ACCESS_KEY, KONA_SECRET_KEY, …) instead"
        );
    }
    format!("{at}{message}")
}

/// The environment variable for each non-secret setting.
pub const ENV_PREFIX: &str = "KONA_RUN_";

impl Settings {
    pub fn from_file(path: &Path) -> Result<Settings, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        toml::from_str(&text).map_err(|e: toml::de::Error| ConfigError::Parse {
            path: path.display().to_string(),
            reason: parse_reason(&text, &e),
        })
    }

    /// `KONA_RUN_BASE_URL`, `KONA_RUN_CONCURRENCY`, ...: each setting's name in capitals.
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        fn parse<T: std::str::FromStr>(
            name: &str,
            value: Option<String>,
        ) -> Result<Option<T>, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            value
                .map(|v| {
                    v.trim().parse::<T>().map_err(|e| ConfigError::Env {
                        name: name.to_owned(),
                        rule: e.to_string(),
                    })
                })
                .transpose()
        }
        let var = |key: &str| {
            let name = format!("{ENV_PREFIX}{key}");
            (name.clone(), lookup(&name).filter(|v| !v.is_empty()))
        };
        let (n, v) = var("PROFILE");
        let profile = match v.as_deref() {
            None => None,
            Some("sandbox") => Some(Profile::Sandbox),
            Some("production") => Some(Profile::Production),
            Some(_) => {
                return Err(ConfigError::Env {
                    name: n,
                    rule: "must be sandbox or production".into(),
                });
            }
        };
        let path = |key: &str| var(key).1.map(PathBuf::from);
        Ok(Settings {
            base_url: var("BASE_URL").1,
            fixtures: path("FIXTURES"),
            features: path("FEATURES"),
            contract: path("CONTRACT"),
            tags: var("TAGS").1,
            concurrency: {
                let (n, v) = var("CONCURRENCY");
                parse(&n, v)?
            },
            timeout: {
                let (n, v) = var("TIMEOUT");
                parse(&n, v)?
            },
            rate_limit: {
                let (n, v) = var("RATE_LIMIT");
                parse(&n, v)?
            },
            fail_fast: {
                let (n, v) = var("FAIL_FAST");
                parse(&n, v)?
            },
            seed: {
                let (n, v) = var("SEED");
                parse(&n, v)?
            },
            profile,
            generated: {
                let (n, v) = var("GENERATED");
                parse(&n, v)?
            },
            ca_cert: path("CA_CERT"),
            report_dir: path("REPORT_DIR"),
            baseline: path("BASELINE"),
            waivers: path("WAIVERS"),
            max_duration: {
                let (n, v) = var("MAX_DURATION");
                parse(&n, v)?
            },
            no_proxy: {
                let (n, v) = var("NO_PROXY");
                parse(&n, v)?
            },
            min_verified: {
                let (n, v) = var("MIN_VERIFIED");
                parse(&n, v)?
            },
        })
    }

    /// `self` overridden by every setting `over` has.
    pub fn overridden_by(self, over: Settings) -> Settings {
        Settings {
            base_url: over.base_url.or(self.base_url),
            fixtures: over.fixtures.or(self.fixtures),
            features: over.features.or(self.features),
            contract: over.contract.or(self.contract),
            tags: over.tags.or(self.tags),
            concurrency: over.concurrency.or(self.concurrency),
            timeout: over.timeout.or(self.timeout),
            rate_limit: over.rate_limit.or(self.rate_limit),
            fail_fast: over.fail_fast.or(self.fail_fast),
            seed: over.seed.or(self.seed),
            profile: over.profile.or(self.profile),
            generated: over.generated.or(self.generated),
            ca_cert: over.ca_cert.or(self.ca_cert),
            report_dir: over.report_dir.or(self.report_dir),
            baseline: over.baseline.or(self.baseline),
            waivers: over.waivers.or(self.waivers),
            max_duration: over.max_duration.or(self.max_duration),
            no_proxy: over.no_proxy.or(self.no_proxy),
            min_verified: over.min_verified.or(self.min_verified),
        }
    }
}

/// Settings resolved into what a run uses, with the defaults that depend on the target.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub base_url: Option<String>,
    pub fixtures: Option<PathBuf>,
    pub features: Option<PathBuf>,
    pub tags: Option<String>,
    pub concurrency: usize,
    pub timeout: Duration,
    pub rate_limit: Option<f64>,
    pub fail_fast: bool,
    pub seed: u64,
    pub profile: Profile,
    /// Generated cases in all, spread over the contract's endpoints (see
    /// [`RunOptions::generated_per_endpoint`]).
    pub generated: usize,
    pub contract: Option<PathBuf>,
    pub ca_cert: Option<PathBuf>,
    pub report_dir: Option<PathBuf>,
    pub baseline: Option<PathBuf>,
    pub waivers: Option<PathBuf>,
    /// The run's time budget: none on loopback unless set.
    pub max_duration: Option<Duration>,
    /// Never through a proxy (`--no-proxy`).
    pub no_proxy: bool,
    /// Fewer verified requirements than this fail the run (exit 1).
    pub min_verified: Option<MinVerified>,
    /// Where every exchange is written as it finishes, redacted (`--journal`; by default
    /// `journal.ndjson` in the report folder, none without one).
    pub journal: Option<PathBuf>,
}

impl RunOptions {
    /// The options of a command that judges exchanges it did not send (`verify`, `proxy`,
    /// `certify-client`): only what the gate and the reports read matters.
    pub fn for_reports(
        report_dir: Option<PathBuf>,
        baseline: Option<PathBuf>,
        waivers: Option<PathBuf>,
        min_verified: Option<MinVerified>,
    ) -> RunOptions {
        RunOptions {
            base_url: None,
            fixtures: None,
            features: None,
            tags: None,
            concurrency: 1,
            timeout: Duration::from_secs(10),
            rate_limit: None,
            fail_fast: false,
            seed: 0,
            profile: Profile::Sandbox,
            generated: 0,
            contract: None,
            ca_cert: None,
            report_dir,
            baseline,
            waivers,
            max_duration: None,
            no_proxy: false,
            min_verified,
            journal: None,
        }
    }
}

/// The time budget of a run against a target off this machine, unless `max-duration` says
/// otherwise: generous for the production profile's paced read-only pass, and a bound on a
/// target that answers every request as slowly as the timeout allows.
pub const DEFAULT_REMOTE_MAX_DURATION: Duration = Duration::from_secs(30 * 60);

pub use crate::client::target::is_loopback;

/// Generated cases in all when nothing says otherwise (against a loopback target).
pub const DEFAULT_GENERATED: usize = 1000;
pub const DEFAULT_CONCURRENCY: usize = 16;

impl RunOptions {
    /// The generated cases each endpoint gets: the total spread evenly over `endpoints`
    /// (rounded up, so every endpoint gets some when any are asked for).
    pub fn generated_per_endpoint(&self, endpoints: usize) -> usize {
        self.generated.div_ceil(endpoints.max(1))
    }

    /// Apply defaults. Off loopback the defaults are the safe ones: production profile, one
    /// scenario at a time, 2 requests per second, no generated volume; each can be raised
    /// explicitly.
    pub fn resolve(s: Settings) -> Result<RunOptions, ConfigError> {
        let remote = s.base_url.as_deref().is_some_and(|u| !is_loopback(u));
        if let Some(url) = &s.base_url {
            let parsed = reqwest::Url::parse(url).map_err(|e| ConfigError::Invalid {
                field: "base-url",
                rule: format!("{url:?} is not a URL: {e}"),
            })?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(ConfigError::Invalid {
                    field: "base-url",
                    rule: "must be an http or https URL".into(),
                });
            }
        }
        let profile = s.profile.unwrap_or(if remote {
            Profile::Production
        } else {
            Profile::Sandbox
        });
        let cautious = remote || profile == Profile::Production;
        let concurrency = s
            .concurrency
            .unwrap_or(if cautious { 1 } else { DEFAULT_CONCURRENCY });
        if concurrency == 0 {
            return Err(ConfigError::Invalid {
                field: "concurrency",
                rule: "must be at least 1".into(),
            });
        }
        let timeout = s.timeout.unwrap_or(10.0);
        if !(timeout > 0.0 && timeout <= 600.0) {
            return Err(ConfigError::Invalid {
                field: "timeout",
                rule: "must be more than 0 and at most 600 seconds".into(),
            });
        }
        let rate_limit = match s.rate_limit {
            Some(r) if !(r > 0.0 && r.is_finite()) => {
                return Err(ConfigError::Invalid {
                    field: "rate-limit",
                    rule: "must be a positive number of requests per second".into(),
                });
            }
            Some(r) => Some(r),
            None if cautious => Some(2.0),
            None => None,
        };
        let generated = s
            .generated
            .unwrap_or(if cautious { 0 } else { DEFAULT_GENERATED });
        let max_duration = match s.max_duration {
            Some(secs) if !(secs.is_finite() && secs >= 0.0) => {
                return Err(ConfigError::Invalid {
                    field: "max-duration",
                    rule: "must be a number of seconds, 0 or more (0: no limit)".into(),
                });
            }
            Some(0.0) => None,
            Some(secs) => Some(Duration::from_secs_f64(secs)),
            None => remote.then_some(DEFAULT_REMOTE_MAX_DURATION),
        };
        let seed = s.seed.unwrap_or_else(|| {
            use std::time::{SystemTime, UNIX_EPOCH};
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        });
        let journal = s
            .report_dir
            .as_ref()
            .map(|d| d.join(crate::capture::journal::FILE_NAME));
        Ok(RunOptions {
            base_url: s.base_url,
            fixtures: s.fixtures,
            features: s.features,
            tags: s.tags,
            concurrency,
            timeout: Duration::from_secs_f64(timeout),
            rate_limit,
            fail_fast: s.fail_fast.unwrap_or(false),
            seed,
            profile,
            generated,
            contract: s.contract,
            ca_cert: s.ca_cert,
            report_dir: s.report_dir,
            baseline: s.baseline,
            waivers: s.waivers,
            max_duration,
            no_proxy: s.no_proxy.unwrap_or(false),
            min_verified: s.min_verified,
            journal,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("http://127.0.0.1:8080/open-api", true)]
    #[case("http://localhost/open-api", true)]
    #[case("http://[::1]:80/", true)]
    #[case("https://sandbox.konaplate.com/open-api", false)]
    #[case("http://10.0.0.1/", false)]
    #[case("not a url", false)]
    fn loopback(#[case] url: &str, #[case] expected: bool) {
        assert_eq!(is_loopback(url), expected);
    }

    /// The time budget is a setting like the others: file key `max-duration`, environment
    /// `KONA_RUN_MAX_DURATION`, flag `--max-duration`; 30 minutes off loopback by default.
    #[rstest]
    #[case::remote_default("https://sandbox.konaplate.com/open-api", None, Some(1800.0))]
    #[case::loopback_default("http://127.0.0.1:8080/open-api", None, None)]
    #[case::zero_is_no_limit("https://sandbox.konaplate.com/open-api", Some(0.0), None)]
    #[case::set_on_loopback("http://127.0.0.1:8080/open-api", Some(90.5), Some(90.5))]
    fn the_time_budget(
        #[case] url: &str,
        #[case] setting: Option<f64>,
        #[case] seconds: Option<f64>,
    ) {
        let o = RunOptions::resolve(Settings {
            base_url: Some(url.into()),
            max_duration: setting,
            ..Settings::default()
        })
        .unwrap();
        assert_eq!(o.max_duration.map(|d| d.as_secs_f64()), seconds);
    }

    #[rstest]
    #[case(-1.0)]
    #[case(f64::NAN)]
    #[case(f64::INFINITY)]
    fn a_time_budget_that_is_not_seconds_is_refused_naming_it(#[case] secs: f64) {
        let err = RunOptions::resolve(Settings {
            max_duration: Some(secs),
            ..Settings::default()
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("max-duration"), "{err}");
    }

    #[test]
    fn the_time_budget_comes_from_a_file_or_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("run.toml");
        std::fs::write(&file, "max-duration = 120\n").unwrap();
        let from_file = Settings::from_file(&file).unwrap();
        assert_eq!(from_file.max_duration, Some(120.0));
        let from_env =
            Settings::from_env(|k| (k == "KONA_RUN_MAX_DURATION").then(|| "45".to_owned()))
                .unwrap();
        assert_eq!(from_file.overridden_by(from_env).max_duration, Some(45.0));
        let bad = Settings::from_env(|k| (k == "KONA_RUN_MAX_DURATION").then(|| "soon".into()))
            .unwrap_err()
            .to_string();
        assert!(bad.contains("KONA_RUN_MAX_DURATION"), "{bad}");
    }

    #[test]
    fn remote_targets_get_safe_defaults_unless_raised() {
        let remote = Settings {
            base_url: Some("https://sandbox.konaplate.com/open-api".into()),
            ..Settings::default()
        };
        let o = RunOptions::resolve(remote.clone()).unwrap();
        assert_eq!(o.profile, Profile::Production);
        assert_eq!(o.concurrency, 1);
        assert_eq!(o.rate_limit, Some(2.0));
        assert_eq!(o.generated_per_endpoint(3), 0);
        let raised = RunOptions::resolve(Settings {
            profile: Some(Profile::Sandbox),
            concurrency: Some(4),
            rate_limit: Some(10.0),
            generated: Some(30),
            ..remote
        })
        .unwrap();
        assert_eq!(raised.profile, Profile::Sandbox);
        assert_eq!(raised.concurrency, 4);
        assert_eq!(raised.rate_limit, Some(10.0));
        assert_eq!(raised.generated_per_endpoint(3), 10);
        assert_eq!(raised.generated_per_endpoint(4), 8);
    }

    #[test]
    fn layers_merge_file_then_env_then_flags() {
        let file: Settings =
            toml::from_str("concurrency = 3\ntags = \"@read-only\"\nseed = 1").unwrap();
        let env = Settings::from_env(|k| (k == "KONA_RUN_SEED").then(|| "2".to_owned())).unwrap();
        let flags = Settings {
            concurrency: Some(5),
            ..Settings::default()
        };
        let merged = file.overridden_by(env).overridden_by(flags);
        assert_eq!(merged.concurrency, Some(5));
        assert_eq!(merged.seed, Some(2));
        assert_eq!(merged.tags.as_deref(), Some("@read-only"));
    }

    #[test]
    fn bad_input_names_the_setting() {
        let err = toml::from_str::<Settings>("concurency = 3")
            .unwrap_err()
            .to_string();
        assert!(err.contains("concurency"), "{err}");
        let err = Settings::from_env(|k| (k == "KONA_RUN_CONCURRENCY").then(|| "many".to_owned()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("KONA_RUN_CONCURRENCY"), "{err}");
        let err = RunOptions::resolve(Settings {
            concurrency: Some(0),
            ..Settings::default()
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("concurrency"), "{err}");
    }

    #[rstest]
    #[case("44", Some(MinVerified::Count(44)), 44)]
    #[case(" 80% ", Some(MinVerified::Percent(80.0)), 44)]
    #[case("100%", Some(MinVerified::Percent(100.0)), 54)]
    #[case("0", Some(MinVerified::Count(0)), 0)]
    #[case("120%", None, 0)]
    #[case("most", None, 0)]
    fn min_verified_is_a_count_or_a_share(
        #[case] text: &str,
        #[case] parsed: Option<MinVerified>,
        #[case] floor_of_54: usize,
    ) {
        let got = text.parse::<MinVerified>().ok();
        assert_eq!(got, parsed);
        if let Some(m) = got {
            assert_eq!(m.floor(54), floor_of_54);
        }
    }

    #[test]
    fn min_verified_comes_from_the_file_the_environment_or_a_flag() {
        let file: Settings = toml::from_str("min-verified = 44").unwrap();
        assert_eq!(file.min_verified, Some(MinVerified::Count(44)));
        let file: Settings = toml::from_str(r#"min-verified = "90%""#).unwrap();
        assert_eq!(file.min_verified, Some(MinVerified::Percent(90.0)));
        let env =
            Settings::from_env(|k| (k == "KONA_RUN_MIN_VERIFIED").then(|| "50%".into())).unwrap();
        assert_eq!(
            file.overridden_by(env).min_verified,
            Some(MinVerified::Percent(50.0))
        );
        let bad = Settings::from_env(|k| (k == "KONA_RUN_MIN_VERIFIED").then(|| "lots".into()))
            .unwrap_err()
            .to_string();
        assert!(bad.contains("KONA_RUN_MIN_VERIFIED"), "{bad}");
    }
}

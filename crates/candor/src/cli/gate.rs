//! `candor gate`'s flags.

use std::path::PathBuf;

use clap::Args;

/// Where the gate's stores are, how it listens, how it fails.
#[derive(Debug, Args)]
pub struct GateArgs {
    #[command(flatten)]
    pub policy: super::PolicyPlaces,
    /// Address to listen on (the gateway's side of the network only).
    #[arg(long, default_value = "127.0.0.1:8181")]
    pub listen: String,
    /// The tokens file; the gateway sends an authorizer token (see `candor policy token`).
    #[arg(long, env = "CANDOR_TOKENS", default_value = "candor-data/tokens")]
    pub tokens: PathBuf,
    /// The header the provider's authentication layer puts the caller's account id in (the
    /// gateway must drop any the client sent).
    #[arg(long, default_value = "x-candor-account")]
    pub account_header: String,
    /// The header naming the region class of the endpoint called (commercial, government,
    /// secret), if the gateway sets one.
    #[arg(long, default_value = "x-candor-region-class")]
    pub region_header: String,
    /// A capability whose requests are let through when the gate cannot decide (repeat for
    /// several); every other capability fails closed. Each such request is counted as failed
    /// open and the report shows the count.
    #[arg(long = "fail-open", value_name = "CAPABILITY")]
    pub fail_open: Vec<String>,
    /// What a request for an operation the taxonomy does not know gets: refused unless the
    /// gateway also sends APIs the taxonomy does not cover (allow). Counted as `unrecognised`.
    #[arg(long, default_value = "deny", value_parser = ["allow", "deny"])]
    pub unrecognised: String,
    /// Seconds a decision is reused for the same account and request (0: no cache). A new
    /// policy version or registry change ends every cached decision at once.
    #[arg(long, default_value_t = 30)]
    pub cache_ttl: u64,
    /// Milliseconds between checks of the stores for a new policy version or registry change.
    #[arg(long, default_value_t = 1000)]
    pub refresh_ms: u64,
    /// Seconds decisions keep being made from what was last read once the stores cannot be
    /// read; then the fail modes decide.
    #[arg(long, default_value_t = 10)]
    pub outage_ttl: u64,
    /// Seconds between writes of the decision counts to the policy store.
    #[arg(long, default_value_t = 5)]
    pub flush_secs: u64,
    /// Your own taxonomy file (its operations and rules come first).
    #[arg(long)]
    pub taxonomy: Option<PathBuf>,
    /// The URL the gate is reached at, for the AuthZEN discovery document [default: http:// and
    /// the address bound, its port resolved; give it when listening on every interface or
    /// behind TLS].
    #[arg(long)]
    pub base_url: Option<String>,
    /// Serve over mutual TLS with this certificate (PEM; give --tls-key and --client-ca too):
    /// only gateways holding a client certificate the --client-ca signed can connect, and they
    /// need no token.
    #[arg(long, requires_all = ["tls_key", "client_ca"])]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM; must not be readable by others).
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// The certificate authority whose client certificates are accepted (PEM).
    #[arg(long, requires = "tls_cert")]
    pub client_ca: Option<PathBuf>,
    #[command(flatten)]
    pub limits: super::ServeLimits,
    /// Print the gate's settings as JSON when it starts.
    #[arg(long)]
    pub json: bool,
}

//! Flags of `candor enforce`: what the provider did about its use policy's findings.

use clap::{ArgGroup, Args, Subcommand};

use super::policy::PolicyPlaces;

#[derive(Debug, Subcommand)]
pub enum EnforceCommand {
    /// Record an action about an organisation (append-only: a changed action is a new one,
    /// which the report shows as a correction).
    Record(RecordArgs),
    /// List every action recorded, oldest first.
    List {
        #[command(flatten)]
        policy: PolicyPlaces,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("subject").required(true).args(["org", "account"])))]
pub struct RecordArgs {
    #[command(flatten)]
    pub policy: PolicyPlaces,
    /// The organisation: exact name, #id, natural key or identifier (UEI, ORI, …).
    #[arg(long)]
    pub org: Option<String>,
    /// A customer account; the action is about its confirmed organisation.
    #[arg(long)]
    pub account: Option<String>,
    /// What was done.
    #[arg(long, value_parser = action_kind())]
    pub action: policy::store::ActionKind,
    /// The policy (`@id` in the active version) the action enforces.
    #[arg(long = "policy")]
    pub policy_id: String,
    /// Why (published with the action).
    #[arg(long)]
    pub reason: String,
    /// The reviewer's id (published only as a salted pseudonym).
    #[arg(long)]
    pub reviewer: String,
    /// When it takes effect, YYYY-MM-DD [default: today].
    #[arg(long)]
    pub effective: Option<String>,
    #[arg(long)]
    pub json: bool,
}

/// `--action`: one of the kinds the policy store records, listed in `--help` and in the error.
fn action_kind() -> impl clap::builder::TypedValueParser<Value = policy::store::ActionKind> {
    use clap::builder::TypedValueParser as _;
    use policy::store::ActionKind;
    clap::builder::PossibleValuesParser::new(ActionKind::ALL.map(ActionKind::as_str)).try_map(|s| ActionKind::parse(&s))
}

//! The command line, as clap sees it: the global flags and one `*Args`
//! struct per command. No behaviour here; `commands/` does the work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The exit codes, for `mailctl --help` and (through `after_help`) the man
/// page: the one place they are written down for the binary.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success; for checking commands, nothing to report at error level
  1  a checking command found problems (validate, lint, check-dns, render --check)
  2  usage error, or the spec or input is invalid (also: init cancelled)
  3  the environment failed: I/O error, a required program missing or failing,
     DNS unreachable or timing out, an ACME server error";

#[derive(Debug, Parser)]
#[command(
    name = "mailctl",
    version,
    about = "Run a self-hosted mail domain from one declarative TOML spec",
    long_about = "Run a self-hosted mail domain from one declarative TOML spec.\n\n\
        mailctl reads mailctl.toml (the spec) and renders the Postfix configuration \
        from it, checking every value on the way.",
    after_help = EXIT_CODES,
    after_long_help = EXIT_CODES,
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]
    #[arg(long, global = true, env = "MAILCTL_SPEC", value_name = "PATH")]
    pub spec: Option<PathBuf>,

    /// When to colour output
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Print only errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more: what was done and how long each step took
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stderr is a terminal and `NO_COLOR` is not set
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ReportFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the spec: syntax, schema, every value and the rules across values
    #[command(
        long_about = "Check the spec: TOML syntax, unknown keys (with suggestions), every value \
            for the file it ends up in, and the rules across values (duplicates, alias targets, \
            alias loops, the host name against the domains). Then render every file in memory: \
            the Postfix files go through the lint rules, dovecot.conf through `doveconf -n` and \
            opendkim.conf through `opendkim -n` when those are installed. All problems are \
            reported in one run, with file, line and column.",
        after_help = "Examples:\n  mailctl validate\n  mailctl validate --spec examples/multi-domain.toml\n  mailctl validate --format json | jq '.diagnostics[] | .message'"
    )]
    Validate(ValidateArgs),

    /// Write main.cf, master.cf and the lookup tables, atomically
    #[command(
        long_about = "Render the Postfix configuration from the spec and write it atomically: \
            every changed file is staged and synced, the lookup tables are compiled with \
            postmap, and only then is each file renamed into place (the previous version is \
            kept under .mailctl-backup/). If anything fails, the previous files stay as they \
            were. A second run with the same spec changes nothing.",
        after_help = "Examples:\n  mailctl render --diff                 # what would change, writes nothing\n  mailctl render --check                # exit 1 if anything would change (for CI)\n  mailctl render --out out/ --no-postmap\n  mailctl render --reload               # write, then `postfix reload`"
    )]
    Render(RenderArgs),

    /// Check existing Postfix files: main.cf, master.cf, lookup tables
    #[command(
        long_about = "Check an existing Postfix configuration for the mistakes postconf misses: \
            unknown, obsolete and misspelt parameters, `$name` references to nothing, domains \
            in two address classes, open relays, bad TLS levels, numbers and booleans, missing \
            or mismatched TLS files, maps that are missing or not compiled, lookup-table lines \
            postmap would skip, and master.cf entries master(8) would refuse. PATH is a \
            main.cf, a master.cf, a lookup-table source, or a configuration directory (its \
            main.cf, master.cf and every map main.cf references). No spec is needed. \
            `mailctl validate` runs the same rules on the files it renders. Exit 0 when \
            nothing is at error level, 1 when something is.",
        after_help = LINT_EXAMPLES,
        after_long_help = format!("{LINT_EXAMPLES}\n\n{}", crate::postfix::rules::help_table())
    )]
    Lint(LintArgs),

    /// Print the DNS records the spec needs, as a zone file, JSON or a table
    #[command(
        long_about = "Print every DNS record the spec needs, per domain: MX and the mail host's \
            A/AAAA, SPF, DKIM (from the key files), DMARC and the report authorisations it \
            needs, MTA-STS, TLS-RPT, SRV for mail clients, CAA and TLSA, each with its TTL, \
            whether it is required, recommended or optional, and why. Records that belong to \
            someone else (PTR in the address owner's reverse zone, authorisations in domains \
            outside the spec) are printed as advice. `check-dns` expects exactly these records.",
        after_help = "Examples:\n  mailctl dns                                   # a table, every domain\n  mailctl dns --format zone --domain example.com >> /etc/knot/example.com.zone\n  mailctl dns --format json | jq '.records[] | select(.type == \"TXT\")'\n  mailctl dns --mta-sts-policy example.com      # the policy file to serve"
    )]
    Dns(DnsArgs),

    /// Create DKIM keys, or print the DKIM records of the existing ones
    #[command(
        long_about = "Manage the DKIM keys the spec asks for: one key per domain and selector, \
            stored as PKCS#8 PEM under the `[dkim] key_dir` (mode 0600, written atomically).",
        after_help = "Examples:\n  mailctl dkim keygen                          # every missing key\n  mailctl dkim keygen --domain example.com --selector 2026b --algorithm ed25519\n  mailctl dkim show --format json"
    )]
    Dkim(DkimArgs),

    /// Obtain, renew and inspect the TLS certificate by ACME (Let's Encrypt)
    #[command(
        long_about = "Keep the certificate Postfix presents valid, by ACME (RFC 8555): `issue` orders \
            one for the names in `[acme]` now, `renew` does so only when it is due (a third of its \
            lifetime left, half for short-lived ones, or when the CA's renewal information or the \
            spec's names say so; safe to run hourly from cron), and `status` shows what is \
            installed. New certificates are stored as a new version and switched in atomically; \
            the deploy hooks run afterwards. ACME server errors exit 3.",
        after_help = "Examples:\n  mailctl cert issue --dry-run           # the whole flow against the CA's staging server, nothing stored\n  mailctl cert renew --jitter 600        # from cron: renew only when due\n  mailctl cert status --format json"
    )]
    Cert(CertArgs),

    /// Compare live DNS with the records the spec needs
    #[command(
        long_about = "Query DNS for every record `mailctl dns` lists and report each difference: \
            MX and the mail host's addresses, PTR with forward confirmation, SPF (syntax, the \
            RFC 7208 lookup limits counted through includes, a full check_host() for each \
            server address, the `all` term), DKIM keys against the local key files, DMARC \
            (RFC 9989 tags, policy, alignment, report addresses and their authorisations), \
            MTA-STS, TLS-RPT, SRV, CAA and TLSA. A lookup that fails is a finding and the run \
            goes on. Exit 1 when a check fails (or warns, with --strict), 3 when nothing \
            failed but some lookups could not be done, 0 otherwise.",
        after_help = "Examples:\n  mailctl check-dns\n  mailctl check-dns --nameserver 127.0.0.1:5353 --domain example.com\n  mailctl check-dns --format github      # annotations on the spec, in GitHub Actions\n  mailctl check-dns --format junit > check-dns.xml --strict"
    )]
    CheckDns(CheckDnsArgs),

    /// Set a mailbox's login password; only a hash is stored
    #[command(
        long_about = "Set the password a mailbox logs in with (IMAP, POP3, submission). It is \
            asked for twice without echo on the terminal, or read as one line from standard \
            input with --stdin. Only a SHA512-CRYPT hash is stored, in the `[dovecot] \
            passwords_file` the spec names (written atomically, mode 0600); the password and \
            the hash are never printed. Run `mailctl render` afterwards to update Dovecot's \
            passdb.",
        after_help = "Examples:\n  mailctl passwd alice@example.com\n  printf '%s\\n' \"$NEW_PASSWORD\" | mailctl passwd --stdin alice@example.com\n  mailctl passwd bob@example.org --spec /etc/mailctl/mailctl.toml && mailctl render"
    )]
    Passwd(PasswdArgs),

    /// Print the settings mail clients need, or write Thunderbird autoconfig
    #[command(
        long_about = "Print what a user enters in a mail client: the incoming (IMAP, POP3) and \
            outgoing (submission) servers, ports, TLS modes (SSL/TLS or STARTTLS) and login, \
            for the services the spec offers. `mailctl dns` publishes the same as SRV records. \
            With --autoconfig DIR, also write DIR/.well-known/autoconfig/mail/config-v1.1.xml, \
            which Thunderbird (and others) fetch to configure themselves.",
        after_help = "Examples:\n  mailctl client-config\n  mailctl client-config --format json\n  mailctl client-config --autoconfig /var/www/autoconfig.example.com"
    )]
    ClientConfig(ClientConfigArgs),

    /// Write a commented mailctl.toml by asking a few questions
    #[command(
        long_about = "Write a commented mailctl.toml by asking about the mail domains, the mail \
            host's name and public addresses (the machine's own interface addresses are offered; \
            nothing is looked up on the internet), the contact address, the services, the DKIM \
            algorithm, DMARC, MTA-STS, TLS-RPT and the ACME certificate. Each answer is checked \
            as it is typed; a summary is shown before anything is written, and the file passes \
            `mailctl validate`. An existing file is never overwritten without --force. Esc or \
            Ctrl-C at any question stops without writing. With --non-interactive the answers \
            come from the flags (everything but --domain and an address has a default), for \
            scripts and CI; without a terminal, --non-interactive is required.",
        after_help = "Examples:\n  mailctl init                                   # the wizard\n  mailctl init --non-interactive --domain example.com --ipv4 203.0.113.10 --agree-tos\n  mailctl init --non-interactive --domain example.com --domain example.net \\\n      --hostname mx.example.com --ipv6 2001:db8::10 --output /etc/mailctl/mailctl.toml"
    )]
    Init(Box<InitArgs>),

    /// Print a shell completion script
    #[command(
        long_about = "Print the completion script for SHELL to stdout. The same scripts are \
            committed under completions/ in the source tree.",
        after_help = "Examples:\n  mailctl completions bash > /etc/bash_completion.d/mailctl\n  mailctl completions zsh > \"${fpath[1]}/_mailctl\"\n  mailctl completions fish > ~/.config/fish/completions/mailctl.fish"
    )]
    Completions(CompletionsArgs),

    /// Write the man pages (mailctl.1 and one per subcommand) into DIR
    #[command(hide = true)]
    GenerateMan(GenerateManArgs),
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,

    /// Use templates from this directory instead of the built-in ones
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Directory to write to [default: the spec's `postfix.config_dir`, /etc/postfix]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Print a unified diff against the files on disk; write nothing
    #[arg(long, conflicts_with_all = ["check", "reload"])]
    pub diff: bool,

    /// Write nothing; exit 1 if any file would change
    #[arg(long, conflicts_with = "reload")]
    pub check: bool,

    /// Do not compile the lookup tables with postmap
    #[arg(long)]
    pub no_postmap: bool,

    /// Run `postfix reload` after writing changed files
    #[arg(long)]
    pub reload: bool,

    /// Wait up to SECONDS for another `mailctl render` to finish writing (it
    /// holds `.mailctl-backup/.mailctl-lock` in the Postfix directory), then fail
    /// with exit 3
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub lock_timeout: u64,

    /// Use templates from this directory instead of the built-in ones
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum DnsFormat {
    /// Aligned columns for people
    #[default]
    Table,
    /// A master file (RFC 1035) to add to each zone
    Zone,
    /// One object per record: name, type, ttl, value, purpose, domain
    Json,
}

#[derive(Debug, Args)]
pub struct DnsArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: DnsFormat,

    /// Only the records of this zone (a domain in the spec)
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Option<String>,

    /// Print the MTA-STS policy file of DOMAIN instead of the records
    #[arg(long, value_name = "DOMAIN", conflicts_with_all = ["format", "domain"])]
    pub mta_sts_policy: Option<String>,
}

#[derive(Debug, Args)]
pub struct DkimArgs {
    #[command(subcommand)]
    pub command: DkimCommand,
}

#[derive(Debug, Subcommand)]
pub enum DkimCommand {
    /// Create the DKIM keys that do not exist yet
    #[command(
        long_about = "Create a private key for every domain and selector in the spec that has none \
            yet (RSA 2048 by default, RSA 3072, or Ed25519 per RFC 8463). Existing keys are kept; \
            `--force` replaces them, which breaks the signatures of mail still in transit, so \
            to rotate, add a new selector first in `[domain.dkim] selectors` and keep the old \
            one published until it is retired.",
        after_help = "Examples:\n  mailctl dkim keygen\n  mailctl dkim keygen --domain example.com --selector 2026b\n  mailctl dkim keygen --algorithm ed25519 --force"
    )]
    Keygen(DkimKeygenArgs),

    /// Print the DKIM TXT records of the existing keys
    #[command(
        long_about = "Print the `<selector>._domainkey.<domain>` TXT record of every key the spec \
            names, read from the key files, and say which keys are missing.",
        after_help = "Examples:\n  mailctl dkim show\n  mailctl dkim show --domain example.com --format json"
    )]
    Show(DkimShowArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeyAlgorithm {
    #[value(name = "rsa-2048")]
    Rsa2048,
    #[value(name = "rsa-3072")]
    Rsa3072,
    Ed25519,
}

#[derive(Debug, Args)]
pub struct DkimKeygenArgs {
    /// Only keys for this domain
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Option<String>,

    /// Only this selector (it need not be in the spec yet)
    #[arg(long, value_name = "SELECTOR")]
    pub selector: Option<String>,

    /// Key algorithm [default: the spec's, else rsa-2048]
    #[arg(long, value_enum, value_name = "ALGORITHM")]
    pub algorithm: Option<KeyAlgorithm>,

    /// Replace existing keys
    #[arg(long)]
    pub force: bool,

    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
}

#[derive(Debug, Args)]
pub struct DkimShowArgs {
    /// Only keys for this domain
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
}

const LINT_EXAMPLES: &str = "Examples:\n  mailctl lint /etc/postfix\n  mailctl lint main.cf master.cf virtual\n  mailctl lint --format json /etc/postfix | jq '.findings[] | select(.severity == \"error\")'";

#[derive(Debug, Args)]
pub struct LintArgs {
    /// main.cf, master.cf, lookup-table sources, or configuration directories
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
}

#[derive(Debug, Args)]
pub struct CertArgs {
    #[command(subcommand)]
    pub command: CertCommand,
}

#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Order a certificate for the spec's names now
    #[command(
        long_about = "Order a certificate for the names in `[acme]` now, answer the challenges \
            (http-01 with the built-in responder or a webroot, or dns-01 by RFC 2136), store it \
            as a new version, switch Postfix's paths to it atomically, and run the deploy hooks. \
            The ACME account is created on first use (it needs `agree_tos = true`).",
        after_help = "Examples:\n  mailctl cert issue --dry-run\n  mailctl cert issue\n  mailctl cert issue --spec /etc/mailctl/mailctl.toml -v"
    )]
    Issue(CertIssueArgs),

    /// Renew the certificate if it is due; otherwise do nothing and exit 0
    #[command(
        long_about = "Renew the certificate when it is due: less than a third of its lifetime left \
            (half for lifetimes of 10 days or less), less than `renew_before` left, the CA's \
            renewal window (ARI, RFC 9773) has come, or the spec's names or key type changed. \
            Otherwise print why not and exit 0. A lock keeps two runs from ordering at once: \
            a second run waits, then looks again. Deploy hooks run after a new certificate is \
            in place; a failing hook exits 3 but keeps the new certificate.",
        after_help = "Examples:\n  mailctl cert renew\n  mailctl cert renew --force\n  mailctl cert renew --jitter 1800 --quiet   # from cron"
    )]
    Renew(CertRenewArgs),

    /// Show each stored certificate: names, issuer, validity, whether it is due
    #[command(
        long_about = "Show every certificate in the store: names, issuer, validity and time left, \
            whether it is due for renewal and why, the key type, and whether it matches the names \
            the spec asks for. Reads only local files.",
        after_help = "Examples:\n  mailctl cert status\n  mailctl cert status --format json | jq '.certificates[] | {name, due}'"
    )]
    Status(CertStatusArgs),
}

#[derive(Debug, Args)]
pub struct CertIssueArgs {
    /// Run the whole flow against the CA's staging server and store nothing (Let's
    /// Encrypt's staging server; other CAs: the configured directory, whose
    /// certificate is then a real one)
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct CertRenewArgs {
    /// Renew even if the certificate is not due
    #[arg(long)]
    pub force: bool,

    /// Like `issue --dry-run` when a renewal would happen; stores nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Wait a random time of up to SECONDS first (spreads cron runs)
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    pub jitter: u64,

    /// How long to wait for another run's lock before giving up
    #[arg(long, value_name = "SECONDS", default_value_t = 900)]
    pub lock_timeout: u64,
}

#[derive(Debug, Args)]
pub struct CertStatusArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum CheckFormat {
    /// One line per check, per domain, with expected and found on failure
    #[default]
    Text,
    /// One object per finding, and a summary
    Json,
    /// `JUnit` XML: one test case per check, for CI dashboards
    Junit,
    /// GitHub Actions annotations on the spec lines
    Github,
}

#[derive(Debug, Args)]
pub struct CheckDnsArgs {
    /// Ask this name server (repeatable) [default: the system resolver]
    #[arg(long, value_name = "IP[:PORT]")]
    pub nameserver: Vec<String>,

    /// Only this zone (repeatable)
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Vec<String>,

    /// Seconds to wait for each answer; one retry follows a timeout
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub timeout: f64,

    /// Queries in flight at most
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub concurrency: usize,

    /// Warnings count as problems (exit 1)
    #[arg(long)]
    pub strict: bool,

    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: CheckFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InitService {
    /// SMTP on port 25 (always on; give it alone for no other service)
    Smtp,
    /// Submission on port 587 (STARTTLS)
    Submission,
    /// Submission on port 465 (implicit TLS)
    Submissions,
    /// IMAP over TLS on port 993 (Dovecot)
    Imaps,
    /// POP3 over TLS on port 995 (Dovecot)
    Pop3s,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InitChallenge {
    #[value(name = "http-01")]
    Http01,
    #[value(name = "dns-01")]
    Dns01,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InitDmarcPolicy {
    None,
    Quarantine,
    Reject,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InitMtaSts {
    Testing,
    Enforce,
    Off,
}

#[derive(Debug, Args)]
#[allow(clippy::struct_field_names)]
pub struct InitArgs {
    /// Take every answer from the flags; never prompt (for scripts and CI)
    #[arg(long)]
    pub non_interactive: bool,

    /// Where to write the spec
    #[arg(long, value_name = "PATH", default_value = "mailctl.toml")]
    pub output: PathBuf,

    /// Overwrite an existing file
    #[arg(long)]
    pub force: bool,

    /// A mail domain (repeatable; the first is the primary one)
    #[arg(
        long,
        value_name = "DOMAIN",
        requires = "non_interactive",
        help_heading = "Answers (with --non-interactive)"
    )]
    pub domain: Vec<String>,

    /// The mail host's name [default: mail.<first domain>]
    #[arg(
        long,
        value_name = "HOST",
        requires = "non_interactive",
        help_heading = "Answers (with --non-interactive)"
    )]
    pub hostname: Option<String>,

    /// A public IPv4 address of the mail host (repeatable)
    #[arg(
        long,
        value_name = "IP",
        requires = "non_interactive",
        help_heading = "Answers (with --non-interactive)"
    )]
    pub ipv4: Vec<String>,

    /// A public IPv6 address of the mail host (repeatable)
    #[arg(
        long,
        value_name = "IP",
        requires = "non_interactive",
        help_heading = "Answers (with --non-interactive)"
    )]
    pub ipv6: Vec<String>,

    /// The contact address: ACME account, postmaster@ and abuse@ [default: postmaster@<first domain>]
    #[arg(
        long,
        value_name = "EMAIL",
        requires = "non_interactive",
        help_heading = "Answers (with --non-interactive)"
    )]
    pub contact: Option<String>,

    /// A service to offer (repeatable) [default: submission, submissions, imaps; smtp is always on]
    #[arg(
        long,
        value_enum,
        value_name = "SERVICE",
        requires = "non_interactive",
        help_heading = "Answers (with --non-interactive)"
    )]
    pub service: Vec<InitService>,

    /// The DKIM key algorithm [default: rsa-2048]
    #[arg(
        long,
        value_enum,
        value_name = "ALGORITHM",
        requires = "non_interactive",
        help_heading = "Answers (with --non-interactive)"
    )]
    pub dkim_algorithm: Option<KeyAlgorithm>,

    /// The DMARC policy [default: none, reports first]
    #[arg(
        long,
        value_enum,
        value_name = "POLICY",
        requires = "non_interactive",
        help_heading = "Answers (with --non-interactive)"
    )]
    pub dmarc_policy: Option<InitDmarcPolicy>,

    /// Where DMARC reports go, or `none` [default: dmarc-reports@<first domain>]
    #[arg(
        long,
        value_name = "EMAIL",
        requires = "non_interactive",
        help_heading = "Answers (with --non-interactive)"
    )]
    pub dmarc_rua: Option<String>,

    /// The MTA-STS mode [default: testing]
    #[arg(
        long,
        value_enum,
        value_name = "MODE",
        requires = "non_interactive",
        help_heading = "Answers (with --non-interactive)"
    )]
    pub mta_sts: Option<InitMtaSts>,

    /// Where TLS-RPT reports go, or `none` [default: tls-reports@<first domain>]
    #[arg(
        long,
        value_name = "EMAIL",
        requires = "non_interactive",
        help_heading = "Answers (with --non-interactive)"
    )]
    pub tls_rpt_rua: Option<String>,

    /// The ACME CA: letsencrypt, letsencrypt-staging or a directory URL [default: letsencrypt]
    #[arg(
        long,
        value_name = "DIRECTORY",
        requires = "non_interactive",
        help_heading = "Answers (with --non-interactive)"
    )]
    pub acme_directory: Option<String>,

    /// How the CA checks the names [default: http-01]
    #[arg(
        long,
        value_enum,
        value_name = "CHALLENGE",
        requires = "non_interactive",
        help_heading = "Answers (with --non-interactive)"
    )]
    pub challenge: Option<InitChallenge>,

    /// dns-01: the primary server accepting RFC 2136 updates
    #[arg(
        long,
        value_name = "IP[:PORT]",
        requires = "non_interactive",
        help_heading = "Answers (with --non-interactive)"
    )]
    pub dns_server: Option<String>,

    /// dns-01: the zone holding the certificate names [default: the first domain]
    #[arg(
        long,
        value_name = "ZONE",
        requires = "non_interactive",
        help_heading = "Answers (with --non-interactive)"
    )]
    pub dns_zone: Option<String>,

    /// dns-01: the TSIG key name [default: mailctl-key]
    #[arg(
        long,
        value_name = "NAME",
        requires = "non_interactive",
        help_heading = "Answers (with --non-interactive)"
    )]
    pub tsig_key: Option<String>,

    /// dns-01: the file holding the TSIG secret [default: /etc/mailctl/tsig.secret]
    #[arg(
        long,
        value_name = "PATH",
        requires = "non_interactive",
        help_heading = "Answers (with --non-interactive)"
    )]
    pub tsig_secret_file: Option<String>,

    /// Accept the ACME CA's terms of service (needed for a certificate)
    #[arg(
        long,
        requires = "non_interactive",
        help_heading = "Answers (with --non-interactive)"
    )]
    pub agree_tos: bool,

    /// Offer these addresses instead of the interfaces' (for tests)
    #[arg(
        long,
        value_name = "IP",
        hide = true,
        conflicts_with = "non_interactive"
    )]
    pub offer_address: Vec<std::net::IpAddr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    #[value(name = "powershell")]
    PowerShell,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct GenerateManArgs {
    /// The directory to write the pages into
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct PasswdArgs {
    /// The mailbox, e.g. alice@example.com
    #[arg(value_name = "ADDRESS")]
    pub address: String,

    /// Read the password as one line from standard input instead of prompting
    #[arg(long)]
    pub stdin: bool,
}

#[derive(Debug, Args)]
pub struct ClientConfigArgs {
    /// Also write DIR/.well-known/autoconfig/mail/config-v1.1.xml
    #[arg(long, value_name = "DIR")]
    pub autoconfig: Option<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
}

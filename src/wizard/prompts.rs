//! The wizard's prompts: the only I/O of `mailctl init` besides writing the
//! file. Each answer is checked as it is typed by the pure checks in
//! `answers`, and re-asked with the reason when it is wrong.
//!
//! Text questions use a small line editor of our own on `console`, because
//! dialoguer's `Input` ignores Esc; choices use dialoguer's `Select`,
//! `MultiSelect` and `Confirm`, which return `None` on Esc. Ctrl-C reaches
//! us as a key (raw mode) or, inside dialoguer, as a SIGINT that a no-op
//! handler turns into an `Interrupted` error: either way the prompt ends,
//! the cursor is shown again, and nothing is written.

use std::io;
use std::net::IpAddr;

use dialoguer::console::{Key, Term};
use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};
use dialoguer::{Confirm, MultiSelect, Select};

use super::answers::{
    self, AcmeAnswers, Answers, ChallengeAnswers, DEFAULT_SERVICES, DEFAULT_TSIG_KEY,
    DEFAULT_TSIG_SECRET_FILE, DIRECTORIES, OPTIONAL_SERVICES, Offered,
};
use crate::spec::dns::{DkimAlgorithm, DmarcPolicy, MtaStsMode};

/// The machine's own addresses, read from its interfaces (getifaddrs), never
/// from the internet. An error reading them means no suggestions.
pub fn interface_addresses() -> Vec<IpAddr> {
    if_addrs::get_if_addrs()
        .map(|interfaces| interfaces.iter().map(if_addrs::Interface::ip).collect())
        .unwrap_or_default()
}

/// A question was left with Esc or Ctrl-C.
struct Cancelled;

type Asked<T> = Result<T, Asking>;

/// Why a prompt did not produce an answer.
enum Asking {
    Cancelled(Cancelled),
    Io(io::Error),
}

impl From<io::Error> for Asking {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::Interrupted {
            Asking::Cancelled(Cancelled)
        } else {
            Asking::Io(e)
        }
    }
}

impl From<dialoguer::Error> for Asking {
    fn from(e: dialoguer::Error) -> Self {
        let dialoguer::Error::IO(e) = e;
        e.into()
    }
}

impl From<std::fmt::Error> for Asking {
    fn from(_: std::fmt::Error) -> Self {
        Asking::Io(io::Error::other("formatting a prompt failed"))
    }
}

/// `None` from a dialoguer `*_opt` prompt means Esc.
fn chosen<T>(answer: dialoguer::Result<Option<T>>) -> Asked<T> {
    answer?.ok_or(Asking::Cancelled(Cancelled))
}

/// The wizard on the terminal.
pub struct Wizard {
    term: Term,
    theme: Box<dyn Theme>,
}

impl Wizard {
    /// A wizard on stderr, coloured or not.
    pub fn new(color: bool) -> Self {
        dialoguer::console::set_colors_enabled_stderr(color);
        let theme: Box<dyn Theme> = if color {
            Box::new(ColorfulTheme::default())
        } else {
            Box::new(SimpleTheme)
        };
        Wizard {
            term: Term::stderr(),
            theme,
        }
    }

    /// Ask every question; `Ok(None)` when the person cancelled (Esc,
    /// Ctrl-C, or "no" at the end). The terminal is left as it was found.
    pub fn ask(&self, offered: &[Offered], path: &str) -> io::Result<Option<Answers>> {
        // Only the first handler of a process can be set; a second `ask` in
        // the same process keeps the first, which does the same.
        let _ = ctrlc::set_handler(|| {});
        let result = self.questions(offered, path);
        let _ = self.term.show_cursor();
        match result {
            Ok(answers) => Ok(Some(answers)),
            Err(Asking::Cancelled(Cancelled)) => {
                let _ = self.term.write_line("");
                Ok(None)
            }
            Err(Asking::Io(e)) => Err(e),
        }
    }

    fn say(&self, text: &str) -> Asked<()> {
        self.term.write_line(text)?;
        Ok(())
    }

    fn questions(&self, offered: &[Offered], path: &str) -> Asked<Answers> {
        self.say("This wizard writes a commented mailctl.toml. Enter accepts the [default];")?;
        self.say("Esc or Ctrl-C stops without writing anything.\n")?;

        let domains = self.text(
            "Mail domain(s), separated by spaces (the part after @)",
            None,
            answers::domain_list,
        )?;
        let hostname = self.text(
            "Mail host name (its MX target; not a mail domain itself)",
            Some(&answers::default_hostname(&domains)),
            |s| answers::hostname(s, &domains).map_err(|e| format!("`{}` {e}", s.trim())),
        )?;
        let (ipv4, ipv6) = loop {
            let ipv4 = self.addresses("IPv4", offered, |s| {
                answers::ipv4_list(s).map(|l| l.into_iter().map(IpAddr::V4).collect())
            })?;
            let ipv6 = self.addresses("IPv6", offered, |s| {
                answers::ipv6_list(s).map(|l| l.into_iter().map(IpAddr::V6).collect())
            })?;
            if ipv4.is_empty() && ipv6.is_empty() {
                self.error(
                    "the mail host needs at least one public address; other servers connect to it",
                )?;
                continue;
            }
            let ipv4 = ipv4.into_iter().filter_map(|ip| match ip {
                IpAddr::V4(v4) => Some(v4),
                IpAddr::V6(_) => None,
            });
            let ipv6 = ipv6.into_iter().filter_map(|ip| match ip {
                IpAddr::V6(v6) => Some(v6),
                IpAddr::V4(_) => None,
            });
            break (ipv4.collect(), ipv6.collect());
        };
        let contact = self.text(
            "Contact address (the CA writes here; postmaster@ and abuse@ go here)",
            Some(&answers::default_contact(&domains)),
            |s| answers::email(s).map_err(|e| format!("`{}` {e}", s.trim())),
        )?;
        let mut a = Answers::with_defaults(domains, hostname, ipv4, ipv6, contact);

        let items: Vec<&str> = OPTIONAL_SERVICES.iter().map(|(_, what)| *what).collect();
        let checked: Vec<bool> = OPTIONAL_SERVICES
            .iter()
            .map(|(s, _)| DEFAULT_SERVICES.contains(s))
            .collect();
        self.say("SMTP on port 25 is always on: it is how other servers deliver mail to you.")?;
        let picked = chosen(
            MultiSelect::with_theme(&*self.theme)
                .with_prompt("Services for your users (Space toggles, Enter accepts)")
                .items(&items)
                .defaults(&checked)
                .interact_on_opt(&self.term),
        )?;
        a.services = picked.into_iter().map(|i| OPTIONAL_SERVICES[i].0).collect();

        a.dkim_algorithm = [
            DkimAlgorithm::Rsa2048,
            DkimAlgorithm::Ed25519,
            DkimAlgorithm::Rsa3072,
        ][self.select(
            "DKIM key algorithm",
            &[
                "rsa-2048 (recommended: every receiver verifies it)",
                "ed25519 (RFC 8463: small keys, but not verified everywhere yet)",
                "rsa-3072 (a larger RSA key)",
            ],
        )?];

        self.say(
            "\nDMARC tells receivers what to do with mail that claims to be from your domain",
        )?;
        self.say("but fails SPF and DKIM. Start with `none` and a report address: for a few")?;
        self.say("weeks the daily reports show every service that sends as you (newsletters,")?;
        self.say("invoices, ...), so you can fix their SPF/DKIM before `quarantine`/`reject`")?;
        self.say("makes receivers drop their mail.")?;
        a.dmarc_policy = [
            DmarcPolicy::None,
            DmarcPolicy::Quarantine,
            DmarcPolicy::Reject,
        ][self.select(
            "DMARC policy",
            &[
                "none (recommended to start: reports only)",
                "quarantine (failing mail goes to spam)",
                "reject (failing mail is refused)",
            ],
        )?];
        let first = a.domains[0].clone();
        a.dmarc_rua = self.report_address(
            "DMARC reports go to (`none` for no reports)",
            &answers::default_report_address(&a.domains, "dmarc-reports"),
        )?;

        self.say("\nMTA-STS tells other servers to deliver to you only over TLS with a valid")?;
        self.say("certificate. `testing` changes nothing yet but asks for TLS reports; switch")?;
        self.say("to `enforce` once they show no failures.")?;
        a.mta_sts = [Some(MtaStsMode::Testing), Some(MtaStsMode::Enforce), None][self.select(
            "MTA-STS mode",
            &["testing (recommended first)", "enforce", "off"],
        )?];
        a.tls_rpt_rua = self.report_address(
            "TLS-RPT: reports of TLS failures go to (`none` for no reports)",
            &answers::default_report_address(&a.domains, "tls-reports"),
        )?;

        self.say(&format!(
            "\nThe TLS certificate comes from an ACME CA, for {}.",
            a.certificate_names().join(", ")
        ))?;
        let mut directories: Vec<&str> = DIRECTORIES.iter().map(|(_, what)| *what).collect();
        directories.push("another ACME CA (its directory URL)");
        let pick = self.select("ACME CA", &directories)?;
        let directory = match DIRECTORIES.get(pick) {
            Some((name, _)) => (*name).to_owned(),
            None => self.text("ACME directory URL (https://...)", None, |s| {
                answers::directory(s).map_err(|e| format!("`{}` {e}", s.trim()))
            })?,
        };
        let dns01 = 1
            == self.select(
                "How the CA checks the names are yours",
                &[
                    "http-01 (mailctl answers on port 80 while ordering)",
                    "dns-01 (TXT records by RFC 2136 dynamic update with a TSIG key)",
                ],
            )?;
        let challenge = if dns01 {
            let names = a.certificate_names();
            {
                ChallengeAnswers::Dns01 {
                    server: self.text(
                        "Primary DNS server accepting updates (IP[:PORT])",
                        None,
                        |s| answers::dns_server(s).map_err(|e| format!("`{}` {e}", s.trim())),
                    )?,
                    zone: self.text(
                        "Zone that holds the certificate names",
                        Some(&first),
                        |s| answers::dns_zone(s, &names).map_err(|e| format!("`{}` {e}", s.trim())),
                    )?,
                    tsig_key: self.text("TSIG key name", Some(DEFAULT_TSIG_KEY), |s| {
                        answers::tsig_key(s).map_err(|e| format!("`{}` {e}", s.trim()))
                    })?,
                    tsig_secret_file: self.text(
                        "File holding the TSIG secret (mode 0600)",
                        Some(DEFAULT_TSIG_SECRET_FILE),
                        |s| answers::secret_file(s).map_err(|e| format!("`{}` {e}", s.trim())),
                    )?,
                }
            }
        } else {
            ChallengeAnswers::Http01
        };
        let terms = if directory.starts_with("letsencrypt") {
            "Let's Encrypt's terms: https://letsencrypt.org/repository/"
        } else {
            "the CA's directory names its terms (meta.termsOfService)"
        };
        self.say(&format!("A certificate needs an account, and an account needs the CA's terms accepted ({terms})."))?;
        let agree_tos = chosen(
            Confirm::with_theme(&*self.theme)
                .with_prompt("Do you accept the CA's terms of service?")
                .default(false)
                .interact_on_opt(&self.term),
        )?;
        a.acme = AcmeAnswers {
            directory,
            challenge,
            agree_tos,
        };

        self.say("\nSummary:")?;
        for (what, value) in answers::summary(&a) {
            self.say(&format!("  {what:<18} {value}"))?;
        }
        let write = chosen(
            Confirm::with_theme(&*self.theme)
                .with_prompt(format!("Write {path}?"))
                .default(true)
                .interact_on_opt(&self.term),
        )?;
        if write {
            Ok(a)
        } else {
            Err(Asking::Cancelled(Cancelled))
        }
    }

    /// The addresses of one family: the offered ones as choices, then any
    /// others typed in.
    fn addresses(
        &self,
        family: &str,
        offered: &[Offered],
        check: impl Fn(&str) -> Result<Vec<IpAddr>, String>,
    ) -> Asked<Vec<IpAddr>> {
        let mine: Vec<&Offered> = offered
            .iter()
            .filter(|o| o.ip.is_ipv4() == (family == "IPv4"))
            .collect();
        let mut list = Vec::new();
        let other = if mine.is_empty() {
            format!("Public {family} addresses of this host (Enter for none)")
        } else {
            let items: Vec<String> = mine
                .iter()
                .map(|o| {
                    if o.public {
                        o.ip.to_string()
                    } else {
                        format!(
                            "{} (private: behind NAT, type the public address next)",
                            o.ip
                        )
                    }
                })
                .collect();
            let checked: Vec<bool> = mine.iter().map(|o| o.public).collect();
            let picked = chosen(
                MultiSelect::with_theme(&*self.theme)
                    .with_prompt(format!(
                        "Public {family} addresses of this host (Space toggles, Enter accepts)"
                    ))
                    .items(&items)
                    .defaults(&checked)
                    .interact_on_opt(&self.term),
            )?;
            list.extend(picked.into_iter().map(|i| mine[i].ip));
            format!("Other public {family} addresses (Enter for none)")
        };
        let typed = self.text(&other, Some(""), |s| check(s))?;
        for ip in typed {
            if !list.contains(&ip) {
                list.push(ip);
            }
        }
        Ok(list)
    }

    fn report_address(&self, prompt: &str, default: &str) -> Asked<Option<String>> {
        self.text(prompt, Some(default), |s| {
            if s.trim() == "none" {
                Ok(None)
            } else {
                answers::email(s)
                    .map(Some)
                    .map_err(|e| format!("`{}` {e}", s.trim()))
            }
        })
    }

    fn select(&self, prompt: &str, items: &[&str]) -> Asked<usize> {
        chosen(
            Select::with_theme(&*self.theme)
                .with_prompt(prompt)
                .items(items)
                .default(0)
                .interact_on_opt(&self.term),
        )
    }

    fn error(&self, message: &str) -> Asked<()> {
        let mut line = String::new();
        self.theme.format_error(&mut line, message)?;
        self.term.write_line(&line)?;
        Ok(())
    }

    /// A line of text, checked; re-asked with the reason until it passes.
    /// `default` is taken when the line is empty (shown unless it is empty).
    fn text<T>(
        &self,
        prompt: &str,
        default: Option<&str>,
        check: impl Fn(&str) -> Result<T, String>,
    ) -> Asked<T> {
        loop {
            let mut line = String::new();
            self.theme
                .format_input_prompt(&mut line, prompt, default.filter(|d| !d.is_empty()))?;
            self.term.write_str(&line)?;
            self.term.flush()?;
            let mut typed = String::new();
            loop {
                match self.term.read_key_raw()? {
                    Key::Enter => break,
                    Key::Escape | Key::CtrlC => return Err(Asking::Cancelled(Cancelled)),
                    Key::Backspace if typed.pop().is_some() => self.term.clear_chars(1)?,
                    Key::Char(c) if !c.is_control() => {
                        typed.push(c);
                        self.term.write_str(c.encode_utf8(&mut [0; 4]))?;
                    }
                    _ => {}
                }
                self.term.flush()?;
            }
            let value = if typed.trim().is_empty() {
                default.unwrap_or("")
            } else {
                typed.trim()
            };
            self.term.clear_line()?;
            match check(value) {
                Ok(answer) => {
                    let mut done = String::new();
                    let shown = if value.is_empty() { "none" } else { value };
                    self.theme
                        .format_input_prompt_selection(&mut done, prompt, shown)?;
                    self.term.write_line(&done)?;
                    return Ok(answer);
                }
                Err(reason) => {
                    self.term.write_line(&format!("{line}{value}"))?;
                    self.error(&reason)?;
                }
            }
        }
    }
}

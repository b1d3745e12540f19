//! Turning a validated spec into Postfix files, in memory.
//!
//! `main.cf` and `master.cf` come from minijinja templates (embedded, or from
//! `--templates DIR`), fed with the context structs in `context.rs`. The
//! lookup tables are data, not prose, and can hold millions of lines, so
//! `maps.rs` writes them directly. Writing to disk is `apply.rs`.

pub mod apply;
pub mod context;
pub mod daemon_check;
pub mod maps;

use std::path::{Path, PathBuf};

use minijinja::value::{Serde, Value};
use minijinja::{Environment, UndefinedBehavior};

use crate::spec::Spec;

/// The embedded templates, by file name.
pub const TEMPLATES: [(&str, &str); 4] = [
    ("main.cf.j2", include_str!("../../templates/main.cf.j2")),
    ("master.cf.j2", include_str!("../../templates/master.cf.j2")),
    (
        "dovecot/dovecot.conf.j2",
        include_str!("../../templates/dovecot/dovecot.conf.j2"),
    ),
    (
        "opendkim/opendkim.conf.j2",
        include_str!("../../templates/opendkim/opendkim.conf.j2"),
    ),
];

/// Every `main.cf` parameter the embedded template sets. `[postfix.extra]`
/// may not set these (a test keeps this list equal to the template's).
pub const MANAGED_PARAMETERS: &[&str] = &[
    "alias_database",
    "alias_maps",
    "append_dot_mydomain",
    "biff",
    "compatibility_level",
    "disable_vrfy_command",
    "inet_interfaces",
    "inet_protocols",
    "mailbox_size_limit",
    "message_size_limit",
    "mydestination",
    "mydomain",
    "myhostname",
    "mynetworks",
    "myorigin",
    "readme_directory",
    "relayhost",
    "smtp_tls_loglevel",
    "smtp_tls_mandatory_protocols",
    "smtp_tls_protocols",
    "smtp_tls_security_level",
    "smtp_tls_session_cache_database",
    "smtpd_banner",
    "smtpd_helo_required",
    "smtpd_recipient_restrictions",
    "smtpd_relay_restrictions",
    "smtpd_sasl_auth_enable",
    "smtpd_sender_login_maps",
    "smtpd_sasl_path",
    "smtpd_sasl_type",
    "smtpd_tls_auth_only",
    "smtpd_tls_cert_file",
    "smtpd_tls_key_file",
    "smtpd_tls_loglevel",
    "smtpd_tls_mandatory_protocols",
    "smtpd_tls_protocols",
    "smtpd_tls_received_header",
    "smtpd_tls_security_level",
    "smtpd_tls_session_cache_database",
    "strict_rfc821_envelopes",
    "virtual_alias_domains",
    "virtual_alias_maps",
    "virtual_gid_maps",
    "virtual_mailbox_base",
    "virtual_mailbox_domains",
    "virtual_mailbox_limit",
    "virtual_mailbox_maps",
    "virtual_minimum_uid",
    "virtual_transport",
    "virtual_uid_maps",
    "milter_default_action",
    "milter_protocol",
    "smtpd_milters",
    "non_smtpd_milters",
];

/// The names of the lookup tables, as `main.cf` refers to them.
pub const MAP_NAMES: [&str; 5] = ["virtual", "vmailbox", "vdomains", "aliases", "sender_login"];

/// The Postfix program that compiles a lookup table's source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compile {
    /// `postmap`: `key value` tables (virtual, vmailbox, vdomains).
    Postmap,
    /// `postalias`: `name: value` tables in aliases(5) format.
    Postalias,
}

/// Which directory a rendered file belongs in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// Postfix's configuration directory (`postfix.config_dir`).
    Postfix,
    /// `OpenDKIM`'s tables (`dkim.opendkim_dir`).
    OpenDkim,
    /// Dovecot's configuration and user databases (`dovecot.config_dir`).
    Dovecot,
    /// `.well-known/` under a domain's MTA-STS web root.
    MtaSts { domain: String },
}

impl Target {
    /// The directory for this target: the spec's, or one under `out` when
    /// the user renders somewhere else (`--out DIR`), so that nothing is
    /// written outside the directory they named.
    pub fn dir(&self, spec: &Spec, out: Option<&Path>) -> PathBuf {
        match (self, out) {
            (Target::Postfix, Some(out)) => out.to_path_buf(),
            (Target::Postfix, None) => spec.postfix.config_dir.clone(),
            (Target::OpenDkim, Some(out)) => out.join("opendkim"),
            (Target::OpenDkim, None) => spec.dkim.opendkim_dir.clone(),
            (Target::Dovecot, Some(out)) => out.join("dovecot"),
            (Target::Dovecot, None) => spec.dovecot.config_dir.clone(),
            (Target::MtaSts { domain }, Some(out)) => {
                out.join("mta-sts").join(domain).join(".well-known")
            }
            (Target::MtaSts { domain }, None) => spec
                .domains
                .iter()
                .find(|d| &d.name == domain)
                .and_then(|d| d.dns.mta_sts.as_ref())
                .and_then(|sts| sts.web_root.clone())
                .unwrap_or_default()
                .join(".well-known"),
        }
    }
}

/// One file mailctl renders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    pub target: Target,
    /// The file name inside the target's directory.
    pub name: &'static str,
    pub contents: Vec<u8>,
    /// How Postfix compiles it into a lookup table, if it is one.
    pub compile: Option<Compile>,
    /// A secret (password hashes): a new file is written 0640 with this
    /// group when it exists and mailctl runs as root, else 0600; an existing
    /// one keeps its owner but loses any access for others.
    pub secret_group: Option<&'static str>,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot read template `{}`", path.display())]
    ReadTemplate {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("template `{name}` failed to render")]
    Template {
        name: String,
        #[source]
        source: minijinja::Error,
    },
    #[error(
        "template `{name}` produced a control character on line {line}; rendered files must be plain text"
    )]
    ControlCharacter { name: String, line: usize },
    #[error("cannot read the mailbox passwords")]
    Passwords {
        #[source]
        source: crate::dovecot::DovecotError,
    },
}

/// Render every file for `spec`. Templates in `template_dir`, when given,
/// replace the embedded ones of the same name.
pub fn render(spec: &Spec, template_dir: Option<&Path>) -> Result<Vec<RenderedFile>, RenderError> {
    let env = environment(template_dir)?;
    let header = context::header(spec);
    let main_cf = render_template(
        &env,
        "main.cf.j2",
        Value::from(Serde(context::MainCf::new(spec, &header))),
    )?;
    let master_cf = render_template(
        &env,
        "master.cf.j2",
        Value::from(Serde(context::MasterCf::new(spec, &header))),
    )?;
    let (virtual_map, vmailbox, vdomains) = std::thread::scope(|scope| {
        let aliases = scope.spawn(|| maps::virtual_aliases(spec, &header));
        let mailboxes = maps::virtual_mailboxes(spec, &header);
        let domains = maps::virtual_domains(spec, &header);
        (
            aliases.join().expect("alias map thread panicked"),
            mailboxes,
            domains,
        )
    });
    let postfix = |name, contents, compile| RenderedFile {
        target: Target::Postfix,
        name,
        contents,
        compile,
        secret_group: None,
    };
    let mut files = vec![
        postfix("main.cf", main_cf, None),
        postfix("master.cf", master_cf, None),
        postfix("virtual", virtual_map, Some(Compile::Postmap)),
        postfix("vmailbox", vmailbox, Some(Compile::Postmap)),
        postfix("vdomains", vdomains, Some(Compile::Postmap)),
        postfix(
            "aliases",
            maps::local_aliases(&header),
            Some(Compile::Postalias),
        ),
    ];
    if spec.dovecot.enabled {
        files.push(postfix(
            "sender_login",
            maps::sender_logins(spec, &header),
            Some(Compile::Postmap),
        ));
        files.extend(render_dovecot(spec, &env, &header)?);
    }

    let keys = crate::dkim::keys(spec);
    if keys.iter().any(|k| k.signing) {
        let keys = absolute_key_paths(keys);
        let conf = render_template(
            &env,
            "opendkim/opendkim.conf.j2",
            Value::from(Serde(crate::dkim::opendkim::OpenDkimConf::new(
                spec, &header, &keys,
            ))),
        )?;
        files.push(RenderedFile {
            target: Target::OpenDkim,
            name: "opendkim.conf",
            contents: conf,
            compile: None,
            secret_group: None,
        });
        let opendkim = |name, text: String| RenderedFile {
            target: Target::OpenDkim,
            name,
            contents: format!("{header}\n{text}").into_bytes(),
            compile: None,
            secret_group: None,
        };
        files.push(opendkim(
            "KeyTable",
            crate::dkim::opendkim::key_table(&keys),
        ));
        files.push(opendkim(
            "SigningTable",
            crate::dkim::opendkim::signing_table(&keys),
        ));
        files.push(opendkim(
            "TrustedHosts",
            crate::dkim::opendkim::trusted_hosts(spec),
        ));
    }
    for domain in &spec.domains {
        if let Some(sts) = &domain.dns.mta_sts
            && sts.web_root.is_some()
        {
            files.push(RenderedFile {
                target: Target::MtaSts {
                    domain: domain.name.clone(),
                },
                name: "mta-sts.txt",
                contents: crate::dns::mta_sts_policy(spec, domain, sts).into_bytes(),
                compile: None,
                secret_group: None,
            });
        }
    }
    Ok(files)
}

/// `dovecot.conf`, the userdb and the passdbs (see `crate::dovecot`).
fn render_dovecot(
    spec: &Spec,
    env: &Environment,
    header: &str,
) -> Result<Vec<RenderedFile>, RenderError> {
    let logins =
        crate::dovecot::logins(spec).map_err(|source| RenderError::Passwords { source })?;
    let context = crate::dovecot::DovecotConf::new(spec, header, &spec.dovecot.config_dir);
    let conf = render_template(env, "dovecot/dovecot.conf.j2", Value::from(Serde(&context)))?;
    let file = |name, contents, secret_group| RenderedFile {
        target: Target::Dovecot,
        name,
        contents,
        compile: None,
        secret_group,
    };
    let mut files = vec![
        file("dovecot.conf", conf, None),
        file("users", crate::dovecot::users(spec, header), None),
        file(
            "passwd",
            crate::dovecot::passwd(spec, &logins, header),
            Some("dovecot"),
        ),
    ];
    for (protocol, name) in &context.restricted {
        let contents = if *protocol == "imap" {
            crate::dovecot::deny_list(spec, header, protocol, |m| !m.imap)
        } else {
            crate::dovecot::deny_list(spec, header, protocol, |m| !m.pop3)
        };
        files.push(file(name, contents, None));
    }
    Ok(files)
}

/// `OpenDKIM` reads its `KeyTable` from its own working directory, so a key
/// directory given relative to the spec is made absolute.
fn absolute_key_paths(mut keys: Vec<crate::dkim::KeyRef>) -> Vec<crate::dkim::KeyRef> {
    if let Ok(cwd) = std::env::current_dir() {
        for key in &mut keys {
            if key.path.is_relative() {
                key.path = cwd.join(&key.path);
            }
        }
    }
    keys
}

fn environment(template_dir: Option<&Path>) -> Result<Environment<'static>, RenderError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    let mut syntax = minijinja::syntax::SyntaxConfig::builder();
    syntax
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true);
    env.set_syntax(syntax.build().expect("default delimiters are valid"));
    for (name, source) in TEMPLATES {
        let source = match template_dir.map(|dir| dir.join(name)) {
            Some(path) if path.exists() => std::fs::read_to_string(&path)
                .map_err(|source| RenderError::ReadTemplate { path, source })?,
            _ => source.to_owned(),
        };
        env.add_template_owned(name, source)
            .map_err(|source| RenderError::Template {
                name: name.to_owned(),
                source,
            })?;
    }
    Ok(env)
}

fn render_template(env: &Environment, name: &str, context: Value) -> Result<Vec<u8>, RenderError> {
    let template = env
        .get_template(name)
        .map_err(|source| RenderError::Template {
            name: name.to_owned(),
            source,
        })?;
    let text = template
        .render(context)
        .map_err(|source| RenderError::Template {
            name: name.to_owned(),
            source,
        })?;
    // The spec's values are checked before they get here; this guards what a
    // template itself (an override, say) might produce.
    if let Some(offset) = text.find(|c: char| c.is_control() && c != '\n' && c != '\t') {
        let line = text[..offset].matches('\n').count() + 1;
        return Err(RenderError::ControlCharacter {
            name: name.to_owned(),
            line,
        });
    }
    Ok(text.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::SourceFile;

    fn spec(extra: &str) -> Spec {
        spec_with(
            r#"["smtp", "submission"]"#,
            &format!("[dovecot]\nenabled = true\n{extra}"),
        )
    }

    fn spec_with(services: &str, extra: &str) -> Spec {
        let text = format!(
            "version = 1\n[server]\nhostname = \"mail.example.com\"\nservices = {services}\n{extra}\n\
             [[domain]]\nname = \"example.com\"\nmailboxes = [\"alice\"]\nalias_domains = [\"example.net\"]\n"
        );
        crate::spec::from_source(&SourceFile::new("t.toml", text))
            .expect("valid")
            .spec
    }

    /// The parameters a rendered main.cf sets, in order.
    fn parameters(spec: &Spec) -> Vec<String> {
        let files = render(spec, None).expect("renders");
        let main_cf = String::from_utf8(files[0].contents.clone()).unwrap();
        main_cf
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| l.split(" =").next().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn managed_parameters_are_exactly_what_the_template_sets() {
        let mut set = std::collections::BTreeSet::new();
        let variants = [
            spec(""),
            spec("[postfix]\nlocal_relay = true\nrelayhost = \"[relay.example.net]:587\"\n"),
            spec_with(r#"["smtp"]"#, ""),
        ];
        for spec in &variants {
            let params = parameters(spec);
            let unique: std::collections::BTreeSet<_> = params.iter().collect();
            assert_eq!(
                unique.len(),
                params.len(),
                "a parameter is set twice: {params:?}"
            );
            set.extend(params);
        }
        let managed: std::collections::BTreeSet<String> =
            MANAGED_PARAMETERS.iter().map(|&p| p.to_owned()).collect();
        assert_eq!(
            set, managed,
            "MANAGED_PARAMETERS must list what main.cf.j2 sets"
        );
    }

    #[test]
    fn local_relay_adds_permit_mynetworks() {
        let relay = |spec: &Spec| {
            let files = render(spec, None).unwrap();
            String::from_utf8(files[0].contents.clone())
                .unwrap()
                .lines()
                .find(|l| l.starts_with("smtpd_relay_restrictions ="))
                .unwrap()
                .to_owned()
        };
        assert_eq!(
            relay(&spec("")),
            "smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination"
        );
        assert_eq!(
            relay(&spec("[postfix]\nlocal_relay = true\n")),
            "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"
        );
    }
}

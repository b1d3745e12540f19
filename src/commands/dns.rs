//! `mailctl dns`: the records the spec needs, or one domain's MTA-STS policy.
//! Reads the DKIM keys and the certificate; the records come from `dns`.

use std::fmt::Write as _;
use std::io::ErrorKind;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::cli::{DnsArgs, DnsFormat, GlobalArgs};
use crate::dkim::{self, DkimError};
use crate::dns::{self, Inputs};
use crate::exit::Exit;
use crate::output::Output;
use crate::spec::{Spec, names};

pub fn run(global: &GlobalArgs, args: &DnsArgs, output: &Output) -> Result<Exit> {
    let path = super::spec_path(global.spec.as_deref())?;
    let mut timer = super::Timer::new(output);
    let spec = super::load_spec(&path, output, &mut timer)?;

    if let Some(wanted) = &args.mta_sts_policy {
        let name = spec_domain(&spec, wanted)?;
        let domain = spec
            .domains
            .iter()
            .find(|d| d.name == name)
            .expect("spec_domain checked it");
        let Some(sts) = &domain.dns.mta_sts else {
            bail!(
                "domain `{name}` has no MTA-STS policy; add a `[domain.mta_sts]` table to publish one"
            );
        };
        output.stdout(&dns::mta_sts_policy(&spec, domain, sts));
        return Ok(Exit::Success);
    }

    let inputs = read_inputs(&spec, output)?;
    timer.lap("read keys and certificate");
    let mut set = dns::build(&spec, &inputs);
    if let Some(wanted) = &args.domain {
        let name = names::domain_name(wanted).map_err(|e| anyhow::anyhow!("`{wanted}` {e}"))?;
        if !set.domains().contains(&name.as_str()) {
            bail!(
                "`{name}` is not a zone mailctl has records for; the zones are: {}",
                set.domains().join(", ")
            );
        }
        set = set.only(&name);
    }
    match args.format {
        DnsFormat::Zone => output.stdout(&dns::zone::format(&set, spec.dns.ttl)),
        DnsFormat::Json => output.json(&set),
        DnsFormat::Table => output.stdout(&dns::table::format(&set)),
    }
    Ok(Exit::Success)
}

/// The domain in the spec that `wanted` names (any case, IDN or A-label).
pub fn spec_domain(spec: &Spec, wanted: &str) -> Result<String> {
    let name = names::domain_name(wanted).map_err(|e| anyhow::anyhow!("`{wanted}` {e}"))?;
    if !spec.domains.iter().any(|d| d.name == name) {
        let known: Vec<&str> = spec.domains.iter().map(|d| d.name.as_str()).collect();
        let mut message = format!("`{name}` is not a domain in the spec");
        if let Some(s) = crate::spec::diagnostic::suggest(&name, known.iter().copied()) {
            let _ = write!(message, "; did you mean `{s}`?");
        }
        bail!(message);
    }
    Ok(name)
}

/// The DKIM public keys and the certificate's public key. A missing key or
/// certificate becomes advice; one that cannot be read is an error.
pub fn read_inputs(spec: &Spec, output: &Output) -> Result<Inputs> {
    let mut inputs = Inputs::default();
    let mut cache = dkim::PublicKeyCache::default();
    for key in dkim::keys(spec) {
        let public = match cache.read(&key.path) {
            Ok(public) => Ok(public),
            Err(DkimError::Read { source, .. }) if source.kind() == ErrorKind::NotFound => {
                output.warning(&format!(
                    "no DKIM key for `{}` selector `{}` at `{}`; run `mailctl dkim keygen`",
                    key.domain,
                    key.selector,
                    key.path.display()
                ));
                Err(format!("there is no key file `{}`", key.path.display()))
            }
            Err(e) => return Err(e).context("the DNS records need every DKIM key that exists"),
        };
        inputs.dkim.push((key, public));
    }
    if spec.dns.tlsa {
        let cert = Path::new(&spec.tls.cert_file);
        inputs.tlsa_current = read_spki(cert)?;
        inputs.tlsa_next = read_spki(&cert.with_file_name("next.pub.pem"))?;
    }
    Ok(inputs)
}

fn read_spki(path: &Path) -> Result<Option<Vec<u8>>> {
    match std::fs::read_to_string(path) {
        Ok(text) => match dns::tlsa::spki_from_pem(&text) {
            Some(spki) => Ok(Some(spki)),
            None => bail!(
                "`{}` holds no PEM certificate or public key",
                path.display()
            ),
        },
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read `{}`", path.display())),
    }
}

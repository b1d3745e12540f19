//! `mailctl client-config`: the settings a mail client needs, as text or
//! JSON, and Thunderbird's autoconfig file under a web root.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use crate::cli::{ClientConfigArgs, GlobalArgs, ReportFormat};
use crate::exit::Exit;
use crate::output::Output;

pub fn run(global: &GlobalArgs, args: &ClientConfigArgs, output: &Output) -> Result<Exit> {
    let path = super::spec_path(global.spec.as_deref())?;
    let mut timer = super::Timer::new(output);
    let spec = super::load_spec(&path, output, &mut timer)?;
    let settings = crate::client::settings(&spec);
    match args.format {
        ReportFormat::Json => output.json(&settings),
        ReportFormat::Text => output.stdout(&crate::client::text(&settings)),
    }
    if let Some(root) = &args.autoconfig {
        let dir = root.join(".well-known").join("autoconfig").join("mail");
        let file = dir.join("config-v1.1.xml");
        write_atomically(
            &dir,
            &file,
            crate::client::autoconfig_xml(&settings).as_bytes(),
        )
        .with_context(|| format!("cannot write `{}`", file.display()))?;
        output.status(&format!("wrote {}", file.display()));
    }
    Ok(Exit::Success)
}

/// Temp file in the same directory, fsync, rename; world-readable, for a web server.
fn write_atomically(dir: &Path, file: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::create_dir_all(dir)?;
    let temp = dir.join(format!(".config-v1.1.xml.mailctl-{}", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&temp)?;
        f.write_all(contents)?;
        f.set_permissions(fs::Permissions::from_mode(0o644))?;
        f.sync_all()?;
        fs::rename(&temp, file)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

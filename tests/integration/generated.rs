//! The committed completion scripts (`completions/`) and man pages (`man/`)
//! are exactly what the binary generates now, and the bash completion really
//! completes. When the CLI changes, these fail until someone runs
//! `./scripts/refresh-generated.sh`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{mailctl, repo, require_program, run};

const REFRESH: &str =
    "the committed file is stale: run ./scripts/refresh-generated.sh and commit the result";

const SHELLS: [(&str, &str); 5] = [
    ("bash", "mailctl.bash"),
    ("zsh", "_mailctl"),
    ("fish", "mailctl.fish"),
    ("elvish", "mailctl.elv"),
    ("powershell", "_mailctl.ps1"),
];

#[test]
fn completions_are_fresh() {
    let mut committed: Vec<String> = std::fs::read_dir(repo().join("completions"))
        .expect("completions/ exists")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    committed.sort();
    let mut expected: Vec<String> = SHELLS.iter().map(|(_, f)| (*f).to_owned()).collect();
    expected.sort();
    assert_eq!(
        committed, expected,
        "completions/ holds other files than the five scripts; {REFRESH}"
    );
    for (shell, file) in SHELLS {
        let r = run(mailctl().args(["completions", shell]));
        assert_eq!(r.code, 0, "{}", r.stderr);
        let on_disk = std::fs::read_to_string(repo().join("completions").join(file)).unwrap();
        assert!(on_disk == r.stdout, "completions/{file}: {REFRESH}");
    }
}

fn pages(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let path = e.unwrap().path();
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&path).unwrap(),
            )
        })
        .collect()
}

#[test]
fn man_pages_are_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(mailctl().arg("generate-man").arg(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let fresh = pages(dir.path());
    let committed = pages(&repo().join("man"));
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        fresh.keys().collect::<Vec<_>>(),
        "man/ has other pages than the CLI; {REFRESH}"
    );
    for (name, text) in &fresh {
        assert!(committed[name] == *text, "man/{name}: {REFRESH}");
    }
    // One source for the exit codes: `mailctl --help` and the man page.
    let help = run(mailctl().arg("--help")).stdout;
    let top = &fresh["mailctl.1"];
    for code in [
        "0  success",
        "1  a checking command",
        "2  usage error",
        "3  the environment failed",
    ] {
        assert!(help.contains(code), "--help lacks `{code}`:\n{help}");
    }
    for meaning in ["DNS unreachable or timing out", "an ACME server error"] {
        assert!(help.contains(meaning), "--help lacks `{meaning}`");
        assert!(top.contains(meaning), "mailctl.1 lacks `{meaning}`");
    }
}

/// Source the committed bash completion in a real bash and complete
/// `mailctl ch` and `mailctl cert `.
#[test]
fn bash_completes_subcommands() {
    let bash = require_program("bash");
    let script = repo().join("completions/mailctl.bash");
    let complete = |line: &str| -> Vec<String> {
        let program = format!(
            r#"source "$1"
line='{line}'
read -ra COMP_WORDS <<< "$line"
[[ "$line" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="$line"
COMP_POINT=${{#COMP_LINE}}
spec=$(complete -p mailctl) || exit 9
function=$(sed -E 's/.*-F ([^ ]+).*/\1/' <<< "$spec")
"$function" mailctl "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#
        );
        let r = run(std::process::Command::new(&bash)
            .args(["--norc", "--noprofile", "-c", &program, "bash"])
            .arg(&script));
        assert_eq!(r.code, 0, "bash failed for `{line}`:\n{}", r.stderr);
        r.stdout
            .lines()
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect()
    };
    assert_eq!(complete("mailctl ch"), ["check-dns"]);
    let cert = complete("mailctl cert ");
    for sub in ["issue", "renew", "status"] {
        assert!(
            cert.contains(&sub.to_owned()),
            "`mailctl cert ` completes to {cert:?}"
        );
    }
    assert!(complete("mailctl init --non").contains(&"--non-interactive".to_owned()));
}

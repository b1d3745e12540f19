
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'mailctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'mailctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'mailctl' {
            [CompletionResult]::new('--spec', '--spec', [CompletionResultType]::ParameterName, 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check the spec: syntax, schema, every value and the rules across values')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Write main.cf, master.cf and the lookup tables, atomically')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Check existing Postfix files: main.cf, master.cf, lookup tables')
            [CompletionResult]::new('dns', 'dns', [CompletionResultType]::ParameterValue, 'Print the DNS records the spec needs, as a zone file, JSON or a table')
            [CompletionResult]::new('dkim', 'dkim', [CompletionResultType]::ParameterValue, 'Create DKIM keys, or print the DKIM records of the existing ones')
            [CompletionResult]::new('cert', 'cert', [CompletionResultType]::ParameterValue, 'Obtain, renew and inspect the TLS certificate by ACME (Let''s Encrypt)')
            [CompletionResult]::new('check-dns', 'check-dns', [CompletionResultType]::ParameterValue, 'Compare live DNS with the records the spec needs')
            [CompletionResult]::new('passwd', 'passwd', [CompletionResultType]::ParameterValue, 'Set a mailbox''s login password; only a hash is stored')
            [CompletionResult]::new('client-config', 'client-config', [CompletionResultType]::ParameterValue, 'Print the settings mail clients need, or write Thunderbird autoconfig')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented mailctl.toml by asking a few questions')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('generate-man', 'generate-man', [CompletionResultType]::ParameterValue, 'Write the man pages (mailctl.1 and one per subcommand) into DIR')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mailctl;validate' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--templates', '--templates', [CompletionResultType]::ParameterName, 'Use templates from this directory instead of the built-in ones')
            [CompletionResult]::new('--spec', '--spec', [CompletionResultType]::ParameterName, 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mailctl;render' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Directory to write to [default: the spec''s `postfix.config_dir`, /etc/postfix]')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to SECONDS for another `mailctl render` to finish writing (it holds `.mailctl-backup/.mailctl-lock` in the Postfix directory), then fail with exit 3')
            [CompletionResult]::new('--templates', '--templates', [CompletionResultType]::ParameterName, 'Use templates from this directory instead of the built-in ones')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--spec', '--spec', [CompletionResultType]::ParameterName, 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--diff', '--diff', [CompletionResultType]::ParameterName, 'Print a unified diff against the files on disk; write nothing')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Write nothing; exit 1 if any file would change')
            [CompletionResult]::new('--no-postmap', '--no-postmap', [CompletionResultType]::ParameterName, 'Do not compile the lookup tables with postmap')
            [CompletionResult]::new('--reload', '--reload', [CompletionResultType]::ParameterName, 'Run `postfix reload` after writing changed files')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mailctl;lint' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--spec', '--spec', [CompletionResultType]::ParameterName, 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mailctl;dns' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'Only the records of this zone (a domain in the spec)')
            [CompletionResult]::new('--mta-sts-policy', '--mta-sts-policy', [CompletionResultType]::ParameterName, 'Print the MTA-STS policy file of DOMAIN instead of the records')
            [CompletionResult]::new('--spec', '--spec', [CompletionResultType]::ParameterName, 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mailctl;dkim' {
            [CompletionResult]::new('--spec', '--spec', [CompletionResultType]::ParameterName, 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Create the DKIM keys that do not exist yet')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the DKIM TXT records of the existing keys')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mailctl;dkim;keygen' {
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'Only keys for this domain')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Only this selector (it need not be in the spec yet)')
            [CompletionResult]::new('--algorithm', '--algorithm', [CompletionResultType]::ParameterName, 'Key algorithm [default: the spec''s, else rsa-2048]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--spec', '--spec', [CompletionResultType]::ParameterName, 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace existing keys')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mailctl;dkim;show' {
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'Only keys for this domain')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--spec', '--spec', [CompletionResultType]::ParameterName, 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mailctl;dkim;help' {
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Create the DKIM keys that do not exist yet')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the DKIM TXT records of the existing keys')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mailctl;dkim;help;keygen' {
            break
        }
        'mailctl;dkim;help;show' {
            break
        }
        'mailctl;dkim;help;help' {
            break
        }
        'mailctl;cert' {
            [CompletionResult]::new('--spec', '--spec', [CompletionResultType]::ParameterName, 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('issue', 'issue', [CompletionResultType]::ParameterValue, 'Order a certificate for the spec''s names now')
            [CompletionResult]::new('renew', 'renew', [CompletionResultType]::ParameterValue, 'Renew the certificate if it is due; otherwise do nothing and exit 0')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show each stored certificate: names, issuer, validity, whether it is due')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mailctl;cert;issue' {
            [CompletionResult]::new('--spec', '--spec', [CompletionResultType]::ParameterName, 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Run the whole flow against the CA''s staging server and store nothing (Let''s Encrypt''s staging server; other CAs: the configured directory, whose certificate is then a real one)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mailctl;cert;renew' {
            [CompletionResult]::new('--jitter', '--jitter', [CompletionResultType]::ParameterName, 'Wait a random time of up to SECONDS first (spreads cron runs)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'How long to wait for another run''s lock before giving up')
            [CompletionResult]::new('--spec', '--spec', [CompletionResultType]::ParameterName, 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Renew even if the certificate is not due')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Like `issue --dry-run` when a renewal would happen; stores nothing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mailctl;cert;status' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--spec', '--spec', [CompletionResultType]::ParameterName, 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mailctl;cert;help' {
            [CompletionResult]::new('issue', 'issue', [CompletionResultType]::ParameterValue, 'Order a certificate for the spec''s names now')
            [CompletionResult]::new('renew', 'renew', [CompletionResultType]::ParameterValue, 'Renew the certificate if it is due; otherwise do nothing and exit 0')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show each stored certificate: names, issuer, validity, whether it is due')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mailctl;cert;help;issue' {
            break
        }
        'mailctl;cert;help;renew' {
            break
        }
        'mailctl;cert;help;status' {
            break
        }
        'mailctl;cert;help;help' {
            break
        }
        'mailctl;check-dns' {
            [CompletionResult]::new('--nameserver', '--nameserver', [CompletionResultType]::ParameterName, 'Ask this name server (repeatable) [default: the system resolver]')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'Only this zone (repeatable)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each answer; one retry follows a timeout')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Queries in flight at most')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--spec', '--spec', [CompletionResultType]::ParameterName, 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Warnings count as problems (exit 1)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mailctl;passwd' {
            [CompletionResult]::new('--spec', '--spec', [CompletionResultType]::ParameterName, 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--stdin', '--stdin', [CompletionResultType]::ParameterName, 'Read the password as one line from standard input instead of prompting')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mailctl;client-config' {
            [CompletionResult]::new('--autoconfig', '--autoconfig', [CompletionResultType]::ParameterName, 'Also write DIR/.well-known/autoconfig/mail/config-v1.1.xml')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--spec', '--spec', [CompletionResultType]::ParameterName, 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mailctl;init' {
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where to write the spec')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'A mail domain (repeatable; the first is the primary one)')
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'The mail host''s name [default: mail.<first domain>]')
            [CompletionResult]::new('--ipv4', '--ipv4', [CompletionResultType]::ParameterName, 'A public IPv4 address of the mail host (repeatable)')
            [CompletionResult]::new('--ipv6', '--ipv6', [CompletionResultType]::ParameterName, 'A public IPv6 address of the mail host (repeatable)')
            [CompletionResult]::new('--contact', '--contact', [CompletionResultType]::ParameterName, 'The contact address: ACME account, postmaster@ and abuse@ [default: postmaster@<first domain>]')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'A service to offer (repeatable) [default: submission, submissions, imaps; smtp is always on]')
            [CompletionResult]::new('--dkim-algorithm', '--dkim-algorithm', [CompletionResultType]::ParameterName, 'The DKIM key algorithm [default: rsa-2048]')
            [CompletionResult]::new('--dmarc-policy', '--dmarc-policy', [CompletionResultType]::ParameterName, 'The DMARC policy [default: none, reports first]')
            [CompletionResult]::new('--dmarc-rua', '--dmarc-rua', [CompletionResultType]::ParameterName, 'Where DMARC reports go, or `none` [default: dmarc-reports@<first domain>]')
            [CompletionResult]::new('--mta-sts', '--mta-sts', [CompletionResultType]::ParameterName, 'The MTA-STS mode [default: testing]')
            [CompletionResult]::new('--tls-rpt-rua', '--tls-rpt-rua', [CompletionResultType]::ParameterName, 'Where TLS-RPT reports go, or `none` [default: tls-reports@<first domain>]')
            [CompletionResult]::new('--acme-directory', '--acme-directory', [CompletionResultType]::ParameterName, 'The ACME CA: letsencrypt, letsencrypt-staging or a directory URL [default: letsencrypt]')
            [CompletionResult]::new('--challenge', '--challenge', [CompletionResultType]::ParameterName, 'How the CA checks the names [default: http-01]')
            [CompletionResult]::new('--dns-server', '--dns-server', [CompletionResultType]::ParameterName, 'dns-01: the primary server accepting RFC 2136 updates')
            [CompletionResult]::new('--dns-zone', '--dns-zone', [CompletionResultType]::ParameterName, 'dns-01: the zone holding the certificate names [default: the first domain]')
            [CompletionResult]::new('--tsig-key', '--tsig-key', [CompletionResultType]::ParameterName, 'dns-01: the TSIG key name [default: mailctl-key]')
            [CompletionResult]::new('--tsig-secret-file', '--tsig-secret-file', [CompletionResultType]::ParameterName, 'dns-01: the file holding the TSIG secret [default: /etc/mailctl/tsig.secret]')
            [CompletionResult]::new('--offer-address', '--offer-address', [CompletionResultType]::ParameterName, 'Offer these addresses instead of the interfaces'' (for tests)')
            [CompletionResult]::new('--spec', '--spec', [CompletionResultType]::ParameterName, 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Take every answer from the flags; never prompt (for scripts and CI)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite an existing file')
            [CompletionResult]::new('--agree-tos', '--agree-tos', [CompletionResultType]::ParameterName, 'Accept the ACME CA''s terms of service (needed for a certificate)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mailctl;completions' {
            [CompletionResult]::new('--spec', '--spec', [CompletionResultType]::ParameterName, 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mailctl;generate-man' {
            [CompletionResult]::new('--spec', '--spec', [CompletionResultType]::ParameterName, 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: what was done and how long each step took')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mailctl;help' {
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check the spec: syntax, schema, every value and the rules across values')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Write main.cf, master.cf and the lookup tables, atomically')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Check existing Postfix files: main.cf, master.cf, lookup tables')
            [CompletionResult]::new('dns', 'dns', [CompletionResultType]::ParameterValue, 'Print the DNS records the spec needs, as a zone file, JSON or a table')
            [CompletionResult]::new('dkim', 'dkim', [CompletionResultType]::ParameterValue, 'Create DKIM keys, or print the DKIM records of the existing ones')
            [CompletionResult]::new('cert', 'cert', [CompletionResultType]::ParameterValue, 'Obtain, renew and inspect the TLS certificate by ACME (Let''s Encrypt)')
            [CompletionResult]::new('check-dns', 'check-dns', [CompletionResultType]::ParameterValue, 'Compare live DNS with the records the spec needs')
            [CompletionResult]::new('passwd', 'passwd', [CompletionResultType]::ParameterValue, 'Set a mailbox''s login password; only a hash is stored')
            [CompletionResult]::new('client-config', 'client-config', [CompletionResultType]::ParameterValue, 'Print the settings mail clients need, or write Thunderbird autoconfig')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented mailctl.toml by asking a few questions')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('generate-man', 'generate-man', [CompletionResultType]::ParameterValue, 'Write the man pages (mailctl.1 and one per subcommand) into DIR')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mailctl;help;validate' {
            break
        }
        'mailctl;help;render' {
            break
        }
        'mailctl;help;lint' {
            break
        }
        'mailctl;help;dns' {
            break
        }
        'mailctl;help;dkim' {
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Create the DKIM keys that do not exist yet')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the DKIM TXT records of the existing keys')
            break
        }
        'mailctl;help;dkim;keygen' {
            break
        }
        'mailctl;help;dkim;show' {
            break
        }
        'mailctl;help;cert' {
            [CompletionResult]::new('issue', 'issue', [CompletionResultType]::ParameterValue, 'Order a certificate for the spec''s names now')
            [CompletionResult]::new('renew', 'renew', [CompletionResultType]::ParameterValue, 'Renew the certificate if it is due; otherwise do nothing and exit 0')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show each stored certificate: names, issuer, validity, whether it is due')
            break
        }
        'mailctl;help;cert;issue' {
            break
        }
        'mailctl;help;cert;renew' {
            break
        }
        'mailctl;help;cert;status' {
            break
        }
        'mailctl;help;check-dns' {
            break
        }
        'mailctl;help;passwd' {
            break
        }
        'mailctl;help;client-config' {
            break
        }
        'mailctl;help;init' {
            break
        }
        'mailctl;help;completions' {
            break
        }
        'mailctl;help;generate-man' {
            break
        }
        'mailctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}

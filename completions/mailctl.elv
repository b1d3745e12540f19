
use builtin;
use str;

set edit:completion:arg-completer[mailctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'mailctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'mailctl'= {
            cand --spec 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]'
            cand --color 'When to colour output'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -v 'Print more: what was done and how long each step took'
            cand --verbose 'Print more: what was done and how long each step took'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand validate 'Check the spec: syntax, schema, every value and the rules across values'
            cand render 'Write main.cf, master.cf and the lookup tables, atomically'
            cand lint 'Check existing Postfix files: main.cf, master.cf, lookup tables'
            cand dns 'Print the DNS records the spec needs, as a zone file, JSON or a table'
            cand dkim 'Create DKIM keys, or print the DKIM records of the existing ones'
            cand cert 'Obtain, renew and inspect the TLS certificate by ACME (Let''s Encrypt)'
            cand check-dns 'Compare live DNS with the records the spec needs'
            cand passwd 'Set a mailbox''s login password; only a hash is stored'
            cand client-config 'Print the settings mail clients need, or write Thunderbird autoconfig'
            cand init 'Write a commented mailctl.toml by asking a few questions'
            cand completions 'Print a shell completion script'
            cand generate-man 'Write the man pages (mailctl.1 and one per subcommand) into DIR'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mailctl;validate'= {
            cand --format 'Output format'
            cand --templates 'Use templates from this directory instead of the built-in ones'
            cand --spec 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]'
            cand --color 'When to colour output'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -v 'Print more: what was done and how long each step took'
            cand --verbose 'Print more: what was done and how long each step took'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mailctl;render'= {
            cand --out 'Directory to write to [default: the spec''s `postfix.config_dir`, /etc/postfix]'
            cand --lock-timeout 'Wait up to SECONDS for another `mailctl render` to finish writing (it holds `.mailctl-backup/.mailctl-lock` in the Postfix directory), then fail with exit 3'
            cand --templates 'Use templates from this directory instead of the built-in ones'
            cand --format 'Output format'
            cand --spec 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]'
            cand --color 'When to colour output'
            cand --diff 'Print a unified diff against the files on disk; write nothing'
            cand --check 'Write nothing; exit 1 if any file would change'
            cand --no-postmap 'Do not compile the lookup tables with postmap'
            cand --reload 'Run `postfix reload` after writing changed files'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -v 'Print more: what was done and how long each step took'
            cand --verbose 'Print more: what was done and how long each step took'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mailctl;lint'= {
            cand --format 'Output format'
            cand --spec 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]'
            cand --color 'When to colour output'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -v 'Print more: what was done and how long each step took'
            cand --verbose 'Print more: what was done and how long each step took'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mailctl;dns'= {
            cand --format 'Output format'
            cand --domain 'Only the records of this zone (a domain in the spec)'
            cand --mta-sts-policy 'Print the MTA-STS policy file of DOMAIN instead of the records'
            cand --spec 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]'
            cand --color 'When to colour output'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -v 'Print more: what was done and how long each step took'
            cand --verbose 'Print more: what was done and how long each step took'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mailctl;dkim'= {
            cand --spec 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]'
            cand --color 'When to colour output'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -v 'Print more: what was done and how long each step took'
            cand --verbose 'Print more: what was done and how long each step took'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand keygen 'Create the DKIM keys that do not exist yet'
            cand show 'Print the DKIM TXT records of the existing keys'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mailctl;dkim;keygen'= {
            cand --domain 'Only keys for this domain'
            cand --selector 'Only this selector (it need not be in the spec yet)'
            cand --algorithm 'Key algorithm [default: the spec''s, else rsa-2048]'
            cand --format 'Output format'
            cand --spec 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]'
            cand --color 'When to colour output'
            cand --force 'Replace existing keys'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -v 'Print more: what was done and how long each step took'
            cand --verbose 'Print more: what was done and how long each step took'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mailctl;dkim;show'= {
            cand --domain 'Only keys for this domain'
            cand --format 'Output format'
            cand --spec 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]'
            cand --color 'When to colour output'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -v 'Print more: what was done and how long each step took'
            cand --verbose 'Print more: what was done and how long each step took'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mailctl;dkim;help'= {
            cand keygen 'Create the DKIM keys that do not exist yet'
            cand show 'Print the DKIM TXT records of the existing keys'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mailctl;dkim;help;keygen'= {
        }
        &'mailctl;dkim;help;show'= {
        }
        &'mailctl;dkim;help;help'= {
        }
        &'mailctl;cert'= {
            cand --spec 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]'
            cand --color 'When to colour output'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -v 'Print more: what was done and how long each step took'
            cand --verbose 'Print more: what was done and how long each step took'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand issue 'Order a certificate for the spec''s names now'
            cand renew 'Renew the certificate if it is due; otherwise do nothing and exit 0'
            cand status 'Show each stored certificate: names, issuer, validity, whether it is due'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mailctl;cert;issue'= {
            cand --spec 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]'
            cand --color 'When to colour output'
            cand --dry-run 'Run the whole flow against the CA''s staging server and store nothing (Let''s Encrypt''s staging server; other CAs: the configured directory, whose certificate is then a real one)'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -v 'Print more: what was done and how long each step took'
            cand --verbose 'Print more: what was done and how long each step took'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mailctl;cert;renew'= {
            cand --jitter 'Wait a random time of up to SECONDS first (spreads cron runs)'
            cand --lock-timeout 'How long to wait for another run''s lock before giving up'
            cand --spec 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]'
            cand --color 'When to colour output'
            cand --force 'Renew even if the certificate is not due'
            cand --dry-run 'Like `issue --dry-run` when a renewal would happen; stores nothing'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -v 'Print more: what was done and how long each step took'
            cand --verbose 'Print more: what was done and how long each step took'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mailctl;cert;status'= {
            cand --format 'Output format'
            cand --spec 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]'
            cand --color 'When to colour output'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -v 'Print more: what was done and how long each step took'
            cand --verbose 'Print more: what was done and how long each step took'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mailctl;cert;help'= {
            cand issue 'Order a certificate for the spec''s names now'
            cand renew 'Renew the certificate if it is due; otherwise do nothing and exit 0'
            cand status 'Show each stored certificate: names, issuer, validity, whether it is due'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mailctl;cert;help;issue'= {
        }
        &'mailctl;cert;help;renew'= {
        }
        &'mailctl;cert;help;status'= {
        }
        &'mailctl;cert;help;help'= {
        }
        &'mailctl;check-dns'= {
            cand --nameserver 'Ask this name server (repeatable) [default: the system resolver]'
            cand --domain 'Only this zone (repeatable)'
            cand --timeout 'Seconds to wait for each answer; one retry follows a timeout'
            cand --concurrency 'Queries in flight at most'
            cand --format 'Output format'
            cand --spec 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]'
            cand --color 'When to colour output'
            cand --strict 'Warnings count as problems (exit 1)'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -v 'Print more: what was done and how long each step took'
            cand --verbose 'Print more: what was done and how long each step took'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mailctl;passwd'= {
            cand --spec 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]'
            cand --color 'When to colour output'
            cand --stdin 'Read the password as one line from standard input instead of prompting'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -v 'Print more: what was done and how long each step took'
            cand --verbose 'Print more: what was done and how long each step took'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mailctl;client-config'= {
            cand --autoconfig 'Also write DIR/.well-known/autoconfig/mail/config-v1.1.xml'
            cand --format 'Output format'
            cand --spec 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]'
            cand --color 'When to colour output'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -v 'Print more: what was done and how long each step took'
            cand --verbose 'Print more: what was done and how long each step took'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mailctl;init'= {
            cand --output 'Where to write the spec'
            cand --domain 'A mail domain (repeatable; the first is the primary one)'
            cand --hostname 'The mail host''s name [default: mail.<first domain>]'
            cand --ipv4 'A public IPv4 address of the mail host (repeatable)'
            cand --ipv6 'A public IPv6 address of the mail host (repeatable)'
            cand --contact 'The contact address: ACME account, postmaster@ and abuse@ [default: postmaster@<first domain>]'
            cand --service 'A service to offer (repeatable) [default: submission, submissions, imaps; smtp is always on]'
            cand --dkim-algorithm 'The DKIM key algorithm [default: rsa-2048]'
            cand --dmarc-policy 'The DMARC policy [default: none, reports first]'
            cand --dmarc-rua 'Where DMARC reports go, or `none` [default: dmarc-reports@<first domain>]'
            cand --mta-sts 'The MTA-STS mode [default: testing]'
            cand --tls-rpt-rua 'Where TLS-RPT reports go, or `none` [default: tls-reports@<first domain>]'
            cand --acme-directory 'The ACME CA: letsencrypt, letsencrypt-staging or a directory URL [default: letsencrypt]'
            cand --challenge 'How the CA checks the names [default: http-01]'
            cand --dns-server 'dns-01: the primary server accepting RFC 2136 updates'
            cand --dns-zone 'dns-01: the zone holding the certificate names [default: the first domain]'
            cand --tsig-key 'dns-01: the TSIG key name [default: mailctl-key]'
            cand --tsig-secret-file 'dns-01: the file holding the TSIG secret [default: /etc/mailctl/tsig.secret]'
            cand --offer-address 'Offer these addresses instead of the interfaces'' (for tests)'
            cand --spec 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]'
            cand --color 'When to colour output'
            cand --non-interactive 'Take every answer from the flags; never prompt (for scripts and CI)'
            cand --force 'Overwrite an existing file'
            cand --agree-tos 'Accept the ACME CA''s terms of service (needed for a certificate)'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -v 'Print more: what was done and how long each step took'
            cand --verbose 'Print more: what was done and how long each step took'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mailctl;completions'= {
            cand --spec 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]'
            cand --color 'When to colour output'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -v 'Print more: what was done and how long each step took'
            cand --verbose 'Print more: what was done and how long each step took'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mailctl;generate-man'= {
            cand --spec 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]'
            cand --color 'When to colour output'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -v 'Print more: what was done and how long each step took'
            cand --verbose 'Print more: what was done and how long each step took'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mailctl;help'= {
            cand validate 'Check the spec: syntax, schema, every value and the rules across values'
            cand render 'Write main.cf, master.cf and the lookup tables, atomically'
            cand lint 'Check existing Postfix files: main.cf, master.cf, lookup tables'
            cand dns 'Print the DNS records the spec needs, as a zone file, JSON or a table'
            cand dkim 'Create DKIM keys, or print the DKIM records of the existing ones'
            cand cert 'Obtain, renew and inspect the TLS certificate by ACME (Let''s Encrypt)'
            cand check-dns 'Compare live DNS with the records the spec needs'
            cand passwd 'Set a mailbox''s login password; only a hash is stored'
            cand client-config 'Print the settings mail clients need, or write Thunderbird autoconfig'
            cand init 'Write a commented mailctl.toml by asking a few questions'
            cand completions 'Print a shell completion script'
            cand generate-man 'Write the man pages (mailctl.1 and one per subcommand) into DIR'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mailctl;help;validate'= {
        }
        &'mailctl;help;render'= {
        }
        &'mailctl;help;lint'= {
        }
        &'mailctl;help;dns'= {
        }
        &'mailctl;help;dkim'= {
            cand keygen 'Create the DKIM keys that do not exist yet'
            cand show 'Print the DKIM TXT records of the existing keys'
        }
        &'mailctl;help;dkim;keygen'= {
        }
        &'mailctl;help;dkim;show'= {
        }
        &'mailctl;help;cert'= {
            cand issue 'Order a certificate for the spec''s names now'
            cand renew 'Renew the certificate if it is due; otherwise do nothing and exit 0'
            cand status 'Show each stored certificate: names, issuer, validity, whether it is due'
        }
        &'mailctl;help;cert;issue'= {
        }
        &'mailctl;help;cert;renew'= {
        }
        &'mailctl;help;cert;status'= {
        }
        &'mailctl;help;check-dns'= {
        }
        &'mailctl;help;passwd'= {
        }
        &'mailctl;help;client-config'= {
        }
        &'mailctl;help;init'= {
        }
        &'mailctl;help;completions'= {
        }
        &'mailctl;help;generate-man'= {
        }
        &'mailctl;help;help'= {
        }
    ]
    $completions[$command]
}

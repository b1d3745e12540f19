# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_mailctl_global_optspecs
    string join \n spec= color= q/quiet v/verbose h/help V/version
end

function __fish_mailctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_mailctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_mailctl_using_subcommand
    set -l cmd (__fish_mailctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c mailctl -n "__fish_mailctl_needs_command" -l spec -d 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]' -r -F
complete -c mailctl -n "__fish_mailctl_needs_command" -l color -d 'When to colour output' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is not set'
always\t''
never\t''"
complete -c mailctl -n "__fish_mailctl_needs_command" -s q -l quiet -d 'Print only errors'
complete -c mailctl -n "__fish_mailctl_needs_command" -s v -l verbose -d 'Print more: what was done and how long each step took'
complete -c mailctl -n "__fish_mailctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailctl -n "__fish_mailctl_needs_command" -s V -l version -d 'Print version'
complete -c mailctl -n "__fish_mailctl_needs_command" -f -a "validate" -d 'Check the spec: syntax, schema, every value and the rules across values'
complete -c mailctl -n "__fish_mailctl_needs_command" -f -a "render" -d 'Write main.cf, master.cf and the lookup tables, atomically'
complete -c mailctl -n "__fish_mailctl_needs_command" -f -a "lint" -d 'Check existing Postfix files: main.cf, master.cf, lookup tables'
complete -c mailctl -n "__fish_mailctl_needs_command" -f -a "dns" -d 'Print the DNS records the spec needs, as a zone file, JSON or a table'
complete -c mailctl -n "__fish_mailctl_needs_command" -f -a "dkim" -d 'Create DKIM keys, or print the DKIM records of the existing ones'
complete -c mailctl -n "__fish_mailctl_needs_command" -f -a "cert" -d 'Obtain, renew and inspect the TLS certificate by ACME (Let\'s Encrypt)'
complete -c mailctl -n "__fish_mailctl_needs_command" -f -a "check-dns" -d 'Compare live DNS with the records the spec needs'
complete -c mailctl -n "__fish_mailctl_needs_command" -f -a "passwd" -d 'Set a mailbox\'s login password; only a hash is stored'
complete -c mailctl -n "__fish_mailctl_needs_command" -f -a "client-config" -d 'Print the settings mail clients need, or write Thunderbird autoconfig'
complete -c mailctl -n "__fish_mailctl_needs_command" -f -a "init" -d 'Write a commented mailctl.toml by asking a few questions'
complete -c mailctl -n "__fish_mailctl_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c mailctl -n "__fish_mailctl_needs_command" -f -a "generate-man" -d 'Write the man pages (mailctl.1 and one per subcommand) into DIR'
complete -c mailctl -n "__fish_mailctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mailctl -n "__fish_mailctl_using_subcommand validate" -l format -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand validate" -l templates -d 'Use templates from this directory instead of the built-in ones' -r -F
complete -c mailctl -n "__fish_mailctl_using_subcommand validate" -l spec -d 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]' -r -F
complete -c mailctl -n "__fish_mailctl_using_subcommand validate" -l color -d 'When to colour output' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is not set'
always\t''
never\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand validate" -s q -l quiet -d 'Print only errors'
complete -c mailctl -n "__fish_mailctl_using_subcommand validate" -s v -l verbose -d 'Print more: what was done and how long each step took'
complete -c mailctl -n "__fish_mailctl_using_subcommand validate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailctl -n "__fish_mailctl_using_subcommand render" -l out -d 'Directory to write to [default: the spec\'s `postfix.config_dir`, /etc/postfix]' -r -F
complete -c mailctl -n "__fish_mailctl_using_subcommand render" -l lock-timeout -d 'Wait up to SECONDS for another `mailctl render` to finish writing (it holds `.mailctl-backup/.mailctl-lock` in the Postfix directory), then fail with exit 3' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand render" -l templates -d 'Use templates from this directory instead of the built-in ones' -r -F
complete -c mailctl -n "__fish_mailctl_using_subcommand render" -l format -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand render" -l spec -d 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]' -r -F
complete -c mailctl -n "__fish_mailctl_using_subcommand render" -l color -d 'When to colour output' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is not set'
always\t''
never\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand render" -l diff -d 'Print a unified diff against the files on disk; write nothing'
complete -c mailctl -n "__fish_mailctl_using_subcommand render" -l check -d 'Write nothing; exit 1 if any file would change'
complete -c mailctl -n "__fish_mailctl_using_subcommand render" -l no-postmap -d 'Do not compile the lookup tables with postmap'
complete -c mailctl -n "__fish_mailctl_using_subcommand render" -l reload -d 'Run `postfix reload` after writing changed files'
complete -c mailctl -n "__fish_mailctl_using_subcommand render" -s q -l quiet -d 'Print only errors'
complete -c mailctl -n "__fish_mailctl_using_subcommand render" -s v -l verbose -d 'Print more: what was done and how long each step took'
complete -c mailctl -n "__fish_mailctl_using_subcommand render" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailctl -n "__fish_mailctl_using_subcommand lint" -l format -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand lint" -l spec -d 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]' -r -F
complete -c mailctl -n "__fish_mailctl_using_subcommand lint" -l color -d 'When to colour output' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is not set'
always\t''
never\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand lint" -s q -l quiet -d 'Print only errors'
complete -c mailctl -n "__fish_mailctl_using_subcommand lint" -s v -l verbose -d 'Print more: what was done and how long each step took'
complete -c mailctl -n "__fish_mailctl_using_subcommand lint" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailctl -n "__fish_mailctl_using_subcommand dns" -l format -d 'Output format' -r -f -a "table\t'Aligned columns for people'
zone\t'A master file (RFC 1035) to add to each zone'
json\t'One object per record: name, type, ttl, value, purpose, domain'"
complete -c mailctl -n "__fish_mailctl_using_subcommand dns" -l domain -d 'Only the records of this zone (a domain in the spec)' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand dns" -l mta-sts-policy -d 'Print the MTA-STS policy file of DOMAIN instead of the records' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand dns" -l spec -d 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]' -r -F
complete -c mailctl -n "__fish_mailctl_using_subcommand dns" -l color -d 'When to colour output' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is not set'
always\t''
never\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand dns" -s q -l quiet -d 'Print only errors'
complete -c mailctl -n "__fish_mailctl_using_subcommand dns" -s v -l verbose -d 'Print more: what was done and how long each step took'
complete -c mailctl -n "__fish_mailctl_using_subcommand dns" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and not __fish_seen_subcommand_from keygen show help" -l spec -d 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]' -r -F
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and not __fish_seen_subcommand_from keygen show help" -l color -d 'When to colour output' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is not set'
always\t''
never\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and not __fish_seen_subcommand_from keygen show help" -s q -l quiet -d 'Print only errors'
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and not __fish_seen_subcommand_from keygen show help" -s v -l verbose -d 'Print more: what was done and how long each step took'
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and not __fish_seen_subcommand_from keygen show help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and not __fish_seen_subcommand_from keygen show help" -f -a "keygen" -d 'Create the DKIM keys that do not exist yet'
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and not __fish_seen_subcommand_from keygen show help" -f -a "show" -d 'Print the DKIM TXT records of the existing keys'
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and not __fish_seen_subcommand_from keygen show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and __fish_seen_subcommand_from keygen" -l domain -d 'Only keys for this domain' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and __fish_seen_subcommand_from keygen" -l selector -d 'Only this selector (it need not be in the spec yet)' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and __fish_seen_subcommand_from keygen" -l algorithm -d 'Key algorithm [default: the spec\'s, else rsa-2048]' -r -f -a "rsa-2048\t''
rsa-3072\t''
ed25519\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and __fish_seen_subcommand_from keygen" -l format -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and __fish_seen_subcommand_from keygen" -l spec -d 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]' -r -F
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and __fish_seen_subcommand_from keygen" -l color -d 'When to colour output' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is not set'
always\t''
never\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and __fish_seen_subcommand_from keygen" -l force -d 'Replace existing keys'
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and __fish_seen_subcommand_from keygen" -s q -l quiet -d 'Print only errors'
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and __fish_seen_subcommand_from keygen" -s v -l verbose -d 'Print more: what was done and how long each step took'
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and __fish_seen_subcommand_from keygen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and __fish_seen_subcommand_from show" -l domain -d 'Only keys for this domain' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and __fish_seen_subcommand_from show" -l format -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and __fish_seen_subcommand_from show" -l spec -d 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]' -r -F
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and __fish_seen_subcommand_from show" -l color -d 'When to colour output' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is not set'
always\t''
never\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only errors'
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Print more: what was done and how long each step took'
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and __fish_seen_subcommand_from help" -f -a "keygen" -d 'Create the DKIM keys that do not exist yet'
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the DKIM TXT records of the existing keys'
complete -c mailctl -n "__fish_mailctl_using_subcommand dkim; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and not __fish_seen_subcommand_from issue renew status help" -l spec -d 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]' -r -F
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and not __fish_seen_subcommand_from issue renew status help" -l color -d 'When to colour output' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is not set'
always\t''
never\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and not __fish_seen_subcommand_from issue renew status help" -s q -l quiet -d 'Print only errors'
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and not __fish_seen_subcommand_from issue renew status help" -s v -l verbose -d 'Print more: what was done and how long each step took'
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and not __fish_seen_subcommand_from issue renew status help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and not __fish_seen_subcommand_from issue renew status help" -f -a "issue" -d 'Order a certificate for the spec\'s names now'
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and not __fish_seen_subcommand_from issue renew status help" -f -a "renew" -d 'Renew the certificate if it is due; otherwise do nothing and exit 0'
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and not __fish_seen_subcommand_from issue renew status help" -f -a "status" -d 'Show each stored certificate: names, issuer, validity, whether it is due'
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and not __fish_seen_subcommand_from issue renew status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from issue" -l spec -d 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]' -r -F
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from issue" -l color -d 'When to colour output' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is not set'
always\t''
never\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from issue" -l dry-run -d 'Run the whole flow against the CA\'s staging server and store nothing (Let\'s Encrypt\'s staging server; other CAs: the configured directory, whose certificate is then a real one)'
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from issue" -s q -l quiet -d 'Print only errors'
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from issue" -s v -l verbose -d 'Print more: what was done and how long each step took'
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from issue" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from renew" -l jitter -d 'Wait a random time of up to SECONDS first (spreads cron runs)' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from renew" -l lock-timeout -d 'How long to wait for another run\'s lock before giving up' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from renew" -l spec -d 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]' -r -F
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from renew" -l color -d 'When to colour output' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is not set'
always\t''
never\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from renew" -l force -d 'Renew even if the certificate is not due'
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from renew" -l dry-run -d 'Like `issue --dry-run` when a renewal would happen; stores nothing'
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from renew" -s q -l quiet -d 'Print only errors'
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from renew" -s v -l verbose -d 'Print more: what was done and how long each step took'
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from renew" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from status" -l format -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from status" -l spec -d 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]' -r -F
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from status" -l color -d 'When to colour output' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is not set'
always\t''
never\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only errors'
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Print more: what was done and how long each step took'
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from help" -f -a "issue" -d 'Order a certificate for the spec\'s names now'
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from help" -f -a "renew" -d 'Renew the certificate if it is due; otherwise do nothing and exit 0'
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show each stored certificate: names, issuer, validity, whether it is due'
complete -c mailctl -n "__fish_mailctl_using_subcommand cert; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mailctl -n "__fish_mailctl_using_subcommand check-dns" -l nameserver -d 'Ask this name server (repeatable) [default: the system resolver]' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand check-dns" -l domain -d 'Only this zone (repeatable)' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand check-dns" -l timeout -d 'Seconds to wait for each answer; one retry follows a timeout' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand check-dns" -l concurrency -d 'Queries in flight at most' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand check-dns" -l format -d 'Output format' -r -f -a "text\t'One line per check, per domain, with expected and found on failure'
json\t'One object per finding, and a summary'
junit\t'`JUnit` XML: one test case per check, for CI dashboards'
github\t'GitHub Actions annotations on the spec lines'"
complete -c mailctl -n "__fish_mailctl_using_subcommand check-dns" -l spec -d 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]' -r -F
complete -c mailctl -n "__fish_mailctl_using_subcommand check-dns" -l color -d 'When to colour output' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is not set'
always\t''
never\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand check-dns" -l strict -d 'Warnings count as problems (exit 1)'
complete -c mailctl -n "__fish_mailctl_using_subcommand check-dns" -s q -l quiet -d 'Print only errors'
complete -c mailctl -n "__fish_mailctl_using_subcommand check-dns" -s v -l verbose -d 'Print more: what was done and how long each step took'
complete -c mailctl -n "__fish_mailctl_using_subcommand check-dns" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailctl -n "__fish_mailctl_using_subcommand passwd" -l spec -d 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]' -r -F
complete -c mailctl -n "__fish_mailctl_using_subcommand passwd" -l color -d 'When to colour output' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is not set'
always\t''
never\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand passwd" -l stdin -d 'Read the password as one line from standard input instead of prompting'
complete -c mailctl -n "__fish_mailctl_using_subcommand passwd" -s q -l quiet -d 'Print only errors'
complete -c mailctl -n "__fish_mailctl_using_subcommand passwd" -s v -l verbose -d 'Print more: what was done and how long each step took'
complete -c mailctl -n "__fish_mailctl_using_subcommand passwd" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailctl -n "__fish_mailctl_using_subcommand client-config" -l autoconfig -d 'Also write DIR/.well-known/autoconfig/mail/config-v1.1.xml' -r -F
complete -c mailctl -n "__fish_mailctl_using_subcommand client-config" -l format -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand client-config" -l spec -d 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]' -r -F
complete -c mailctl -n "__fish_mailctl_using_subcommand client-config" -l color -d 'When to colour output' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is not set'
always\t''
never\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand client-config" -s q -l quiet -d 'Print only errors'
complete -c mailctl -n "__fish_mailctl_using_subcommand client-config" -s v -l verbose -d 'Print more: what was done and how long each step took'
complete -c mailctl -n "__fish_mailctl_using_subcommand client-config" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -l output -d 'Where to write the spec' -r -F
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -l domain -d 'A mail domain (repeatable; the first is the primary one)' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -l hostname -d 'The mail host\'s name [default: mail.<first domain>]' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -l ipv4 -d 'A public IPv4 address of the mail host (repeatable)' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -l ipv6 -d 'A public IPv6 address of the mail host (repeatable)' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -l contact -d 'The contact address: ACME account, postmaster@ and abuse@ [default: postmaster@<first domain>]' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -l service -d 'A service to offer (repeatable) [default: submission, submissions, imaps; smtp is always on]' -r -f -a "smtp\t'SMTP on port 25 (always on; give it alone for no other service)'
submission\t'Submission on port 587 (STARTTLS)'
submissions\t'Submission on port 465 (implicit TLS)'
imaps\t'IMAP over TLS on port 993 (Dovecot)'
pop3s\t'POP3 over TLS on port 995 (Dovecot)'"
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -l dkim-algorithm -d 'The DKIM key algorithm [default: rsa-2048]' -r -f -a "rsa-2048\t''
rsa-3072\t''
ed25519\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -l dmarc-policy -d 'The DMARC policy [default: none, reports first]' -r -f -a "none\t''
quarantine\t''
reject\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -l dmarc-rua -d 'Where DMARC reports go, or `none` [default: dmarc-reports@<first domain>]' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -l mta-sts -d 'The MTA-STS mode [default: testing]' -r -f -a "testing\t''
enforce\t''
off\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -l tls-rpt-rua -d 'Where TLS-RPT reports go, or `none` [default: tls-reports@<first domain>]' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -l acme-directory -d 'The ACME CA: letsencrypt, letsencrypt-staging or a directory URL [default: letsencrypt]' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -l challenge -d 'How the CA checks the names [default: http-01]' -r -f -a "http-01\t''
dns-01\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -l dns-server -d 'dns-01: the primary server accepting RFC 2136 updates' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -l dns-zone -d 'dns-01: the zone holding the certificate names [default: the first domain]' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -l tsig-key -d 'dns-01: the TSIG key name [default: mailctl-key]' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -l tsig-secret-file -d 'dns-01: the file holding the TSIG secret [default: /etc/mailctl/tsig.secret]' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -l offer-address -d 'Offer these addresses instead of the interfaces\' (for tests)' -r
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -l spec -d 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]' -r -F
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -l color -d 'When to colour output' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is not set'
always\t''
never\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -l non-interactive -d 'Take every answer from the flags; never prompt (for scripts and CI)'
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -l force -d 'Overwrite an existing file'
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -l agree-tos -d 'Accept the ACME CA\'s terms of service (needed for a certificate)'
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -s q -l quiet -d 'Print only errors'
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -s v -l verbose -d 'Print more: what was done and how long each step took'
complete -c mailctl -n "__fish_mailctl_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailctl -n "__fish_mailctl_using_subcommand completions" -l spec -d 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]' -r -F
complete -c mailctl -n "__fish_mailctl_using_subcommand completions" -l color -d 'When to colour output' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is not set'
always\t''
never\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand completions" -s q -l quiet -d 'Print only errors'
complete -c mailctl -n "__fish_mailctl_using_subcommand completions" -s v -l verbose -d 'Print more: what was done and how long each step took'
complete -c mailctl -n "__fish_mailctl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailctl -n "__fish_mailctl_using_subcommand generate-man" -l spec -d 'The spec file [default: ./mailctl.toml, then /etc/mailctl/mailctl.toml]' -r -F
complete -c mailctl -n "__fish_mailctl_using_subcommand generate-man" -l color -d 'When to colour output' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is not set'
always\t''
never\t''"
complete -c mailctl -n "__fish_mailctl_using_subcommand generate-man" -s q -l quiet -d 'Print only errors'
complete -c mailctl -n "__fish_mailctl_using_subcommand generate-man" -s v -l verbose -d 'Print more: what was done and how long each step took'
complete -c mailctl -n "__fish_mailctl_using_subcommand generate-man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailctl -n "__fish_mailctl_using_subcommand help; and not __fish_seen_subcommand_from validate render lint dns dkim cert check-dns passwd client-config init completions generate-man help" -f -a "validate" -d 'Check the spec: syntax, schema, every value and the rules across values'
complete -c mailctl -n "__fish_mailctl_using_subcommand help; and not __fish_seen_subcommand_from validate render lint dns dkim cert check-dns passwd client-config init completions generate-man help" -f -a "render" -d 'Write main.cf, master.cf and the lookup tables, atomically'
complete -c mailctl -n "__fish_mailctl_using_subcommand help; and not __fish_seen_subcommand_from validate render lint dns dkim cert check-dns passwd client-config init completions generate-man help" -f -a "lint" -d 'Check existing Postfix files: main.cf, master.cf, lookup tables'
complete -c mailctl -n "__fish_mailctl_using_subcommand help; and not __fish_seen_subcommand_from validate render lint dns dkim cert check-dns passwd client-config init completions generate-man help" -f -a "dns" -d 'Print the DNS records the spec needs, as a zone file, JSON or a table'
complete -c mailctl -n "__fish_mailctl_using_subcommand help; and not __fish_seen_subcommand_from validate render lint dns dkim cert check-dns passwd client-config init completions generate-man help" -f -a "dkim" -d 'Create DKIM keys, or print the DKIM records of the existing ones'
complete -c mailctl -n "__fish_mailctl_using_subcommand help; and not __fish_seen_subcommand_from validate render lint dns dkim cert check-dns passwd client-config init completions generate-man help" -f -a "cert" -d 'Obtain, renew and inspect the TLS certificate by ACME (Let\'s Encrypt)'
complete -c mailctl -n "__fish_mailctl_using_subcommand help; and not __fish_seen_subcommand_from validate render lint dns dkim cert check-dns passwd client-config init completions generate-man help" -f -a "check-dns" -d 'Compare live DNS with the records the spec needs'
complete -c mailctl -n "__fish_mailctl_using_subcommand help; and not __fish_seen_subcommand_from validate render lint dns dkim cert check-dns passwd client-config init completions generate-man help" -f -a "passwd" -d 'Set a mailbox\'s login password; only a hash is stored'
complete -c mailctl -n "__fish_mailctl_using_subcommand help; and not __fish_seen_subcommand_from validate render lint dns dkim cert check-dns passwd client-config init completions generate-man help" -f -a "client-config" -d 'Print the settings mail clients need, or write Thunderbird autoconfig'
complete -c mailctl -n "__fish_mailctl_using_subcommand help; and not __fish_seen_subcommand_from validate render lint dns dkim cert check-dns passwd client-config init completions generate-man help" -f -a "init" -d 'Write a commented mailctl.toml by asking a few questions'
complete -c mailctl -n "__fish_mailctl_using_subcommand help; and not __fish_seen_subcommand_from validate render lint dns dkim cert check-dns passwd client-config init completions generate-man help" -f -a "completions" -d 'Print a shell completion script'
complete -c mailctl -n "__fish_mailctl_using_subcommand help; and not __fish_seen_subcommand_from validate render lint dns dkim cert check-dns passwd client-config init completions generate-man help" -f -a "generate-man" -d 'Write the man pages (mailctl.1 and one per subcommand) into DIR'
complete -c mailctl -n "__fish_mailctl_using_subcommand help; and not __fish_seen_subcommand_from validate render lint dns dkim cert check-dns passwd client-config init completions generate-man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mailctl -n "__fish_mailctl_using_subcommand help; and __fish_seen_subcommand_from dkim" -f -a "keygen" -d 'Create the DKIM keys that do not exist yet'
complete -c mailctl -n "__fish_mailctl_using_subcommand help; and __fish_seen_subcommand_from dkim" -f -a "show" -d 'Print the DKIM TXT records of the existing keys'
complete -c mailctl -n "__fish_mailctl_using_subcommand help; and __fish_seen_subcommand_from cert" -f -a "issue" -d 'Order a certificate for the spec\'s names now'
complete -c mailctl -n "__fish_mailctl_using_subcommand help; and __fish_seen_subcommand_from cert" -f -a "renew" -d 'Renew the certificate if it is due; otherwise do nothing and exit 0'
complete -c mailctl -n "__fish_mailctl_using_subcommand help; and __fish_seen_subcommand_from cert" -f -a "status" -d 'Show each stored certificate: names, issuer, validity, whether it is due'
